"""Monthly indicator values of a network: the grid a lead fills in, drafts and submission.

Every value is re-checked here whatever the page allowed (see :mod:`dashboard.services.indicators.value_rules`); validated
values are locked. The programme team's side (validation queue, bulk validation, return or
reopen with a reason) is in :mod:`dashboard.services.indicators.review`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.core import clock
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import NotFound, ValidationFailed
from dashboard.core.i18n import fmt_month_long, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.indicators.value_rules import (
    ENTITY,
    ValueEntry,
    parse_entry,
    row_label,
    unit_problem,
)
from dashboard.services.indicators.value_store import (
    cumulative_errors,
    rows_by_id,
    value_changed,
    versioned_update,
    write_values,
)
from dashboard.services.shared import access, audit
from models import Cohort, Indicator, IndicatorTarget, IndicatorValue, Network, User
from models.base import utcnow
from models.enums import CohortStatus, ValueStatus

INDICATOR_COLUMNS = (
    "indicator_id code label unit accumulation direction scale_min scale_max baseline_value "
    "baseline_date target_value target_date initial_target_value position"
).split()
VALUE_COLUMNS = (
    "id indicator_id period_start value status comment evidence_url return_reason version "
    "updated_at updated_by"
).split()
SHEET_COLUMNS = (
    "indicator_id code label unit accumulation baseline_value target_value initial_target_value "
    "previous_value value comment evidence_url status return_reason version"
).split()


def workspace(session: Session, actor: Actor, network_id: int) -> tuple[Network, Cohort]:
    """The network a lead (own) or the programme team (any) works on, with its cohort."""
    authorize(actor, "update", ENTITY, network_id=network_id)
    network = access.row_by_id(session, Network, network_id)
    if network is None:
        raise NotFound(t("Ce réseau n'existe pas."))
    cohort = session.get(Cohort, network.cohort_id)
    assert cohort is not None  # foreign key
    return network, cohort


def reporting_months(cohort: Cohort, as_of: dt.date) -> list[dt.date]:
    """Months of the cohort from its start up to the current month (never beyond its end)."""
    return clock.months_between(cohort.start_date, min(cohort.end_date, as_of))


def followed_indicators(session: Session, network_id: int) -> pd.DataFrame:
    """Indicators the network follows (those with a target row), in catalogue order."""
    rows = session.execute(
        sa_select(
            col(Indicator.id),
            col(Indicator.code),
            col(Indicator.label),
            col(Indicator.unit),
            col(Indicator.accumulation),
            col(Indicator.direction),
            col(Indicator.scale_min),
            col(Indicator.scale_max),
            col(IndicatorTarget.baseline_value),
            col(IndicatorTarget.baseline_date),
            col(IndicatorTarget.target_value),
            col(IndicatorTarget.target_date),
            col(IndicatorTarget.initial_target_value),
            col(Indicator.position),
        )
        .join(IndicatorTarget, col(IndicatorTarget.indicator_id) == Indicator.id)
        .where(col(IndicatorTarget.network_id) == network_id)
        .order_by(col(Indicator.position), col(Indicator.code))
    ).all()
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def _network_values(session: Session, network_id: int) -> pd.DataFrame:
    rows = session.execute(
        sa_select(
            col(IndicatorValue.id),
            col(IndicatorValue.indicator_id),
            col(IndicatorValue.period_start),
            col(IndicatorValue.value),
            col(IndicatorValue.status),
            col(IndicatorValue.comment),
            col(IndicatorValue.evidence_url),
            col(IndicatorValue.return_reason),
            col(IndicatorValue.version),
            col(IndicatorValue.updated_at),
            col(User.full_name),
        )
        .join(User, col(User.id) == IndicatorValue.updated_by_id, isouter=True)
        .where(col(IndicatorValue.network_id) == network_id)
        .order_by(col(IndicatorValue.indicator_id), col(IndicatorValue.period_start))
    ).all()
    return pd.DataFrame(rows, columns=VALUE_COLUMNS)


def value_grid(
    engine: Engine, actor: Actor, network_id: int, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    """What the indicators page shows for one network.

    Returns ``{"network": {id, code, name}, "cohort": {id, name, closed}, "months": [first days],
    "indicators": DataFrame (INDICATOR_COLUMNS), "values": DataFrame (VALUE_COLUMNS)}``.
    """
    as_of = as_of or clock.today()
    with read_scope(engine) as session:
        network, cohort = workspace(session, actor, network_id)
        indicators = followed_indicators(session, network_id)
        values = _network_values(session, network_id)
    return {
        "network": {"id": network.id, "code": network.code, "name": network.name},
        "cohort": {
            "id": cohort.id,
            "name": cohort.name,
            "closed": cohort.status == CohortStatus.closed,
        },
        "months": reporting_months(cohort, as_of),
        "indicators": indicators,
        "values": values,
    }


def previous_values(values: pd.DataFrame, month: dt.date) -> dict[int, float]:
    """Per indicator, the latest value of a month before ``month``."""
    earlier = values[values["period_start"] < month].sort_values("period_start")
    last = earlier.groupby("indicator_id").tail(1)
    return {int(i): float(v) for i, v in zip(last["indicator_id"], last["value"], strict=True)}


def month_sheet(grid: Mapping[str, Any], month: dt.date) -> pd.DataFrame:
    """One row per followed indicator for ``month``: reference figures, the previous month's
    value and the value being edited (with its status, version and return reason)."""
    indicators: pd.DataFrame = grid["indicators"]
    values: pd.DataFrame = grid["values"]
    current = values[values["period_start"] == month].set_index("indicator_id")
    previous = previous_values(values, month)
    rows = []
    for ind in indicators.itertuples(index=False):
        row = current.loc[ind.indicator_id] if ind.indicator_id in current.index else None
        rows.append(
            {
                "indicator_id": int(ind.indicator_id),
                "code": ind.code,
                "label": ind.label,
                "unit": ind.unit,
                "accumulation": ind.accumulation,
                "baseline_value": ind.baseline_value,
                "target_value": ind.target_value,
                "initial_target_value": ind.initial_target_value,
                "previous_value": previous.get(int(ind.indicator_id)),
                "value": None if row is None else float(row["value"]),
                "comment": None if row is None else row["comment"],
                "evidence_url": None if row is None else row["evidence_url"],
                "status": None if row is None else row["status"],
                "return_reason": None if row is None else row["return_reason"],
                "version": None if row is None else int(row["version"]),
            }
        )
    return pd.DataFrame(rows, columns=SHEET_COLUMNS)


def overview_matrix(grid: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indicators × months: the values and, aligned with them, their statuses."""
    indicators: pd.DataFrame = grid["indicators"]
    values: pd.DataFrame = grid["values"]
    months: list[dt.date] = grid["months"]
    index = pd.Index(indicators["indicator_id"].tolist(), name="indicator_id")
    values = values[values["period_start"].isin(months)]
    matrix = values.pivot(index="indicator_id", columns="period_start", values="value")
    statuses = values.pivot(index="indicator_id", columns="period_start", values="status")
    return (
        matrix.reindex(index=index, columns=months),
        statuses.reindex(index=index, columns=months),
    )


