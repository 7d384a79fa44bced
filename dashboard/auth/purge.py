"""Retention of the login bookkeeping: login attempts and ended sessions deleted after their
delays, by ``python -m dashboard purge`` and, at most every :data:`PURGE_EVERY` per process, on
a login."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from models import AuthSession, LoginAttempt
from models.base import table_of, utcnow

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
