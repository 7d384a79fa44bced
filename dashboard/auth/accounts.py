"""Local accounts: argon2id hashes, login throttling counted in the database, server-side
sessions whose random id the browser keeps in an HttpOnly cookie."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.core.config import get_settings
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import fmt_number, t
from dashboard.core.permissions import Actor
from models import AuthSession, LoginAttempt, Network, OneTimeSecret, User
from models.base import saved_id, table_of, utcnow
from models.enums import Role

SESSION_COOKIE = "at_session"
# argon2id with the library's RFC 9106 "low memory" profile.
_hasher = PasswordHasher()
# Verified against when the user is unknown, so both answers take about the same time.
_DUMMY_HASH = _hasher.hash("mot-de-passe-factice-pour-temps-constant")
TOUCH_EVERY = dt.timedelta(seconds=60)
MIN_PASSWORD_LENGTH = 12
# Bounds checked before anything else touches a login form's fields.
MAX_USERNAME_LENGTH = 120
MAX_PASSWORD_LENGTH = 1024
ONE_TIME_SECRET_TTL = dt.timedelta(hours=24)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


# The one rule for identifiers, wherever an account is created (admin page, command line, seed).
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,119}$")
USERNAME_RULE = "2 à 120 caractères : lettres minuscules, chiffres, « . », « - » ou « _ »"


def username_problem(name: str) -> str | None:
    """Why the normalised identifier ``name`` is refused (French), or None when it is valid."""
    return None if USERNAME_PATTERN.match(name) else t(USERNAME_RULE)


def check_password_strength(password: str) -> None:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            t("Le mot de passe doit contenir au moins {n} caractères.", n=MIN_PASSWORD_LENGTH)
        )
    if password.strip() != password:
        problems.append(t("Le mot de passe ne doit pas commencer ni finir par une espace."))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(
            t(
                "Le mot de passe ne doit pas dépasser {n} caractères.",
                n=fmt_number(MAX_PASSWORD_LENGTH),
            )
        )
    if problems:
        raise ValidationFailed(problems)


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    message: str = ""
    token: str | None = None
    actor: Actor | None = None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_for(user: User, network: Network | None) -> Actor:
    return Actor(
        id=saved_id(user),
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        network_id=user.network_id,
        cohort_id=network.cohort_id if network else None,
        must_change_password=user.must_change_password,
    )


GENERIC_FAILURE = "Identifiant ou mot de passe incorrect."
LOCKED = (
    "Trop de tentatives de connexion pour ce compte. Réessayez dans quelques minutes "
    "ou demandez à l'équipe d'animation de réinitialiser votre mot de passe."
)


ADDRESS_LOCKED = (
    "Trop de tentatives de connexion depuis votre adresse. Réessayez dans quelques minutes."
)
BUSY = "Le service de connexion reçoit trop de demandes. Réessayez dans une minute."
_BOOKKEEPING_LOCK = 7_240_351  # PostgreSQL advisory lock id serialising the login counters


def acceptable_credentials(username: str, password: str) -> bool:
    """False for what no account can have: an over-long or control-character username, an
    over-long password. Checked before any database work, so a flood of such forms costs
    nothing (and never reaches a column limit)."""
    if not isinstance(username, str) or not isinstance(password, str):
        return False
    if len(username) > MAX_USERNAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        return False
    if any(unicodedata.category(ch) == "Cc" for ch in username):
        return False
    return "\x00" not in password


def _serialise_login_counters(session: Session) -> None:
    """Make count-then-insert atomic: SQLite writes already begin with BEGIN IMMEDIATE;
    PostgreSQL takes a transaction-scoped advisory lock (released at commit)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_BOOKKEEPING_LOCK)
        )


def _count_attempts(session: Session, *conditions) -> int:
    return session.exec(select(func.count()).select_from(LoginAttempt).where(*conditions)).one()


def reserve_verification(
    engine: Engine, username: str, client_address: str | None, now: dt.datetime
) -> tuple[int | None, str | None]:
    """Count and record one password verification, atomically, in a short transaction.

    Returns ``(attempt_id, None)`` when the verification may run — the attempt is stored as a
    failure until :func:`_record_success` — or ``(None, French refusal)`` when the account, the
    client's address or the whole service is over its limit. Attempts in progress count, so a
    burst of parallel requests gets no more verifications than the limit.
    """
    settings = get_settings()
    window_start = now - dt.timedelta(minutes=settings.login_window_minutes)
    failed = (col(LoginAttempt.success).is_(False), LoginAttempt.attempted_at >= window_start)
    with session_scope(engine) as session:
        _serialise_login_counters(session)
        if (
            _count_attempts(session, LoginAttempt.username == username, *failed)
            >= settings.login_max_failures
        ):
            return None, t(LOCKED)
        if (
            client_address
            and _count_attempts(session, LoginAttempt.client_address == client_address, *failed)
            >= settings.login_max_failures_per_address
        ):
            return None, t(ADDRESS_LOCKED)
        minute_ago = now - dt.timedelta(minutes=1)
        if (
            _count_attempts(session, LoginAttempt.attempted_at >= minute_ago)
            >= settings.login_max_per_minute
        ):
            return None, t(BUSY)
        attempt = LoginAttempt(
            username=username, attempted_at=now, success=False, client_address=client_address
        )
        session.add(attempt)
        session.flush()
        return attempt.id, None