def save_values(
    engine: Engine,
    actor: Actor,
    network_id: int,
    entries: Iterable[Mapping[str, Any]],
    *,
    submit: bool = False,
    as_of: dt.date | None = None,
) -> dict[str, int]:
    """Save a batch of values of one network in one transaction (all or nothing).

    Each entry: ``indicator_id``, ``period_start``, ``value`` (None clears an unvalidated
    value), ``comment``, ``evidence_url`` and the ``version`` the user saw (None when no value
    was shown). Changed values become drafts, or submitted when ``submit`` is true (drafts left
    unchanged in the batch are submitted too). Validated values are locked. Returns counts
    ``created``, ``updated``, ``deleted``, ``submitted``.
    """
    as_of = as_of or clock.today()
    with session_scope(engine) as session:
        access.ensure_network_writable(session, actor, "update", ENTITY, network_id)
        if submit:
            authorize(actor, "submit", ENTITY, network_id=network_id)
        network, cohort = workspace(session, actor, network_id)
        indicators = followed_indicators(session, network_id).set_index("indicator_id")
        months = set(reporting_months(cohort, as_of))
        existing = {
            (int(r.indicator_id), r.period_start): r
            for r in session.exec(
                select(IndicatorValue).where(IndicatorValue.network_id == network_id)
            )
        }
        errors, parsed = _checked_entries(entries, indicators, months, existing)
        errors += cumulative_errors(indicators, existing, parsed)
        if errors:
            raise ValidationFailed(errors)
        return write_values(session, actor, network, cohort, indicators, existing, parsed, submit)


