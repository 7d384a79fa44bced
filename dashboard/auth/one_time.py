"""One-time secrets: an invitation or a password reset, random, shown once, stored as a
sha256, expiring after :data:`ONE_TIME_SECRET_TTL` and usable once."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import update
from sqlmodel import Session, col

from dashboard.auth.sessions import _token_hash
from models import OneTimeSecret
from models.base import table_of, utcnow

ONE_TIME_SECRET_TTL = dt.timedelta(hours=24)


def spend_secret(session: Session, user_id: int, secret: str, now: dt.datetime) -> bool:
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