def _record_success(session: Session, attempt_id: int) -> None:
    session.exec(
        table_of(LoginAttempt)
        .update()
        .where(table_of(LoginAttempt).c.id == attempt_id)
        .values(success=True)
    )


def login(
    engine: Engine,
    username: str,
    password: str,
    *,
    user_agent: str | None = None,
    client_address: str | None = None,
) -> LoginResult:
    """Verify a password (or a one-time secret) and open a server-side session.

    Unknown user, wrong password, expired or already used one-time secret and inactive account
    give the same French message after one argon2 verification each. A valid one-time secret
    (invitation or reset, see :func:`issue_one_time_secret`) is spent, and the user must then
    choose a password before anything else. After ``login_max_failures`` failures within the
    window the account is locked for the rest of the window, without verifying anything; the
    client's address and the whole service have limits too (see :func:`reserve_verification`).

    The argon2 verification runs outside any write transaction, and the bookkeeping writes
    (attempt, last login) never touch the account's version: concurrent logins of one account,
    or a login during an edit of the account, do not conflict.
    """
    if not acceptable_credentials(username, password):
        return LoginResult(False, t(GENERIC_FAILURE))
    name = normalise_username(username)
    maybe_purge(engine)
    now = utcnow()
    attempt_id, refusal = reserve_verification(engine, name, client_address, now)
    if refusal is not None:
        return LoginResult(False, refusal)
    assert attempt_id is not None  # given whenever there is no refusal
    with read_scope(engine) as session:
        user = session.exec(select(User).where(User.username == name)).first()
    stored_hash = user.password_hash if user else None
    verified = _verify(stored_hash, password)
    ok = bool(user and verified and user.active and stored_hash)
    if not ok and (user is None or not user.active or not password):
        # Nothing left to try (no one-time secret for an unknown or inactive account): the
        # attempt is already counted as a failure, no write transaction is needed.
        return LoginResult(False, t(GENERIC_FAILURE))
    new_hash = None
    if ok and stored_hash and _hasher.check_needs_rehash(stored_hash):
        new_hash = hash_password(password)
    users = table_of(User)
    with session_scope(engine) as session:
        spent_secret = False
        if not ok and user is not None and user.active and password:
            spent_secret = _spend_secret(session, saved_id(user), password, now)
            ok = spent_secret
        if not ok or user is None:
            return LoginResult(False, t(GENERIC_FAILURE))
        _record_success(session, attempt_id)
        if spent_secret:
            # Usable once; the account has no password until the user chooses one. This is a
            # change of the account, so its version moves on.
            session.exec(
                users.update()
                .where(users.c.id == user.id)
                .values(
                    password_hash=None,
                    must_change_password=True,
                    last_login_at=now,
                    version=users.c.version + 1,
                )
            )
        else:
            # Bookkeeping: Core UPDATEs that neither check nor bump the account's version.
            session.exec(users.update().where(users.c.id == user.id).values(last_login_at=now))
            if new_hash is not None:
                session.exec(
                    users.update()
                    .where(users.c.id == user.id, users.c.password_hash == stored_hash)
                    .values(password_hash=new_hash)
                )
        token = secrets.token_urlsafe(32)
        session.add(
            AuthSession(
                token_hash=_token_hash(token),
                user_id=saved_id(user),
                created_at=now,
                last_seen_at=now,
                expires_at=now + dt.timedelta(hours=get_settings().session_absolute_hours),
                user_agent=(user_agent or "")[:300] or None,
            )
        )
        network = session.get(Network, user.network_id) if user.network_id else None
        actor = actor_for(user, network)
        if spent_secret:
            actor = dataclasses.replace(actor, must_change_password=True)
        return LoginResult(True, token=token, actor=actor)


