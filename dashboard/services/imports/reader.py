"""Reading an uploaded file into rows, without evaluating anything: a workbook through
openpyxl's read-only mode (formulas are refused, never computed; date cells stay dates, so an
Excel serial number is never read as text), a CSV in UTF-8 (with or without BOM) or, failing
that, Windows-1252 (with a warning), « ; » or « , » detected from the header line.

Each text cell loses one leading apostrophe: the guard the exports and the template put in
front of a text a spreadsheet would take for a formula. The file's sheets and columns must be
the template's: anything else is refused by name before a row is validated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any

from dashboard.core.i18n import t
from dashboard.services.exports.formula_safety import strip_one
from dashboard.services.imports.guard import Refusal, file_kind
from dashboard.services.imports.layout import (
    README_SHEET,
    SHEETS,
    Code,
    Column,
    SheetLayout,
)

MAX_FORMULAS_NAMED = 10
_BLANK = Column("", "")  # a column without a header (an unknown header is None, refused)


@dataclass
class Table:
    """One sheet (or CSV) of the file: its layout and its non-blank rows as
    ``(row number in the spreadsheet, {field: cell})``."""

    layout: SheetLayout
    sheet: str
    columns: list[Column]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


@dataclass
class ParsedFile:
    kind: str  # xlsx or csv
    tables: list[Table]
    warnings: list[str] = field(default_factory=list)


class FileRefused(Exception):
    """The whole file is refused; ``refusals`` say why, in French, naming sheets, columns or
    cells."""

    def __init__(self, refusals: list[Refusal]):
        super().__init__("\n".join(r.message for r in refusals))
        self.refusals = refusals


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return strip_one(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    return get_column_letter(index + 1)


def _header_columns(
    layout: SheetLayout, sheet: str, header: list[Any], letters: bool
) -> tuple[list[Column | None], list[Refusal]]:
    known = layout.by_header()
    columns: list[Column | None] = []
    unknown: list[str] = []
    for i, raw in enumerate(header):
        text = strip_one(str(raw)).strip() if raw is not None else ""
        if not text:
            columns.append(_BLANK)
            continue
        column = known.get(text.casefold())
        if column is None:
            where = _column_letter(i) if letters else str(i + 1)
            unknown.append(t("« {h} » (colonne {c})", h=text, c=where))
        columns.append(column)
    refusals = []
    if unknown:
        refusals.append(
            Refusal(
                Code.unknown_column,
                t(
                    "Feuille « {sheet} » : colonne(s) inconnue(s) {cols}. Colonnes attendues : "
                    "{expected}. Repartez du modèle téléchargé sans renommer ses colonnes.",
                    sheet=sheet,
                    cols=", ".join(unknown),
                    expected=", ".join(c.header for c in layout.columns),
                ),
            )
        )
    present = {c.field for c in columns if c is not None}
    missing = [
        c.header for c in layout.columns if c.field in layout.required and c.field not in present
    ]
    if missing:
        refusals.append(
            Refusal(
                Code.missing_column,
                t(
                    "Feuille « {sheet} » : colonne(s) manquante(s) : {cols}.",
                    sheet=sheet,
                    cols=", ".join(f"« {m} »" for m in missing),
                ),
            )
        )
    return columns, refusals


def _rows(
    columns: list[Column | None], body: list[tuple[int, list[Any]]]
) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """The non-blank rows by field, and the cells filled under a column without a header
    (a column with an unknown header is refused as a whole already)."""
    rows, stray = [], []
    for number, cells in body:
        record: dict[str, Any] = {}
        filled = False
        for i, value in enumerate(cells):
            value = _cell(value)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            column = columns[i] if i < len(columns) else _BLANK
            if column is None:
                continue
            if column is _BLANK:
                stray.append(f"{_column_letter(i)}{number}")
                continue
            record[column.field] = value
            filled = True
        if filled:
            rows.append((number, record))
    return rows, stray


def _known(columns: list[Column | None]) -> list[Column]:
    return [c for c in columns if c is not None and c is not _BLANK]


def _stray_refusal(sheet: str, cells: list[str]) -> Refusal:
    return Refusal(
        Code.unknown_column,
        t(
            "Feuille « {sheet} » : des cellules sont remplies sous une colonne sans titre "
            "({cells}). Videz-les ou repartez du modèle.",
            sheet=sheet,
            cells=", ".join(cells[:MAX_FORMULAS_NAMED]),
        ),
    )


def read_file(name: str, content: bytes, layouts: tuple[SheetLayout, ...] = SHEETS) -> ParsedFile:
    """The file's tables, or :class:`FileRefused` (run :func:`guard.inspect` first).
    ``layouts``: the sheets the file may hold (a CSV is one of them, told by its headers)."""
    if file_kind(name, content) == "xlsx":
        return _read_xlsx(name, content, layouts)
    return _read_csv(name, content, layouts)


def _read_xlsx(name: str, content: bytes, sheets: tuple[SheetLayout, ...]) -> ParsedFile:
    book = _open_workbook(name, content)
    try:
        layouts = {s.name.casefold(): s for s in sheets}
        refusals = _unknown_sheets(book.sheetnames, layouts, sheets)
        tables: list[Table] = []
        formulas: list[str] = []
        has_formulas = _any_formula(content)
        for sheet_name in book.sheetnames:
            layout = layouts.get(sheet_name.casefold())
            if layout is None:
                continue
            ws = book[sheet_name]
            if has_formulas:
                formulas += _formula_cells(ws, sheet_name)
            table = _sheet_table(ws, sheet_name, layout, refusals)
            if table is not None:
                tables.append(table)
        if formulas:
            refusals.append(_formula_refusal(formulas))
        if refusals:
            raise FileRefused(refusals)
        if not tables:
            raise FileRefused(
                [
                    Refusal(
                        Code.empty,
                        t(
                            "Le classeur ne contient aucune des feuilles {expected}.",
                            expected=", ".join(f"« {s.name} »" for s in sheets),
                        ),
                    )
                ]
            )
        return ParsedFile("xlsx", tables)
    finally:
        book.close()


def _open_workbook(name: str, content: bytes) -> Any:
    """The workbook, read-only, formulas as written and no external link followed."""
    import openpyxl  # type: ignore[import-untyped]

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on unsupported extensions
            return openpyxl.load_workbook(
                io.BytesIO(content), read_only=True, data_only=False, keep_links=False
            )
    except Exception as exc:  # noqa: BLE001 — any parser failure is one French refusal
        raise FileRefused(
            [
                Refusal(
                    Code.corrupt,
                    t("« {name} » n'a pas pu être lu comme un classeur .xlsx.", name=name),
                )
            ]
        ) from exc


def _unknown_sheets(
    names: list[str], layouts: dict[str, SheetLayout], sheets: tuple[SheetLayout, ...]
) -> list[Refusal]:
    """One refusal naming the sheets that are neither the template's nor its notice."""
    unknown = [
        s for s in names if s.casefold() not in layouts and s.casefold() != README_SHEET.casefold()
    ]
    if not unknown:
        return []
    return [
        Refusal(
            Code.unknown_sheet,
            t(
                "Feuille(s) inconnue(s) : {sheets}. Le classeur ne doit contenir que "
                "les feuilles du modèle : {expected}.",
                sheets=", ".join(f"« {s} »" for s in unknown),
                expected=", ".join(f"« {s.name} »" for s in sheets),
            ),
        )
    ]


