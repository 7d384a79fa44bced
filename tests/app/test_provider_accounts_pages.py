"""Pages about accounts and the identity provider: « Personnes » shows which accounts are linked
to the provider (never the subject) and unlinks one after a confirmation; « Mon compte » of a
role that signs in with the provider offers no password change."""

from __future__ import annotations

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from dashboard.auth import oidc
from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from dashboard.ui import TOKEN_KEY, get_engine
from models import ChangeLog, User
from tests.app.conftest import APP, page

AGENT_EMAIL = "julien.aubry@exemple.org"  # the demo's ministry agent
SUBJECT = "sujet-du-fournisseur-8c1f0e2d"
NO_PASSWORD = (
    "Votre compte se connecte avec ProConnect : il n'a pas de mot de passe à changer ici. "
    "Votre mot de passe se gère chez ProConnect."
)


def _with_provider(monkeypatch, required_roles: str = "") -> None:
    monkeypatch.setenv("OIDC_ISSUER", "https://fournisseur.exemple.fr")
    monkeypatch.setenv("OIDC_CLIENT_ID", "alliances-tracker")
    monkeypatch.setenv("OIDC_REQUIRED_ROLES", required_roles)
    get_settings.cache_clear()


def _sign_in_agent() -> str:
    token, _actor = oidc.sign_in_identity(
        get_engine(), subject=SUBJECT, email=AGENT_EMAIL, id_token="entete.contenu.signature"
    )
    return token


def _agent() -> User:
    with session_scope(get_engine()) as s:
        user = s.exec(select(User).where(User.email == AGENT_EMAIL)).one()
        s.expunge(user)
        return user


def _page_text(at: AppTest) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def test_the_programme_team_sees_the_link_and_unlinks_after_confirming(login_as, monkeypatch):
    _with_provider(monkeypatch)
    _sign_in_agent()  # the agent's first sign-in stores the subject
    agent = _agent()
    assert agent.oidc_subject == SUBJECT

    at = login_as("admin").switch_page(page("admin/users")).run()
    assert not at.exception, at.exception
    accounts = at.dataframe[0].value
    linked = dict(zip(accounts["Identifiant"], accounts["Fournisseur d'identité"], strict=True))
    assert linked[agent.username] == "Lié à ProConnect"
    assert {v for k, v in linked.items() if k != agent.username} == {""}
    assert SUBJECT not in _page_text(at)

    next(w for w in at.selectbox if w.key == "manage_user").set_value(agent.id).run()
    unlink = next(b for b in at.button if b.label == "Délier de ProConnect")
    unlink.click().run()
    assert [e.value for e in at.error] == ["Cochez la case de confirmation pour délier ce compte."]
    assert _agent().oidc_subject == SUBJECT  # nothing done yet

    next(c for c in at.checkbox if c.key == f"unlink_confirm_{agent.id}").check()
    next(b for b in at.button if b.label == "Délier de ProConnect").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Compte délié de ProConnect."]
    assert _agent().oidc_subject is None
    accounts = at.dataframe[0].value
    assert set(accounts["Fournisseur d'identité"]) == {""}
    assert not [b for b in at.button if b.label == "Délier de ProConnect"]
    with session_scope(get_engine()) as s:
        marker = s.exec(
            select(ChangeLog.after).where(
                ChangeLog.entity_id == agent.id, ChangeLog.field == "oidc_subject"
            )
        ).all()
    assert marker == ["délié de ProConnect"]


def test_my_account_offers_no_password_change_to_a_role_signing_in_with_the_provider(
    app_db, monkeypatch
):
    _with_provider(monkeypatch, required_roles="ministry")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = _sign_in_agent()
    at.run()
    at.switch_page(page("account/account")).run()
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [NO_PASSWORD]
    assert not [w for w in at.text_input if "mot de passe" in w.label.lower()]
    assert "Enregistrer le nouveau mot de passe" not in [b.label for b in at.button]


def test_my_account_keeps_the_password_form_for_the_other_roles(login_as, monkeypatch):
    at = login_as("lead", run=False)
    _with_provider(monkeypatch, required_roles="ministry")
    at.run()
    at.switch_page(page("account/account")).run()
    assert not at.exception, at.exception
    assert [w.label for w in at.text_input] == [
        "Mot de passe actuel",
        "Nouveau mot de passe",
        "Confirmer le nouveau mot de passe",
    ]
    assert NO_PASSWORD not in [i.value for i in at.info]
