"""The dashboard's freshness as it was computed before the indicator totals: grouped queries
over the values themselves. Kept for tests that check the totals give the same figures."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from dashboard.core import clock
from dashboard.services.indicators.progress import COUNTED_STATUSES
from dashboard.services.reporting.freshness import STALE_MONTHS
from dashboard.services.shared import access
from models import Alliance, IndicatorTarget, IndicatorValue, Milestone


def _plain(rows) -> list[tuple]:
    return [tuple(r) for r in rows]


def freshness_from_values(
    session: Session,
    cohort: access.CohortInfo,
    network_ids: list[int],
    *,
    as_of: dt.date,
) -> pd.DataFrame:
    """Per network: last update (values, milestones, alliances), latest month with a value,
    months missing and a stale flag.

    The months expected run from the cohort's first month to the month before ``as_of`` (values
    of a month are entered the month after), capped at the cohort's last month. A month is
    missing when the network has fewer values for it than indicators it follows (targets).
    Only counted values (submitted or validated, as for the progress) make a month entered: a
    draft is the lead's work in progress.
    """
    expected_last = min(clock.add_months(as_of, -1), clock.month_start(cohort.end_date))
    expected = clock.months_between(cohort.start_date, expected_last)
    ids = network_ids
    values = pd.DataFrame(
        _plain(
            session.exec(
                select(
                    IndicatorValue.network_id,
                    func.max(IndicatorValue.updated_at),
                    func.max(IndicatorValue.period_start),
                )
                .where(
                    col(IndicatorValue.network_id).in_(ids),
                    col(IndicatorValue.status).in_(COUNTED_STATUSES),
                )
                .group_by(col(IndicatorValue.network_id))
            )
        ),
        columns=["network_id", "values_updated", "last_period"],
    )
    activity = []
    for model in (Milestone, Alliance):
        activity.append(
            pd.DataFrame(
                _plain(
                    session.exec(
                        select(col(model.network_id), func.max(model.updated_at))
                        .where(col(model.network_id).in_(ids))
                        .group_by(col(model.network_id))
                    )
                ),
                columns=["network_id", f"{model.__tablename__}_updated"],
            )
        )
    followed = pd.DataFrame(
        _plain(
            session.exec(
                select(IndicatorTarget.network_id, func.count())
                .where(col(IndicatorTarget.network_id).in_(ids))
                .group_by(col(IndicatorTarget.network_id))
            )
        ),
        columns=["network_id", "followed"],
    )
    per_month = pd.DataFrame(
        _plain(
            session.exec(
                select(
                    col(IndicatorValue.network_id), col(IndicatorValue.period_start), func.count()
                )
                .join(
                    IndicatorTarget,
                    and_(
                        col(IndicatorTarget.network_id) == IndicatorValue.network_id,
                        col(IndicatorTarget.indicator_id) == IndicatorValue.indicator_id,
                    ),
                )
                .where(
                    col(IndicatorValue.network_id).in_(ids),
                    col(IndicatorValue.status).in_(COUNTED_STATUSES),
                    IndicatorValue.period_start >= clock.month_start(cohort.start_date),
                    IndicatorValue.period_start <= expected_last,
                )
                .group_by(col(IndicatorValue.network_id), col(IndicatorValue.period_start))
            )
        ),
        columns=["network_id", "period_start", "count"],
    )
    out = pd.DataFrame({"network_id": pd.Series(ids, dtype="int64")})
    for frame in (values, *activity, followed, per_month):
        frame["network_id"] = frame["network_id"].astype("int64")
    for frame in (values, *activity, followed):
        out = out.merge(frame, on="network_id", how="left")
    out["followed"] = out["followed"].fillna(0).astype(int)
    stamps = out[["values_updated", "milestone_updated", "alliance_updated"]]
    out["last_update"] = stamps.apply(pd.to_datetime).max(axis=1)
    complete = per_month.merge(out[["network_id", "followed"]], on="network_id")
    complete = complete[complete["count"] >= complete["followed"].clip(lower=1)]
    complete_months = complete.groupby("network_id").size()
    out["months_expected"] = len(expected)
    out["months_missing"] = len(expected) - out["network_id"].map(complete_months).fillna(0).astype(
        int
    )
    out["months_behind"] = [
        _months_behind(last, expected_last, len(expected)) for last in out["last_period"]
    ]
    out["stale"] = (out["months_behind"] >= STALE_MONTHS) | (out["months_missing"] >= STALE_MONTHS)
    out["expected_last_month"] = expected_last
    return out[
        [
            "network_id",
            "last_update",
            "last_period",
            "expected_last_month",
            "months_expected",
            "months_missing",
            "months_behind",
            "stale",
        ]
    ]


def _months_behind(last: dt.date | None, expected_last: dt.date, expected: int) -> int:
    if last is None or pd.isna(last):
        return expected
    if last >= expected_last:
        return 0
    return len(clock.months_between(last, expected_last)) - 1
