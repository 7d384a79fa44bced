"""The indicator catalogue, each network's baseline and target, and monthly values."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import check_codes, utcnow, version_column
from models.enums import Accumulation, Direction, ImpactAxis, Lever, Unit, ValueStatus


class Indicator(SQLModel, table=True):
    __tablename__ = "indicator"
    __table_args__ = (
        check_codes("unit", Unit, "ck_indicator_unit"),
        check_codes("direction", Direction, "ck_indicator_direction"),
        check_codes("accumulation", Accumulation, "ck_indicator_accumulation"),
        check_codes("impact_axis", ImpactAxis, "ck_indicator_axis"),
        check_codes("lever", Lever, "ck_indicator_lever"),
        CheckConstraint(
            "scale_min IS NULL OR scale_max IS NULL OR scale_max > scale_min",
            name="ck_indicator_scale",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True, index=True)
    label: str = Field(max_length=200)
    definition: str | None = Field(default=None, sa_column=Column(Text))
    unit: str = Field(max_length=20)
    direction: str = Field(default=Direction.higher_is_better.value, max_length=20)
    accumulation: str = Field(max_length=20)
    is_key: bool = Field(default=False)
    impact_axis: str = Field(max_length=20)
    lever: str = Field(max_length=20)
    scale_min: float | None = None  # bounds implied by the unit or the scale (score 1–5, 0–6…)
    scale_max: float | None = None
    position: int = Field(default=0)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)


class IndicatorTarget(SQLModel, table=True):
    """One row per indicator a network follows: baseline, target and any revision of it."""

    __tablename__ = "indicator_target"
    __table_args__ = (
        UniqueConstraint("network_id", "indicator_id", name="uq_target_network_indicator"),
    )
    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    baseline_value: float | None = None
    baseline_date: dt.date | None = None
    target_value: float | None = None
    target_date: dt.date | None = None
    # Kept when a target is revised after the cohort started ("cible initiale").
    initial_target_value: float | None = None
    revision_reason: str | None = Field(default=None, sa_column=Column(Text))
    revised_at: dt.datetime | None = None
    revised_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)


class IndicatorValue(SQLModel, table=True):
    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint(
            "network_id", "indicator_id", "period_start", name="uq_value_network_indicator_period"
        ),
        check_codes("status", ValueStatus, "ck_value_status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    period_start: dt.date = Field(index=True)  # first day of the month
    value: float
    status: str = Field(default=ValueStatus.draft.value, max_length=20)
    comment: str | None = Field(default=None, max_length=2000, sa_column=Column(Text))
    evidence_url: str | None = Field(default=None, max_length=500)
    return_reason: str | None = Field(default=None, max_length=1000, sa_column=Column(Text))
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: dt.datetime = Field(default_factory=utcnow)
    submitted_at: dt.datetime | None = None
    validated_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    validated_at: dt.datetime | None = None
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)
