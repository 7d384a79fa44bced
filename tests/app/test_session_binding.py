"""A Streamlit session belongs to the login session that first used it: a rerun that arrives
with another login session (someone resuming the Streamlit session by its id, with their own
cookie) gets nothing of what the previous person had on screen."""

from __future__ import annotations

from dashboard.auth import accounts as auth
from dashboard.ui import ACTOR_KEY, BINDING_KEY, TOKEN_KEY, bind_to_login_session, get_engine
from models.enums import Role

PREVIOUS = "sélection de la personne précédente"


def test_a_rerun_with_another_login_session_keeps_nothing_of_the_previous_state(login_as):
    at = login_as("lead")
    assert at.session_state[ACTOR_KEY].username == "lead.r01"
    at.session_state["_at_selection"] = PREVIOUS
    at.run()
    other = auth.login(get_engine(), "copil", "demo-copil-2026")
    at.session_state[TOKEN_KEY] = other.token
    at.run()
    assert not at.exception
    assert "_at_selection" not in at.session_state
    assert at.session_state[ACTOR_KEY].role == Role.steering
    assert all(PREVIOUS not in (t.value or "") for t in at.text)


def test_the_same_login_session_keeps_its_state(login_as):
    at = login_as("lead")
    at.session_state["_at_selection"] = PREVIOUS
    at.run()
    at.run()
    assert at.session_state["_at_selection"] == PREVIOUS


def test_binding_rules():
    state: dict = {}
    assert bind_to_login_session(state, "jeton-a") is False
    state["choix"] = 3
    assert bind_to_login_session(state, "jeton-a") is False and state["choix"] == 3
    assert "jeton-a" not in state[BINDING_KEY]  # only a fingerprint is kept
    assert bind_to_login_session(state, None) is False and state["choix"] == 3
    assert bind_to_login_session(state, "jeton-b") is True
    assert "choix" not in state and set(state) == {BINDING_KEY}
