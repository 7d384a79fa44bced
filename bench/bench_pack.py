"""Steering committee's pack benchmark: median time to print the PDF pack of a cohort, step by
step (data through the services, SVG export of the charts, layout and PDF), next to the time
the dashboard takes to build the same figures on screen (the chart functions alone, on data
already read) and to read that data.

    python bench/bench_pack.py --url sqlite:////tmp/demo.sqlite [--cohort AI-2026] [--runs 3]

The database must already hold the cohort (``python -m dashboard seed --demo`` or
``seed --synthetic --networks 120`` with DATABASE_URL pointing at it). Figures are printed,
never asserted. Each run starts its own Chromium (as ``python -m dashboard report`` does).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.charts import scale
from dashboard.cli.report import SYSTEM_ACTOR
from dashboard.core import clock
from dashboard.core.config import get_settings
from dashboard.core.db import make_engine
from dashboard.services.pack import build_pack
from dashboard.services.reporting import cohorts
from dashboard.services.reporting.cohort_dashboard import cohort_dashboard


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):7.2f} s  (runs: {', '.join(f'{v:.2f}' for v in values)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database holding the cohort")
    parser.add_argument("--cohort", default=None, help="cohort code (default: the first one)")
    parser.add_argument("--session", default=None, help="session code (default: the next one)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    engine = make_engine(args.url)
    listed = cohorts.list_cohorts(engine, SYSTEM_ACTOR)
    cohort = next(c for c in listed if args.cohort in (None, c.code))
    today = clock.today()
    summary_from = get_settings().dashboard_summary_from

    screen_data, screen_figures = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        data = cohort_dashboard(engine, SYSTEM_ACTOR, cohort.id, as_of=today)
        middle = time.perf_counter()
        scale.dashboard_figures(data, today, summary_from=summary_from)
        screen_data.append(middle - start)
        screen_figures.append(time.perf_counter() - middle)

    steps: dict[str, list[float]] = {}
    pages = networks = size = 0
    for _ in range(args.runs):
        pack = build_pack(engine, SYSTEM_ACTOR, cohort.id, session_code=args.session, as_of=today)
        for name, seconds in pack.timings.items():
            steps.setdefault(name, []).append(seconds)
        pages, networks, size = pack.pages, pack.networks, len(pack.pdf)

    print(f"cohort {cohort.code}: {networks} networks, {pages} pages, {size / 1024:.0f} KiB")
    print(f"on screen: dashboard data     {_median(screen_data)}")
    print(f"on screen: figures (charts)   {_median(screen_figures)}")
    labels = {
        "data": "pack: data and figures  ",
        "svg": "pack: charts to SVG     ",
        "pdf": "pack: layout and PDF    ",
        "total": "pack: total             ",
    }
    for name, label in labels.items():
        print(f"{label}      {_median(steps[name])}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