def _sheet_table(
    ws: Any, sheet_name: str, layout: SheetLayout, refusals: list[Refusal]
) -> Table | None:
    """One sheet's rows under its header (None for a blank sheet); problems go to ``refusals``."""
    header: list[Any] | None = None
    body: list[tuple[int, list[Any]]] = []
    # Read-only rows come in order, a blank row as an empty one: count them.
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if header is None:
            if any(v is not None for v in values):
                header = list(values)
            continue
        body.append((number, list(values)))
    if header is None:
        return None
    columns, problems = _header_columns(layout, sheet_name, header, letters=True)
    refusals += problems
    rows, stray = _rows(columns, body)
    if stray:
        refusals.append(_stray_refusal(sheet_name, stray))
    return Table(layout, sheet_name, _known(columns), rows)


def _formula_refusal(formulas: list[str]) -> Refusal:
    shown = ", ".join(formulas[:MAX_FORMULAS_NAMED])
    more = len(formulas) - MAX_FORMULAS_NAMED
    return Refusal(
        Code.formula,
        t(
            "Le classeur contient des formules ({cells}{more}) : elles ne sont pas "
            "importées. Remplacez-les par leur valeur (copier, puis collage "
            "spécial « valeurs seulement »).",
            cells=shown,
            more=t(" et {n} autre(s)", n=more) if more > 0 else "",
        ),
    )


