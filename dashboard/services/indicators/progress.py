"""Indicator progress: each network against its own baseline and target.

progress = (current − baseline) / (target − baseline), capped to 0–100 %, where the *current*
value follows the indicator's accumulation rule:

- ``cumulative``: values are running totals since the start, so the current value is the latest
  monthly value up to the end of the period;
- ``per_period``: values are monthly flows, so the current value is the sum of the monthly values
  from the cohort's start to the end of the period, compared with a target set for the whole
  cohort (a period filter chooses what is shown, never a part of the sum);
- ``level``: values are states at a date, so the current value is the latest one, never added up.

Direction "lower is better" goes through the same formula (its target is below its baseline).
Without a target, without a baseline, or with a target equal to the baseline, there is no progress
(``None``): it is shown as missing, never as 0 %, and left out of the cohort's median and
quartiles; a missing baseline is flagged (``baseline_missing``) so the page can say so. Drafts
are never counted (``COUNTED_STATUSES``). Values are read from the database in grouped queries
(one row per network × indicator), never by looping over ORM objects.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import select as sa_select
from sqlalchemy import true
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.core import clock
from dashboard.core.db import read_scope
from dashboard.core.permissions import Actor, authorize
from dashboard.services.indicators import progress_sources as sources
from dashboard.services.shared import access
from dashboard.services.shared.frames import rows_frame
from models import Indicator, IndicatorTarget, IndicatorValue, Network
from models.enums import Accumulation

# Drafts are the lead's work in progress: the dashboard counts submitted and validated values.
COUNTED_STATUSES: tuple[str, ...] = ("submitted", "validated")

PROGRESS_COLUMNS = [
    "network_id",
    "network_code",
    "network_name",
    "indicator_id",
    "indicator_code",
    "indicator_label",
    "unit",
    "accumulation",
    "direction",
    "position",
    "baseline",
    "target",
    "initial_target",
    "current",
    "last_period",
    "last_status",
    "months_with_values",
    "progress_raw",
    "progress",
    "baseline_missing",
]


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def progress_ratio(
    current: float | None,
    baseline: float | None,
    target: float | None,
    *,
    capped: bool = True,
) -> float | None:
    """(current − baseline) / (target − baseline), capped to [0, 1] unless ``capped`` is False.

    ``None`` when the current value or the target is missing, or when target == baseline.
    A lower-is-better indicator has target < baseline: the same formula gives its progress.
    """
    if _missing(current) or _missing(target) or _missing(baseline):
        return None
    assert current is not None and target is not None and baseline is not None
    span = float(target) - float(baseline)
    if span == 0:
        return None
    ratio = (float(current) - float(baseline)) / span
    return min(max(ratio, 0.0), 1.0) if capped else ratio


def effective_baseline(baseline: float | None, accumulation: str) -> float | None:
    """The baseline progress is measured from: the one recorded, whatever the accumulation rule.

    A missing baseline is never taken as 0 (a network that starts with 40 agreements is not
    at 0): without it there is no progress, shown as « base de référence manquante ».
    """
    return None if baseline is None or _missing(baseline) else float(baseline)


def current_value(
    accumulation: str, *, latest: float | None, period_sum: float | None
) -> float | None:
    """The value compared with the target, per accumulation rule (see the module docstring)."""
    if accumulation == Accumulation.per_period:
        return None if period_sum is None or _missing(period_sum) else float(period_sum)
    return None if latest is None or _missing(latest) else float(latest)


def cohort_of(session: Session, actor: Actor, cohort_id: int) -> access.CohortInfo:
    """The cohort as plain data, after the read check (see ``access.read_cohort``)."""
    return access.read_cohort(session, actor, cohort_id)


def network_frame(session: Session, actor: Actor, cohort: access.CohortInfo) -> pd.DataFrame:
    """The cohort's networks as the actor may see them (anonymised for leads when asked)."""
    rows = session.exec(
        select(Network.id, Network.code, Network.name, Network.acronym)
        .where(Network.cohort_id == cohort.id)
        .order_by(Network.code)
    ).all()
    frame = rows_frame(rows, ["id", "code", "name", "acronym"])
    return access.anonymise(frame, actor, cohort)


