"""The entry point: login per role, exactly the role's pages, refusals, the home figures."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import accounts as auth
from dashboard.core.config import get_settings
from dashboard.core.i18n import fmt_number
from dashboard.services.reporting import cohorts
from dashboard.ui import TOKEN_KEY, get_engine
from dashboard.ui.navigation import PAGES
from models.enums import Role
from tests.app.conftest import APP, page

ROLE_USER = {
    Role.lead: "lead",
    Role.steering: "steering",
    Role.ministry: "ministry",
    Role.admin: "admin",
}


def test_every_declared_page_exists():
    missing = [p.file for p in PAGES if not p.path.exists()]
    assert missing == []


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_exactly_its_pages(login_as, role):
    at = login_as(ROLE_USER[role])
    assert not at.exception
    for spec in PAGES:
        name = spec.file.removeprefix("pages/").removesuffix(".py")
        if role in spec.roles:
            at.switch_page(page(name)).run()
            assert not at.exception, (role, spec.file, at.exception)
            assert at.title and at.title[0].value == spec.title, (role, spec.file)
        else:
            with pytest.raises(ValueError):
                at.switch_page(page(name))


def test_lead_cannot_switch_to_an_admin_page(login_as):
    at = login_as("lead")
    for name in ("admin/users", "admin/validation", "ministry/exports"):
        with pytest.raises(ValueError):
            at.switch_page(page(name))


def test_home_shows_the_demo_cohorts_real_figures(login_as):
    at = login_as("steering")
    engine = get_engine()
    actor = auth.login(engine, "copil", "demo-copil-2026").actor
    cohort_id = cohorts.default_cohort_id(engine, actor)
    figures = cohorts.headline(engine, actor, cohort_id, as_of=dt.date.today())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Réseaux accompagnés"] == "12"
    assert metrics["Alliances signées"] == fmt_number(figures["alliances_signed"])
    assert metrics["Jalons en retard"] == fmt_number(figures["milestones_late"])
    assert metrics["Valeurs à valider"] == fmt_number(figures["values_awaiting_validation"])
    assert any("Alliances innovantes" in s.value for s in at.subheader)
    texts = " ".join(str(df.value.to_string()) for df in at.dataframe)
    assert "Réseau Clicommun" in texts and "Fédération Trame Solidaire" in texts


def test_lead_home_shows_their_network_first(login_as):
    at = login_as("lead.r05")
    assert any(t.value == "R05 — Réseau Clicommun" for t in at.text)
    assert any("Mon réseau" in m.value for m in at.markdown)


def test_without_a_session_nothing_is_shown_but_the_login_link(app_db):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "pas connecté" in at.warning[0].value
    assert any("/auth/login" in m.value for m in at.markdown)
    assert not at.metric and not at.dataframe


def test_forged_token_is_refused(app_db):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = "jeton-invente"
    at.run()
    assert "pas connecté" in at.warning[0].value and not at.metric


def test_logout_button_revokes_the_session(login_as):
    at = login_as("steering")
    token = at.session_state[TOKEN_KEY]
    at.sidebar.button(key="logout_button").click().run()
    assert auth.resolve_session(get_engine(), token) is None
    assert "déconnecté" in at.success[0].value


def test_unmigrated_database_shows_the_french_fix(monkeypatch, tmp_path):
    import streamlit as st

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'vide.sqlite'}")
    get_settings.cache_clear()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert not at.exception
        assert "python -m dashboard migrate" in at.error[0].value
    finally:
        get_settings.cache_clear()
        st.cache_resource.clear()
