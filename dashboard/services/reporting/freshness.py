"""Data freshness per network: last update, latest month with a value, months missing.

Read from the maintained totals (``indicator_total``, ``network_month_total``) joined on the
cohort: a fixed number of grouped statements returning one row per network, whatever the
number of values.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import and_, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from dashboard.core import clock
from dashboard.services.shared import access
from dashboard.services.shared.frames import rows_frame
from models import Alliance, IndicatorTarget, IndicatorTotal, Milestone, Network, NetworkMonthTotal

# A network is flagged stale when its latest monthly value is this many months behind the
# latest month expected, or when this many expected months are incomplete.
STALE_MONTHS = 2

FRESHNESS_COLUMNS = [
    "network_id",
    "last_update",
    "last_period",
    "expected_last_month",
    "months_expected",
    "months_missing",
    "months_behind",
    "stale",
]


def _frame(session: Session, stmt, columns: list[str]) -> pd.DataFrame:
    frame = rows_frame(session.execute(stmt), columns)
    frame["network_id"] = frame["network_id"].astype("int64")
    return frame


def _in_cohort(stmt, network_id, cohort_id: int):
    return stmt.join(Network, col(Network.id) == network_id).where(
        col(Network.cohort_id) == cohort_id
    )


def _per_network(session: Session, cohort_id: int) -> list[pd.DataFrame]:
    """Latest counted value (update and month), latest milestone and alliance update, and how
    many indicators each network follows."""
    it = IndicatorTotal
    values = sa_select(
        col(it.network_id), func.max(it.last_updated_at), func.max(it.last_period)
    ).where(col(it.counted_values) > 0)
    frames = [
        _frame(
            session,
            _in_cohort(values, col(it.network_id), cohort_id).group_by(col(it.network_id)),
            ["network_id", "values_updated", "last_period"],
        )
    ]
    for model in (Milestone, Alliance):
        stmt = sa_select(col(model.network_id), func.max(model.updated_at))
        stmt = _in_cohort(stmt, col(model.network_id), cohort_id).group_by(col(model.network_id))
        frames.append(_frame(session, stmt, ["network_id", f"{model.__tablename__}_updated"]))
    return frames


def _followed(session: Session, cohort_id: int):
    stmt = sa_select(col(IndicatorTarget.network_id), func.count().label("followed"))
    return _in_cohort(stmt, col(IndicatorTarget.network_id), cohort_id).group_by(
        col(IndicatorTarget.network_id)
    )


def _complete_months(
    session: Session, cohort: access.CohortInfo, expected_last: dt.date
) -> pd.DataFrame:
    """Per network: expected months holding a counted value of every indicator it follows."""
    nm = NetworkMonthTotal
    followed = _followed(session, cohort.id).subquery()
    stmt = (
        sa_select(col(nm.network_id), func.count())
        .join(followed, followed.c.network_id == nm.network_id)
        .where(
            and_(
                col(nm.period_start) >= clock.month_start(cohort.start_date),
                col(nm.period_start) <= expected_last,
                col(nm.counted_values) >= followed.c.followed,
                col(nm.counted_values) >= 1,
            )
        )
        .group_by(col(nm.network_id))
    )
    return _frame(session, stmt, ["network_id", "complete"])


def freshness(
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
    expected = len(clock.months_between(cohort.start_date, expected_last))
    out = pd.DataFrame({"network_id": pd.Series(network_ids, dtype="int64")})
    followed = _frame(session, _followed(session, cohort.id), ["network_id", "followed"])
    for frame in (*_per_network(session, cohort.id), followed):
        out = out.merge(frame, on="network_id", how="left")
    out["followed"] = out["followed"].fillna(0).astype(int)
    stamps = out[["values_updated", "milestone_updated", "alliance_updated"]]
    out["last_update"] = stamps.apply(pd.to_datetime).max(axis=1)
    complete = _complete_months(session, cohort, expected_last).set_index("network_id")
    out["months_expected"] = expected
    done = out["network_id"].map(complete["complete"]).fillna(0).astype(int)
    out["months_missing"] = expected - done
    out["months_behind"] = [
        _months_behind(last, expected_last, expected) for last in out["last_period"]
    ]
    out["stale"] = (out["months_behind"] >= STALE_MONTHS) | (out["months_missing"] >= STALE_MONTHS)
    out["expected_last_month"] = expected_last
    return out[FRESHNESS_COLUMNS]


def _months_behind(last: dt.date | None, expected_last: dt.date, expected: int) -> int:
    if last is None or pd.isna(last):
        return expected
    if last >= expected_last:
        return 0
    return len(clock.months_between(last, expected_last)) - 1