def _period_end(period_end: dt.date | None, as_of: dt.date) -> dt.date:
    return clock.month_end(period_end) if period_end else as_of


def progress_frame(
    session: Session,
    networks: pd.DataFrame,
    *,
    network_ids: Iterable[int] | None = None,
    cohort_id: int | None = None,
    key_only: bool = True,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    as_of: dt.date,
    statuses: tuple[str, ...] = COUNTED_STATUSES,
    known_at: dt.datetime | None = None,
) -> pd.DataFrame:
    """One row per network × indicator it follows (a target row) or reports on (values).

    Networks: ``cohort_id`` reads a whole cohort (joined on the network's cohort, no list of
    ids); otherwise ``network_ids``, by default those of ``networks``. ``known_at`` reads the
    figures as they stood at that instant: only values submitted by then (a snapshot of a past
    session).

    Three grouped statements whatever the number of networks: the targets, then the latest
    value and the sums (see :mod:`~dashboard.services.indicators.progress_sources`: from the
    maintained totals when they hold what is asked, from the values otherwise). A network
    belongs to one cohort, so its values start with the cohort: per-period sums run from the
    cohort's start whatever ``period_start`` says.
    """
    if cohort_id is not None and network_ids is None:
        scope = sources.Scope(cohort_id=cohort_id)
    else:
        ids = networks["id"] if network_ids is None else network_ids
        scope = sources.Scope(network_ids=tuple(int(i) for i in ids))
    end = _period_end(period_end, as_of)
    start = clock.month_start(period_start) if period_start else dt.date(1900, 1, 1)
    ind_filter = col(Indicator.is_key).is_(True) if key_only else true()
    targets_stmt = (
        sa_select(
            col(IndicatorTarget.network_id),
            col(IndicatorTarget.indicator_id),
            col(IndicatorTarget.baseline_value),
            col(IndicatorTarget.target_value),
            col(IndicatorTarget.initial_target_value),
        )
        .join(Indicator, col(Indicator.id) == IndicatorTarget.indicator_id)
        .where(ind_filter)
    )
    targets = pd.DataFrame(
        [
            tuple(r)
            for r in session.execute(scope.restrict(targets_stmt, col(IndicatorTarget.network_id)))
        ],
        columns=["network_id", "indicator_id", "baseline", "target", "initial_target"],
    )
    found = None
    if known_at is None and tuple(statuses) == COUNTED_STATUSES:
        found = sources.from_totals(session, scope, ind_filter, start=start, end=end)
    if found is None:
        found = sources.from_values(
            session, scope, ind_filter, start=start, end=end, statuses=statuses, known_at=known_at
        )
    latest, sums = found
    catalogue = indicator_catalogue(session, key_only=key_only)
    keys = ["network_id", "indicator_id"]
    frame = targets.merge(latest, on=keys, how="outer").merge(sums, on=keys, how="outer")
    frame = frame.merge(catalogue, left_on="indicator_id", right_on="id").drop(columns="id")
    names = networks.rename(
        columns={"id": "network_id", "code": "network_code", "name": "network_name"}
    )[["network_id", "network_code", "network_name"]]
    frame = frame.merge(names, on="network_id")
    return _with_progress(frame)


def _with_progress(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=PROGRESS_COLUMNS)
    # progress_ratio, effective_baseline and current_value over whole columns (one pass).
    baseline = frame["baseline"].astype(float)
    target = frame["target"].astype(float)
    per_period = frame["accumulation"] == Accumulation.per_period.value
    current = frame["period_sum"].astype(float).where(per_period, frame["latest"].astype(float))
    span = target - baseline
    known = current.notna() & target.notna() & baseline.notna() & (span != 0)
    raw = ((current - baseline) / span).where(known)
    frame = frame.assign(
        baseline=baseline,
        current=current,
        progress_raw=raw,
        progress=raw.clip(0.0, 1.0),
        baseline_missing=frame["baseline"].isna() & frame["target"].notna(),
    )
    frame["months_with_values"] = frame["months_with_values"].fillna(0).astype(int)
    frame = frame.rename(
        columns={"code": "indicator_code", "label": "indicator_label"}
    ).sort_values(["position", "indicator_code", "network_code"])
    return frame[PROGRESS_COLUMNS].reset_index(drop=True)