def resolve_session(engine: Engine, token: str | None) -> Actor | None:
    """The user behind a session id, or None if unknown, revoked, idle or expired, or the user
    was deactivated. Refreshes the idle clock (at most once a minute).

    Reads in the read scope; the rare writes (idle clock, idle revocation) are short Core
    UPDATEs of the session row, so page loads do not queue behind one another on SQLite."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    settings = get_settings()
    now = utcnow()
    with read_scope(engine) as session:
        auth = session.exec(
            select(AuthSession).where(AuthSession.token_hash == _token_hash(token))
        ).first()
        if auth is None or auth.revoked_at is not None or auth.expires_at <= now:
            return None
        user = session.get(User, auth.user_id)
        network = session.get(Network, user.network_id) if user and user.network_id else None
    sessions = table_of(AuthSession)
    if auth.last_seen_at + dt.timedelta(minutes=settings.session_idle_minutes) <= now:
        with session_scope(engine) as session:
            session.exec(
                sessions.update()
                .where(sessions.c.id == auth.id, sessions.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        return None
    if user is None or not user.active:
        return None
    if now - auth.last_seen_at >= TOUCH_EVERY:
        with session_scope(engine) as session:
            session.exec(sessions.update().where(sessions.c.id == auth.id).values(last_seen_at=now))
    return actor_for(user, network)


def logout(engine: Engine, token: str | None) -> None:
    """Revoke the session server-side: the cookie, if replayed, no longer opens anything."""
    if not token:
        return
    with session_scope(engine) as session:
        session.exec(
            update(AuthSession)
            .where(
                col(AuthSession.token_hash) == _token_hash(token),
                col(AuthSession.revoked_at).is_(None),
            )
            .values(revoked_at=utcnow())
        )


def revoke_user_sessions(engine_or_session, user_id: int) -> int:
    """Revoke every open session of a user; returns how many were open."""
    stmt = (
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    if isinstance(engine_or_session, Engine):
        with session_scope(engine_or_session) as session:
            return session.exec(stmt).rowcount
    return engine_or_session.exec(stmt).rowcount


def create_user(
    engine: Engine,
    *,
    username: str,
    full_name: str,
    role: Role | str,
    password: str,
    email: str | None = None,
    network_id: int | None = None,
    must_change_password: bool = False,
) -> int:
    """Create a local account (command line and seed). Returns the new user's id."""
    role = Role(role)
    name = normalise_username(username)
    check_password_strength(password)
    errors = []
    if not name:
        errors.append(t("L'identifiant est obligatoire."))
    elif problem := username_problem(name):
        errors.append(t("Identifiant « {name} » refusé : {rule}.", name=name, rule=problem))
    if role is Role.lead and network_id is None:
        errors.append(t("Un·e référent·e réseau doit être rattaché·e à un réseau."))
    if role is not Role.lead and network_id is not None:
        errors.append(t("Seul·e un·e référent·e réseau est rattaché·e à un réseau."))
    password_hash = hash_password(password)  # argon2 before, not inside, the write transaction
    with session_scope(engine) as session:
        if session.exec(select(User).where(User.username == name)).first():
            errors.append(t("L'identifiant « {name} » existe déjà.", name=name))
        if network_id is not None and session.get(Network, network_id) is None:
            errors.append(t("Ce réseau n'existe pas."))
        if errors:
            raise ValidationFailed(errors)
        user = User(
            username=name,
            full_name=full_name.strip() or name,
            email=email,
            role=role.value,
            network_id=network_id,
            password_hash=password_hash,
            must_change_password=must_change_password,
        )
        session.add(user)
        session.flush()
        return saved_id(user)


def requires_current_password(engine: Engine, actor: Actor) -> bool:
    """False only right after a one-time-secret login: the account has no password yet."""
    with read_scope(engine) as session:
        user = session.get(User, actor.id)
        return not (user is not None and user.must_change_password and not user.password_hash)


def change_password(engine: Engine, actor: Actor, current: str | None, new: str) -> None:
    """The user changes their own password (required after a one-time secret).

    The current password is checked whenever the account has one; after a one-time-secret
    login it has none, and ``current`` is ignored. A wrong current password counts as a failed
    login attempt, so this form cannot be used to get around login throttling.
    """
    check_password_strength(new)
    wrong = t("Le mot de passe actuel est incorrect.")
    with read_scope(engine) as session:
        user = session.get(User, actor.id)
    if user is None or not user.active:
        raise ValidationFailed(wrong)
    if user.password_hash or not user.must_change_password:
        if not acceptable_credentials(user.username, current or ""):
            raise ValidationFailed(wrong)
        attempt_id, refusal = reserve_verification(engine, user.username, None, utcnow())
        if refusal is not None:
            raise ValidationFailed(refusal)
        assert attempt_id is not None  # given whenever there is no refusal
        # Verified and hashed outside any write transaction (argon2 takes a while).
        if not _verify(user.password_hash, current or ""):
            raise ValidationFailed(wrong)  # the attempt stays counted as a failure
        with session_scope(engine) as session:
            _record_success(session, attempt_id)
        if current == new:
            raise ValidationFailed(t("Le nouveau mot de passe doit être différent de l'actuel."))
    new_hash = hash_password(new)
    with session_scope(engine) as session:
        fresh = session.get(User, actor.id)
        if fresh is None or not fresh.active or fresh.password_hash != user.password_hash:
            raise ValidationFailed(
                t("Le mot de passe de ce compte vient d'être modifié. Rechargez la page.")
            )
        fresh.password_hash = new_hash
        fresh.must_change_password = False


