"""A network's roadmap: objectives, partners and alliances (with stage history), milestones,
and the lessons learnt along the way."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import check_codes, utcnow, version_column
from models.enums import (
    AllianceStage,
    CapitalisationStatus,
    CompanyPartnershipType,
    LessonCategory,
    MilestoneStatus,
    Motivation,
    PartnerFamily,
    RelationLogic,
    Visibility,
)


class Objective(SQLModel, table=True):
    __tablename__ = "objective"
    __table_args__ = (check_codes("motivation", Motivation, "ck_objective_motivation"),)
    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    code: str | None = Field(default=None, max_length=20)  # stable reference in seed files
    title: str = Field(max_length=200)
    motivation: str = Field(max_length=40)
    description: str | None = Field(default=None, max_length=4000, sa_column=Column(Text))
    archived: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)


class Partner(SQLModel, table=True):
    __tablename__ = "partner"
    __table_args__ = (check_codes("family", PartnerFamily, "ck_partner_family"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    family: str = Field(max_length=20)
    is_fictional: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)


class Alliance(SQLModel, table=True):
    __tablename__ = "alliance"
    __table_args__ = (
        check_codes("stage", AllianceStage, "ck_alliance_stage"),
        check_codes("relation_logic", RelationLogic, "ck_alliance_logic"),
        check_codes(
            "company_type", CompanyPartnershipType, "ck_alliance_company_type", nullable=True
        ),
        CheckConstraint(
            "expected_value_eur IS NULL OR expected_value_eur >= 0", name="ck_alliance_value"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    objective_id: int | None = Field(default=None, foreign_key="objective.id")
    code: str | None = Field(default=None, max_length=20)
    title: str = Field(max_length=200)
    company_type: str | None = Field(default=None, max_length=40)
    relation_logic: str = Field(default=RelationLogic.exchange.value, max_length=20)
    stage: str = Field(default=AllianceStage.identified.value, max_length=20)
    stage_changed_on: dt.date | None = None
    signed_on: dt.date | None = None
    expected_value_eur: float | None = None
    description: str | None = Field(default=None, max_length=4000, sa_column=Column(Text))
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)


class AllianceStageChange(SQLModel, table=True):
    __tablename__ = "alliance_stage_change"
    __table_args__ = (
        check_codes("to_stage", AllianceStage, "ck_stage_change_to"),
        check_codes("from_stage", AllianceStage, "ck_stage_change_from", nullable=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    from_stage: str | None = Field(default=None, max_length=20)
    to_stage: str = Field(max_length=20)
    changed_on: dt.date
    changed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    comment: str | None = Field(default=None, max_length=4000, sa_column=Column(Text))
    created_at: dt.datetime = Field(default_factory=utcnow)


class Milestone(SQLModel, table=True):
    __tablename__ = "milestone"
    __table_args__ = (
        check_codes("status", MilestoneStatus, "ck_milestone_status"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="ck_milestone_progress"),
    )
    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    objective_id: int | None = Field(default=None, foreign_key="objective.id")
    alliance_id: int | None = Field(default=None, foreign_key="alliance.id")
    session_id: int | None = Field(default=None, foreign_key="programme_session.id")
    code: str | None = Field(default=None, max_length=20)
    title: str = Field(max_length=200)
    owner: str | None = Field(default=None, max_length=120)
    due_date: dt.date
    done_date: dt.date | None = None
    status: str = Field(default=MilestoneStatus.planned.value, max_length=20)
    progress: int = Field(default=0)
    evidence_url: str | None = Field(default=None, max_length=500)
    comment: str | None = Field(default=None, max_length=4000, sa_column=Column(Text))
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)


class Lesson(SQLModel, table=True):
    __tablename__ = "lesson"
    __table_args__ = (
        check_codes("category", LessonCategory, "ck_lesson_category"),
        check_codes("capitalisation", CapitalisationStatus, "ck_lesson_capitalisation"),
        check_codes("visibility", Visibility, "ck_lesson_visibility"),
        UniqueConstraint("cohort_id", "code", name="uq_lesson_code"),
    )
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    network_id: int | None = Field(default=None, foreign_key="network.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="programme_session.id")
    alliance_id: int | None = Field(default=None, foreign_key="alliance.id")
    code: str | None = Field(default=None, max_length=20)
    category: str = Field(max_length=20)
    statement: str = Field(max_length=4000, sa_column=Column(Text, nullable=False))
    capitalisation: str = Field(default=CapitalisationStatus.observed.value, max_length=20)
    visibility: str = Field(default=Visibility.cohort.value, max_length=20)
    author_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)
