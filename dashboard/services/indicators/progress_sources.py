"""Where :func:`~dashboard.services.indicators.progress.progress_frame` gets its figures.

Per network × indicator: the latest counted value up to the period's end (value, month,
status), the sum of the counted values up to that end, and how many fall inside the period.

- :func:`from_totals` reads them from the maintained totals (``indicator_total``: one row per
  network × indicator, thousands of rows at 1,000 networks). It answers only when the totals
  hold exactly what was asked: the counted statuses, today's figures, and a period that covers
  every counted value of those networks (the default view); otherwise it returns ``None``.
- :func:`from_values` aggregates the values themselves (a period ending before the latest
  values, a period starting after the first ones, a snapshot at a past instant).

Networks are chosen either by cohort (a join on ``network.cohort_id``) or by a list of ids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, and_, case, func, true
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from dashboard.services.shared.frames import rows_frame
from models import Indicator, IndicatorTotal, IndicatorValue, Network

LATEST_COLUMNS = ["network_id", "indicator_id", "latest", "last_period", "last_status"]
SUM_COLUMNS = ["network_id", "indicator_id", "period_sum", "months_with_values"]


@dataclass(frozen=True)
class Scope:
    """The networks read: a whole cohort (joined) or a list of ids."""

    cohort_id: int | None = None
    network_ids: tuple[int, ...] = ()

    def restrict(self, stmt: Select, network_id) -> Select:
        if self.cohort_id is not None:
            return stmt.join(Network, col(Network.id) == network_id).where(
                col(Network.cohort_id) == self.cohort_id
            )
        return stmt.where(network_id.in_(self.network_ids))


def from_totals(
    session: Session,
    scope: Scope,
    ind_filter: ColumnElement[bool],
    *,
    start: dt.date,
    end: dt.date,
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(latest, sums) from the totals, or ``None`` when the period cuts through the values."""
    it = IndicatorTotal
    stmt = (
        sa_select(
            col(it.network_id),
            col(it.indicator_id),
            col(it.last_value),
            col(it.last_period),
            col(it.last_status),
            col(it.counted_sum),
            col(it.counted_values),
            col(it.first_period),
        )
        .join(Indicator, col(Indicator.id) == it.indicator_id)
        .where(col(it.counted_values) > 0, ind_filter)
    )
    rows = [tuple(r) for r in session.execute(scope.restrict(stmt, col(it.network_id)))]
    frame = rows_frame(rows, [*LATEST_COLUMNS, "period_sum", "months", "first"])
    if not frame.empty and (frame["last_period"].max() > end or frame["first"].min() < start):
        return None
    latest = frame[LATEST_COLUMNS]
    sums = frame[["network_id", "indicator_id", "period_sum", "months"]].rename(
        columns={"months": "months_with_values"}
    )
    return latest, sums


def from_values(
    session: Session,
    scope: Scope,
    ind_filter: ColumnElement[bool],
    *,
    start: dt.date,
    end: dt.date,
    statuses: tuple[str, ...],
    known_at: dt.datetime | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(latest, sums) aggregated from the values, for any period, status set or instant."""
    v = IndicatorValue
    in_period = case((col(v.period_start) >= start, 1), else_=0)
    in_scope = and_(
        col(v.status).in_(statuses),
        col(v.period_start) <= end,
        true()
        if known_at is None
        else func.coalesce(v.submitted_at, v.validated_at, v.updated_at) <= known_at,
    )
    last_stmt: Select = (
        sa_select(
            col(v.network_id).label("nid"),
            col(v.indicator_id).label("iid"),
            func.max(v.period_start).label("last_period"),
        )
        .where(in_scope)
        .group_by(col(v.network_id), col(v.indicator_id))
    )
    last = scope.restrict(last_stmt, col(v.network_id)).subquery()
    latest_stmt = (
        sa_select(
            col(v.network_id),
            col(v.indicator_id),
            col(v.value),
            col(v.period_start),
            col(v.status),
        )
        .join(
            last,
            and_(
                last.c.nid == v.network_id,
                last.c.iid == v.indicator_id,
                last.c.last_period == v.period_start,
            ),
        )
        .join(Indicator, col(Indicator.id) == v.indicator_id)
        .where(ind_filter)
    )
    latest = rows_frame(session.execute(latest_stmt), LATEST_COLUMNS)
    sums_stmt = (
        sa_select(
            col(v.network_id),
            col(v.indicator_id),
            func.sum(v.value),
            func.sum(in_period),
        )
        .join(Indicator, col(Indicator.id) == v.indicator_id)
        .where(in_scope, ind_filter)
        .group_by(col(v.network_id), col(v.indicator_id))
    )
    sums = rows_frame(
        session.execute(scope.restrict(sums_stmt, col(v.network_id))),
        SUM_COLUMNS,
    )
    return latest, sums
