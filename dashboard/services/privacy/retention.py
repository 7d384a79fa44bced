"""Personal data kept no longer than needed: login attempts, ended login sessions and the log
of reminders sent, each deleted after its delay (settings, in days; docs/PERSONAL_DATA.md).

``python -m dashboard purge`` runs :func:`purge_personal_data` from a scheduler; the logins
also purge their own bookkeeping (``dashboard.auth.accounts.maybe_purge``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine

from dashboard.auth.accounts import purge_auth_records
from dashboard.core.clock import today
from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from models import ProgrammeSession, ReminderLog
from models.base import table_of, utcnow


@dataclass(frozen=True)
class RetentionReport:
    """How many rows each purge deleted."""

    attempts: int
    sessions: int
    reminders: int


def purge_reminder_log(engine: Engine, *, now: dt.datetime | None = None) -> int:
    """Delete reminder log lines (recipient's address, subject) older than
    ``REMINDER_LOG_RETENTION_DAYS`` whose programme session is past.

    A line whose session is still ahead is kept whatever its age: it is what stops the same
    reminder from being sent twice."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=get_settings().reminder_log_retention_days)
    log, sessions = table_of(ReminderLog), table_of(ProgrammeSession)
    past_sessions = select(sessions.c.id).where(sessions.c.session_date < today(now))
    with session_scope(engine) as session:
        return session.exec(
            log.delete().where(log.c.created_at < cutoff, log.c.session_id.in_(past_sessions))
        ).rowcount


def purge_personal_data(engine: Engine, *, now: dt.datetime | None = None) -> RetentionReport:
    """Every retention delay applied at once (the ``purge`` command)."""
    now = now or utcnow()
    auth = purge_auth_records(engine, now=now)
    reminders = purge_reminder_log(engine, now=now)
    return RetentionReport(attempts=auth.attempts, sessions=auth.sessions, reminders=reminders)
