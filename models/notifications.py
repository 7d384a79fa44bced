"""Reminders before sessions: what was sent to whom, and who asked for no reminders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow


class ReminderLog(SQLModel, table=True):
    """One reminder (or programme-team digest) for one person, one session, one lead time.

    The row is inserted and committed *before* the message leaves: the unique key is what keeps
    two runs, or two processes, from sending the same reminder twice. ``sent_at`` is set once the
    message is delivered (to the SMTP server or to the folder)."""

    __tablename__ = "reminder_log"
    __table_args__ = (
        UniqueConstraint("user_id", "session_id", "days_before", name="uq_reminder_once"),
        CheckConstraint("kind IN ('lead', 'digest')", name="ck_reminder_kind"),
        CheckConstraint("days_before >= 0", name="ck_reminder_days"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    session_id: int = Field(foreign_key="programme_session.id", index=True)
    days_before: int
    kind: str = Field(default="lead", max_length=10)
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    created_at: dt.datetime = Field(default_factory=utcnow)
    sent_at: dt.datetime | None = None
    sent_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class ReminderOptOut(SQLModel, table=True):
    """A person who turned reminders off (« Mon compte » or the link in a message)."""

    __tablename__ = "reminder_opt_out"
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    opted_out_at: dt.datetime = Field(default_factory=utcnow)
