"""Dashboard figures benchmark: time to build every chart of the cohort dashboard from its data
and the bytes the page sends (Plotly JSON and Vega-Lite specs), for the demo cohort and a copy
``--copies`` times larger, with the charts summarised above the threshold and, for comparison,
with one row per network whatever the size (``summary_from`` set beyond the cohort's size).

    python bench/bench_dashboard_figures.py                 # 12 and 120 networks, SQLite
    python bench/bench_dashboard_figures.py --copies 84     # 12 and 1 008 networks
    python bench/bench_dashboard_figures.py --runs 7

Figures are printed, never asserted (the size bound is a test: tests/unit/test_dashboard_scale.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import select

from dashboard.charts import scale
from dashboard.core.db import make_engine, migrate, session_scope
from dashboard.core.permissions import Actor
from dashboard.seed.read import seed_demo
from dashboard.services.reporting import cohort_dashboard
from models import Cohort, Network
from models.enums import Role
from tests.unit.test_statement_count import copy_demo_cohort

AS_OF = dt.date(2026, 5, 25)
STEERING = Actor(id=0, username="bench", full_name="Banc d'essai", role=Role.steering)


def median_ms(work, runs: int) -> float:
    work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="bench_figures_")
    engine = make_engine(f"sqlite:///{folder}/bench.sqlite")
    migrate(engine)
    seed_demo(engine, AS_OF, whole_storyline=True)
    big = copy_demo_cohort(engine, copies=args.copies)
    with session_scope(engine) as s:
        demo = s.exec(select(Cohort.id).where(Cohort.code == "AI-2026")).one()
        sizes = {
            cid: len(s.exec(select(Network.id).where(Network.cohort_id == cid)).all())
            for cid in (demo, big)
        }
    print(f"Médiane de {args.runs} mesures")
    print(f"{'Réseaux':>8} {'Mode':<22} {'Données ms':>11} {'Figures ms':>11} {'Octets':>12}")
    for cid in (demo, big):
        data = cohort_dashboard.cohort_dashboard(engine, STEERING, cid, as_of=AS_OF)
        data_ms = median_ms(
            lambda cid=cid: cohort_dashboard.cohort_dashboard(engine, STEERING, cid, as_of=AS_OF),
            args.runs,
        )
        for mode, threshold in (("une ligne par réseau", 10**9), ("résumé au-delà de 40", 40)):

            def build(data=data, threshold=threshold):
                return scale.dashboard_figures(data, AS_OF, summary_from=threshold)

            figures_ms = median_ms(build, args.runs)
            built = build()
            weight = sum(scale.figure_bytes(f) for f in built.figures.values())
            print(f"{sizes[cid]:>8} {mode:<22} {data_ms:>11.1f} {figures_ms:>11.1f} {weight:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
