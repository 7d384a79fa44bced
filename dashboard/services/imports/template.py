"""The spreadsheet a lead fills in offline: the network's milestones and its indicator values
(one row per month × followed indicator, with unit, baseline and target shown), as an XLSX
whose read-only columns are greyed and locked (the sheets are protected, only the cells to type
in are unlocked), or as the same two tables in the excel_fr CSV profile (« ; », decimal comma,
UTF-8 with BOM, CRLF, dates jj/mm/aaaa).

Every row carries what an upload needs to find it again and to detect a conflict: the network
code, the milestone number or the month and indicator code, and the row's version.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import math
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from dashboard.core import clock
from dashboard.core.i18n import fmt_date, fmt_datetime, label_of, t
from dashboard.core.permissions import Actor
from dashboard.services.exports.formula_safety import neutralise
from dashboard.services.imports.layout import MILESTONES, README_SHEET, VALUES, SheetLayout
from dashboard.services.indicators import values as indicator_values
from dashboard.services.roadmap import milestones as milestone_service
from models.base import utcnow
from models.enums import MilestoneStatus, Unit, ValueStatus

EXTRA_MILESTONE_ROWS = 100  # unlocked blank rows for new milestones


@dataclass(frozen=True)
class TemplateData:
    network_id: int
    network_code: str
    network_name: str
    cohort_name: str
    milestones: list[dict[str, Any]]  # one dict per row, keyed by field
    values: list[dict[str, Any]]
    locked_values: set[int]  # positions in ``values`` whose value is validated (locked)


def _none(value: Any) -> Any:
    if value is None:
        return None
    try:
        if isinstance(value, float) and math.isnan(value):
            return None
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except TypeError:
        pass
    if hasattr(value, "item"):
        return value.item()
    return value


def template_data(
    engine: Engine, actor: Actor, network_id: int, *, as_of: dt.date | None = None
) -> TemplateData:
    """What the template holds for a network the actor may update (read through the
    services that check it)."""
    as_of = as_of or clock.today()
    grid = indicator_values.value_grid(engine, actor, network_id, as_of=as_of)
    rows = milestone_service.list_milestones(engine, actor, network_id, as_of=as_of)
    code, name = grid["network"]["code"], grid["network"]["name"]
    milestones = []
    for rec in rows.to_dict("records"):
        item = {"network_code": code} | {k: _none(v) for k, v in rec.items()}
        item["status"] = label_of(MilestoneStatus, item["status"])
        milestones.append(item)
    values: list[dict[str, Any]] = []
    locked: set[int] = set()
    current = {
        (int(r["indicator_id"]), r["period_start"]): r for r in grid["values"].to_dict("records")
    }
    for month in grid["months"]:
        for ind in grid["indicators"].to_dict("records"):
            row = current.get((int(ind["indicator_id"]), month))
            status = row["status"] if row else None
            if status == ValueStatus.validated:
                locked.add(len(values))
            values.append(
                {
                    "network_code": code,
                    "period_start": month,
                    "indicator_code": ind["code"],
                    "label": ind["label"],
                    "unit": label_of(Unit, ind["unit"]),
                    "baseline_value": _none(ind["baseline_value"]),
                    "target_value": _none(ind["target_value"]),
                    "status": label_of(ValueStatus, status, empty="") if status else None,
                    "version": int(row["version"]) if row else None,
                    "value": float(row["value"]) if row else None,
                    "comment": _none(row["comment"]) if row else None,
                    "evidence_url": _none(row["evidence_url"]) if row else None,
                }
            )
    return TemplateData(
        network_id=network_id,
        network_code=code,
        network_name=name,
        cohort_name=grid["cohort"]["name"],
        milestones=milestones,
        values=values,
        locked_values=locked,
    )


# ------------------------------------------------------------------------------- XLSX


def _readme_lines(data: TemplateData) -> list[str]:
    return [
        t("Modèle d'import — réseau {code} « {name} »", code=data.network_code, name=data.network_name),
        t("Cohorte : {name}", name=data.cohort_name),
        t("Téléchargé le {when}", when=fmt_datetime(utcnow())),
        "",
        t("Feuille « {s} » : vos jalons. Modifiez les cellules blanches ; ajoutez un jalon sur une ligne vide (sans numéro).", s=MILESTONES.name),
        t("Feuille « {s} » : une ligne par mois et par indicateur suivi. Saisissez la valeur, et au besoin un commentaire et un lien de preuve.", s=VALUES.name),
        t("Les colonnes grisées sont en lecture seule : elles servent à retrouver chaque ligne et à détecter une modification faite entre-temps dans l'application."),
        t("Une valeur validée par l'équipe d'animation est verrouillée (cellule grise)."),
        t("Dates au format jj/mm/aaaa ; nombres avec une virgule décimale (1 234,5)."),
        t("Pas de formule : elles sont refusées à l'import. Ne renommez ni les feuilles ni les colonnes."),
        t("Importez ensuite le fichier depuis la page « Importer un tableur » : un aperçu montre chaque changement avant de l'appliquer."),
    ]  # fmt: skip


def write_xlsx(data: TemplateData) -> bytes:
    """The template as an XLSX workbook (bytes)."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    grey = "#E7E6E6"
    fmt = {
        "head_ro": book.add_format({"bold": True, "bg_color": "#BFBFBF", "italic": True, "border": 1, "text_wrap": True}),
        "head_in": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        "ro": book.add_format({"bg_color": grey, "locked": True}),
        "ro_date": book.add_format({"bg_color": grey, "locked": True, "num_format": "dd/mm/yyyy"}),
        "ro_month": book.add_format({"bg_color": grey, "locked": True, "num_format": "mm/yyyy"}),
        "in": book.add_format({"locked": False}),
        "in_date": book.add_format({"locked": False, "num_format": "dd/mm/yyyy"}),
        "in_wrap": book.add_format({"locked": False, "text_wrap": True}),
    }  # fmt: skip
    readme = book.add_worksheet(README_SHEET)
    readme.set_column(0, 0, 120)
    for r, line in enumerate(_readme_lines(data)):
        readme.write_string(r, 0, neutralise(line))
    readme.protect()

    def sheet(
        layout: SheetLayout, rows: list[dict[str, Any]], locked: set[int], extra: int
    ) -> None:
        ws = book.add_worksheet(layout.name)
        for c, column in enumerate(layout.columns):
            ws.write_string(0, c, column.header, fmt["head_ro" if column.read_only else "head_in"])
            if column.read_only:
                ws.write_comment(0, c, t("Lecture seule"))
            width = 40 if column.field in ("title", "comment", "label") else 16
            ws.set_column(c, c, width)
        for r, row in enumerate(rows, start=1):
            for c, column in enumerate(layout.columns):
                read_only = column.read_only or (r - 1 in locked)
                _write(ws, r, c, column.kind, row.get(column.field), read_only, fmt)
        for r in range(len(rows) + 1, len(rows) + 1 + extra):
            for c, column in enumerate(layout.columns):
                ws.write_blank(r, c, None, fmt["ro" if column.read_only else "in"])
        if layout is MILESTONES:
            choices = [label_of(MilestoneStatus, s.value) for s in MilestoneStatus]
            status_col = next(i for i, c in enumerate(layout.columns) if c.field == "status")
            ws.data_validation(
                1, status_col, len(rows) + extra, status_col,
                {"validate": "list", "source": choices, "error_type": "warning"},
            )  # fmt: skip
        ws.freeze_panes(1, 0)
        ws.protect(
            "",
            {
                "format_columns": True,
                "format_rows": True,
                "autofilter": True,
                "sort": False,
                "select_locked_cells": True,
                "select_unlocked_cells": True,
            },
        )

    sheet(MILESTONES, data.milestones, set(), EXTRA_MILESTONE_ROWS)
    sheet(VALUES, data.values, data.locked_values, 0)
    book.worksheets()[2].activate()  # opens on the values to fill in
    book.close()
    return out.getvalue()


