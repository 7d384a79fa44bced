"""« Avant la prochaine session »: what a network still has to do, in a few queries.

Milestones due before the next session (or already late), months with no value for a followed
indicator, drafts not yet submitted, values returned by the programme team with a reason, and
values submitted but not yet validated. Plain data: the page turns each item into a link.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import or_
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from dashboard.core import clock
from dashboard.core.db import read_scope
from dashboard.core.permissions import Actor
from dashboard.services.indicators.values import followed_indicators, workspace
from dashboard.services.shared.rules import LATE_ELIGIBLE, is_late
from models import IndicatorValue, Milestone, ProgrammeSession
from models.base import saved_id
from models.enums import ValueStatus

MILESTONE_COLUMNS = [
    "id",
    "title",
    "owner",
    "due_date",
    "status",
    "progress",
    "session_code",
    "version",
    "late",
]
VALUE_COLUMNS = [
    "id",
    "indicator_id",
    "code",
    "label",
    "unit",
    "period_start",
    "value",
    "status",
    "return_reason",
    "submitted_at",
    "version",
]


def last_complete_month(as_of: dt.date) -> dt.date:
    """First day of the last month that has fully elapsed on ``as_of``."""
    return clock.add_months(as_of, -1)


def before_session(
    engine: Engine, actor: Actor, network_id: int, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Everything due for one network (a lead: their own; the programme team: any).

    Returns ``{"network", "as_of", "next_session" (dict or None), "horizon" (date),
    "milestones" (MILESTONE_COLUMNS, late first), "missing" (indicator × month without value),
    "drafts", "returned", "awaiting" (VALUE_COLUMNS), "counts"}``.
    """
    as_of = as_of or clock.today()
    with read_scope(engine) as session:
        network, cohort = workspace(session, actor, network_id)
        next_session = _next_session(session, saved_id(cohort), as_of)
        horizon = next_session["session_date"] if next_session else cohort.end_date
        milestones = _milestones_due(session, network_id, horizon, next_session, as_of)
        meta = followed_indicators(session, network_id)[
            ["indicator_id", "code", "label", "unit", "position"]
        ]
        values = _values(session, network_id, meta)
    months = clock.months_between(
        cohort.start_date, min(last_complete_month(as_of), clock.month_start(cohort.end_date))
    )
    missing = _missing(meta, values, months)
    is_draft = values["status"] == ValueStatus.draft
    has_reason = values["return_reason"].notna() & (values["return_reason"] != "")
    returned = values[is_draft & has_reason][VALUE_COLUMNS].reset_index(drop=True)
    drafts = values[is_draft & ~has_reason][VALUE_COLUMNS].reset_index(drop=True)
    awaiting = values[values["status"] == ValueStatus.submitted][VALUE_COLUMNS]
    awaiting = awaiting.reset_index(drop=True)
    return {
        "network": {"id": network.id, "code": network.code, "name": network.name},
        "as_of": as_of,
        "next_session": next_session,
        "horizon": horizon,
        "milestones": milestones,
        "missing": missing,
        "drafts": drafts,
        "returned": returned,
        "awaiting": awaiting,
        "counts": {
            "milestones": len(milestones),
            "milestones_late": int(milestones["late"].sum()),
            "missing": len(missing),
            "drafts": len(drafts),
            "returned": len(returned),
            "awaiting": len(awaiting),
        },
    }


def _next_session(session: Session, cohort_id: int, as_of: dt.date) -> dict | None:
    """The cohort's first session on or after ``as_of`` (id, code, title, session_date)."""
    upcoming = session.execute(
        sa_select(
            col(ProgrammeSession.id),
            col(ProgrammeSession.code),
            col(ProgrammeSession.title),
            col(ProgrammeSession.session_date),
        )
        .where(
            col(ProgrammeSession.cohort_id) == cohort_id,
            col(ProgrammeSession.session_date) >= as_of,
        )
        .order_by(col(ProgrammeSession.session_date), col(ProgrammeSession.number))
        .limit(1)
    ).first()
    return dict(upcoming._mapping) if upcoming else None


def _milestones_due(
    session: Session,
    network_id: int,
    horizon: dt.date,
    next_session: dict | None,
    as_of: dt.date,
) -> pd.DataFrame:
    """Open milestones due by ``horizon`` or for the next session, late ones first."""
    due = col(Milestone.due_date) <= horizon
    if next_session:
        due = or_(due, Milestone.session_id == next_session["id"])
    rows = session.execute(
        sa_select(
            col(Milestone.id),
            col(Milestone.title),
            col(Milestone.owner),
            col(Milestone.due_date),
            col(Milestone.status),
            col(Milestone.progress),
            col(ProgrammeSession.code),
            col(Milestone.version),
        )
        .join(ProgrammeSession, col(ProgrammeSession.id) == Milestone.session_id, isouter=True)
        .where(
            col(Milestone.network_id) == network_id,
            col(Milestone.status).in_(LATE_ELIGIBLE),
            due,
        )
        .order_by(col(Milestone.due_date), col(Milestone.id))
    ).all()
    milestones = pd.DataFrame(rows, columns=MILESTONE_COLUMNS[:-1])
    milestones["late"] = [
        is_late(day, status, as_of)
        for day, status in zip(milestones["due_date"], milestones["status"], strict=True)
    ]
    milestones = milestones.sort_values(["late", "due_date"], ascending=[False, True])
    return milestones.reset_index(drop=True)


def _values(session: Session, network_id: int, meta: pd.DataFrame) -> pd.DataFrame:
    """The network's values with their indicator's code, label, unit and position."""
    rows = session.execute(
        sa_select(
            col(IndicatorValue.id),
            col(IndicatorValue.indicator_id),
            col(IndicatorValue.period_start),
            col(IndicatorValue.value),
            col(IndicatorValue.status),
            col(IndicatorValue.return_reason),
            col(IndicatorValue.submitted_at),
            col(IndicatorValue.version),
        ).where(col(IndicatorValue.network_id) == network_id)
    ).all()
    values = pd.DataFrame(
        rows,
        columns=[
            "id",
            "indicator_id",
            "period_start",
            "value",
            "status",
            "return_reason",
            "submitted_at",
            "version",
        ],
    )
    values = values.merge(meta, on="indicator_id", how="left")
    return values.sort_values(["period_start", "position", "code"])


def _missing(meta: pd.DataFrame, values: pd.DataFrame, months: list[dt.date]) -> pd.DataFrame:
    """Followed indicator × expected month with no value at all."""
    expected = meta.merge(pd.DataFrame({"period_start": months}), how="cross")
    present = values[["indicator_id", "period_start"]].assign(present=True)
    missing = expected.merge(present, on=["indicator_id", "period_start"], how="left")
    missing = missing[missing["present"].isna()]
    return missing.sort_values(["period_start", "position", "code"])[
        ["indicator_id", "code", "label", "unit", "period_start"]
    ].reset_index(drop=True)


def months_of(frame: pd.DataFrame) -> list[dt.date]:
    """Distinct months of a value frame, in order (one link per month on the page)."""
    return sorted(set(frame["period_start"])) if not frame.empty else []
