"""Local accounts: argon2id hashes, login throttling counted in the database, server-side
sessions whose random id the browser keeps in an HttpOnly cookie."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from models import AuthSession, LoginAttempt, Network, OneTimeSecret, User
from models.base import utcnow
from models.enums import Role

SESSION_COOKIE = "at_session"
# argon2id with the library's RFC 9106 "low memory" profile.
_hasher = PasswordHasher()
# Verified against when the user is unknown, so both answers take about the same time.
_DUMMY_HASH = _hasher.hash("mot-de-passe-factice-pour-temps-constant")
TOUCH_EVERY = dt.timedelta(seconds=60)
MIN_PASSWORD_LENGTH = 12
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


def check_password_strength(password: str) -> None:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            t("Le mot de passe doit contenir au moins {n} caractères.", n=MIN_PASSWORD_LENGTH)
        )
    if password.strip() != password:
        problems.append(t("Le mot de passe ne doit pas commencer ni finir par une espace."))
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
        id=user.id,
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


def login(
    engine: Engine, username: str, password: str, *, user_agent: str | None = None
) -> LoginResult:
    """Verify a password (or a one-time secret) and open a server-side session.

    Unknown user, wrong password, expired or already used one-time secret and inactive account
    give the same French message after one argon2 verification each. A valid one-time secret
    (invitation or reset, see :func:`issue_one_time_secret`) is spent, and the user must then
    choose a password before anything else. After ``login_max_failures`` failures within the
    window the account is locked for the rest of the window, without verifying anything.
    """
    settings = get_settings()
    name = normalise_username(username)
    now = utcnow()
    window_start = now - dt.timedelta(minutes=settings.login_window_minutes)
    with session_scope(engine) as session:
        failures = session.exec(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                LoginAttempt.username == name,
                LoginAttempt.success.is_(False),
                LoginAttempt.attempted_at >= window_start,
            )
        ).one()
        if failures >= settings.login_max_failures:
            return LoginResult(False, t(LOCKED))
        user = session.exec(select(User).where(User.username == name)).first()
        verified = _verify(user.password_hash if user else None, password)
        ok = bool(user and verified and user.active and user.password_hash)
        one_time = None
        if not ok and user is not None and user.active:
            one_time = _usable_secret(session, user.id, password, now)
            ok = one_time is not None
        session.add(LoginAttempt(username=name, attempted_at=now, success=ok))
        if not ok:
            return LoginResult(False, t(GENERIC_FAILURE))
        if one_time is not None:
            # Usable once; the account has no password until the user chooses one.
            one_time.used_at = now
            user.password_hash = None
            user.must_change_password = True
        elif _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = now
        token = secrets.token_urlsafe(32)
        session.add(
            AuthSession(
                token_hash=_token_hash(token),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + dt.timedelta(hours=settings.session_absolute_hours),
                user_agent=(user_agent or "")[:300] or None,
            )
        )
        network = session.get(Network, user.network_id) if user.network_id else None
        return LoginResult(True, token=token, actor=actor_for(user, network))


def resolve_session(engine: Engine, token: str | None) -> Actor | None:
    """The user behind a session id, or None if unknown, revoked, idle or expired, or the user
    was deactivated. Refreshes the idle clock (at most once a minute)."""
    if not token:
        return None
    settings = get_settings()
    now = utcnow()
    with session_scope(engine) as session:
        auth = session.exec(
            select(AuthSession).where(AuthSession.token_hash == _token_hash(token))
        ).first()
        if auth is None or auth.revoked_at is not None or auth.expires_at <= now:
            return None
        if auth.last_seen_at + dt.timedelta(minutes=settings.session_idle_minutes) <= now:
            auth.revoked_at = now
            return None
        user = session.get(User, auth.user_id)
        if user is None or not user.active:
            return None
        if now - auth.last_seen_at >= TOUCH_EVERY:
            auth.last_seen_at = now
        network = session.get(Network, user.network_id) if user.network_id else None
        return actor_for(user, network)


def logout(engine: Engine, token: str | None) -> None:
    """Revoke the session server-side: the cookie, if replayed, no longer opens anything."""
    if not token:
        return
    with session_scope(engine) as session:
        session.exec(
            update(AuthSession)
            .where(AuthSession.token_hash == _token_hash(token), AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def revoke_user_sessions(engine_or_session, user_id: int) -> int:
    """Revoke every open session of a user; returns how many were open."""
    stmt = (
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
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
    if role is Role.lead and network_id is None:
        errors.append(t("Un·e référent·e réseau doit être rattaché·e à un réseau."))
    if role is not Role.lead and network_id is not None:
        errors.append(t("Seul·e un·e référent·e réseau est rattaché·e à un réseau."))
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
            password_hash=hash_password(password),
            must_change_password=must_change_password,
        )
        session.add(user)
        session.flush()
        return user.id


def requires_current_password(engine: Engine, actor: Actor) -> bool:
    """False only right after a one-time-secret login: the account has no password yet."""
    with session_scope(engine) as session:
        user = session.get(User, actor.id)
        return not (user is not None and user.must_change_password and not user.password_hash)


def change_password(engine: Engine, actor: Actor, current: str | None, new: str) -> None:
    """The user changes their own password (required after a one-time secret).

    The current password is checked whenever the account has one; after a one-time-secret
    login it has none, and ``current`` is ignored. A wrong current password counts as a failed
    login attempt, so this form cannot be used to get around login throttling.
    """
    check_password_strength(new)
    settings = get_settings()
    now = utcnow()
    with session_scope(engine) as session:
        user = session.get(User, actor.id)
        if user is None or not user.active:
            raise ValidationFailed(t("Le mot de passe actuel est incorrect."))
        if user.password_hash or not user.must_change_password:
            window_start = now - dt.timedelta(minutes=settings.login_window_minutes)
            failures = session.exec(
                select(func.count())
                .select_from(LoginAttempt)
                .where(
                    LoginAttempt.username == user.username,
                    LoginAttempt.success.is_(False),
                    LoginAttempt.attempted_at >= window_start,
                )
            ).one()
            if failures >= settings.login_max_failures:
                raise ValidationFailed(t(LOCKED))
            if not _verify(user.password_hash, current or ""):
                session.add(LoginAttempt(username=user.username, attempted_at=now, success=False))
                session.commit()
                raise ValidationFailed(t("Le mot de passe actuel est incorrect."))
            if current == new:
                raise ValidationFailed(
                    t("Le nouveau mot de passe doit être différent de l'actuel.")
                )
        user.password_hash = hash_password(new)
        user.must_change_password = False


def _usable_secret(
    session: Session, user_id: int, secret: str, now: dt.datetime
) -> OneTimeSecret | None:
    """The user's one-time secret matching ``secret``, if neither used nor expired."""
    if not secret:
        return None
    return session.exec(
        select(OneTimeSecret).where(
            OneTimeSecret.user_id == user_id,
            OneTimeSecret.secret_hash == _token_hash(secret),
            OneTimeSecret.used_at.is_(None),
            OneTimeSecret.expires_at > now,
        )
    ).first()


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
            OneTimeSecret.user_id == user_id,
            OneTimeSecret.used_at.is_(None),
            OneTimeSecret.expires_at > now,
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
