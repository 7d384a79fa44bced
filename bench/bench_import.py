"""Import benchmark: how long a 5 000-row spreadsheet takes to preview and to apply, next to
the time openpyxl (read-only) or csv.reader alone take to read the same file.

    python bench/bench_import.py              # temporary SQLite database, demo cohort
    python bench/bench_import.py --repeat 7
    python bench/bench_import.py --preview-only     # floor, read and preview columns only

Files (network R01 of the demo cohort, as its lead):
- ``valid.xlsx``: the template (11 milestones, 144 value rows) plus 4 845 new milestones;
- ``malformed.xlsx``: the same size with 1 000 malformed rows (the unit test's file);
- ``valid.csv``: 5 000 milestone rows in the excel_fr profile.
Preview = guard + read + every row validated and compared (``rehearse=False``); the
rehearsal runs the save functions in a rolled-back transaction on top. Apply is timed on a
fresh copy of the database each time (one transaction). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl

from dashboard.core.db import make_engine, migrate
from dashboard.seed.read import seed_demo
from dashboard.services import imports
from dashboard.services.imports.reader import read_file
from dashboard.services.imports.template import write_csv
from tests.conftest import DEMO_AS_OF
from tests.unit.import_files import actor, template
from tests.unit.test_imports_errors import MILESTONE_HEADERS, _big_file

ROWS = 5000


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def valid_xlsx(engine) -> bytes:
    lead = actor(engine, "lead.r01")
    book = openpyxl.load_workbook(io.BytesIO(imports.write_xlsx(template(engine, lead))))
    ws = book["Jalons"]
    first = 2 + sum(1 for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value is not None)
    new = ROWS - (first - 2) - (book["Valeurs"].max_row - 1)
    for n in range(new):
        row = {
            "Intitulé": f"Jalon importé n° {n}",
            "Responsable": "Équipe projet",
            "Échéance": dt.datetime(2026, 9, 1) + dt.timedelta(days=n % 200),
            "Statut": "Prévu",
            "Avancement (%)": n % 100,
            "Commentaire": f"Ligne {first + n}",
        }
        for header, cell in row.items():
            ws.cell(first + n, MILESTONE_HEADERS.index(header) + 1, cell)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def valid_csv(engine) -> bytes:
    lead = actor(engine, "lead.r01")
    data = template(engine, lead)
    rows = list(data.milestones)
    for n in range(ROWS - len(rows)):
        rows.append(
            {
                "title": f"Jalon importé n° {n}",
                "owner": "Équipe projet",
                "due_date": dt.date(2026, 9, 1) + dt.timedelta(days=n % 200),
                "status": "Prévu",
                "progress": n % 100,
                "comment": f"Ligne {n}",
            }
        )
    return write_csv(imports.MILESTONES, rows)


def openpyxl_alone(content: bytes) -> int:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    count = sum(len(list(book[name].iter_rows(values_only=True))) for name in book.sheetnames)
    book.close()
    return count


def csv_alone(content: bytes) -> int:
    return len(
        list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    )


def measure(
    name: str, content: bytes, base: Path, folder: Path, lead, repeat: int, full: bool
) -> str:
    engine = make_engine(f"sqlite:///{base}")
    floor_fn = openpyxl_alone if name.endswith(".xlsx") else csv_alone
    floor = median_time(lambda: floor_fn(content), repeat)
    read = median_time(lambda: read_file(name, content), repeat)

    def preview(rehearse: bool):
        return imports.preview_import(
            engine, lead, name, content, as_of=DEMO_AS_OF, rehearse=rehearse
        )

    plan = preview(False)
    previewed = median_time(lambda: preview(False), repeat)
    full = full and plan.ok
    rehearsed = median_time(lambda: preview(True), max(1, repeat // 2)) if full else None
    engine.dispose()
    applied = None
    if full:
        times = []
        for i in range(max(1, repeat // 2)):
            copy = folder / f"apply_{name}_{i}.sqlite"
            shutil.copyfile(base, copy)
            target = make_engine(f"sqlite:///{copy}")
            start = time.perf_counter()
            imports.apply_import(target, lead, name, content, as_of=DEMO_AS_OF)
            times.append(time.perf_counter() - start)
            target.dispose()
        applied = statistics.median(times)
    shown = [f"{x:.2f}" if x is not None else "—" for x in (rehearsed, applied)]
    return (
        f"{name:<16}{len(content) / 1024:>9.0f}{floor:>9.2f}{read:>9.2f}{previewed:>9.2f}"
        f"{shown[0]:>11}{shown[1]:>9}   errors={len(plan.errors)} changes={len(plan.changes)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--preview-only", action="store_true", help="skip the rehearsal and apply columns"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_import_"))
    base = folder / "base.sqlite"
    engine = make_engine(f"sqlite:///{base}", create=True)
    migrate(engine)
    seed_demo(engine, DEMO_AS_OF, whole_storyline=True)
    lead = actor(engine, "lead.r01")
    files = {
        "valid.xlsx": valid_xlsx(engine),
        "malformed.xlsx": _big_file(engine)[0],
        "valid.csv": valid_csv(engine),
    }
    engine.dispose()
    print(
        f"Import benchmark — {ROWS} rows per file, median of {args.repeat} runs (seconds); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU"
    )
    print(
        f"{'file':<16}{'size KB':>9}{'floor':>9}{'read':>9}{'preview':>9}{'+rehearse':>11}{'apply':>9}"
    )
    for name, content in files.items():
        print(measure(name, content, base, folder, lead, args.repeat, not args.preview_only))
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
