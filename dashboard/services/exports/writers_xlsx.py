"""XLSX writer of the exports: one sheet per table (continued on further sheets past Excel's row
limit) and a data-dictionary sheet, typed cells, written in constant-memory mode.

Output depends only on the rows: the workbook's creation date is derived from the data, so the
same rows give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any

import xlsxwriter

from dashboard.core.i18n import fmt_number
from dashboard.services.exports.formula_safety import neutralise
from dashboard.services.exports.schema import BOOLEAN, DATE, INTEGER, NUMBER, STRING, TableRows

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
    book = _Book(stream)
    header, dictionary_rows = dictionary
    continued: list[tuple] = []
    counts: dict[str, int] = {}
    for item in tables:
        counts[item.table.name] = _write_table(book, item, header, continued, max_rows)
    book.sheet(
        "dictionnaire",
        header,
        iter([*dictionary_rows, *continued]),
        [STRING] * len(header),
        limit=len(dictionary_rows) + len(continued),
    )
    # A fixed creation date derived from the data keeps the file byte-identical across runs.
    book.workbook.set_properties({"title": title, "created": book.latest})
    book.workbook.close()
    return counts


def _write_table(
    book: _Book, item: TableRows, header: list[str], continued: list[tuple], max_rows: int
) -> int:
    """One table on its sheet and, past ``max_rows``, on continuation sheets (their dictionary
    lines added to ``continued``); returns the rows written."""
    name = item.table.name
    names, types = [c.name for c in item.columns], [c.type for c in item.columns]
    rows = iter(item.rows)
    total = book.sheet(name[:_SHEET_NAME], names, rows, types, limit=max_rows)
    part = 1
    while total == part * max_rows:
        first = next(rows, None)  # is there anything left for another sheet?
        if first is None:
            break
        part += 1
        suffix = f"_{part}"
        part_name = name[: _SHEET_NAME - len(suffix)] + suffix
        written = book.sheet(
            part_name, names, itertools.chain([first], rows), types, limit=max_rows
        )
        continued.append(
            _continuation_row(header, part_name, name, total + 1, total + written, max_rows)
        )
        total += written
    return total


class _Book:
    """The workbook, its formats and the latest date written so far (its creation date)."""

    def __init__(self, stream: IO[bytes]):
        self.workbook = xlsxwriter.Workbook(
            stream,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.header_fmt = self.workbook.add_format(
            {"bold": True, "bg_color": "#E8EEF4", "bottom": 1}
        )
        self.date_fmt = self.workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.latest = _EPOCH

    def sheet(
        self,
        name: str,
        header: list[str],
        rows: Iterator[Sequence[Any]],
        types: list[str],
        *,
        limit: int,
    ) -> int:
        """Write at most ``limit`` rows of ``rows`` (the rest stays in the iterator)."""
        ws = self.workbook.add_worksheet(name)
        cells = _Cells(ws, self.date_fmt, self.latest.date())
        cell_writers = cells.for_types(types)
        widths = [len(h) for h in header]
        for c, h in enumerate(header):
            ws.write_string(0, c, h, self.header_fmt)
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
        self.latest = max(self.latest, dt.datetime.combine(cells.last_day, dt.time()))
        return r


class _Cells:
    """The typed cell writers of one sheet, one per column. Text and dates are converted once
    per distinct value (names, codes and months repeat); numbers go straight to the worksheet.
    Dates also keep the latest day written."""

    MEMO_LIMIT = 50_000  # distinct values remembered per column

    def __init__(self, ws: Any, date_fmt: Any, last_day: dt.date):
        self.ws = ws
        self.date_fmt = date_fmt
        self.last_day = last_day

    def for_types(self, types: list[str]) -> list[Callable[[int, int, Any], Any]]:
        by_type = {
            STRING: self.text,
            NUMBER: lambda: self.ws.write_number,
            INTEGER: lambda: self.ws.write_number,
            DATE: self.date,
            BOOLEAN: self.boolean,
        }
        return [by_type[kind]() for kind in types]

    def text(self) -> Callable[[int, int, Any], None]:
        write, limit = self.ws.write_string, self.MEMO_LIMIT
        memo: dict[Any, str] = {}

        def cell(r: int, c: int, value: Any) -> None:
            text = memo.get(value)
            if text is None:
                if len(memo) > limit:
                    memo.clear()
                text = memo[value] = neutralise(str(value))
            write(r, c, text)

        return cell

    def date(self) -> Callable[[int, int, Any], None]:
        ws, fmt = self.ws, self.date_fmt
        serials: dict[dt.date, int] = {}

        def cell(r: int, c: int, value: dt.date) -> None:
            serial = serials.get(value)
            if serial is None:
                serial = serials[value] = self._serial(value)
            if serial >= 0:  # Excel's serial day number, with the date format
                ws.write_number(r, c, serial, fmt)
            else:  # before March 1900, let XlsxWriter apply Excel's 1900 leap-year quirk
                ws.write_datetime(r, c, value, fmt)

        return cell

    def _serial(self, value: dt.date) -> int:
        """The day's serial number (-1 before March 1900); notes the latest day written."""
        if value > self.last_day:
            self.last_day = value
        return (value - _EXCEL_EPOCH).days if value >= _SERIAL_SAFE else -1

    def boolean(self) -> Callable[[int, int, Any], None]:
        write = self.ws.write_boolean
        return lambda r, c, value: write(r, c, bool(value))


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
