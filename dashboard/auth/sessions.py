"""Server-side login sessions: the browser keeps only a random id in an HttpOnly cookie; the
database keeps its sha256, the idle and absolute deadlines and the revocation. Password and
OIDC logins open the same kind of session."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.core.config import get_settings
from dashboard.core.db import read_scope, session_scope
from dashboard.core.permissions import Actor
from models import AuthSession, Network, User
from models.base import saved_id, table_of, utcnow
from models.enums import Role

SESSION_COOKIE = "at_session"
TOUCH_EVERY = dt.timedelta(seconds=60)


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


def open_session(
    session: Session,
    user_id: int,
    now: dt.datetime,
    *,
    user_agent: str | None = None,
    id_token: str | None = None,
) -> str:
    """Store a new login session for ``user_id`` in the caller's unit of work and return its
    random id (for the cookie; only its sha256 is stored). ``id_token`` is the identity
    provider's ID token after an OIDC login, kept for the provider's logout."""
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            token_hash=_token_hash(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(hours=get_settings().session_absolute_hours),
            user_agent=(user_agent or "")[:300] or None,
            id_token=id_token,
        )
    )
    return token


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


def session_id_token(engine: Engine, token: str | None) -> str | None:
    """The identity provider's ID token kept with a login session (OIDC logins only)."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    with read_scope(engine) as session:
        return session.exec(
            select(AuthSession.id_token).where(AuthSession.token_hash == _token_hash(token))
        ).first()


def logout_key(token: str) -> str:
    """A value derived from the session id, required by the logout address: another site
    cannot log a person out with a link (it does not know the session id)."""
    return hashlib.sha256(f"logout:{token}".encode()).hexdigest()[:32]