def _write(ws, r: int, c: int, kind: str, value: Any, read_only: bool, fmt: dict) -> None:
    if value is None:
        ws.write_blank(r, c, None, fmt["ro" if read_only else "in"])
    elif kind in ("date", "month") and isinstance(value, dt.date):
        name = ("ro_" if read_only else "in_") + ("month" if kind == "month" else "date")
        ws.write_datetime(
            r, c, dt.datetime.combine(value, dt.time()), fmt.get(name, fmt["in_date"])
        )
    elif (
        kind in ("number", "integer")
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        ws.write_number(r, c, value, fmt["ro" if read_only else "in"])
    else:
        ws.write_string(r, c, neutralise(str(value)), fmt["ro" if read_only else "in_wrap"])


# -------------------------------------------------------------------------------- CSV


def _csv_cell(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind in ("date", "month") and isinstance(value, dt.date):
        return fmt_date(value)
    if isinstance(value, bool):
        return neutralise(str(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Positional digits of the shortest exact form: no « e-05 » a reader would refuse.
        text = format(decimal.Decimal(repr(value)), "f") if math.isfinite(value) else repr(value)
        text = text[:-2] if text.endswith(".0") else text
        return text.replace(".", ",")
    return neutralise(str(value))


def write_csv(layout: SheetLayout, rows: list[dict[str, Any]]) -> bytes:
    """One table in the excel_fr profile: « ; », decimal comma, UTF-8 with BOM, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in layout.columns])
    for row in rows:
        writer.writerow([_csv_cell(c.kind, row.get(c.field)) for c in layout.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_files(data: TemplateData) -> dict[str, bytes]:
    """``{"jalons.csv": …, "valeurs.csv": …}``."""
    return {
        "jalons.csv": write_csv(MILESTONES, data.milestones),
        "valeurs.csv": write_csv(VALUES, data.values),
    }


def write_csv_zip(data: TemplateData) -> bytes:
    """Both CSV tables in one zip (one download)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in csv_files(data).items():
            archive.writestr(name, content)
    return out.getvalue()


def file_name(data: TemplateData, suffix: str) -> str:
    return f"modele_import_{data.network_code}.{suffix}"
