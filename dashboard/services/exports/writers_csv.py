"""CSV writers of the exports: the two profiles' dialects (``EXCEL_FR``: « ; », decimal comma,
UTF-8 with BOM; ``OPENDATA``: « , », decimal point, UTF-8), the table writer and the data
dictionary's.

Rows are consumed one batch at a time and written to a binary stream, so memory stays flat in
the number of rows; the same rows give the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

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


CSV_BATCH = 5000  # rows converted together, column by column

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
