"""AppTest harness: the real entry point on a per-test demo database, logged in through the
real authentication service (AppTest cannot carry the browser cookie, so the session id goes
into the same private session-state key the login sets)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.auth import accounts as auth
from dashboard.core.config import get_settings
from dashboard.ui import TOKEN_KEY

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
DEMO_PASSWORDS = {
    "lead": "demo-referent-2026",
    "steering": "demo-copil-2026",
    "ministry": "demo-ministere-2026",
    "admin": "demo-animation-2026",
}
DEMO_USERS = {
    "lead": "lead.r01",
    "steering": "copil",
    "ministry": "ministere",
    "admin": "animation",
}


def page(name: str) -> str:
    """Path of ``pages/<name>.py`` relative to the entry point, for ``at.switch_page``."""
    return f"../pages/{name}.py"


@pytest.fixture
def app_db(monkeypatch, demo_url) -> Iterator[str]:
    """Point the app at a fresh demo database for this test."""
    monkeypatch.setenv("DATABASE_URL", demo_url)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield demo_url
    st.cache_resource.clear()
    st.cache_data.clear()
    get_settings.cache_clear()


@pytest.fixture
def login_as(app_db) -> Callable[..., AppTest]:
    """``login_as("lead")`` or ``login_as("lead.r05", password=...)`` → AppTest already run."""
    from dashboard.ui import get_engine

    def _login(who: str, *, password: str | None = None, run: bool = True) -> AppTest:
        username = DEMO_USERS.get(who, who)
        role = who if who in DEMO_USERS else ("lead" if username.startswith("lead.") else who)
        result = auth.login(get_engine(), username, password or DEMO_PASSWORDS.get(role, ""))
        assert result.ok, result.message
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state[TOKEN_KEY] = result.token
        return at.run() if run else at

    return _login


@pytest.fixture
def backend() -> str:
    """Pages are tested on SQLite; the services under them run on PostgreSQL too."""
    return "sqlite"
