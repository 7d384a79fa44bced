"""What keeps the data accountable: the append-only change log and frozen snapshots."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import check_codes, utcnow
from models.enums import ChangeAction


class ChangeLog(SQLModel, table=True):
    """One row per changed field, written in the same transaction as the change."""

    __tablename__ = "change_log"
    __table_args__ = (
        check_codes("action", ChangeAction, "ck_change_action"),
        # Conflict messages and histories look rows up by entity.
        Index("ix_change_log_entity", "entity", "entity_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    changed_at: dt.datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    cohort_id: int | None = Field(default=None, foreign_key="cohort.id", index=True)
    network_id: int | None = Field(default=None, foreign_key="network.id", index=True)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    action: str = Field(max_length=10)
    field: str | None = Field(default=None, max_length=60)
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))
    reason: str | None = Field(default=None, sa_column=Column(Text))


class Snapshot(SQLModel, table=True):
    """A frozen copy of a cohort's state at a session; never updated once taken."""

    __tablename__ = "snapshot"
    __table_args__ = (UniqueConstraint("auto_session_id", name="uq_snapshot_auto_session"),)
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="programme_session.id")
    label: str = Field(max_length=200)
    taken_at: dt.datetime = Field(default_factory=utcnow)
    taken_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Set only on the snapshot taken automatically once a session's date has passed: unique,
    # so two processes can never both freeze the same session.
    auto_session_id: int | None = Field(default=None, foreign_key="programme_session.id")
