"""Validation and dry-run preview of an upload: every row goes through the services' own rules
(the indicator values' :mod:`value_rules`, the milestones' input model and rules), is compared
with what is stored (changed, unchanged, conflicting with a change made since the template was
downloaded), and is reported with its sheet, row, column, value, a stable code and a French
message. When no row is refused, the changes are rehearsed through the real save functions in
a transaction that is rolled back (:mod:`dashboard.services.imports.apply`), so the preview
says exactly what applying will do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import select

from dashboard.core import clock
from dashboard.core.db import read_scope
from dashboard.core.errors import AppError, NotFound
from dashboard.core.i18n import fmt_date, fmt_month, fmt_number, label_of, labels_for, t
from dashboard.core.permissions import Actor
from dashboard.services.imports import guard
from dashboard.services.imports.layout import (
    MILESTONE_FIELDS,
    MILESTONES,
    VALUES,
    Code,
    SheetLayout,
)
from dashboard.services.imports.reader import FileRefused, ParsedFile, Table, read_file
from dashboard.services.indicators import values as indicator_values
from dashboard.services.indicators.value_rules import (
    ENTITY as VALUE_ENTITY,
)
from dashboard.services.indicators.value_rules import (
    ValueEntry,
    cumulative_problem,
    parse_entry,
    unit_problem,
)
from dashboard.services.roadmap import milestone_checks
from dashboard.services.roadmap import milestones as milestone_service
from dashboard.services.roadmap.milestone_grid import (
    LABELS as MILESTONE_LABELS,
)
from dashboard.services.roadmap.milestone_grid import (
    AddedMilestone,
    EditedMilestone,
    MilestoneChanges,
)
from dashboard.services.shared import audit
from dashboard.services.shared.forms import clean, field_error, french_errors, row_where
from models import Network
from models.base import saved_id
from models.enums import Entity, MilestoneStatus, Role, ValueStatus

_VALUE_HEADERS = {c.field: c.header for c in VALUES.columns} | {"indicator_id": "Code indicateur"}
_MILESTONE_HEADERS = {c.field: c.header for c in MILESTONES.columns}
REHEARSE_UP_TO = 300  # changed rows the preview also runs through the save functions
_TEXT_FIELDS = {"title", "owner", "status", "evidence_url", "comment"}


@dataclass(frozen=True)
class Issue:
    """One problem: where (sheet, spreadsheet row, column header), the value as read, a stable
    code and the French message saying what to fix."""

    sheet: str
    row: int | None
    column: str
    value: str
    code: str
    message: str


@dataclass(frozen=True)
class RowChange:
    sheet: str
    row: int
    what: str  # « Jalon « Titre » », « « Indicateur », novembre 2026 »
    action: str  # create, update, delete
    fields: tuple[tuple[str, str, str], ...]  # (column, before, after) as shown


@dataclass
class ImportPlan:
    file_name: str
    digest: str
    network_id: int | None = None
    network_code: str = ""
    network_name: str = ""
    changes: list[RowChange] = field(default_factory=list)
    unchanged: list[tuple[str, int, str]] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    milestone_changes: MilestoneChanges = field(default_factory=MilestoneChanges)
    value_entries: list[dict[str, Any]] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def file_error(self, code: str, message: str) -> None:
        self.errors.append(Issue("", None, "", self.file_name, code, message))


def digest_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# ------------------------------------------------------------------------------ shapes


def shown(value: Any) -> str:
    """A cell as the preview and the error list show it (French formats)."""
    value = clean(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return fmt_number(value, 6)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return fmt_date(value)
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"


def _as_text(value: Any) -> Any:
    """A text column's cell as text (a spreadsheet may store « 12 » as a number)."""
    value = clean(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return fmt_date(value)
    return str(value)


def _code_of(error_type: str, message: str) -> str:
    if error_type in {"missing", "string_too_short"}:
        return Code.required
    if error_type in {"string_too_long", "too_long"}:
        return Code.too_long
    if error_type.startswith("int_"):
        return Code.not_an_integer
    if error_type.startswith("float_") or error_type == "finite_number":
        return Code.not_a_number
    if error_type.startswith("date") or error_type.startswith("datetime"):
        return Code.not_a_date
    if error_type in {"enum", "literal_error"}:
        return Code.invalid_choice
    if error_type.startswith(("greater", "less")):
        return Code.out_of_range
    lowered = message.lower()
    if "n'est pas un nombre" in lowered or "nombre fini" in lowered:
        return Code.not_a_number
    if "date" in lowered or "calendrier" in lowered:
        return Code.not_a_date
    if "caractère de contrôle" in lowered:
        return Code.control_character
    if "adresse" in lowered or "http" in lowered:
        return Code.invalid_link
    if "obligatoire" in lowered:
        return Code.required
    return Code.invalid


def _pydantic_issues(
    exc: ValidationError,
    labels: Mapping[str, str],
    headers: Mapping[str, str],
    sheet: str,
    number: int,
    record: Mapping[str, Any],
    enums: dict | None = None,
) -> list[Issue]:
    messages = french_errors(exc, dict(labels), row_where(number), enums)
    out = []
    for error, message in zip(exc.errors(include_url=False), messages, strict=True):
        name = str(error["loc"][0]) if error.get("loc") else ""
        column = headers.get(name, name)
        raw = record.get(name, error.get("input"))
        out.append(
            Issue(sheet, number, column, shown(raw), _code_of(error["type"], message), message)
        )
    return out


def _column_in(message: str, headers: Iterable[str]) -> str:
    """The column a rule's message names (« … « Réalisé le » : … »)."""
    for header in headers:
        if f"« {header} »" in message:
            return header
    return ""


# ---------------------------------------------------------------------------- entry point


def resolve_network(engine: Engine, actor: Actor, codes: set[str]) -> int:
    """The network an upload is for when none was chosen: a lead's own, or the one network
    code its rows name (the programme team)."""
    if actor.role is Role.lead and actor.network_id is not None:
        return actor.network_id
    if len(codes) != 1:
        raise NotFound(
            t(
                "Choisissez le réseau de ce fichier : ses lignes nomment {n} réseaux ({codes}).",
                n=len(codes),
                codes=", ".join(sorted(codes)) or "—",
            )
        )
    (code,) = codes
    return network_by_code(engine, code)


def network_by_code(engine: Engine, code: str) -> int:
    """The id of the network with this code (refused when absent or in several cohorts)."""
    with read_scope(engine) as session:
        found = session.exec(select(Network.id).where(Network.code == code)).all()
    if len(found) != 1 or found[0] is None:
        raise NotFound(
            t(
                "Réseau « {code} » introuvable ou présent dans plusieurs cohortes : choisissez "
                "le réseau.",
                code=code,
            )
        )
    return int(found[0])


def preview_import(
    engine: Engine,
    actor: Actor,
    name: str,
    content: bytes,
    *,
    network_id: int | None = None,
    as_of: dt.date | None = None,
    rehearse: bool | None = None,
    max_bytes: int | None = None,
) -> ImportPlan:
    """Parse, validate and compare an uploaded file; nothing is written.

    The plan lists the rows that will change (before → after), the unchanged rows and every
    error. With ``rehearse`` and no error, the changes also run through the services' save
    functions in a transaction that is rolled back; by default only up to
    :data:`REHEARSE_UP_TO` changes, as the write path costs about 4 ms a row (measured in
    bench/bench_import.py) and the preview must stay quick. Applying always runs them, in one
    transaction, all or nothing.
    """
    as_of = as_of or clock.today()
    plan = ImportPlan(file_name=name, digest=digest_of(content))
    refusal = guard.inspect(name, content, max_bytes=max_bytes)
    if refusal is not None:
        plan.file_error(refusal.code, refusal.message)
        return plan
    try:
        parsed = read_file(name, content)
    except FileRefused as refused:
        for r in refused.refusals:
            plan.file_error(r.code, r.message)
        return plan
    plan.warnings += parsed.warnings
    plan.rows_read = sum(len(table.rows) for table in parsed.tables)
    try:
        _plan_rows(engine, actor, parsed, plan, network_id, as_of)
    except AppError as error:
        plan.file_error(Code.refused, error.message)
        return plan
    if rehearse is None:
        rehearse = len(plan.changes) <= REHEARSE_UP_TO
    if rehearse and plan.ok and plan.has_changes:
        from dashboard.services.imports.apply import run_saves

        try:
            run_saves(engine, actor, plan, as_of=as_of, commit=False)
        except AppError as error:
            for message in getattr(error, "errors", None) or [error.message]:
                plan.file_error(Code.refused, message)
    return plan


def _plan_rows(
    engine: Engine,
    actor: Actor,
    parsed: ParsedFile,
    plan: ImportPlan,
    network_id: int | None,
    as_of: dt.date,
) -> None:
    codes = {
        str(clean(rec.get("network_code")))
        for table in parsed.tables
        for _, rec in table.rows
        if clean(rec.get("network_code")) is not None
    }
    if network_id is None:
        network_id = resolve_network(engine, actor, codes)
    grid = indicator_values.value_grid(engine, actor, network_id, as_of=as_of)
    plan.network_id = network_id
    plan.network_code = grid["network"]["code"]
    plan.network_name = grid["network"]["name"]
    for table in parsed.tables:
        rows = _own_rows(table, plan)
        if table.layout is VALUES:
            _plan_values(engine, grid, table, rows, plan)
        else:
            _plan_milestones(engine, actor, network_id, table, rows, plan, as_of)


def _own_rows(table: Table, plan: ImportPlan) -> list[tuple[int, dict[str, Any]]]:
    """Rows of the chosen network (a row naming no network belongs to it); any other row is
    refused, one error per row."""
    kept = []
    for number, rec in table.rows:
        code = clean(rec.get("network_code"))
        if code is not None and str(code) != plan.network_code:
            plan.errors.append(
                Issue(
                    table.sheet, number, "Réseau", shown(code), Code.other_network,
                    field_error(
                        row_where(number), t("Réseau"),
                        t(
                            "cette ligne concerne le réseau « {code} » ; ce fichier est importé "
                            "pour « {own} », rien n'est enregistré pour une autre ligne de réseau",
                            code=code, own=plan.network_code,
                        ),
                    ),
                )
            )  # fmt: skip
            continue
        kept.append((number, rec))
    return kept


# ------------------------------------------------------------------------ indicator values


def _plan_values(
    engine: Engine,
    grid: Mapping[str, Any],
    table: Table,
    rows: list[tuple[int, dict[str, Any]]],
    plan: ImportPlan,
) -> None:
    sheet = table.sheet
    indicators = _Indicators(grid["indicators"])
    by_code = indicators.codes
    months = set(grid["months"])
    current = {
        (int(r["indicator_id"]), r["period_start"]): r for r in grid["values"].to_dict("records")
    }
    present = {c.field for c in table.columns}
    seen: dict[tuple[int, dt.date], int] = {}
    accepted: list[tuple[int, ValueEntry]] = []
    conflicts: list[tuple[int, int, str]] = []
    for number, rec in rows:
        where = row_where(number)
        code = clean(rec.get("indicator_code"))
        indicator_id = by_code.get(str(code)) if code is not None else None
        if indicator_id is None:
            plan.errors.append(
                Issue(
                    sheet, number, "Code indicateur", shown(code),
                    Code.required if code is None else Code.unknown_indicator,
                    field_error(
                        where, t("Code indicateur"),
                        t("obligatoire") if code is None else t(
                            "« {code} » n'est pas un indicateur suivi par ce réseau", code=code
                        ),
                    ),
                )
            )  # fmt: skip
            continue
        raw = {
            "indicator_id": indicator_id,
            "period_start": rec.get("period_start"),
            "value": rec.get("value"),
            "comment": _as_text(rec.get("comment")),
            "evidence_url": _as_text(rec.get("evidence_url")),
            "version": rec.get("version"),
        }
        try:
            raw["period_start"] = _month(raw["period_start"])
        except ValueError as exc:
            plan.errors.append(
                Issue(sheet, number, "Mois", shown(rec.get("period_start")), Code.not_a_date,
                      field_error(where, t("Mois"), str(exc)))
            )  # fmt: skip
            continue
        try:
            ValueEntry.model_validate(raw)
        except ValidationError as exc:
            plan.errors += _pydantic_issues(exc, _VALUE_LABELS, _VALUE_HEADERS, sheet, number, rec)
            continue
        entry, problems = parse_entry(raw, number, indicators)
        for message in problems:
            column = _column_in(message, ("Valeur", "Lien de preuve", "Commentaire"))
            plan.errors.append(
                Issue(sheet, number, column, shown(rec.get(_field_of(column))),
                      _code_of("", message), message)
            )  # fmt: skip
        if entry is None:
            continue
        key = (entry.indicator_id, entry.period_start)
        ind = indicators.loc[entry.indicator_id]
        what = t("« {label} », {month}", label=ind["label"], month=fmt_month(entry.period_start))
        if entry.period_start not in months:
            plan.errors.append(
                Issue(sheet, number, "Mois", shown(entry.period_start), Code.outside_period,
                      field_error(where, t("Mois"), t(
                          "{month} est hors de la période de saisie de la cohorte",
                          month=fmt_month(entry.period_start))))
            )  # fmt: skip
            continue
        if key in seen:
            plan.errors.append(
                Issue(sheet, number, "Code indicateur", shown(code), Code.duplicate,
                      field_error(where, t("Code indicateur"), t(
                          "{what} figure déjà ligne {n}", what=what, n=seen[key])))
            )  # fmt: skip
            continue
        seen[key] = number
        old = current.get(key)
        if "value" not in present and old is not None:
            entry = entry.model_copy(update={"value": float(old["value"])})
        if entry.value is None and old is None:
            if entry.comment or entry.evidence_url:
                plan.errors.append(
                    Issue(sheet, number, "Valeur", "", Code.required,
                          field_error(where, t("Valeur"), t("saisissez un nombre avec ce commentaire")))
                )  # fmt: skip
            else:
                plan.unchanged.append((sheet, number, what))
            continue
        if old is not None and not _value_changed(old, entry):
            plan.unchanged.append((sheet, number, what))
            continue
        if old is not None and old["status"] == ValueStatus.validated:
            plan.errors.append(
                Issue(sheet, number, "Valeur", shown(rec.get("value")), Code.locked,
                      field_error(where, t("Valeur"), t(
                          "{what} est validée : elle est verrouillée, seule l'équipe "
                          "d'animation peut la rouvrir", what=what)))
            )  # fmt: skip
            continue
        stale = (old is None and entry.version is not None) or (
            old is not None and entry.version != int(old["version"])
        )
        if stale:
            conflicts.append((number, int(old["id"]) if old is not None else 0, what))
            continue
        if entry.value is not None:
            problem = unit_problem(ind, entry.value)
            if problem:
                plan.errors.append(
                    Issue(sheet, number, "Valeur", shown(rec.get("value")), Code.out_of_range,
                          field_error(where, t("Valeur"), problem))
                )  # fmt: skip
                continue
        accepted.append((number, entry))
        plan.changes.append(_value_change(sheet, number, what, old, entry))
    _value_conflicts(engine, sheet, conflicts, plan)
    _cumulative(sheet, indicators, current, accepted, plan)
    plan.value_entries = [
        {
            "indicator_id": e.indicator_id,
            "period_start": e.period_start,
            "value": e.value,
            "comment": e.comment,
            "evidence_url": e.evidence_url,
            "version": e.version,
        }
        for _, e in accepted
    ]


_VALUE_LABELS = {
    "indicator_id": "Indicateur",
    "period_start": "Mois",
    "value": "Valeur",
    "comment": "Commentaire",
    "evidence_url": "Lien de preuve",
    "version": "Version",
}


class _Indicators:
    """The followed indicators keyed by id, shaped as the value rules read them
    (``indicators.loc[id]["label"]``, ``id in indicators.index``) without a pandas lookup per
    row: a 5 000-row file reads them 15 000 times."""

    def __init__(self, frame: pd.DataFrame):
        records = frame.to_dict("records")
        self.loc: dict[int, dict[str, Any]] = {int(r["indicator_id"]): r for r in records}
        self.index = self.loc.keys()
        self.codes = {str(r["code"]): int(r["indicator_id"]) for r in records}


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
                message = audit.conflict_message(session, VALUE_ENTITY, value_id, what)
            else:
                message = t(
                    "{what} a été supprimée dans l'application depuis le téléchargement du "
                    "modèle. Rien n'a été écrasé : téléchargez un nouveau modèle.",
                    what=what,
                )
            plan.errors.append(
                Issue(sheet, number, "Version", "", Code.conflict,
                      t("{where} : {message}", where=row_where(number), message=message))
            )  # fmt: skip


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


# ------------------------------------------------------------------------------ milestones


def _status_codes() -> dict[str, str]:
    out = {code.casefold(): code for code in labels_for(MilestoneStatus)}
    out |= {label.casefold(): code for code, label in labels_for(MilestoneStatus).items()}
    return out


def _plan_milestones(
    engine: Engine,
    actor: Actor,
    network_id: int,
    table: Table,
    rows: list[tuple[int, dict[str, Any]]],
    plan: ImportPlan,
    as_of: dt.date,
) -> None:
    sheet = table.sheet
    stored = milestone_service.list_milestones(engine, actor, network_id, as_of=as_of)
    existing = {int(r["id"]): r for r in stored.to_dict("records")}
    by_title = {(r["title"], clean(r["due_date"])): r for r in existing.values()}
    with read_scope(engine) as session:
        network = session.get(Network, network_id)
        assert network is not None  # value_grid found it
    present = {c.field for c in table.columns} & set(MILESTONE_FIELDS)
    statuses = _status_codes()
    seen: dict[int, int] = {}
    conflicts: list[tuple[int, int, str]] = []
    for number, rec in rows:
        where = row_where(number, _as_text(rec.get("title")))
        raw_id = clean(rec.get("id"))
        old = None
        if raw_id is not None:
            try:
                milestone_id = int(raw_id)
                if milestone_id != float(raw_id):
                    raise ValueError
            except (TypeError, ValueError):
                milestone_id = -1
            old = existing.get(milestone_id)
            if old is None:
                plan.errors.append(
                    Issue(sheet, number, "N° jalon", shown(raw_id), Code.unknown_milestone,
                          field_error(where, t("N° jalon"), t(
                              "aucun jalon n° {id} dans ce réseau (supprimé depuis, ou "
                              "d'un autre réseau) ; pour un nouveau jalon, laissez ce numéro vide",
                              id=shown(raw_id))))
                )  # fmt: skip
                continue
            if milestone_id in seen:
                plan.errors.append(
                    Issue(sheet, number, "N° jalon", shown(raw_id), Code.duplicate,
                          field_error(where, t("N° jalon"), t(
                              "ce jalon figure déjà ligne {n}", n=seen[milestone_id])))
                )  # fmt: skip
                continue
            seen[milestone_id] = number
        values: dict[str, Any] = {}
        for name in MILESTONE_FIELDS:
            if name in present:
                cell = rec.get(name)
                values[name] = _as_text(cell) if name in _TEXT_FIELDS else clean(cell)
            elif old is not None:
                values[name] = clean(old[name])
        if isinstance(values.get("status"), str):
            values["status"] = statuses.get(values["status"].casefold(), values["status"])
        # The file leaves a milestone's links as they are: they are already the network's.
        links: dict[str, dict[int, int]] = {}
        for name, owner in (
            ("objective_id", saved_id(network)),
            ("alliance_id", saved_id(network)),
            ("session_id", network.cohort_id),
        ):
            linked = clean(old[name]) if old is not None else None
            values[name] = linked
            links[name] = {int(linked): owner} if linked is not None else {}
        try:
            data = milestone_checks.MilestoneInput.model_validate(
                {k: v for k, v in values.items() if v is not None}
            )
        except ValidationError as exc:
            plan.errors += _pydantic_issues(
                exc, MILESTONE_LABELS, _MILESTONE_HEADERS, sheet, number, rec,
                {"status": MilestoneStatus},
            )  # fmt: skip
            continue
        after = milestone_checks.stored_values(data)
        what = t("Jalon « {title} »", title=data.title)
        diff: tuple[tuple[str, str, str], ...] = ()
        if old is not None:
            diff = tuple(
                (t(MILESTONE_LABELS[k]), _shown_field(k, clean(old[k])), _shown_field(k, after[k]))
                for k in MILESTONE_FIELDS
                if _shown_field(k, clean(old[k])) != _shown_field(k, after[k])
            )
            if not diff:  # an untouched row is not judged again (as in the grid)
                plan.unchanged.append((sheet, number, what))
                continue
        rules = milestone_checks.milestone_rules(data, where, as_of, network, links)
        if rules:
            for message in rules:
                column = _column_in(message, [MILESTONE_LABELS[f] for f in MILESTONE_FIELDS])
                name = next((f for f in MILESTONE_FIELDS if MILESTONE_LABELS[f] == column), "")
                plan.errors.append(
                    Issue(sheet, number, column, shown(rec.get(name)), Code.rule, message)
                )
            continue
        if old is None:
            twin = by_title.get((data.title, data.due_date))
            if twin is not None:
                # The same file uploaded again: its new rows now exist (no second copy).
                if all(
                    _shown_field(k, clean(twin[k])) == _shown_field(k, after[k])
                    for k in MILESTONE_FIELDS
                ):
                    plan.unchanged.append((sheet, number, what))
                    continue
                plan.errors.append(
                    Issue(sheet, number, "N° jalon", "", Code.duplicate,
                          field_error(where, t("N° jalon"), t(
                              "un jalon de même intitulé et de même échéance existe déjà "
                              "(n° {id}) : indiquez ce numéro pour le modifier", id=twin["id"])))
                )  # fmt: skip
                continue
            plan.milestone_changes.added.append(
                AddedMilestone({k: after[k] for k in MILESTONE_FIELDS}, row=number)
            )
            plan.changes.append(
                RowChange(sheet, number, what, "create",
                          tuple((t(MILESTONE_LABELS[k]), "", _shown_field(k, after[k]))
                                for k in MILESTONE_FIELDS if after[k] is not None))
            )  # fmt: skip
            continue
        version = clean(rec.get("version"))
        try:
            seen_version = int(version) if version is not None else None
        except (TypeError, ValueError):
            seen_version = None
        if seen_version != int(old["version"]):
            conflicts.append((number, int(old["id"]), what))
            continue
        plan.milestone_changes.edited.append(
            EditedMilestone(
                int(old["id"]), seen_version, {k: after[k] for k in MILESTONE_FIELDS}, row=number
            )
        )
        plan.changes.append(RowChange(sheet, number, what, "update", diff))
    if conflicts:
        with read_scope(engine) as session:
            for number, milestone_id, what in conflicts:
                message = audit.conflict_message(session, Entity.milestone, milestone_id, what)
                plan.errors.append(
                    Issue(sheet, number, "Version", "", Code.conflict,
                          t("{where} : {message}", where=row_where(number), message=message))
                )  # fmt: skip


def _shown_field(name: str, value: Any) -> str:
    if name == "status" and value is not None:
        return label_of(MilestoneStatus, str(value))
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return shown(value)


def issues_table(plan: ImportPlan) -> pd.DataFrame:
    """The errors as a table (French headers), also what the CSV download holds."""
    return pd.DataFrame(
        [(i.sheet, i.row, i.column, i.value, i.code, i.message) for i in plan.errors],
        columns=[t("Feuille"), t("Ligne"), t("Colonne"), t("Valeur lue"), t("Code"), t("Message")],
    ).astype({t("Ligne"): "Int64"})


def changes_table(plan: ImportPlan) -> pd.DataFrame:
    actions = {"create": t("Ajout"), "update": t("Modification"), "delete": t("Effacement")}
    rows = [
        (c.sheet, c.row, c.what, actions[c.action], column, before, after)
        for c in plan.changes
        for column, before, after in (c.fields or (("", "", ""),))
    ]
    return pd.DataFrame(
        rows,
        columns=[
            t("Feuille"),
            t("Ligne"),
            t("Élément"),
            t("Action"),
            t("Colonne"),
            t("Avant"),
            t("Après"),
        ],
    )


def issues_csv(plan: ImportPlan) -> bytes:
    """The error list in the excel_fr profile (« ; », UTF-8 with BOM, CRLF), texts guarded."""
    import csv
    import io

    from dashboard.services.exports.formula_safety import neutralise

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [t("Feuille"), t("Ligne"), t("Colonne"), t("Valeur lue"), t("Code"), t("Message")]
    )
    for i in plan.errors:
        writer.writerow(
            [neutralise(i.sheet), "" if i.row is None else i.row, neutralise(i.column),
             neutralise(i.value), i.code, neutralise(i.message)]
        )  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


__all__ = [
    "ImportPlan",
    "Issue",
    "RowChange",
    "SheetLayout",
    "changes_table",
    "issues_csv",
    "issues_table",
    "preview_import",
]
