"""Local accounts: same answer for unknown user and wrong password, throttling in the
database, server-side sessions that logout, deactivation and timeouts end."""

from __future__ import annotations

import datetime as dt

import argon2
import pytest
from sqlalchemy import update
from sqlmodel import select

from dashboard.auth import accounts as auth
from dashboard.core.db import session_scope
from dashboard.core.errors import ValidationFailed
from models import AuthSession, LoginAttempt, User
from tests.factories import PASSWORD, make_cohort, make_network, make_user


@pytest.fixture
def lead(engine):
    net = make_network(engine, make_cohort(engine))
    return make_user(engine, "lead", network_id=net, username="claire")


def test_correct_password_opens_a_session(engine, lead):
    result = auth.login(engine, "Claire ", PASSWORD)  # case and spaces do not matter
    assert result.ok and result.token
    actor = auth.resolve_session(engine, result.token)
    assert (
        actor.username == "claire" and actor.role == "lead" and actor.network_id == lead.network_id
    )
    with session_scope(engine) as s:
        stored = s.exec(select(AuthSession)).one()
        assert stored.token_hash != result.token  # only a hash of the cookie value is kept
        assert s.get(User, lead.id).last_login_at is not None


def test_password_hash_is_argon2id(engine, lead):
    with session_scope(engine) as s:
        assert s.get(User, lead.id).password_hash.startswith("$argon2id$")


def test_passwords_are_hashed_with_the_rfc_9106_low_memory_profile(real_argon2):
    stored = auth.hash_password("un-mot-de-passe-assez-long")
    assert argon2.extract_parameters(stored) == argon2.profiles.RFC_9106_LOW_MEMORY
    assert auth._verify(stored, "un-mot-de-passe-assez-long")
    assert not auth._verify(stored, "un-autre-mot-de-passe")


def test_other_tests_hash_with_the_cheapest_profile():
    # Only the tests about hashing pay for the production profile (``real_argon2``).
    stored = auth.hash_password("un-mot-de-passe-assez-long")
    assert argon2.extract_parameters(stored) == argon2.profiles.CHEAPEST
    assert auth._verify(stored, "un-mot-de-passe-assez-long")


def test_wrong_password_and_unknown_user_get_the_same_message(engine, lead, monkeypatch):
    calls = []
    real_verify = auth._verify
    monkeypatch.setattr(auth, "_verify", lambda h, p: calls.append(h) or real_verify(h, p))
    wrong = auth.login(engine, "claire", "mauvais-mot-de-passe")
    unknown = auth.login(engine, "personne", "mauvais-mot-de-passe")
    assert not wrong.ok and not unknown.ok
    assert wrong.message == unknown.message == "Identifiant ou mot de passe incorrect."
    # Both paths run exactly one argon2 verification, so they take about the same time;
    # the unknown user is verified against a dummy hash.
    assert len(calls) == 2 and calls[1] is None


def test_inactive_user_cannot_log_in(engine):
    net = make_network(engine, make_cohort(engine))
    make_user(engine, "lead", network_id=net, username="partie", active=False)
    result = auth.login(engine, "partie", PASSWORD)
    assert not result.ok and result.message == "Identifiant ou mot de passe incorrect."


def test_throttling_after_ten_failures_even_with_the_right_password(engine, lead):
    for _ in range(10):
        assert not auth.login(engine, "claire", "faux").ok
    locked = auth.login(engine, "claire", PASSWORD)
    assert not locked.ok and "Trop de tentatives" in locked.message
    with session_scope(engine) as s:
        attempts = s.exec(select(LoginAttempt).where(LoginAttempt.username == "claire")).all()
        assert len(attempts) == 10  # the locked attempt verified nothing
        assert not any(a.success for a in attempts)
    # Another account is not affected.
    make_user(engine, "admin", username="autre")
    assert auth.login(engine, "autre", PASSWORD).ok


def test_throttling_window_passes(engine, lead):
    for _ in range(10):
        auth.login(engine, "claire", "faux")
    with session_scope(engine) as s:
        s.exec(
            update(LoginAttempt).values(
                attempted_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6)
            )
        )
    assert auth.login(engine, "claire", PASSWORD).ok


def test_logout_revokes_the_session_server_side(engine, lead):
    token = auth.login(engine, "claire", PASSWORD).token
    auth.logout(engine, token)
    assert auth.resolve_session(engine, token) is None
    with session_scope(engine) as s:
        assert s.exec(select(AuthSession)).one().revoked_at is not None


def test_deactivation_ends_open_sessions(engine, lead):
    token = auth.login(engine, "claire", PASSWORD).token
    with session_scope(engine) as s:
        s.get(User, lead.id).active = False
    assert auth.resolve_session(engine, token) is None


def test_idle_timeout_and_absolute_expiry(engine, lead):
    idle_token = auth.login(engine, "claire", PASSWORD).token
    old_token = auth.login(engine, "claire", PASSWORD).token
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as s:
        rows = s.exec(select(AuthSession).order_by(AuthSession.id)).all()
        rows[0].last_seen_at = now - dt.timedelta(minutes=31)
        rows[1].expires_at = now - dt.timedelta(seconds=1)
    assert auth.resolve_session(engine, idle_token) is None
    assert auth.resolve_session(engine, old_token) is None


def test_unknown_or_missing_token(engine, lead):
    assert auth.resolve_session(engine, None) is None
    assert auth.resolve_session(engine, "forged-token") is None


def test_revoke_user_sessions(engine, lead):
    tokens = [auth.login(engine, "claire", PASSWORD).token for _ in range(3)]
    assert auth.revoke_user_sessions(engine, lead.id) == 3
    assert all(auth.resolve_session(engine, t) is None for t in tokens)


def test_create_user_rules(engine):
    net = make_network(engine, make_cohort(engine))
    with pytest.raises(ValidationFailed, match="au moins 12"):
        auth.create_user(engine, username="x", full_name="X", role="admin", password="court")
    with pytest.raises(ValidationFailed, match="rattaché·e à un réseau"):
        auth.create_user(engine, username="x", full_name="X", role="lead", password=PASSWORD)
    uid = auth.create_user(
        engine, username="Nina", full_name="Nina", role="lead", password=PASSWORD, network_id=net
    )
    with pytest.raises(ValidationFailed, match="existe déjà"):
        auth.create_user(engine, username="nina", full_name="N", role="admin", password=PASSWORD)
    assert auth.login(engine, "nina", PASSWORD).actor.id == uid


def test_change_password(engine, lead):
    actor = auth.login(engine, "claire", PASSWORD).actor
    with pytest.raises(ValidationFailed, match="actuel est incorrect"):
        auth.change_password(engine, actor, "faux", "un-nouveau-mot-de-passe")
    auth.change_password(engine, actor, PASSWORD, "un-nouveau-mot-de-passe")
    assert not auth.login(engine, "claire", PASSWORD).ok
    assert auth.login(engine, "claire", "un-nouveau-mot-de-passe").ok