_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _any_formula(content: bytes) -> bool:
    """Whether any worksheet holds a formula element, read from the raw XML (fast); the cells
    are named by :func:`_formula_cells` only when there is one."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for entry in archive.infolist():
            name = entry.filename.lower()
            in_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            if in_sheet and _FORMULA_ELEMENT.search(archive.read(entry)):
                return True
    return False


def _formula_cells(ws: Any, sheet_name: str) -> list[str]:
    return [
        f"{sheet_name}!{cell.coordinate}"
        for row in ws.iter_rows()
        for cell in row
        if getattr(cell, "data_type", None) == "f"
    ]


def _decode(content: bytes) -> tuple[str, list[str]]:
    try:
        return content.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace"), [
            t(
                "Le fichier n'est pas en UTF-8 : il a été lu en Windows-1252 (encodage des "
                "anciennes versions d'Excel). Vérifiez les accents dans l'aperçu."
            )
        ]


def _separator(header_line: str) -> str:
    semicolons, commas, quoted = 0, 0, False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == ";":
            semicolons += 1
        elif not quoted and ch == ",":
            commas += 1
    return ";" if semicolons >= commas else ","


def _layout_of(header: list[str], layouts: tuple[SheetLayout, ...]) -> SheetLayout | None:
    """The layout whose columns the CSV's header names most (None when it names none)."""
    folded = {h.casefold() for h in header}
    scores = [(sum(c.header.casefold() in folded for c in lay.columns), lay) for lay in layouts]
    best = max(scores, key=lambda pair: pair[0])
    return best[1] if best[0] >= 2 else None


def _read_csv(name: str, content: bytes, layouts: tuple[SheetLayout, ...]) -> ParsedFile:
    text, notes = _decode(content)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first_line))
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise FileRefused(
            [
                Refusal(
                    Code.corrupt, t("« {name} » n'est pas un CSV lisible : {e}.", name=name, e=exc)
                )
            ]
        ) from exc
    if not lines:
        raise FileRefused([Refusal(Code.empty, t("Le fichier « {name} » est vide.", name=name))])
    header = [strip_one(h).strip().lstrip("\ufeff") for h in lines[0]]
    layout = _layout_of(header, layouts)
    if layout is None:
        raise FileRefused(
            [
                Refusal(
                    Code.unknown_column,
                    t(
                        "« {name} » : colonnes non reconnues ({cols}). Un CSV importé reprend "
                        "les colonnes d'un tableau du modèle : {tables}.",
                        name=name,
                        cols=", ".join(f"« {h} »" for h in header if h),
                        tables=", ".join(f"« {lay.name} »" for lay in layouts),
                    ),
                )
            ]
        )
    columns, refusals = _header_columns(layout, name, list(header), letters=False)
    body = [(i, cells) for i, cells in enumerate(lines[1:], start=2)]
    rows, stray = _rows(columns, body)
    if stray:
        refusals.append(_stray_refusal(name, stray))
    if refusals:
        raise FileRefused(refusals)
    return ParsedFile("csv", [Table(layout, layout.name, _known(columns), rows)], notes)
