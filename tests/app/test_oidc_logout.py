"""The sidebar's logout for a session opened through the identity provider: a link to the
provider logout route (which also ends the provider's session), not the local button."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.auth import oidc
from dashboard.core.config import get_settings
from dashboard.ui import TOKEN_KEY, get_engine
from tests.app.conftest import APP


def _with_provider(monkeypatch) -> None:
    monkeypatch.setenv("OIDC_ISSUER", "https://fournisseur.exemple.fr")
    monkeypatch.setenv("OIDC_CLIENT_ID", "alliances-tracker")
    get_settings.cache_clear()


def _html(at: AppTest) -> str:
    return "".join(str(element.proto.body) for element in at.get("html"))


def test_a_provider_session_logs_out_through_the_provider(app_db, monkeypatch):
    _with_provider(monkeypatch)
    token, actor = oidc.sign_in_identity(
        get_engine(),
        subject="sub-julien",
        email="julien.aubry@exemple.org",  # the demo's ministry agent
        id_token="entete.contenu.signature",
    )
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = token
    at.run()
    assert not at.exception and actor.role.value == "ministry"
    html = _html(at)
    assert 'href="/auth/oidc/logout?k=' in html and "Se déconnecter" in html
    assert [b for b in at.sidebar.button if b.key == "logout_button"] == []


def test_a_password_session_keeps_the_logout_button(login_as, monkeypatch):
    _with_provider(monkeypatch)
    at = login_as("ministry")
    assert not at.exception
    assert "/auth/oidc/logout" not in _html(at)
    assert [b.label for b in at.sidebar.button if b.key == "logout_button"] == ["Se déconnecter"]
