"""File writers for the exports: CSV (two profiles), XLSX, JSON and the open-data package.

Every writer consumes row iterators one row at a time and writes to a binary stream, so memory
stays flat in the number of rows. Output depends only on the rows: the same rows give the same
bytes (the XLSX creation date is derived from the data; the package's generation time sits in
``datapackage.json`` only).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

import xlsxwriter

from dashboard.core.i18n import fmt_number
from dashboard.services.exports.formula_safety import neutralise
from dashboard.services.exports.schema import (
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    STRING,
    ExportColumn,
    ExportTable,
)


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str
    decimal: str
    encoding: str  # "utf-8-sig" writes the BOM
    line_terminator: str
    true_false: tuple[str, str]
    french: bool = False  # French headers and French labels for coded values


CSV_BATCH = 5000  # rows converted together, column by column

EXCEL_FR = CsvDialect(";", ",", "utf-8-sig", "\r\n", ("oui", "non"), french=True)
OPENDATA = CsvDialect(",", ".", "utf-8", "\r\n", ("true", "false"))


@dataclass
class TableRows:
    """One table to write: its definition, the columns kept and a lazy row iterator."""

    table: ExportTable
    columns: tuple[ExportColumn, ...]
    rows: Iterable[tuple]


def number_text(value: float | int, decimal: str = ".") -> str:
    """Plain decimal notation, no exponent, no thousands separator: ``-1234.5`` → ``-1234,5``."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"non-finite number in export: {value!r}")
    if value.is_integer():
        text = str(int(value))
    else:
        text = repr(value)
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
    return text.replace(".", decimal) if decimal != "." else text


def _csv_converters(
    columns: tuple[ExportColumn, ...], dialect: CsvDialect
) -> list[Callable[[object], str]]:
    true_text, false_text = dialect.true_false

    def text(v):
        return "" if v is None else neutralise(str(v))

    def coded(column: ExportColumn) -> Callable[[object], str]:
        return lambda v: "" if v is None else neutralise(column.french_value(str(v)))

    def number(v):
        return "" if v is None else number_text(v, dialect.decimal)

    def date(v):
        return "" if v is None else v.isoformat()

    def boolean(v):
        return "" if v is None else (true_text if v else false_text)

    by_type = {STRING: text, INTEGER: number, NUMBER: number, DATE: date, BOOLEAN: boolean}
    return [coded(c) if dialect.french and c.value_labels else by_type[c.type] for c in columns]


class _CountingWriter(io.RawIOBase):
    """Forwards bytes to ``target`` while counting them and hashing them (for the package)."""

    def __init__(self, target: IO[bytes]):
        self.target = target
        self.bytes = 0
        self.sha256 = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self.target.write(data)
        self.bytes += len(data)
        self.sha256.update(data)
        return len(data)


@dataclass(frozen=True)
class CsvStats:
    rows: int
    bytes: int
    sha256: str


def write_csv(
    stream: IO[bytes],
    columns: tuple[ExportColumn, ...],
    rows: Iterable[tuple],
    dialect: CsvDialect,
) -> CsvStats:
    """Header (stable names, or French headers for excel_fr), then one line per row; text cells
    neutralised."""
    counter = _CountingWriter(stream)
    buffered = io.BufferedWriter(counter, buffer_size=64 * 1024)
    text = io.TextIOWrapper(buffered, encoding=dialect.encoding, newline="")
    writer = csv.writer(
        text, delimiter=dialect.delimiter, lineterminator=dialect.line_terminator, quotechar='"'
    )
    writer.writerow([c.french_header if dialect.french else c.name for c in columns])
    converters = _csv_converters(columns, dialect)
    count = 0
    source = iter(rows)
    while batch := list(itertools.islice(source, CSV_BATCH)):
        # Column by column: each converter runs over a whole column of the batch.
        if any(len(row) != len(converters) for row in batch):
            raise ValueError("export row does not match its columns")
        converted = [
            list(map(conv, values))
            for conv, values in zip(converters, zip(*batch, strict=True), strict=True)
        ]
        writer.writerows(zip(*converted, strict=True))
        count += len(batch)
    text.flush()
    text.detach()
    buffered.flush()
    return CsvStats(count, counter.bytes, counter.sha256.hexdigest())


def write_plain_csv(
    stream: IO[bytes], header: list[str], rows: Iterable[tuple], dialect: CsvDialect
) -> None:
    """A small all-text table (the data dictionary), neutralised like any text cell."""
    text = io.TextIOWrapper(stream, encoding=dialect.encoding, newline="")
    writer = csv.writer(text, delimiter=dialect.delimiter, lineterminator=dialect.line_terminator)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v or "") for v in row])
    text.flush()
    text.detach()


