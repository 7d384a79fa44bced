"""CSV writers of the exports: the two profiles' dialects (``EXCEL_FR``: « ; », decimal comma,
UTF-8 with BOM; ``OPENDATA``: « , », decimal point, UTF-8), the table writer and the data
dictionary's.

Rows are consumed one batch at a time, converted column by column (each distinct value once)
and written to a binary stream, so memory stays flat in the number of rows; the same rows give
the same bytes.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from dashboard.services.exports.formula_safety import neutralise
from dashboard.services.exports.schema import (
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    STRING,
    ExportColumn,
)


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str
    decimal: str
    encoding: str  # "utf-8-sig" writes the BOM
    line_terminator: str
    true_false: tuple[str, str]
    french: bool = False  # French headers and French labels for coded values


CSV_BATCH = 10_000  # rows converted together, column by column

EXCEL_FR = CsvDialect(";", ",", "utf-8-sig", "\r\n", ("oui", "non"), french=True)
OPENDATA = CsvDialect(",", ".", "utf-8", "\r\n", ("true", "false"))


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


class _ColumnConverter:
    """Converts a whole column of a batch at once. Each distinct value is converted once and
    remembered (codes, names, months and counts repeat from row to row), so a cell costs one
    dictionary look-up."""

    LIMIT = 50_000  # distinct values remembered per column; past it the memory starts afresh

    def __init__(self, convert: Callable[[Any], str]):
        self.convert = convert
        self.memo: dict[Any, str] = {None: ""}

    def __call__(self, values: Sequence[Any]) -> list[str]:
        memo = self.memo
        if len(memo) > self.LIMIT:
            memo.clear()
            memo[None] = ""
        miss = self._miss
        return [memo[v] if v in memo else miss(v) for v in values]

    def _miss(self, value: Any) -> str:
        text = self.memo[value] = self.convert(value)
        return text


def _csv_converters(
    columns: tuple[ExportColumn, ...], dialect: CsvDialect
) -> list[_ColumnConverter]:
    true_text, false_text = dialect.true_false

    def text(v: Any) -> str:
        return neutralise(str(v))

    def coded(column: ExportColumn) -> Callable[[Any], str]:
        labels = dict(column.value_labels or ())
        return lambda v: neutralise(labels.get(str(v), str(v)))

    def number(v: Any) -> str:
        return number_text(v, dialect.decimal)

    def date(v: Any) -> str:
        return v.isoformat()

    def boolean(v: Any) -> str:
        return true_text if v else false_text

    by_type = {STRING: text, INTEGER: number, NUMBER: number, DATE: date, BOOLEAN: boolean}
    return [
        _ColumnConverter(coded(c) if dialect.french and c.value_labels else by_type[c.type])
        for c in columns
    ]


class _Output:
    """The encoded bytes written to the stream, counted and hashed (for the package)."""

    def __init__(self, target: IO[bytes], encoding: str):
        self.target = target
        self.bytes = 0
        self.sha256 = hashlib.sha256()
        # "utf-8-sig": the BOM once at the start, then plain UTF-8.
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        if encoding == "utf-8-sig":
            self.write_bytes(codecs.BOM_UTF8)

    def write_bytes(self, data: bytes) -> None:
        self.target.write(data)
        self.bytes += len(data)
        self.sha256.update(data)

    def drain(self, buffer: io.StringIO) -> None:
        """Encode what ``buffer`` holds in one go, write it and empty the buffer."""
        self.write_bytes(buffer.getvalue().encode(self.encoding))
        buffer.seek(0)
        buffer.truncate()


@dataclass(frozen=True)
class CsvStats:
    rows: int
    bytes: int
    sha256: str


def write_csv(
    stream: IO[bytes],
    columns: tuple[ExportColumn, ...],
    rows: Iterable[Sequence[Any]],
    dialect: CsvDialect,
) -> CsvStats:
    """Header (stable names, or French headers for excel_fr), then one line per row; text cells
    neutralised. Rows are taken ``CSV_BATCH`` at a time; each column of a batch is converted
    in one pass and the batch's lines are encoded and written at once."""
    output = _Output(stream, dialect.encoding)
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=dialect.delimiter, lineterminator=dialect.line_terminator, quotechar='"'
    )
    writer.writerow([c.french_header if dialect.french else c.name for c in columns])
    output.drain(buffer)
    converters = _csv_converters(columns, dialect)
    count = 0
    source = iter(rows)
    while batch := list(itertools.islice(source, CSV_BATCH)):
        if set(map(len, batch)) != {len(converters)}:
            raise ValueError("export row does not match its columns")
        converted = [
            conv(values) for conv, values in zip(converters, zip(*batch, strict=True), strict=True)
        ]
        writer.writerows(zip(*converted, strict=True))
        output.drain(buffer)
        count += len(batch)
    return CsvStats(count, output.bytes, output.sha256.hexdigest())


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