def _spend_secret(session: Session, user_id: int, secret: str, now: dt.datetime) -> bool:
    """Spend the user's one-time secret matching ``secret`` if neither used nor expired.
    One conditional UPDATE: of two logins racing with the same secret, only one spends it."""
    secrets_table = table_of(OneTimeSecret)
    spent = session.exec(
        secrets_table.update()
        .where(
            secrets_table.c.user_id == user_id,
            secrets_table.c.secret_hash == _token_hash(secret),
            secrets_table.c.used_at.is_(None),
            secrets_table.c.expires_at > now,
        )
        .values(used_at=now)
    )
    return spent.rowcount == 1


def issue_one_time_secret(
    session: Session, user_id: int, *, purpose: str, created_by_id: int | None
) -> tuple[str, dt.datetime]:
    """A new random secret for ``user_id`` (invitation or reset), inside the caller's unit of
    work. Only its sha256 is stored; earlier unused secrets of the user stop working.
    Returns the secret (to show once) and when it expires."""
    now = utcnow()
    session.exec(
        update(OneTimeSecret)
        .where(
            col(OneTimeSecret.user_id) == user_id,
            col(OneTimeSecret.used_at).is_(None),
            col(OneTimeSecret.expires_at) > now,
        )
        .values(expires_at=now)
    )
    secret = secrets.token_urlsafe(15)
    expires_at = now + ONE_TIME_SECRET_TTL
    session.add(
        OneTimeSecret(
            user_id=user_id,
            secret_hash=_token_hash(secret),
            purpose=purpose,
            created_at=now,
            expires_at=expires_at,
            created_by_id=created_by_id,
        )
    )
    return secret, expires_at


# Login attempts are kept LOGIN_ATTEMPT_RETENTION_DAYS (throttling needs only the window; the
# rest is for reading back a burst), ended sessions SESSION_RETENTION_DAYS after they ended.
PURGE_EVERY = dt.timedelta(minutes=10)
_purge_lock = threading.Lock()
_last_purge: dt.datetime | None = None


@dataclass(frozen=True)
class PurgeReport:
    attempts: int
    sessions: int


def purge_auth_records(engine: Engine, *, now: dt.datetime | None = None) -> PurgeReport:
    """Delete login attempts older than ``LOGIN_ATTEMPT_RETENTION_DAYS`` and sessions that
    ended (expired, revoked or idle) more than ``SESSION_RETENTION_DAYS`` ago.

    Run by ``python -m dashboard purge`` and, at most every :data:`PURGE_EVERY` per process,
    on a login."""
    now = now or utcnow()
    settings = get_settings()
    attempts, sessions = table_of(LoginAttempt), table_of(AuthSession)
    ended_before = now - dt.timedelta(days=settings.session_retention_days)
    idle_before = ended_before - dt.timedelta(minutes=settings.session_idle_minutes)
    with session_scope(engine) as session:
        removed_attempts = session.exec(
            attempts.delete().where(
                attempts.c.attempted_at
                < now - dt.timedelta(days=settings.login_attempt_retention_days)
            )
        ).rowcount
        removed_sessions = session.exec(
            sessions.delete().where(
                (sessions.c.expires_at < ended_before)
                | (sessions.c.revoked_at < ended_before)
                | (sessions.c.last_seen_at < idle_before)
            )
        ).rowcount
    return PurgeReport(attempts=removed_attempts, sessions=removed_sessions)


def maybe_purge(engine: Engine) -> bool:
    """Purge if this process has not done so for :data:`PURGE_EVERY`; True if it did."""
    global _last_purge
    now = utcnow()
    with _purge_lock:
        if _last_purge is not None and now - _last_purge < PURGE_EVERY:
            return False
        _last_purge = now
    purge_auth_records(engine, now=now)
    return True