# XLSX ------------------------------------------------------------------------------------

_MIN_WIDTH, _MAX_WIDTH = 8, 60
_EPOCH = dt.datetime(2000, 1, 1)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_SAFE = dt.date(1900, 3, 1)
# Excel's sheet holds 1 048 576 rows: one header row and this many data rows.
XLSX_MAX_ROWS = 1_048_575
_SHEET_NAME = 31


def _cell_width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    return len(str(value))


def write_xlsx(
    stream: IO[bytes],
    tables: Iterable[TableRows],
    dictionary: tuple[list[str], list[tuple]],
    *,
    title: str,
    max_rows: int = XLSX_MAX_ROWS,
) -> dict[str, int]:
    """One sheet per table plus a data-dictionary sheet. Typed cells: numbers, dates and
    booleans as such, text always as a (neutralised) string cell, never a formula. Rows are
    written in order in constant-memory mode. Returns the row count per table.

    A table longer than a sheet holds (``max_rows`` data rows under the header: Excel's limit)
    continues on ``name_2``, ``name_3`` … with the same header; every continuation sheet gets a
    line in the dictionary naming the rows it holds. No row is ever dropped."""
    workbook = xlsxwriter.Workbook(
        stream,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    header_fmt = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "bottom": 1})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    latest = _EPOCH
    counts: dict[str, int] = {}

    def sheet(
        name: str, header: list[str], rows: Iterator[tuple], types: list[str], *, limit: int
    ) -> int:
        """Write at most ``limit`` rows of ``rows`` (the rest stays in the iterator)."""
        nonlocal latest
        ws = workbook.add_worksheet(name)
        last_day = latest.date()

        def text(r: int, c: int, value) -> None:
            ws.write_string(r, c, neutralise(str(value)))

        def number(r: int, c: int, value) -> None:
            ws.write_number(r, c, value)

        def date(r: int, c: int, value: dt.date) -> None:
            nonlocal last_day
            if value >= _SERIAL_SAFE:  # Excel's serial day number, with the date format
                ws.write_number(r, c, (value - _EXCEL_EPOCH).days, date_fmt)
            else:  # before March 1900, let XlsxWriter apply Excel's 1900 leap-year quirk
                ws.write_datetime(r, c, value, date_fmt)
            if value > last_day:
                last_day = value

        def boolean(r: int, c: int, value) -> None:
            ws.write_boolean(r, c, bool(value))

        by_type = {STRING: text, NUMBER: number, INTEGER: number, DATE: date, BOOLEAN: boolean}
        cell_writers = [by_type[kind] for kind in types]
        widths = [len(h) for h in header]
        for c, h in enumerate(header):
            ws.write_string(0, c, h, header_fmt)
        r = 0
        for r, row in enumerate(itertools.islice(rows, limit), start=1):
            for c, (write, value) in enumerate(zip(cell_writers, row, strict=True)):
                if value is not None:
                    write(r, c, value)
            if r <= 1000:  # widths from the first rows are readable enough
                widths = [max(w, _cell_width(v)) for w, v in zip(widths, row, strict=True)]
        for c, w in enumerate(widths):
            ws.set_column(c, c, min(max(w + 2, _MIN_WIDTH), _MAX_WIDTH))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(r, 1), len(header) - 1)
        latest = max(latest, dt.datetime.combine(last_day, dt.time()))
        return r

    header, dictionary_rows = dictionary
    continued: list[tuple] = []
    for item in tables:
        name = item.table.name
        names, types = [c.name for c in item.columns], [c.type for c in item.columns]
        rows = iter(item.rows)
        total = sheet(name[:_SHEET_NAME], names, rows, types, limit=max_rows)
        part = 1
        while total == part * max_rows:
            first = next(rows, None)  # is there anything left for another sheet?
            if first is None:
                break
            part += 1
            suffix = f"_{part}"
            part_name = name[: _SHEET_NAME - len(suffix)] + suffix
            written = sheet(part_name, names, itertools.chain([first], rows), types, limit=max_rows)
            continued.append(
                _continuation_row(header, part_name, name, total + 1, total + written, max_rows)
            )
            total += written
        counts[name] = total
    sheet(
        "dictionnaire",
        header,
        iter([*dictionary_rows, *continued]),
        [STRING] * len(header),
        limit=len(dictionary_rows) + len(continued),
    )
    # A fixed creation date derived from the data keeps the file byte-identical across runs.
    workbook.set_properties({"title": title, "created": latest})
    workbook.close()
    return counts