def _checked_entries(
    entries: Iterable[Mapping[str, Any]],
    indicators: pd.DataFrame,
    months: set[dt.date],
    existing: Mapping[tuple[int, dt.date], IndicatorValue],
) -> tuple[list[str], list[ValueEntry]]:
    """Each entry parsed and checked on its own: followed indicator, month of the cohort, once
    per batch, a number with a comment, not a validated value, within its unit's range."""
    errors: list[str] = []
    parsed: list[ValueEntry] = []
    seen: set[tuple[int, dt.date]] = set()
    for position, raw in enumerate(entries, start=1):
        entry, problems = parse_entry(raw, position, indicators)
        errors += problems
        if entry is None:
            continue
        where = row_label(indicators, entry.indicator_id, entry.period_start, position)
        if entry.indicator_id not in indicators.index:
            errors.append(
                t(
                    "{row} — Indicateur : cet indicateur n'est pas suivi par ce réseau.",
                    row=where,
                )
            )
            continue
        if entry.period_start not in months:
            errors.append(
                t(
                    "{row} — Mois : {month} est hors de la période de saisie de la cohorte.",
                    row=where,
                    month=fmt_month_long(entry.period_start),
                )
            )
            continue
        key = (entry.indicator_id, entry.period_start)
        if key in seen:
            errors.append(t("{row} — saisi deux fois dans le même envoi.", row=where))
            continue
        seen.add(key)
        ind = indicators.loc[entry.indicator_id]
        old = existing.get(key)
        if entry.value is None and old is None:
            if entry.comment or entry.evidence_url:
                errors.append(
                    t("{row} — Valeur : saisissez un nombre avec ce commentaire.", row=where)
                )
            continue
        if old is not None and old.status == ValueStatus.validated and value_changed(old, entry):
            errors.append(
                t(
                    "{row} — valeur validée : elle est verrouillée. Seule l'équipe "
                    "d'animation peut la rouvrir.",
                    row=where,
                )
            )
            continue
        if entry.value is not None:
            problem = unit_problem(ind, entry.value)
            if problem:
                errors.append(t("{row} — Valeur : {problem}", row=where, problem=problem))
                continue
        parsed.append(entry)
    return errors, parsed


def submit_values(
    engine: Engine,
    actor: Actor,
    network_id: int,
    items: Iterable[Mapping[str, int]],
) -> int:
    """Submit draft values (``{"id", "version"}`` each) of one network for validation."""
    items = list(items)
    with session_scope(engine) as session:
        access.ensure_network_writable(session, actor, "submit", ENTITY, network_id)
        network, cohort = workspace(session, actor, network_id)
        indicators = followed_indicators(session, network_id).set_index("indicator_id")
        rows = rows_by_id(session, [int(i["id"]) for i in items])
        errors = []
        for item in items:
            row = rows.get(int(item["id"]))
            if row is None or row.network_id != network_id:
                errors.append(t("Valeur n° {id} : introuvable dans ce réseau.", id=item["id"]))
            elif row.status != ValueStatus.draft:
                where = row_label(indicators, row.indicator_id, row.period_start, None)
                errors.append(t("{row} — n'est pas un brouillon.", row=where))
        if errors:
            raise ValidationFailed(errors)
        now = utcnow()
        scope: audit.LogScope = {"network_id": network.id, "cohort_id": cohort.id}
        for item in items:
            row = rows[int(item["id"])]
            versioned_update(
                session, actor, row, int(item["version"]),
                {"status": ValueStatus.submitted.value, "return_reason": None},
                {"submitted_at": now, "updated_by_id": actor.id},
                row_label(indicators, row.indicator_id, row.period_start, None), scope,
            )  # fmt: skip
        return len(items)
