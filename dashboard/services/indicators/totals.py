"""The indicator totals (``models/totals.py``) kept exact in the transaction of every write.

Every ORM write of an indicator value (the values grid, the spreadsheet import, the review
queue, a deletion, a test builder) is noted when the session flushes; just before that
session commits, :func:`apply_delta` recomputes the totals of the (network, indicator, month)
groups it touched, in the same transaction. Services may also call :func:`apply_delta`
themselves. Bulk writers that bypass the ORM (the demo and synthetic seeds, migration 0008)
call :func:`rebuild_totals` once at the end.

Concurrent writers never lose an update: :func:`apply_delta` first makes sure the totals rows
exist, then locks them in a fixed order (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite every
write transaction already holds the database lock, ``BEGIN IMMEDIATE``), and only then
recomputes each affected group from the values table. A second writer waiting on the lock
recomputes after the first one committed, in a new statement that sees its values (READ
COMMITTED), so the last writer's totals include both. Recomputing a group that did not change
is harmless, so a key noted by a flush later rolled back to a savepoint does no wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from dashboard.services.indicators.progress import COUNTED_STATUSES
from models import IndicatorTarget, IndicatorTotal, IndicatorValue, Network, NetworkMonthTotal
from models.base import table_of
from models.enums import ValueStatus

Key = tuple[int, int, dt.date]  # network, indicator, first day of the month

_IT = table_of(IndicatorTotal)
_NM = table_of(NetworkMonthTotal)
_V = table_of(IndicatorValue)
_T = table_of(IndicatorTarget)

TOTAL_COLUMNS = [
    "network_id",
    "indicator_id",
    "counted_values",
    "counted_sum",
    "first_period",
    "last_period",
    "last_updated_at",
    "draft_values",
    "submitted_values",
    "validated_values",
    "any_updated_at",
    "last_value",
    "last_status",
]
# What a group without any value holds.
EMPTY = {name: None for name in TOTAL_COLUMNS[2:]} | {
    "counted_values": 0,
    "counted_sum": 0.0,
    "draft_values": 0,
    "submitted_values": 0,
    "validated_values": 0,
}


def indicator_aggregates(where: ColumnElement[bool]) -> Select:
    """Per network × indicator with a value matching ``where``: the columns of
    :class:`IndicatorTotal` in ``TOTAL_COLUMNS`` order."""
    counted = _V.c.status.in_(COUNTED_STATUSES)

    def of_status(status: str):
        return func.sum(case((_V.c.status == status, 1), else_=0))

    agg = (
        select(
            _V.c.network_id,
            _V.c.indicator_id,
            func.sum(case((counted, 1), else_=0)).label("n"),
            func.coalesce(func.sum(case((counted, _V.c.value))), 0.0).label("total"),
            func.min(case((counted, _V.c.period_start))).label("first"),
            func.max(case((counted, _V.c.period_start))).label("last"),
            func.max(case((counted, _V.c.updated_at))).label("stamp"),
            of_status(ValueStatus.draft).label("drafts"),
            of_status(ValueStatus.submitted).label("submitted"),
            of_status(ValueStatus.validated).label("validated"),
            func.max(_V.c.updated_at).label("any_stamp"),
        )
        .where(where)
        .group_by(_V.c.network_id, _V.c.indicator_id)
        .subquery()
    )
    last = _V.alias("latest")
    return select(
        *agg.c,
        last.c.value,
        last.c.status,
    ).outerjoin(
        last,
        and_(
            last.c.network_id == agg.c.network_id,
            last.c.indicator_id == agg.c.indicator_id,
            last.c.period_start == agg.c.last,
        ),
    )


def month_aggregates(where: ColumnElement[bool]) -> Select:
    """Per network × month: counted values of the indicators the network follows."""
    return (
        select(_V.c.network_id, _V.c.period_start, func.count())
        .join(_T, and_(_T.c.network_id == _V.c.network_id, _T.c.indicator_id == _V.c.indicator_id))
        .where(_V.c.status.in_(COUNTED_STATUSES), where)
        .group_by(_V.c.network_id, _V.c.period_start)
    )


def rebuild_totals(session: Session, cohort_id: int) -> None:
    """Recompute every total of the cohort's networks from its values (bulk writes)."""
    session.flush()
    networks = select(col(Network.id)).where(col(Network.cohort_id) == cohort_id)
    session.execute(delete(_IT).where(_IT.c.network_id.in_(networks)))
    session.execute(delete(_NM).where(_NM.c.network_id.in_(networks)))
    session.execute(
        insert(_IT).from_select(
            [_IT.c[name] for name in TOTAL_COLUMNS],
            indicator_aggregates(_V.c.network_id.in_(networks)),
        )
    )
    session.execute(
        insert(_NM).from_select(
            [_NM.c.network_id, _NM.c.period_start, _NM.c.counted_values],
            month_aggregates(_V.c.network_id.in_(networks)),
        )
    )


