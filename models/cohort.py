"""Cohorts, the networks that take part in them, and the programme's sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import check_codes, utcnow, version_column
from models.enums import CohortStatus, Phase, SessionKind


class Cohort(SQLModel, table=True):
    __tablename__ = "cohort"
    __table_args__ = (
        check_codes("status", CohortStatus, "ck_cohort_status"),
        CheckConstraint("end_date >= start_date", name="ck_cohort_dates"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=200)
    start_date: dt.date
    end_date: dt.date
    status: str = Field(default=CohortStatus.active.value, max_length=20)
    # Whether leads see the other networks of the cohort by name or anonymised ("Réseau A"…).
    anonymise_for_leads: bool = Field(default=False)
    # Days before each session when leads get their reminder, comma-separated ("10,3").
    reminder_days: str = Field(
        default="10,3", max_length=40, sa_column_kwargs={"server_default": "10,3"}
    )
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)


class Network(SQLModel, table=True):
    __tablename__ = "network"
    __table_args__ = (
        UniqueConstraint("cohort_id", "code", name="uq_network_cohort_code"),
        CheckConstraint("member_count IS NULL OR member_count >= 0", name="ck_network_members"),
        CheckConstraint(
            "rna IS NULL OR (length(rna) = 10 AND substr(rna, 1, 1) = 'W')", name="ck_network_rna"
        ),
        CheckConstraint("siren IS NULL OR length(siren) = 9", name="ck_network_siren"),
    )
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    code: str = Field(max_length=20)
    name: str = Field(max_length=200)
    acronym: str | None = Field(default=None, max_length=40)
    sector: str | None = Field(default=None, max_length=120)
    region_code: str | None = Field(default=None, max_length=3)  # INSEE region code, as text
    member_count: int | None = None
    rna: str | None = Field(default=None, max_length=10)  # W + 9 digits; none in Alsace-Moselle
    siren: str | None = Field(default=None, max_length=9)
    is_fictional: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)


class ProgrammeSession(SQLModel, table=True):
    """A session of the programme's path (not a database or login session)."""

    __tablename__ = "programme_session"
    __table_args__ = (
        UniqueConstraint("cohort_id", "code", name="uq_session_cohort_code"),
        check_codes("kind", SessionKind, "ck_session_kind"),
        check_codes("phase", Phase, "ck_session_phase", nullable=True),
        CheckConstraint("number >= 1", name="ck_session_number"),
    )
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    code: str = Field(max_length=10)  # "S1", "W1", "COPIL"
    number: int
    kind: str = Field(max_length=20)
    phase: str | None = Field(default=None, max_length=20)
    title: str = Field(max_length=200)
    session_date: dt.date
    host: str | None = Field(default=None, max_length=200)
    theme: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)
