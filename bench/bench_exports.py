"""Export benchmark: rows per second and peak Python memory (tracemalloc) per profile, on the
demo cohort and on a synthetic cohort with 100× its indicator values, next to the floor of a raw
SQL ``SELECT`` written with ``csv.writer`` (same query, same run).

    python bench/bench_exports.py                 # temporary SQLite database
    python bench/bench_exports.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    python bench/bench_exports.py --repeat 5 --factor 100

The database given with ``--url`` must be empty: the script migrates it and loads the demo
cohort, then the copies. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import xlsxwriter
from sqlalchemy import func, insert, literal, select

from dashboard.cli.export import SYSTEM_ACTOR
from dashboard.core.db import make_engine, migrate, session_scope
from dashboard.seed.read import seed_demo
from dashboard.services.exports import runner as exports
from dashboard.services.exports.request import resolve
from dashboard.services.exports.tables import INDICATOR_VALUES
from models import Cohort, IndicatorValue, Network

PROFILES = ("excel_fr", "opendata", "xlsx", "json")


def build_copies(engine, factor: int) -> str:
    """A second cohort whose networks are the demo networks copied ``factor`` times, each with
    all the demo values: ``factor`` × the demo's indicator values."""
    code = f"BENCH-X{factor}"
    with session_scope(engine) as s:
        demo = s.execute(select(Cohort).where(Cohort.code == "AI-2026")).scalar_one()
        bench = Cohort(
            code=code,
            name=f"Cohorte synthétique ×{factor}",
            start_date=demo.start_date,
            end_date=demo.end_date,
        )
        s.add(bench)
        s.flush()
        originals = s.execute(
            select(Network.id, Network.code).where(Network.cohort_id == demo.id)
        ).all()
        for copy in range(factor):
            for original in originals:
                net = Network(
                    cohort_id=bench.id,
                    code=f"{original.code}-{copy:03d}",
                    name=f"Réseau synthétique {original.code} n° {copy}",
                    is_fictional=True,
                )
                s.add(net)
                s.flush()
                s.execute(
                    insert(IndicatorValue).from_select(
                        [
                            "network_id",
                            "indicator_id",
                            "period_start",
                            "value",
                            "status",
                            "updated_at",
                            "version",
                        ],
                        select(
                            literal(net.id),
                            IndicatorValue.indicator_id,
                            IndicatorValue.period_start,
                            IndicatorValue.value,
                            IndicatorValue.status,
                            IndicatorValue.updated_at,
                            literal(1),
                        ).where(IndicatorValue.network_id == original.id),
                    )
                )
    return code


def _raw_rows(engine, cohort: str):
    """The values export's SELECT, run on the driver's cursor: raw tuples, no conversion."""
    request = exports.ExportRequest(
        profile="opendata", filters=exports.ExportFilters(cohort=cohort)
    )
    with session_scope(engine) as s:
        selection = resolve(s, request.filters, exports.ExportProfile.opendata)
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


def raw_floor(engine, cohort: str, out: Path) -> int:
    """The same SELECT written by csv.writer with no conversion at all: what no CSV export
    can beat."""
    count = 0
    with open(out / "raw.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        for row in _raw_rows(engine, cohort):
            writer.writerow(row)
            count += 1
    return count


def raw_xlsx_floor(engine, cohort: str, out: Path) -> int:
    """The same SELECT written by XlsxWriter (constant memory, typed writes, no conversion):
    the library's own floor for the XLSX profile."""
    workbook = xlsxwriter.Workbook(str(out / "raw.xlsx"), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    count = 0
    for r, row in enumerate(_raw_rows(engine, cohort)):
        for c, value in enumerate(row):
            if isinstance(value, str):  # SQLite hands dates over as ISO text
                sheet.write_string(r, c, value)
            elif isinstance(value, dt.date):  # PostgreSQL hands them over as dates
                sheet.write_datetime(r, c, value)
            elif value is not None:
                sheet.write_number(r, c, value)
        count += 1
    workbook.close()
    return count


def measure(fn: Callable[[], int], repeat: int) -> tuple[int, float, float]:
    """(rows, median seconds, peak MiB): timings without tracemalloc, then one traced run."""
    times, rows = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = fn()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rows, statistics.median(times), peak / 2**20


def run(engine, cohort: str, tables: tuple[str, ...], repeat: int, label: str, tmp: Path) -> None:
    with session_scope(engine) as s:
        values = s.execute(
            select(func.count())
            .select_from(IndicatorValue)
            .join(Network, Network.id == IndicatorValue.network_id)
            .join(Cohort, Cohort.id == Network.cohort_id)
            .where(Cohort.code == cohort)
        ).scalar_one()
    print(f"\n## {label} — cohorte {cohort}, {values} valeurs, tables : {', '.join(tables)}")
    floor_rows, floor_s, floor_mib = measure(lambda: raw_floor(engine, cohort, tmp), repeat)
    print(
        f"{'profil':<22}{'lignes':>9}{'médiane s':>11}{'lignes/s':>11}{'pic MiB':>9}{'× plancher':>12}"
    )
    print(
        f"{'SELECT + csv.writer':<22}{floor_rows:>9}{floor_s:>11.3f}{floor_rows / floor_s:>11.0f}{floor_mib:>9.1f}{1:>12.1f}"
    )
    if tables == ("indicator_values",):
        x_rows, x_s, x_mib = measure(lambda: raw_xlsx_floor(engine, cohort, tmp), repeat)
        print(
            f"{'SELECT + XlsxWriter':<22}{x_rows:>9}{x_s:>11.3f}{x_rows / x_s:>11.0f}{x_mib:>9.1f}{x_s / floor_s:>12.1f}"
        )
    for profile in PROFILES:
        request = exports.ExportRequest(
            profile=profile, filters=exports.ExportFilters(cohort=cohort), tables=tables
        )
        out = tmp / profile

        def once(request=request, out=out) -> int:
            result = exports.export_to_directory(engine, SYSTEM_ACTOR, request, out)
            return sum(result.rows.values())

        rows, seconds, mib = measure(once, repeat)
        # The ratio compares the values table with the floor (the same rows).
        values_only = tables == ("indicator_values",)
        ratio = f"{seconds / floor_s:>12.1f}" if values_only else f"{'—':>12}"
        print(f"{profile:<22}{rows:>9}{seconds:>11.3f}{rows / seconds:>11.0f}{mib:>9.1f}{ratio}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="empty database to use (default: temporary SQLite)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--factor", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        engine = make_engine(args.url or f"sqlite:///{tmp / 'bench.sqlite'}")
        print(f"Base : {engine.url.render_as_string(hide_password=True)}")
        migrate(engine)
        seed_demo(engine)
        start = time.perf_counter()
        code = build_copies(engine, args.factor)
        print(
            f"Cohorte synthétique ×{args.factor} construite en {time.perf_counter() - start:.1f} s"
        )
        run(engine, "AI-2026", ("indicator_values",), args.repeat, "Démo, valeurs seules", tmp)
        run(engine, "AI-2026", exports.TABLE_NAMES, args.repeat, "Démo, toutes les tables", tmp)
        run(engine, code, ("indicator_values",), args.repeat, f"Synthétique ×{args.factor}", tmp)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
