"""The bench's export figures: the CSV (excel_fr) and XLSX exports of the large cohort's values
against the fastest plain writer of the same rows, with their peak memory."""

from __future__ import annotations

import csv
import datetime as dt
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine


def _raw_rows(engine: Engine, code: str) -> Iterator[tuple]:
    """The values export's own SELECT on the driver's cursor: raw tuples, no conversion."""
    from dashboard.core.db import session_scope
    from dashboard.services.exports import runner as exports
    from dashboard.services.exports.request import resolve
    from dashboard.services.exports.tables import INDICATOR_VALUES

    with session_scope(engine) as s:
        selection = resolve(s, exports.ExportFilters(cohort=code), exports.ExportProfile.opendata)
    stmt = INDICATOR_VALUES.query(selection, INDICATOR_VALUES.columns_for(True))
    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(str(compiled))
        while batch := cursor.fetchmany(exports.BATCH_SIZE):
            yield from batch
        cursor.close()
    finally:
        connection.close()


def _plain_csv(engine: Engine, code: str, out: Path) -> int:
    count = 0
    with open(out / "plain.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        for row in _raw_rows(engine, code):
            writer.writerow(row)
            count += 1
    return count


def _plain_xlsx(engine: Engine, code: str, out: Path) -> int:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(out / "plain.xlsx"), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    count = 0
    for r, row in enumerate(_raw_rows(engine, code)):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, value)
            elif value is not None:
                sheet.write_number(r, c, value)
        count += 1
    workbook.close()
    return count


def _timed(work: Callable[[], int], runs: int) -> tuple[int, float, float]:
    """(rows, median ms, peak MiB): timings without tracemalloc, then one traced run."""
    times, rows = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        rows = work()
        times.append((time.perf_counter() - start) * 1000)
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rows, statistics.median(times), peak / 2**20


def measure_exports(engine: Engine, code: str, runs: int, workdir: Path) -> dict[str, Any]:
    from dashboard.cli.export import SYSTEM_ACTOR
    from dashboard.services.exports import runner as exports

    out = workdir / "exports"
    out.mkdir(exist_ok=True)

    def export(profile: str) -> Callable[[], int]:
        request = exports.ExportRequest(
            profile=profile,
            filters=exports.ExportFilters(cohort=code),
            tables=("indicator_values",),
        )

        def work() -> int:
            written = exports.export_to_directory(engine, SYSTEM_ACTOR, request, out / profile)
            return sum(written.rows.values())

        return work

    csv_rows, csv_ms, csv_mb = _timed(export("excel_fr"), runs)
    plain_csv_rows, plain_csv_ms, _ = _timed(lambda: _plain_csv(engine, code, out), runs)
    xlsx_rows, xlsx_ms, xlsx_mb = _timed(export("xlsx"), runs)
    plain_xlsx_rows, plain_xlsx_ms, _ = _timed(lambda: _plain_xlsx(engine, code, out), runs)
    return {
        "export_rows": csv_rows,
        "csv_export_ms": round(csv_ms, 1),
        "csv_plain_ms": round(plain_csv_ms, 1),
        "csv_export_ratio": round(csv_ms / plain_csv_ms, 2),
        "xlsx_export_ms": round(xlsx_ms, 1),
        "xlsx_plain_ms": round(plain_xlsx_ms, 1),
        "xlsx_export_ratio": round(xlsx_ms / plain_xlsx_ms, 2),
        "export_peak_mb": round(max(csv_mb, xlsx_mb), 1),
        "export_rows_agree": csv_rows == plain_csv_rows == xlsx_rows == plain_xlsx_rows,
    }
