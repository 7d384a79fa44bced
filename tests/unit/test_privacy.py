"""Personal data: retention delays read from the settings, a person's own data as JSON, and
the anonymisation of a departed person (refusals, what is replaced, what is kept).

Run with ``TEST_DATABASE_URL`` set, every test here also runs on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from dashboard.__main__ import main
from dashboard.auth import accounts as auth
from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from dashboard.core.errors import ConflictError, PermissionDenied, ValidationFailed
from dashboard.services import privacy
from dashboard.services.admin import users as admin_users
from dashboard.services.reporting import history
from models import (
    AuthSession,
    ChangeLog,
    Comment,
    CommentMention,
    LoginAttempt,
    Milestone,
    Network,
    OneTimeSecret,
    ReminderLog,
    User,
)
from models.base import utcnow
from tests.factories import PASSWORD, make_cohort, make_network, make_session, make_user


@pytest.fixture
def settings_env(monkeypatch):
    """Set environment variables for the settings, read afresh."""

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield set_env
    get_settings.cache_clear()


@pytest.fixture
def world(engine):
    cohort = make_cohort(engine)
    network = make_network(engine, cohort)
    admin = make_user(engine, "admin", username="animatrice", full_name="Sarah Animatrice")
    lead = make_user(
        engine,
        "lead",
        network_id=network,
        username="claire.d",
        full_name="Claire Dumontel",
        email="claire.dumontel@exemple.org",
    )
    return {"cohort": cohort, "network": network, "admin": admin, "lead": lead}


def _version(engine, user_id: int) -> int:
    with session_scope(engine) as s:
        return s.get(User, user_id).version


# --- retention --------------------------------------------------------------------------


def _attempts_aged(engine, days: float) -> None:
    auth.login(engine, "claire.d", PASSWORD)
    with session_scope(engine) as s:
        s.exec(update(LoginAttempt).values(attempted_at=utcnow() - dt.timedelta(days=days)))


def _count(engine, model) -> int:
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_login_attempt_retention_follows_the_setting(engine, world, settings_env):
    _attempts_aged(engine, 10)
    settings_env(LOGIN_ATTEMPT_RETENTION_DAYS="30")
    assert privacy.purge_personal_data(engine).attempts == 0
    assert _count(engine, LoginAttempt) == 1
    settings_env(LOGIN_ATTEMPT_RETENTION_DAYS="9")
    assert privacy.purge_personal_data(engine).attempts == 1
    assert _count(engine, LoginAttempt) == 0


def test_ended_session_retention_follows_the_setting(engine, world, settings_env):
    auth.login(engine, "claire.d", PASSWORD)
    with session_scope(engine) as s:
        s.exec(update(AuthSession).values(revoked_at=utcnow() - dt.timedelta(days=3)))
    settings_env(SESSION_RETENTION_DAYS="5")
    assert privacy.purge_personal_data(engine).sessions == 0
    settings_env(SESSION_RETENTION_DAYS="2")
    assert privacy.purge_personal_data(engine).sessions == 1
    assert _count(engine, AuthSession) == 0


def test_reminder_log_is_kept_while_its_session_is_ahead(engine, world, settings_env):
    today = dt.date.today()
    past = make_session(engine, world["cohort"], code="S1", number=1, date=today - dt.timedelta(10))
    ahead = make_session(engine, world["cohort"], code="S2", number=2, date=today + dt.timedelta(9))
    old = utcnow() - dt.timedelta(days=40)
    with session_scope(engine) as s:
        for session_id in (past, ahead):
            s.add(
                ReminderLog(
                    user_id=world["lead"].id,
                    session_id=session_id,
                    days_before=3,
                    recipient="claire.dumontel@exemple.org",
                    subject="Session",
                    created_at=old,
                )
            )
    settings_env(REMINDER_LOG_RETENTION_DAYS="60")
    assert privacy.purge_reminder_log(engine) == 0
    settings_env(REMINDER_LOG_RETENTION_DAYS="30")
    assert privacy.purge_reminder_log(engine) == 1
    with session_scope(engine) as s:
        assert s.exec(select(ReminderLog.session_id)).all() == [ahead]


def test_a_retention_under_one_day_is_refused_in_french(settings_env):
    settings_env(SESSION_RETENTION_DAYS="0")
    with pytest.raises(ValueError, match="SESSION_RETENTION_DAYS est un nombre de jours"):
        get_settings()


def test_purge_command_reports_the_three_purges(engine, engine_url, world, settings_env, capsys):
    _attempts_aged(engine, 3)
    settings_env(DATABASE_URL=engine_url, LOGIN_ATTEMPT_RETENTION_DAYS="2")
    assert main(["purge"]) == 0
    out = capsys.readouterr().out
    assert "1 tentatives de connexion" in out and "0 rappel(s) envoyé(s)" in out
    assert _count(engine, LoginAttempt) == 0


# --- a person's own data ----------------------------------------------------------------


def test_own_data_as_json_holds_account_changes_sessions_attempts_and_reminders(engine, world):
    lead = world["lead"]
    auth.login(engine, "claire.d", PASSWORD, user_agent="Firefox", client_address="192.0.2.7")
    auth.login(engine, "claire.d", "mauvais-mot-de-passe")
    with session_scope(engine) as s:
        s.add(
            ChangeLog(
                user_id=lead.id,
                entity="objective",
                entity_id=4,
                action="update",
                field="title",
                before="Ancien titre",
                after="Élargir l'alliance",
            )
        )
        s.add(ChangeLog(user_id=world["admin"].id, entity="objective", action="create"))
        day = dt.date(2026, 1, 5)
        session_id = make_session(engine, world["cohort"], code="S1", number=1, date=day)
        s.add(
            ReminderLog(
                user_id=lead.id,
                session_id=session_id,
                days_before=3,
                recipient="claire.dumontel@exemple.org",
                subject="Session S1 : à compléter",
            )
        )
    raw = privacy.personal_data_json(engine, lead)
    data = json.loads(raw.decode("utf-8"))
    assert "Élargir l'alliance".encode() in raw  # UTF-8 as such, not \u escapes
    assert data["account"]["full_name"] == "Claire Dumontel"
    assert data["account"]["email"] == "claire.dumontel@exemple.org"
    with session_scope(engine) as s:
        network_code = s.get(Network, world["network"]).code
    assert data["account"]["network"]["code"] == network_code
    assert [c["after"] for c in data["changes"]] == ["Élargir l'alliance"]  # only hers
    assert [s["user_agent"] for s in data["login_sessions"]] == ["Firefox"]
    assert "token_hash" not in raw.decode()
    assert [(a["success"], a["client_address"]) for a in data["login_attempts"]] == [
        (True, "192.0.2.7"),
        (False, None),
    ]
    assert data["reminders"][0]["session"] == "S1"
    # ISO 8601 dates, read back as such.
    dt.datetime.fromisoformat(data["generated_at"])
    dt.datetime.fromisoformat(data["login_sessions"][0]["created_at"])
    assert list(data) == ["generated_at"] + [name for name, _ in privacy.SECTIONS]


def test_own_data_needs_a_login_and_never_holds_anyone_else(engine, world):
    with pytest.raises(PermissionDenied):
        privacy.personal_data(engine, None)
    # Both people have records of every kind; each export holds its owner's only.
    for username in ("claire.d", "animatrice"):
        auth.login(engine, username, PASSWORD, user_agent=f"Navigateur de {username}")
        auth.login(engine, username, "mauvais-mot-de-passe")
    with session_scope(engine) as s:
        for person, title in ((world["lead"], "Titre de Claire"), (world["admin"], "Titre admin")):
            s.add(
                ChangeLog(
                    user_id=person.id,
                    entity="objective",
                    entity_id=4,
                    action="update",
                    field="title",
                    after=title,
                )
            )
    admin_data = privacy.personal_data(engine, world["admin"])
    shown = json.dumps(admin_data, default=str)
    assert admin_data["account"]["full_name"] == "Sarah Animatrice"
    assert [c["after"] for c in admin_data["changes"]] == ["Titre admin"]
    assert [s["user_agent"] for s in admin_data["login_sessions"]] == ["Navigateur de animatrice"]
    assert len(admin_data["login_attempts"]) == 2
    for other in ("Claire", "claire.d", "Navigateur de claire.d"):
        assert other not in shown, other
    assert privacy.personal_data_filename(world["lead"], dt.date(2026, 12, 1)) == (
        "mes-donnees-claire.d-2026-12-01.json"
    )


# --- anonymisation ----------------------------------------------------------------------


def test_anonymising_replaces_name_and_makes_login_impossible(engine, world):
    lead, admin = world["lead"], world["admin"]
    token = auth.login(engine, "claire.d", PASSWORD).token
    with session_scope(engine) as s:
        auth.issue_one_time_secret(s, lead.id, purpose="reset", created_by_id=admin.id)
        s.exec(update(User).where(User.id == lead.id).values(oidc_subject="sub-claire-1234"))
    name = privacy.anonymise_user(engine, admin, lead.id, version=_version(engine, lead.id))
    assert name == f"Personne anonymisée n° {lead.id}"
    with session_scope(engine) as s:
        user = s.get(User, lead.id)
        assert (user.full_name, user.username, user.email) == (name, f"anonyme-{lead.id}", None)
        assert not user.active and user.password_hash is None and user.anonymised_at
        assert user.oidc_subject is None  # the identity provider cannot sign them in either
        assert s.exec(select(AuthSession).where(AuthSession.user_id == lead.id)).all() == []
        assert s.exec(select(LoginAttempt).where(LoginAttempt.username == "claire.d")).all() == []
        unused = select(OneTimeSecret).where(col_unused(OneTimeSecret))
        assert s.exec(unused).all() == []
    assert auth.resolve_session(engine, token) is None
    assert not auth.login(engine, "claire.d", PASSWORD).ok
    assert not auth.login(engine, f"anonyme-{lead.id}", PASSWORD).ok
    # Nothing brings the account back.
    version = _version(engine, lead.id)
    with pytest.raises(ValidationFailed, match="anonymisé"):
        admin_users.reactivate_user(engine, admin, lead.id, version=version)
    with pytest.raises(ValidationFailed, match="anonymisé"):
        admin_users.reset_password(engine, admin, lead.id, version=version)
    with pytest.raises(ValidationFailed, match="déjà anonymisé"):
        privacy.anonymise_user(engine, admin, lead.id, version=version)


def col_unused(model):
    return model.used_at.is_(None)


def test_history_keeps_every_entry_with_the_pseudonym_and_no_old_name(engine, world):
    lead, admin = world["lead"], world["admin"]
    # The account's own history: created, then renamed (the old name in « before »).
    admin_users.update_user(
        engine,
        admin,
        lead.id,
        version=_version(engine, lead.id),
        full_name="Claire Dumontel-Ribeiro",
        email="claire.d@exemple.org",
        role="lead",
        network_id=world["network"],
    )
    with session_scope(engine) as s:
        s.add(
            ChangeLog(
                user_id=lead.id,
                network_id=world["network"],
                cohort_id=world["cohort"],
                entity="milestone",
                entity_id=1,
                action="update",
                field="comment",
                before="@claire.d à relancer",
                after="Vu avec Claire Dumontel-Ribeiro (claire.d@exemple.org)",
            )
        )
    before = history.cohort_history(engine, admin, world["cohort"]).rows
    privacy.anonymise_user(engine, admin, lead.id, version=_version(engine, lead.id))
    view = history.cohort_history(engine, admin, world["cohort"])
    after = view.rows
    assert len(after) == len(before) + 1  # every entry kept, plus the anonymisation
    assert view.people[lead.id] == f"Personne anonymisée n° {lead.id}"
    shown = after.to_csv() + " ".join(view.people.values())
    for old in ("Claire Dumontel", "claire.d@exemple.org", "claire.dumontel@exemple.org"):
        assert old not in shown
    with session_scope(engine) as s:
        stored = " ".join(
            str(v)
            for row in s.exec(select(ChangeLog)).all()
            for v in (row.before, row.after, row.reason)
        )
        authors = s.exec(select(ChangeLog.user_id).where(ChangeLog.entity == "milestone")).all()
    assert "Dumontel" not in stored and "claire.d@" not in stored and "@claire.d" not in stored
    assert f"@anonyme-{lead.id} à relancer" in stored
    assert "(courriel retiré)" in stored
    assert f"Personne anonymisée n° {lead.id}" in stored
    marker = after[after["field"] == privacy.ANONYMISED_FIELD].iloc[0]
    assert marker["field_label"] == "Anonymisé·e le"
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", marker["after"]), marker["after"]
    assert marker["user_name"] == "Sarah Animatrice"
    assert authors == [lead.id]  # still attributed, to the pseudonym


def test_anonymising_is_refused_for_oneself_the_last_admin_others_and_stale_versions(engine, world):
    admin, lead = world["admin"], world["lead"]
    with pytest.raises(ValidationFailed, match="votre propre compte"):
        privacy.anonymise_user(engine, admin, admin.id, version=_version(engine, admin.id))
    # An actor whose account was deactivated meanwhile is the only admin left but one.
    second = make_user(engine, "admin", username="second")
    with session_scope(engine) as s:
        s.exec(update(User).where(User.id == admin.id).values(active=False))
    with pytest.raises(ValidationFailed, match="au moins un compte actif"):
        privacy.anonymise_user(engine, admin, second.id, version=_version(engine, second.id))
    with session_scope(engine) as s:
        s.exec(update(User).where(User.id == admin.id).values(active=True))
    with pytest.raises(ConflictError):
        privacy.anonymise_user(engine, admin, lead.id, version=_version(engine, lead.id) - 1)
    for role in ("lead", "steering", "ministry"):
        actor = make_user(engine, role, network_id=world["network"] if role == "lead" else None)
        with pytest.raises(PermissionDenied):
            privacy.anonymise_user(engine, actor, lead.id, version=_version(engine, lead.id))
    with session_scope(engine) as s:
        assert s.get(User, lead.id).full_name == "Claire Dumontel"  # nothing half-written


def _milestone_and_comment(engine, world, *, owner: str, body: str) -> tuple[int, int]:
    with session_scope(engine) as s:
        milestone = Milestone(
            network_id=world["network"],
            title="Signer la convention",
            owner=owner,
            due_date=dt.date(2026, 3, 1),
        )
        s.add(milestone)
        s.flush()
        comment = Comment(
            target_kind="milestone",
            target_id=milestone.id,
            network_id=world["network"],
            cohort_id=world["cohort"],
            author_id=world["admin"].id,
            body=body,
        )
        s.add(comment)
        s.flush()
        return milestone.id, comment.id


def test_own_data_holds_the_comments_written_and_the_mentions(engine, world):
    _, comment_id = _milestone_and_comment(
        engine, world, owner="Équipe", body="Relu, c'est prêt. @claire.d"
    )
    with session_scope(engine) as s:
        s.add(CommentMention(comment_id=comment_id, user_id=world["lead"].id))
    data = json.loads(privacy.personal_data_json(engine, world["admin"]))
    assert [c["body"] for c in data["comments"]] == ["Relu, c'est prêt. @claire.d"]
    assert data["mentions"] == []
    lead_data = json.loads(privacy.personal_data_json(engine, world["lead"]))
    assert lead_data["comments"] == []
    assert [(m["comment_id"], m["target_kind"], m["read_at"]) for m in lead_data["mentions"]] == [
        (comment_id, "milestone", None)
    ]


def test_typed_mentions_of_the_person_are_replaced_too(engine, world):
    lead = world["lead"]
    milestone_id, comment_id = _milestone_and_comment(
        engine,
        world,
        owner="Claire Dumontel (déléguée)",
        body="@claire.d peux-tu relancer ? Sinon écrire à claire.dumontel@exemple.org",
    )
    with session_scope(engine) as s:
        version = s.get(Milestone, milestone_id).version
    name = privacy.anonymise_user(
        engine, world["admin"], lead.id, version=_version(engine, lead.id)
    )
    with session_scope(engine) as s:
        milestone, comment = s.get(Milestone, milestone_id), s.get(Comment, comment_id)
        assert milestone.owner == f"{name} (déléguée)"
        assert milestone.version == version + 1  # an editor opened before cannot save it back
        assert comment.body == (
            f"@anonyme-{lead.id} peux-tu relancer ? Sinon écrire à anonyme-{lead.id}"
        )


def test_two_admins_anonymising_at_once_write_it_once(engine, world):
    from concurrent.futures import ThreadPoolExecutor

    second = make_user(engine, "admin", username="second")
    lead, version = world["lead"], _version(engine, world["lead"].id)

    def attempt(actor):
        try:
            return privacy.anonymise_user(engine, actor, lead.id, version=version)
        except (ConflictError, ValidationFailed) as error:
            return error

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(attempt, [world["admin"], second]))
    assert sum(isinstance(o, str) for o in outcomes) == 1, outcomes
    with session_scope(engine) as s:
        markers = s.exec(select(ChangeLog).where(ChangeLog.field == privacy.ANONYMISED_FIELD)).all()
    assert len(markers) == 1
