"""People administration: invitation with a one-time secret, forced password change,
deactivation, role changes, resets, sessions — and the last-admin rule."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlmodel import select

from dashboard.auth import accounts as auth
from dashboard.core.db import session_scope
from dashboard.core.errors import ConflictError, PermissionDenied, ValidationFailed
from dashboard.services.admin import user_sessions as admin_user_sessions
from dashboard.services.admin import users as admin_users
from models import AuthSession, ChangeLog, LoginAttempt, OneTimeSecret, User
from models.base import utcnow
from tests.factories import PASSWORD, make_cohort, make_network, make_user

NEW_PASSWORD = "un-nouveau-mot-de-passe-2026"


@pytest.fixture
def admin(engine):
    return make_user(engine, "admin", username="animatrice")


@pytest.fixture
def network(engine):
    return make_network(engine, make_cohort(engine))


def _version(engine, user_id: int) -> int:
    with session_scope(engine) as s:
        return s.get(User, user_id).version


def _invite_lead(engine, admin, network, **kw):
    return admin_users.invite_user(
        engine,
        admin,
        full_name=kw.pop("full_name", "Claire Martin"),
        email=kw.pop("email", "claire.martin@exemple.fr"),
        role="lead",
        network_id=network,
        **kw,
    )


def test_invite_then_first_login_with_the_secret_then_forced_password_change(
    engine, admin, network
):
    access = _invite_lead(engine, admin, network)
    assert access.username == "claire.martin"  # from the e-mail's local part
    assert len(access.secret) >= 20
    assert (
        dt.timedelta(hours=23, minutes=59) < access.expires_at - utcnow() <= dt.timedelta(hours=24)
    )
    with session_scope(engine) as s:
        user = s.get(User, access.user_id)
        assert user.password_hash is None and user.must_change_password
        stored = s.exec(select(OneTimeSecret)).one()
        assert stored.secret_hash != access.secret and access.secret not in stored.secret_hash
        logged = s.exec(select(ChangeLog).where(ChangeLog.entity == "user")).all()
    # Neither the secret nor a hash reaches the change log; a marker does.
    assert all(access.secret not in (row.after or "") for row in logged)
    assert "invitation : mot de passe à usage unique créé" in {row.after for row in logged}

    result = auth.login(engine, "Claire.Martin", access.secret)
    assert result.ok and result.actor.must_change_password
    assert auth.resolve_session(engine, result.token).must_change_password
    assert not auth.requires_current_password(engine, result.actor)
    with session_scope(engine) as s:
        assert s.exec(select(LoginAttempt)).one().success  # counted like a password attempt

    auth.change_password(engine, result.actor, None, NEW_PASSWORD)
    actor = auth.resolve_session(engine, result.token)
    assert actor.must_change_password is False
    assert auth.requires_current_password(engine, actor)
    assert auth.login(engine, "claire.martin", NEW_PASSWORD).ok


def test_reused_secret_is_refused_with_the_generic_message(engine, admin, network):
    access = _invite_lead(engine, admin, network)
    assert auth.login(engine, access.username, access.secret).ok
    again = auth.login(engine, access.username, access.secret)
    assert not again.ok and again.message == auth.GENERIC_FAILURE


def test_expired_secret_is_refused_with_the_generic_message(engine, admin, network):
    access = _invite_lead(engine, admin, network)
    with session_scope(engine) as s:
        s.exec(update(OneTimeSecret).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    result = auth.login(engine, access.username, access.secret)
    assert not result.ok and result.message == auth.GENERIC_FAILURE
    with session_scope(engine) as s:
        attempt = s.exec(select(LoginAttempt)).one()
        assert attempt.success is False  # counts towards throttling


def test_secret_attempts_are_throttled_like_passwords(engine, admin, network):
    access = _invite_lead(engine, admin, network)
    for _ in range(10):
        assert not auth.login(engine, access.username, "mauvais-secret").ok
    locked = auth.login(engine, access.username, access.secret)
    assert not locked.ok and "Trop de tentatives" in locked.message


def test_new_secret_cancels_the_previous_one(engine, admin, network):
    first = _invite_lead(engine, admin, network)
    second = admin_users.reset_password(
        engine, admin, first.user_id, version=_version(engine, first.user_id)
    )
    assert not auth.login(engine, first.username, first.secret).ok
    assert auth.login(engine, second.username, second.secret).ok


def test_invite_validation(engine, admin, network):
    with pytest.raises(ValidationFailed) as err:
        admin_users.invite_user(
            engine, admin, full_name="", email="pas-une-adresse", role="lead", network_id=None
        )
    text = str(err.value)
    assert "« Nom » : obligatoire." in text and "« Courriel » : adresse invalide" in text
    with pytest.raises(ValidationFailed, match="obligatoire pour un·e référent·e"):
        admin_users.invite_user(engine, admin, full_name="Léa", email="lea@exemple.fr", role="lead")
    with pytest.raises(ValidationFailed, match="seul·e un·e référent·e"):
        admin_users.invite_user(
            engine,
            admin,
            full_name="Léa",
            email="lea@exemple.fr",
            role="steering",
            network_id=network,
        )
    _invite_lead(engine, admin, network, username="Lea")
    with pytest.raises(ValidationFailed, match="« lea » existe déjà"):
        _invite_lead(engine, admin, network, username="LEA ")
    with session_scope(engine) as s:
        assert len(s.exec(select(User).where(User.role == "lead")).all()) == 1


def test_deactivation_revokes_every_session_at_once(engine, admin, network):
    lead = make_user(engine, "lead", network_id=network, username="paul")
    tokens = [auth.login(engine, "paul", PASSWORD).token for _ in range(2)]
    assert all(auth.resolve_session(engine, tok) for tok in tokens)
    assert (
        admin_user_sessions.list_users(engine, admin)
        .set_index("username")
        .loc["paul", "open_sessions"]
        == 2
    )

    revoked = admin_users.deactivate_user(engine, admin, lead.id, version=_version(engine, lead.id))
    assert revoked == 2
    assert all(auth.resolve_session(engine, tok) is None for tok in tokens)
    with session_scope(engine) as s:
        assert all(a.revoked_at for a in s.exec(select(AuthSession)).all())
    assert not auth.login(engine, "paul", PASSWORD).ok

    admin_users.reactivate_user(engine, admin, lead.id, version=_version(engine, lead.id))
    assert auth.login(engine, "paul", PASSWORD).ok


def test_last_active_admin_cannot_be_demoted_or_deactivated(engine, admin):
    with pytest.raises(ValidationFailed, match="au moins un compte actif"):
        admin_users.deactivate_user(engine, admin, admin.id, version=_version(engine, admin.id))
    with pytest.raises(ValidationFailed, match="au moins un compte actif"):
        admin_users.update_user(
            engine,
            admin,
            admin.id,
            version=_version(engine, admin.id),
            full_name="Animatrice",
            email=None,
            role="steering",
            network_id=None,
        )
    with session_scope(engine) as s:
        user = s.get(User, admin.id)
        assert user.active and user.role == "admin"
    # With a second active admin, the first can step down.
    make_user(engine, "admin", username="second")
    admin_users.update_user(
        engine,
        admin,
        admin.id,
        version=_version(engine, admin.id),
        full_name="Animatrice",
        email=None,
        role="steering",
        network_id=None,
    )
    with session_scope(engine) as s:
        assert s.get(User, admin.id).role == "steering"


def test_inactive_admins_do_not_count(engine, admin):
    make_user(engine, "admin", username="ancienne", active=False)
    with pytest.raises(ValidationFailed, match="au moins un compte actif"):
        admin_users.deactivate_user(engine, admin, admin.id, version=_version(engine, admin.id))


def test_role_and_network_change(engine, admin, network):
    steering = make_user(engine, "steering", username="copil")
    with pytest.raises(ValidationFailed, match="obligatoire pour un·e référent·e"):
        admin_users.update_user(
            engine,
            admin,
            steering.id,
            version=_version(engine, steering.id),
            full_name="Copil",
            email="copil@exemple.fr",
            role="lead",
            network_id=None,
        )
    admin_users.update_user(
        engine,
        admin,
        steering.id,
        version=_version(engine, steering.id),
        full_name="Copil",
        email="copil@exemple.fr",
        role="lead",
        network_id=network,
    )
    result = auth.login(engine, "copil", PASSWORD)
    assert result.actor.role == "lead" and result.actor.network_id == network
    with session_scope(engine) as s:
        fields = {
            r.field: (r.before, r.after)
            for r in s.exec(select(ChangeLog).where(ChangeLog.entity_id == steering.id))
        }
    assert fields["role"] == ("steering", "lead")
    assert fields["network_id"] == (None, str(network))


def test_stale_version_is_a_conflict(engine, admin, network):
    lead = make_user(engine, "lead", network_id=network, username="ines")
    seen = _version(engine, lead.id)
    admin_users.update_user(
        engine,
        admin,
        lead.id,
        version=seen,
        full_name="Inès",
        email=None,
        role="lead",
        network_id=network,
    )
    with pytest.raises(ConflictError):
        admin_users.deactivate_user(engine, admin, lead.id, version=seen)
    with session_scope(engine) as s:
        assert s.get(User, lead.id).active


def test_reset_password_revokes_sessions_and_logs_a_marker(engine, admin, network):
    lead = make_user(engine, "lead", network_id=network, username="yann")
    token = auth.login(engine, "yann", PASSWORD).token
    access = admin_users.reset_password(engine, admin, lead.id, version=_version(engine, lead.id))
    assert auth.resolve_session(engine, token) is None
    assert not auth.login(engine, "yann", PASSWORD).ok  # the old password is forgotten
    with session_scope(engine) as s:
        rows = s.exec(select(ChangeLog).where(ChangeLog.entity_id == lead.id)).all()
    assert [r.after for r in rows if r.field == "password"] == ["mot de passe réinitialisé"]
    assert not any("argon2" in (r.before or "") + (r.after or "") for r in rows)
    assert auth.login(engine, "yann", access.secret).ok


def test_sessions_listed_and_revoked_one_by_one(engine, admin, network):
    lead = make_user(engine, "lead", network_id=network, username="zoe")
    first = auth.login(engine, "zoe", PASSWORD, user_agent="Firefox").token
    second = auth.login(engine, "zoe", PASSWORD, user_agent="Chrome").token
    sessions = admin_user_sessions.user_sessions(engine, admin, lead.id)
    assert sorted(sessions["user_agent"]) == ["Chrome", "Firefox"]
    chrome = int(sessions.loc[sessions["user_agent"] == "Chrome", "id"].iloc[0])
    assert admin_user_sessions.revoke_sessions(engine, admin, lead.id, session_ids=[chrome]) == 1
    assert auth.resolve_session(engine, second) is None
    assert auth.resolve_session(engine, first) is not None
    users = admin_user_sessions.list_users(engine, admin).set_index("username")
    assert users.loc["zoe", "open_sessions"] == 1
    assert users.loc["zoe", "last_login_at"] is not None


@pytest.mark.parametrize("role", ["lead", "steering", "ministry"])
def test_other_roles_cannot_call_people_services(engine, network, role):
    target = make_user(engine, "lead", network_id=network, username="cible")
    actor = make_user(engine, role, network_id=network if role == "lead" else None)
    version = _version(engine, target.id)
    calls = [
        lambda: admin_user_sessions.list_users(engine, actor),
        lambda: admin_user_sessions.user_sessions(engine, actor, target.id),
        lambda: admin_users.invite_user(
            engine, actor, full_name="X", email="x@exemple.fr", role="admin"
        ),
        lambda: admin_users.update_user(
            engine,
            actor,
            target.id,
            version=version,
            full_name="X",
            email=None,
            role="admin",
            network_id=None,
        ),
        lambda: admin_users.deactivate_user(engine, actor, target.id, version=version),
        lambda: admin_users.reactivate_user(engine, actor, target.id, version=version),
        lambda: admin_users.reset_password(engine, actor, target.id, version=version),
        lambda: admin_user_sessions.revoke_sessions(engine, actor, target.id),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    with session_scope(engine) as s:
        assert s.get(User, target.id).version == version
        assert s.exec(select(OneTimeSecret)).all() == []
        assert s.exec(select(ChangeLog)).all() == []
        assert len(s.exec(select(User)).all()) == 2


def test_closed_cohort_network_cannot_receive_a_new_lead(engine, admin):
    closed = make_network(engine, make_cohort(engine, status="closed"))
    with pytest.raises(PermissionDenied, match="clôturée"):
        admin_users.invite_user(
            engine,
            admin,
            full_name="Tardif",
            email="tardif@exemple.fr",
            role="lead",
            network_id=closed,
        )


def test_demo_lead_deactivated_loses_every_session(demo_engine):
    admin = auth.login(demo_engine, "animation", "demo-animation-2026").actor
    token = auth.login(demo_engine, "lead.r03", "demo-referent-2026").token
    users = admin_user_sessions.list_users(demo_engine, admin).set_index("username")
    assert len(users) == 15 and users.loc["lead.r03", "network_code"] == "R03"
    user_id = int(users.loc["lead.r03", "id"])
    assert (
        admin_users.deactivate_user(
            demo_engine, admin, user_id, version=int(users.loc["lead.r03", "version"])
        )
        == 1
    )
    assert auth.resolve_session(demo_engine, token) is None
    # "animation" is the demo's only admin: it cannot step down.
    with pytest.raises(ValidationFailed, match="au moins un compte actif"):
        admin_users.deactivate_user(
            demo_engine, admin, admin.id, version=int(users.loc["animation", "version"])
        )


def test_wrong_current_password_counts_towards_throttling(engine, network):
    lead = make_user(engine, "lead", network_id=network, username="lucie")
    with pytest.raises(ValidationFailed, match="actuel est incorrect"):
        auth.change_password(engine, lead, "pas-le-bon-mot-de-passe", NEW_PASSWORD)
    with session_scope(engine) as s:
        attempt = s.exec(select(LoginAttempt)).one()
        assert (attempt.username, attempt.success) == ("lucie", False)
    assert auth.requires_current_password(engine, lead)
    auth.change_password(engine, lead, PASSWORD, NEW_PASSWORD)
    assert auth.login(engine, "lucie", NEW_PASSWORD).ok
