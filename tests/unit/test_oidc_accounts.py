"""Accounts and the identity provider: the programme team sees which accounts are linked to the
provider and unlinks one whose identity changed (version checked, change log without the
subject); a role whose passwords are off (OIDC_REQUIRED_ROLES) cannot change a password."""

from __future__ import annotations

import pytest
from sqlmodel import select

from dashboard.auth import accounts as auth
from dashboard.auth.oidc_identity import OidcFailure, sign_in_identity
from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from dashboard.core.errors import ConflictError, PermissionDenied, ValidationFailed
from dashboard.services.admin import user_sessions as admin_user_sessions
from dashboard.services.admin import users as admin_users
from models import ChangeLog, User
from tests.factories import PASSWORD, make_cohort, make_network, make_user

SUBJECT = "sujet-proconnect-0f3a9c-tres-long"
NEW_SUBJECT = "sujet-proconnect-nouveau-7b21"
NEW_PASSWORD = "un-nouveau-mot-de-passe-2026"


@pytest.fixture
def provider(monkeypatch):
    monkeypatch.setenv("OIDC_ISSUER", "https://fca.integ01.dev-agentconnect.fr/api/v2")
    monkeypatch.setenv("OIDC_CLIENT_ID", "alliances")
    monkeypatch.setenv("OIDC_PROVIDER_NAME", "ProConnect")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def people(engine):
    admin = make_user(engine, "admin", username="animatrice")
    network = make_network(engine, make_cohort(engine))
    lead = make_user(
        engine,
        "lead",
        network_id=network,
        username="claire",
        email="claire@exemple.fr",
        oidc_subject=SUBJECT,
    )
    return admin, lead


def _user(engine, user_id: int) -> User:
    with session_scope(engine) as s:
        user = s.get(User, user_id)
        s.expunge(user)
        return user


def _log(engine, user_id: int) -> list[ChangeLog]:
    with session_scope(engine) as s:
        rows = s.exec(
            select(ChangeLog).where(ChangeLog.entity == "user", ChangeLog.entity_id == user_id)
        ).all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def test_the_list_says_which_accounts_are_linked_without_the_subject(engine, people, provider):
    admin, lead = people
    users = admin_user_sessions.list_users(engine, admin)
    linked = dict(zip(users["username"], users["provider_linked"], strict=True))
    assert linked == {"animatrice": False, "claire": True}
    assert SUBJECT not in users.to_csv()


def test_an_admin_unlinks_an_account_then_its_new_identity_signs_in(engine, people, provider):
    admin, lead = people
    with pytest.raises(OidcFailure):  # the person's identity at the provider changed
        sign_in_identity(engine, subject=NEW_SUBJECT, email="claire@exemple.fr", id_token="x")
    before = _user(engine, lead.id)

    admin_users.unlink_provider(engine, admin, lead.id, version=before.version)

    after = _user(engine, lead.id)
    assert after.oidc_subject is None
    assert after.version == before.version + 1
    [entry] = [row for row in _log(engine, lead.id) if row.field == "oidc_subject"]
    assert (entry.user_id, entry.after) == (admin.id, "délié de ProConnect")
    assert not [row for row in _log(engine, lead.id) if SUBJECT in f"{row.before}{row.after}"]
    users = admin_user_sessions.list_users(engine, admin)
    assert not users.loc[users["username"] == "claire", "provider_linked"].item()

    token, actor = sign_in_identity(
        engine, subject=NEW_SUBJECT, email="claire@exemple.fr", id_token="x"
    )
    assert token and actor.id == lead.id
    assert _user(engine, lead.id).oidc_subject == NEW_SUBJECT


def test_unlinking_with_a_stale_version_is_refused_and_keeps_the_link(engine, people, provider):
    admin, lead = people
    stale = _user(engine, lead.id).version
    admin_users.update_user(
        engine,
        admin,
        lead.id,
        version=stale,
        full_name="Claire Martin",
        email="claire@exemple.fr",
        role="lead",
        network_id=lead.network_id,
    )
    with pytest.raises(ConflictError):
        admin_users.unlink_provider(engine, admin, lead.id, version=stale)
    assert _user(engine, lead.id).oidc_subject == SUBJECT
    assert not [row for row in _log(engine, lead.id) if row.field == "oidc_subject"]


def test_unlinking_an_account_that_is_not_linked_says_so(engine, people, provider):
    admin, _lead = people
    me = _user(engine, admin.id)
    with pytest.raises(ValidationFailed, match="n'est pas lié à ProConnect : rien à délier"):
        admin_users.unlink_provider(engine, admin, admin.id, version=me.version)
    assert _user(engine, admin.id).version == me.version


def test_a_lead_cannot_unlink_any_account_even_their_own(engine, people, provider):
    _admin, lead = people
    version = _user(engine, lead.id).version
    with pytest.raises(PermissionDenied):
        admin_users.unlink_provider(engine, lead, lead.id, version=version)
    assert _user(engine, lead.id).oidc_subject == SUBJECT


def test_a_role_signing_in_with_the_provider_cannot_change_a_password(engine, provider):
    provider.setenv("OIDC_REQUIRED_ROLES", "ministry")
    get_settings.cache_clear()
    agent = make_user(engine, "ministry", username="agent")
    stored = _user(engine, agent.id).password_hash
    # A forged request of the « Mon compte » form, with the right current password.
    with pytest.raises(ValidationFailed) as refused:
        auth.change_password(engine, agent, PASSWORD, NEW_PASSWORD)
    assert refused.value.errors == [
        "Votre compte se connecte avec ProConnect : il n'a pas de mot de passe à changer ici. "
        "Votre mot de passe se gère chez ProConnect."
    ]
    assert _user(engine, agent.id).password_hash == stored
    # Other roles keep their password.
    steering = make_user(engine, "steering", username="copil")
    auth.change_password(engine, steering, PASSWORD, NEW_PASSWORD)
    assert auth.login(engine, "copil", NEW_PASSWORD).ok


def test_without_a_provider_the_setting_does_not_take_passwords_away(engine, monkeypatch):
    monkeypatch.delenv("OIDC_ISSUER", raising=False)
    monkeypatch.setenv("OIDC_REQUIRED_ROLES", "ministry")
    get_settings.cache_clear()
    try:
        agent = make_user(engine, "ministry", username="agent")
        auth.change_password(engine, agent, PASSWORD, NEW_PASSWORD)
        assert auth.login(engine, "agent", NEW_PASSWORD).ok
    finally:
        get_settings.cache_clear()