def apply_delta(session: Session, keys: Iterable[Key]) -> None:
    """Bring the totals of the touched (network, indicator, month) keys up to date, inside the
    caller's transaction, after its writes (see the module docstring for concurrency)."""
    keys = list(keys)
    if not keys:
        return
    session.flush()
    pairs = sorted({(n, i) for n, i, _ in keys})
    months = sorted({(n, p) for n, _, p in keys})
    _ensure_rows(session, pairs, months)
    _lock(session, pairs, months)
    _update_pairs(session, pairs)
    _update_months(session, months)


def followed_changed(session: Session, network_id: int, indicator_id: int) -> None:
    """A network started or stopped following an indicator: its months' counts change when
    values of that indicator are stored."""
    periods = session.execute(
        select(_V.c.period_start).where(
            _V.c.network_id == network_id, _V.c.indicator_id == indicator_id
        )
    ).scalars()
    apply_delta(session, [(network_id, indicator_id, p) for p in periods])


def _insert_ignoring_duplicates(session: Session, table, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    session.execute(module.insert(table).values(rows).on_conflict_do_nothing())


def _ensure_rows(
    session: Session, pairs: list[tuple[int, int]], months: list[tuple[int, dt.date]]
) -> None:
    """Missing totals rows are created empty (a concurrent creator is waited for)."""
    _insert_ignoring_duplicates(
        session,
        _IT,
        [{"network_id": n, "indicator_id": i} | EMPTY for n, i in pairs],
    )
    _insert_ignoring_duplicates(
        session,
        _NM,
        [{"network_id": n, "period_start": p, "counted_values": 0} for n, p in months],
    )


def _lock(
    session: Session, pairs: list[tuple[int, int]], months: list[tuple[int, dt.date]]
) -> None:
    """Row locks in primary-key order, indicator totals first (no deadlock between writers)."""
    session.execute(
        select(_IT.c.network_id)
        .where(tuple_(_IT.c.network_id, _IT.c.indicator_id).in_(pairs))
        .order_by(_IT.c.network_id, _IT.c.indicator_id)
        .with_for_update()
    ).all()
    session.execute(
        select(_NM.c.network_id)
        .where(tuple_(_NM.c.network_id, _NM.c.period_start).in_(months))
        .order_by(_NM.c.network_id, _NM.c.period_start)
        .with_for_update()
    ).all()


def _update_pairs(session: Session, pairs: list[tuple[int, int]]) -> None:
    found = {
        (row[0], row[1]): row
        for row in session.execute(
            indicator_aggregates(tuple_(_V.c.network_id, _V.c.indicator_id).in_(pairs))
        )
    }
    params = [
        {"b_network": n, "b_indicator": i}
        | (dict(zip(TOTAL_COLUMNS[2:], found[n, i][2:], strict=True)) if (n, i) in found else EMPTY)
        for n, i in pairs
    ]
    stmt = update(_IT).where(
        _IT.c.network_id == bindparam("b_network"), _IT.c.indicator_id == bindparam("b_indicator")
    )
    session.connection().execute(stmt, params)


def _update_months(session: Session, months: list[tuple[int, dt.date]]) -> None:
    counts = {
        (n, p): c
        for n, p, c in session.execute(
            month_aggregates(tuple_(_V.c.network_id, _V.c.period_start).in_(months))
        )
    }
    stmt = update(_NM).where(
        _NM.c.network_id == bindparam("b_network"), _NM.c.period_start == bindparam("b_period")
    )
    session.connection().execute(
        stmt,
        [
            {"b_network": n, "b_period": p, "counted_values": counts.get((n, p), 0)}
            for n, p in months
        ],
    )


# --- every ORM write of a value, noted at flush and applied before commit ------------------
_PENDING = "indicator_totals_pending"


def _value_keys(row: IndicatorValue) -> set[Key]:
    """The group of the row, and its former group if a key column changed."""
    names = ("network_id", "indicator_id", "period_start")
    keys = {(row.network_id, row.indicator_id, row.period_start)}
    state = inspect(row)
    history = {name: state.attrs[name].history for name in names}
    if any(h.deleted for h in history.values()):
        old = [h.deleted[0] if h.deleted else getattr(row, n) for n, h in history.items()]
        keys.add((old[0], old[1], old[2]))
    return keys


@event.listens_for(OrmSession, "after_flush")
def _note_written_values(session: OrmSession, _context) -> None:
    pending: set[Key] = session.info.setdefault(_PENDING, set())
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, IndicatorValue):
            pending |= _value_keys(row)


@event.listens_for(OrmSession, "before_commit")
def _apply_noted_values(session: OrmSession) -> None:
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending:
        apply_delta(session, sorted(pending))  # type: ignore[arg-type]


@event.listens_for(OrmSession, "after_rollback")
def _forget_noted_values(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)
