"""The indicator values sheet of an upload, row by row: the indicator and month read, the value
checked by the services' own :mod:`value_rules`, compared with what is stored (unchanged, a
change, a validated value that is locked, a conflict with a change made since the template was
downloaded), then the cumulative totals judged on the values as they will be once applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from dashboard.core import clock
from dashboard.core.db import read_scope
from dashboard.core.i18n import fmt_month, t
from dashboard.services.imports.layout import VALUES, Code
from dashboard.services.imports.plan_common import (
    ImportPlan,
    Issue,
    RowChange,
    as_text,
    code_of,
    column_in,
    conflict_issue,
    pydantic_issues,
    shown,
)
from dashboard.services.imports.reader import Table
from dashboard.services.indicators.value_rules import (
    ENTITY,
    FIELD_LABELS,
    ValueEntry,
    cumulative_problem,
    parse_entry,
    unit_problem,
)
from dashboard.services.shared import audit
from dashboard.services.shared.forms import clean, field_error, row_where
from models.enums import ValueStatus

_VALUE_HEADERS = {c.field: c.header for c in VALUES.columns} | {"indicator_id": "Code indicateur"}


class _Indicators:
    """The followed indicators keyed by id, shaped as the value rules read them
    (``indicators.loc[id]["label"]``, ``id in indicators.index``) without a pandas lookup per
    row: a 5 000-row file reads them 15 000 times."""

    def __init__(self, frame: pd.DataFrame):
        records = frame.to_dict("records")
        self.loc: dict[int, dict[str, Any]] = {int(r["indicator_id"]): r for r in records}
        self.index = self.loc.keys()
        self.codes = {str(r["code"]): int(r["indicator_id"]) for r in records}


def plan_values(
    engine: Engine,
    grid: Mapping[str, Any],
    table: Table,
    rows: list[tuple[int, dict[str, Any]]],
    plan: ImportPlan,
) -> None:
    """Judge every row of the values sheet into ``plan`` (changes, unchanged rows, errors) and
    keep the accepted entries for the save (``plan.value_entries``)."""
    planner = _ValuesPlanner(grid, table, plan)
    for number, rec in rows:
        read = planner.read_entry(number, rec)
        if read is not None:
            planner.judge(number, rec, *read)
    _value_conflicts(engine, table.sheet, planner.conflicts, plan)
    _cumulative(table.sheet, planner.indicators, planner.current, planner.accepted, plan)
    plan.value_entries = [
        {
            "indicator_id": e.indicator_id,
            "period_start": e.period_start,
            "value": e.value,
            "comment": e.comment,
            "evidence_url": e.evidence_url,
            "version": e.version,
        }
        for _, e in planner.accepted
    ]


class _ValuesPlanner:
    """What the rows of one values sheet are judged against, and what they have added so far."""

    def __init__(self, grid: Mapping[str, Any], table: Table, plan: ImportPlan):
        self.sheet = table.sheet
        self.plan = plan
        self.indicators = _Indicators(grid["indicators"])
        self.months = set(grid["months"])
        self.current = {
            (int(r["indicator_id"]), r["period_start"]): r
            for r in grid["values"].to_dict("records")
        }
        self.present = {c.field for c in table.columns}
        self.seen: dict[tuple[int, dt.date], int] = {}
        self.accepted: list[tuple[int, ValueEntry]] = []
        self.conflicts: list[tuple[int, int, str]] = []

    def error(self, number: int, column: str, value: str, code: str, message: str) -> None:
        self.plan.errors.append(Issue(self.sheet, number, column, value, code, message))

    def read_entry(self, number: int, rec: dict[str, Any]) -> tuple[Any, ValueEntry] | None:
        """The row's indicator code and checked entry; None (its errors noted) when refused."""
        where = row_where(number)
        code = clean(rec.get("indicator_code"))
        indicator_id = self.indicators.codes.get(str(code)) if code is not None else None
        if indicator_id is None:
            self.error(
                number, "Code indicateur", shown(code),
                Code.required if code is None else Code.unknown_indicator,
                field_error(
                    where, t("Code indicateur"),
                    t("obligatoire") if code is None else t(
                        "« {code} » n'est pas un indicateur suivi par ce réseau", code=code
                    ),
                ),
            )  # fmt: skip
            return None
        raw = {
            "indicator_id": indicator_id,
            "period_start": rec.get("period_start"),
            "value": rec.get("value"),
            "comment": as_text(rec.get("comment")),
            "evidence_url": as_text(rec.get("evidence_url")),
            "version": rec.get("version"),
        }
        try:
            raw["period_start"] = _month(raw["period_start"])
        except ValueError as exc:
            self.error(number, "Mois", shown(rec.get("period_start")), Code.not_a_date,
                       field_error(where, t("Mois"), str(exc)))  # fmt: skip
            return None
        try:
            ValueEntry.model_validate(raw)
        except ValidationError as exc:
            self.plan.errors += pydantic_issues(
                exc, FIELD_LABELS, _VALUE_HEADERS, self.sheet, number, rec
            )
            return None
        entry, problems = parse_entry(raw, number, self.indicators)
        for message in problems:
            column = column_in(message, ("Valeur", "Lien de preuve", "Commentaire"))
            self.error(number, column, shown(rec.get(_field_of(column))),
                       code_of("", message), message)  # fmt: skip
        return None if entry is None else (code, entry)

    def judge(self, number: int, rec: dict[str, Any], code: Any, entry: ValueEntry) -> None:
        """A checked entry against the sheet's other rows and what is stored."""
        where = row_where(number)
        key = (entry.indicator_id, entry.period_start)
        ind = self.indicators.loc[entry.indicator_id]
        what = t("« {label} », {month}", label=ind["label"], month=fmt_month(entry.period_start))
        if entry.period_start not in self.months:
            self.error(number, "Mois", shown(entry.period_start), Code.outside_period,
                       field_error(where, t("Mois"), t(
                           "{month} est hors de la période de saisie de la cohorte",
                           month=fmt_month(entry.period_start))))  # fmt: skip
            return
        if key in self.seen:
            self.error(number, "Code indicateur", shown(code), Code.duplicate,
                       field_error(where, t("Code indicateur"), t(
                           "{what} figure déjà ligne {n}", what=what, n=self.seen[key])))  # fmt: skip
            return
        self.seen[key] = number
        old = self.current.get(key)
        if "value" not in self.present and old is not None:
            entry = entry.model_copy(update={"value": float(old["value"])})
        if entry.value is None and old is None:
            if entry.comment or entry.evidence_url:
                self.error(number, "Valeur", "", Code.required, field_error(
                    where, t("Valeur"), t("saisissez un nombre avec ce commentaire")))  # fmt: skip
            else:
                self.plan.unchanged.append((self.sheet, number, what))
            return
        if old is not None and not _value_changed(old, entry):
            self.plan.unchanged.append((self.sheet, number, what))
            return
        if old is not None and old["status"] == ValueStatus.validated:
            self.error(number, "Valeur", shown(rec.get("value")), Code.locked,
                       field_error(where, t("Valeur"), t(
                           "{what} est validée : elle est verrouillée, seule l'équipe "
                           "d'animation peut la rouvrir", what=what)))  # fmt: skip
            return
        stale = (old is None and entry.version is not None) or (
            old is not None and entry.version != int(old["version"])
        )
        if stale:
            self.conflicts.append((number, int(old["id"]) if old is not None else 0, what))
            return
        if entry.value is not None:
            problem = unit_problem(ind, entry.value)
            if problem:
                self.error(number, "Valeur", shown(rec.get("value")), Code.out_of_range,
                           field_error(where, t("Valeur"), problem))  # fmt: skip
                return
        self.accepted.append((number, entry))
        self.plan.changes.append(_value_change(self.sheet, number, what, old, entry))