def _continuation_row(
    header: list[str], sheet: str, table: str, first: int, last: int, per_sheet: int
) -> tuple:
    """The dictionary line of a continuation sheet: its name in the table column and, in the
    description, which table and rows it continues (a sheet's row limit)."""
    description = (
        f"Suite de la table {table} (lignes {fmt_number(first)} à {fmt_number(last)}) : une "
        f"feuille contient au plus {fmt_number(per_sheet)} lignes de données."
    )
    values = {"table": sheet, "column": "", "description": description}
    return tuple(values.get(h, "") for h in header)


# JSON ------------------------------------------------------------------------------------


def _json_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_json(
    stream: IO[bytes],
    tables: Iterable[TableRows],
    dictionary: tuple[list[str], list[tuple]],
    *,
    metadata: dict,
) -> dict[str, int]:
    """One UTF-8 document ``{"metadata", "tables": {name: [rows…]}, "data_dictionary"}``:
    numbers as numbers, ISO dates, text unescaped and unchanged. Written row by row."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="\n")

    def dump(obj: object) -> str:
        return json.dumps(obj, ensure_ascii=False, allow_nan=False)

    counts: dict[str, int] = {}
    text.write('{"metadata": ' + dump(metadata) + ',\n"tables": {')
    for t_index, item in enumerate(tables):
        names = [c.name for c in item.columns]
        text.write(("," if t_index else "") + "\n" + dump(item.table.name) + ": [")
        count = 0
        for count, row in enumerate(item.rows, start=1):
            record = {n: _json_value(v) for n, v in zip(names, row, strict=True)}
            text.write(("," if count > 1 else "") + "\n" + dump(record))
        text.write("\n]")
        counts[item.table.name] = count
    header, rows = dictionary
    text.write('},\n"data_dictionary": [')
    for i, row in enumerate(rows):
        text.write(("," if i else "") + "\n" + dump(dict(zip(header, row, strict=True))))
    text.write("\n]}\n")
    text.flush()
    text.detach()
    return counts


# Frictionless data package ---------------------------------------------------------------


def _field(column: ExportColumn) -> dict:
    field: dict = {"name": column.name, "type": column.type, "description": column.description}
    constraints: dict = {}
    if column.required:
        constraints["required"] = True
    if column.enum:
        constraints["enum"] = list(column.enum)
    if column.minimum is not None:
        constraints["minimum"] = _json_number(column.minimum, column.type)
    if column.maximum is not None:
        constraints["maximum"] = _json_number(column.maximum, column.type)
    if constraints:
        field["constraints"] = constraints
    if column.type == BOOLEAN:
        field["trueValues"], field["falseValues"] = ["true"], ["false"]
    return field


def _json_number(value: float, kind: str) -> float | int:
    return int(value) if kind == INTEGER else value


def datapackage(
    tables: list[tuple[TableRows, CsvStats]],
    *,
    name: str,
    title: str,
    description: str,
    generated_at: dt.datetime,
    filters: dict,
) -> dict:
    """A Frictionless (tabular) Data Package describing the open-data CSV files."""
    included = {item.table.name for item, _ in tables}
    resources = []
    for item, stats in tables:
        schema: dict = {
            "fields": [_field(c) for c in item.columns],
            "missingValues": [""],
            "primaryKey": list(item.table.primary_key),
        }
        fks = [
            {"fields": f, "reference": {"resource": res, "fields": ref}}
            for f, res, ref in item.table.foreign_keys
            if res in included
        ]
        if fks:
            schema["foreignKeys"] = fks
        resources.append(
            {
                "name": item.table.name,
                "path": f"{item.table.name}.csv",
                "profile": "tabular-data-resource",
                "title": item.table.title,
                "description": item.table.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": stats.bytes,
                "hash": f"sha256:{stats.sha256}",
                "dialect": {
                    "delimiter": OPENDATA.delimiter,
                    "lineTerminator": OPENDATA.line_terminator,
                    "quoteChar": '"',
                    "doubleQuote": True,
                    "header": True,
                },
                "schema": schema,
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "description": description,
        "created": _utc_text(generated_at),
        "licenses": [
            {
                "name": "etalab-2.0",
                "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
                "title": "Licence Ouverte / Open Licence version 2.0",
            }
        ],
        "x_filters": filters,
        "resources": resources,
    }


def _utc_text(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def package_bytes(package: dict) -> bytes:
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