def indicator_catalogue(session: Session, *, key_only: bool = False) -> pd.DataFrame:
    """The catalogue (id, code, label, unit, accumulation, direction, position, is_key)."""
    stmt = sa_select(
        col(Indicator.id),
        col(Indicator.code),
        col(Indicator.label),
        col(Indicator.unit),
        col(Indicator.accumulation),
        col(Indicator.direction),
        col(Indicator.position),
        col(Indicator.is_key),
    ).order_by(col(Indicator.position), col(Indicator.code))
    if key_only:
        stmt = stmt.where(col(Indicator.is_key).is_(True))
    return rows_frame(
        session.execute(stmt).all(),
        columns=["id", "code", "label", "unit", "accumulation", "direction", "position", "is_key"],
    )


def cohort_benchmark(progress: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: how many networks have a progress, and their median and quartiles.

    Quartiles use linear interpolation between ranks (pandas' default, like Excel's
    QUARTILE.INC); networks without a progress are left out, not counted as 0 %.
    """
    columns = ["indicator_code", "indicator_label", "unit", "n", "q1", "median", "q3"]
    known = progress.dropna(subset=["progress"])
    if known.empty:
        return pd.DataFrame(columns=columns)
    grouped = known.groupby(["indicator_code", "indicator_label", "unit"], sort=False)["progress"]
    stats = grouped.agg(
        n="count",
        q1=lambda s: s.quantile(0.25),
        median="median",
        q3=lambda s: s.quantile(0.75),
    ).reset_index()
    return stats[columns]


def indicator_progress(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    network_ids: Iterable[int] | None = None,
    key_only: bool = True,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Progress of every (key) indicator of every network of the cohort, on % of own target.

    Columns: see ``PROGRESS_COLUMNS``; ``progress`` is capped to 0–1, ``progress_raw`` is not
    (above 1: the target is overshot). Network names are anonymised for leads when the cohort
    says so.
    """
    as_of = as_of or clock.today()
    with read_scope(engine) as session:
        cohort = cohort_of(session, actor, cohort_id)
        authorize(actor, "read", "indicator_value")
        networks = network_frame(session, actor, cohort)
        return progress_frame(
            session,
            networks,
            network_ids=network_ids,
            key_only=key_only,
            period_start=period_start,
            period_end=period_end,
            as_of=as_of,
        )


def monthly_values(
    session: Session,
    network_ids: list[int],
    *,
    period_end: dt.date,
    statuses: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Monthly values of some networks (all indicators), with a running total per indicator
    (meaningful for per-period indicators, whose target applies to the sum).

    Only counted values (submitted and validated, as for the progress) unless ``statuses``
    says otherwise: a draft month neither shows nor adds to the running total.
    """
    statuses = COUNTED_STATUSES if statuses is None else statuses
    stmt = (
        sa_select(
            col(IndicatorValue.network_id),
            col(Indicator.code),
            col(IndicatorValue.period_start),
            col(IndicatorValue.value),
            col(IndicatorValue.status),
        )
        .join(Indicator, col(Indicator.id) == IndicatorValue.indicator_id)
        .where(
            col(IndicatorValue.network_id).in_(network_ids),
            col(IndicatorValue.period_start) <= period_end,
        )
        .order_by(
            col(IndicatorValue.network_id), col(Indicator.code), col(IndicatorValue.period_start)
        )
    )
    if statuses:
        stmt = stmt.where(col(IndicatorValue.status).in_(statuses))
    frame = rows_frame(
        session.execute(stmt).all(),
        columns=["network_id", "indicator_code", "period_start", "value", "status"],
    )
    if frame.empty:  # a network with targets and no value yet
        return frame.assign(running_total=pd.Series(dtype=float))
    frame["value"] = frame["value"].astype(float)
    frame["running_total"] = frame.groupby(["network_id", "indicator_code"])["value"].cumsum()
    return frame
