"""The « maturité à faire alliance » self-diagnosis: a level 1–4 on seven axes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import check_codes, utcnow, version_column
from models.enums import Assessor, MaturityAxis


class MaturityAssessment(SQLModel, table=True):
    __tablename__ = "maturity_assessment"
    __table_args__ = (
        UniqueConstraint("network_id", "session_id", "assessor", name="uq_assessment"),
        check_codes("assessor", Assessor, "ck_assessment_assessor"),
    )
    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    session_id: int = Field(foreign_key="programme_session.id", index=True)
    assessor: str = Field(max_length=20)
    assessed_on: dt.date
    comment: str | None = Field(default=None, sa_column=Column(Text))
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)


class MaturityScore(SQLModel, table=True):
    __tablename__ = "maturity_score"
    __table_args__ = (
        UniqueConstraint("assessment_id", "axis", name="uq_score_axis"),
        check_codes("axis", MaturityAxis, "ck_score_axis"),
        CheckConstraint("level >= 1 AND level <= 4", name="ck_score_level"),
    )
    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="maturity_assessment.id", index=True)
    axis: str = Field(max_length=30)
    level: int
    evidence: str | None = Field(default=None, sa_column=Column(Text))
