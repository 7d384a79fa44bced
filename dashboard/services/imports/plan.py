"""Validation and dry-run preview of an upload: every row goes through the services' own rules
(the indicator values' :mod:`value_rules`, the milestones' input model and rules), is compared
with what is stored (changed, unchanged, conflicting with a change made since the template was
downloaded), and is reported with its sheet, row, column, value, a stable code and a French
message. When no row is refused, the changes are rehearsed through the real save functions in
a transaction that is rolled back (:mod:`dashboard.services.imports.apply`), so the preview
says exactly what applying will do. Each sheet has its module (:mod:`.plan_values`,
:mod:`.plan_milestones`); what they share is in :mod:`.plan_common`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import select

from dashboard.core import clock
from dashboard.core.db import read_scope
from dashboard.core.errors import AppError, NotFound
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from dashboard.services.imports import guard
from dashboard.services.imports.layout import VALUES, Code, SheetLayout
from dashboard.services.imports.plan_common import (
    ImportPlan,
    Issue,
    RowChange,
    digest_of,
    shown,
)
from dashboard.services.imports.plan_milestones import plan_milestones
from dashboard.services.imports.plan_values import plan_values
from dashboard.services.imports.reader import FileRefused, ParsedFile, Table, read_file
from dashboard.services.indicators import values as indicator_values
from dashboard.services.shared.forms import clean, field_error, row_where
from models import Network
from models.enums import Role

REHEARSE_UP_TO = 300  # changed rows the preview also runs through the save functions


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
            plan_values(engine, grid, table, rows, plan)
        else:
            plan_milestones(engine, actor, network_id, table, rows, plan, as_of)


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
    "REHEARSE_UP_TO",
    "ImportPlan",
    "Issue",
    "RowChange",
    "SheetLayout",
    "changes_table",
    "digest_of",
    "issues_csv",
    "issues_table",
    "network_by_code",
    "preview_import",
    "resolve_network",
    "shown",
]
