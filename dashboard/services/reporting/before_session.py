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
from sqlmodel import col

from dashboard.core import clock
from dashboard.core.db import read_scope
from dashboard.core.permissions import Actor
from dashboard.services.indicators.values import followed_indicators, workspace
from dashboard.services.shared.rules import LATE_ELIGIBLE, is_late
from models import IndicatorValue, Milestone, ProgrammeSession
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
        upcoming = session.execute(
            sa_select(
                col(ProgrammeSession.id),
                col(ProgrammeSession.code),
                col(ProgrammeSession.title),
                col(ProgrammeSession.session_date),
            )
            .where(
                col(ProgrammeSession.cohort_id) == cohort.id,
                col(ProgrammeSession.session_date) >= as_of,
            )
            .order_by(col(ProgrammeSession.session_date), col(ProgrammeSession.number))
            .limit(1)
        ).first()
        next_session = dict(upcoming._mapping) if upcoming else None
        horizon = next_session["session_date"] if next_session else cohort.end_date
        due = col(Milestone.due_date) <= horizon
        if next_session:
            due = or_(due, Milestone.session_id == next_session["id"])
        milestone_rows = session.execute(
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
        indicators = followed_indicators(session, network_id)
        value_rows = session.execute(
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

    milestones = pd.DataFrame(milestone_rows, columns=MILESTONE_COLUMNS[:-1])
    milestones["late"] = [
        is_late(due, status, as_of)
        for due, status in zip(milestones["due_date"], milestones["status"], strict=True)
    ]
    milestones = milestones.sort_values(["late", "due_date"], ascending=[False, True])

    values = pd.DataFrame(
        value_rows,
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
    meta = indicators[["indicator_id", "code", "label", "unit", "position"]]
    values = values.merge(meta, on="indicator_id", how="left")
    values = values.sort_values(["period_start", "position", "code"])

    months = clock.months_between(
        cohort.start_date, min(last_complete_month(as_of), clock.month_start(cohort.end_date))
    )
    expected = meta.merge(pd.DataFrame({"period_start": months}), how="cross")
    present = values[["indicator_id", "period_start"]].assign(present=True)
    missing = expected.merge(present, on=["indicator_id", "period_start"], how="left")
    missing = missing[missing["present"].isna()]
    missing = missing.sort_values(["period_start", "position", "code"])[
        ["indicator_id", "code", "label", "unit", "period_start"]
    ].reset_index(drop=True)

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
        "milestones": milestones.reset_index(drop=True),
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


def months_of(frame: pd.DataFrame) -> list[dt.date]:
    """Distinct months of a value frame, in order (one link per month on the page)."""
    return sorted(set(frame["period_start"])) if not frame.empty else []
