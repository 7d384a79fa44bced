"""Login throttling counted in the database, so the limits hold across processes: per
account, per client address and for the whole service. Attempts still in progress count."""

from __future__ import annotations

import datetime as dt
import unicodedata

from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from dashboard.core.i18n import t
from models import LoginAttempt
from models.base import table_of

# Bounds checked before anything else touches a login form's fields.
MAX_USERNAME_LENGTH = 120
MAX_PASSWORD_LENGTH = 1024

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
    failure until :func:`record_success` — or ``(None, French refusal)`` when the account, the
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


def record_success(session: Session, attempt_id: int) -> None:
    session.exec(
        table_of(LoginAttempt)
        .update()
        .where(table_of(LoginAttempt).c.id == attempt_id)
        .values(success=True)
    )