def _field_of(header: str) -> str:
    return next((c.field for c in VALUES.columns if c.header == header), "")


def _month(value: Any) -> dt.date:
    from dashboard.services.shared.forms import parse_date

    if isinstance(value, str) and len(value.strip()) in (7, 6) and "/" in value:
        value = "01/" + value.strip()  # « 11/2026 », as the template shows a month
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError(t("obligatoire"))
    return clock.month_start(parsed)


def _same_number(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return float(a) == float(b)


def _value_changed(old: Mapping[str, Any], entry: ValueEntry) -> bool:
    return (
        not _same_number(old["value"], entry.value)
        or (clean(old["comment"]) or None) != entry.comment
        or (clean(old["evidence_url"]) or None) != entry.evidence_url
    )


def _value_change(
    sheet: str, number: int, what: str, old: Mapping[str, Any] | None, entry: ValueEntry
) -> RowChange:
    before = {
        "Valeur": None if old is None else float(old["value"]),
        "Commentaire": None if old is None else clean(old["comment"]),
        "Lien de preuve": None if old is None else clean(old["evidence_url"]),
    }
    after = {
        "Valeur": entry.value,
        "Commentaire": entry.comment,
        "Lien de preuve": entry.evidence_url,
    }
    fields = tuple(
        (t(k), shown(before[k]), shown(after[k]))
        for k in before
        if shown(before[k]) != shown(after[k])
        or (k == "Valeur" and not _same_number(before[k], after[k]))
    )
    action = "create" if old is None else ("delete" if entry.value is None else "update")
    return RowChange(sheet, number, what, action, fields)


def _value_conflicts(
    engine: Engine, sheet: str, conflicts: list[tuple[int, int, str]], plan: ImportPlan
) -> None:
    if not conflicts:
        return
    with read_scope(engine) as session:
        for number, value_id, what in conflicts:
            if value_id:
                message = audit.conflict_message(session, ENTITY, value_id, what)
            else:
                message = t(
                    "{what} a été supprimée dans l'application depuis le téléchargement du "
                    "modèle. Rien n'a été écrasé : téléchargez un nouveau modèle.",
                    what=what,
                )
            plan.errors.append(conflict_issue(sheet, number, message))


def _cumulative(
    sheet: str,
    indicators: _Indicators,
    current: Mapping[tuple[int, dt.date], Mapping[str, Any]],
    accepted: list[tuple[int, ValueEntry]],
    plan: ImportPlan,
) -> None:
    """A cumulative total going down needs a comment (the rule of ``value_rules``), judged on
    the values as they will be once the file is applied."""
    state = {key: float(r["value"]) for key, r in current.items()}
    for _, e in accepted:
        key = (e.indicator_id, e.period_start)
        if e.value is None:
            state.pop(key, None)
        else:
            state[key] = e.value
    for number, e in accepted:
        if e.value is None:
            continue
        earlier = [p for (i, p) in state if i == e.indicator_id and p < e.period_start]
        previous = state[(e.indicator_id, max(earlier))] if earlier else None
        problem = cumulative_problem(indicators.loc[e.indicator_id], e, previous)
        if problem:
            plan.errors.append(
                Issue(sheet, number, "Commentaire", "", Code.cumulative_decrease,
                      field_error(row_where(number), t("Commentaire"), problem))
            )  # fmt: skip
