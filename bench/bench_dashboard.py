"""Dashboard benchmark: median time of each aggregate of the cohort dashboard on the demo cohort
(12 networks) and on a cohort ten times larger (120 networks copied from the demo pattern), next
to a raw-SQL floor measured in the same run, with the ratio.

Two kinds of floor:
- each aggregate against hand-written SQL returning the same grouped rows (plain DBAPI rows,
  no ORM, no DataFrame);
- the whole dashboard and a snapshot's state against the *same statements* the services issued
  (captured with SQLAlchemy's ``before_cursor_execute``), replayed on the raw DBAPI cursor: what
  is left is the cost of SQLAlchemy, pandas and the Python around them.

    python bench/bench_dashboard.py                  # temporary SQLite database
    python bench/bench_dashboard.py --runs 9
    python bench/bench_dashboard.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench

The database given with ``--url`` must be empty: the script migrates it, loads the demo cohort
and the ×10 copy. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, text
from sqlmodel import select

from dashboard.core.db import make_engine, migrate, session_scope
from dashboard.core.permissions import Actor
from dashboard.seed.read import seed_demo
from dashboard.services.indicators.progress import cohort_of, network_frame, progress_frame
from dashboard.services.reporting import (
    cohort_dashboard,
    maturity_state,
    snapshots,
)
from dashboard.services.reporting import (
    state_at_date as roadmap_state,
)
from models import Cohort, Network
from models.enums import Role
from tests.unit.test_statement_count import copy_demo_cohort

AS_OF = dt.date(2026, 5, 25)
STEERING = Actor(id=0, username="bench", full_name="Banc d'essai", role=Role.steering)

RAW = {
    "milestones": [
        """SELECT network_id,
                  CASE WHEN status IN ('planned', 'in_progress', 'postponed')
                        AND due_date < :as_of THEN 'late' ELSE status END AS derived,
                  COUNT(*)
             FROM milestone WHERE network_id IN (SELECT id FROM network WHERE cohort_id = :cid) GROUP BY 1, 2"""
    ],
    "pipeline": [
        """SELECT a.stage, p.family, COUNT(*)
             FROM alliance a JOIN partner p ON p.id = a.partner_id
            WHERE a.network_id IN (SELECT id FROM network WHERE cohort_id = :cid) GROUP BY a.stage, p.family"""
    ],
    "progress": [
        """SELECT t.network_id, t.indicator_id, t.baseline_value, t.target_value,
                  t.initial_target_value
             FROM indicator_target t JOIN indicator i ON i.id = t.indicator_id
            WHERE i.is_key = :yes AND t.network_id IN (SELECT id FROM network WHERE cohort_id = :cid)""",
        """SELECT v.network_id, v.indicator_id, v.value, v.period_start, v.status
             FROM indicator_value v
             JOIN (SELECT network_id AS nid, indicator_id AS iid, MAX(period_start) AS last
                     FROM indicator_value
                    WHERE status IN ('submitted', 'validated') AND period_start <= :as_of
                      AND network_id IN (SELECT id FROM network WHERE cohort_id = :cid)
                    GROUP BY network_id, indicator_id) l
               ON l.nid = v.network_id AND l.iid = v.indicator_id AND l.last = v.period_start
             JOIN indicator i ON i.id = v.indicator_id
            WHERE i.is_key = :yes""",
        """SELECT v.network_id, v.indicator_id, SUM(v.value), COUNT(*)
             FROM indicator_value v JOIN indicator i ON i.id = v.indicator_id
            WHERE i.is_key = :yes AND v.status IN ('submitted', 'validated')
              AND v.period_start <= :as_of AND v.network_id IN (SELECT id FROM network WHERE cohort_id = :cid)
            GROUP BY v.network_id, v.indicator_id""",
    ],
    "maturity": [
        """SELECT r.network_id, r.assessor, s.axis, r.code, s.level
             FROM (SELECT a.id, a.network_id, a.assessor, ps.code,
                          ROW_NUMBER() OVER (PARTITION BY a.network_id, a.assessor
                                             ORDER BY ps.session_date, a.id) AS first_rank,
                          ROW_NUMBER() OVER (PARTITION BY a.network_id, a.assessor
                                             ORDER BY ps.session_date DESC, a.id DESC) AS last_rank
                     FROM maturity_assessment a
                     JOIN programme_session ps ON ps.id = a.session_id
                    WHERE a.network_id IN (SELECT id FROM network WHERE cohort_id = :cid)) r
             JOIN maturity_score s ON s.assessment_id = r.id
            WHERE r.first_rank = 1 OR r.last_rank = 1"""
    ],
    "freshness": [
        """SELECT network_id, MAX(updated_at), MAX(period_start) FROM indicator_value
            WHERE network_id IN (SELECT id FROM network WHERE cohort_id = :cid) GROUP BY network_id""",
        "SELECT network_id, MAX(updated_at) FROM milestone WHERE network_id IN (SELECT id FROM network WHERE cohort_id = :cid) GROUP BY network_id",
        "SELECT network_id, MAX(updated_at) FROM alliance WHERE network_id IN (SELECT id FROM network WHERE cohort_id = :cid) GROUP BY network_id",
        """SELECT network_id, COUNT(*) FROM indicator_target WHERE network_id IN (SELECT id FROM network WHERE cohort_id = :cid)
            GROUP BY network_id""",
        """SELECT v.network_id, v.period_start, COUNT(*)
             FROM indicator_value v JOIN indicator_target t
               ON t.network_id = v.network_id AND t.indicator_id = v.indicator_id
            WHERE v.network_id IN (SELECT id FROM network WHERE cohort_id = :cid) AND v.period_start <= :as_of
            GROUP BY v.network_id, v.period_start""",
    ],
}
LABELS = {
    "milestones": "Jalons réseau × statut (dont retard)",
    "pipeline": "Alliances étape × famille",
    "progress": "Avancement des indicateurs clés",
    "maturity": "Maturité premier / dernier",
    "freshness": "Fraîcheur des données",
}


def median_ms(work: Callable[[], object], runs: int) -> float:
    work()  # warm-up: caches, pool, query plans
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def service_work(engine, cohort_id: int, name: str) -> Callable[[], object]:
    def run():
        with session_scope(engine) as s:
            cohort = cohort_of(s, STEERING, cohort_id)
            networks = network_frame(s, STEERING, cohort)
            ids = [int(i) for i in networks["id"]]
            if name == "milestones":
                return roadmap_state.milestone_counts(s, ids, as_of=AS_OF)
            if name == "pipeline":
                return roadmap_state.pipeline_counts(s, ids)
            if name == "progress":
                return progress_frame(s, networks, as_of=AS_OF)
            if name == "maturity":
                return maturity_state.maturity_first_latest(s, ids)
            return cohort_dashboard.freshness(s, cohort, ids, as_of=AS_OF)

    return run


def raw_work(engine, cohort_id: int, name: str) -> Callable[[], object]:
    params = {"cid": cohort_id, "as_of": AS_OF, "yes": True}

    def run():
        with engine.connect() as conn:
            return [conn.execute(text(sql), params).fetchall() for sql in RAW[name]]

    return run


def captured(engine, work: Callable[[], object]) -> list[tuple[str, object]]:
    """The statements ``work`` sends to the database, with their DBAPI parameters."""
    seen: list[tuple[str, object]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return seen


def replay(engine, statements: list[tuple[str, object]]) -> Callable[[], None]:
    def run() -> None:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            for statement, parameters in statements:
                cur.execute(statement, parameters)
                cur.fetchall()
            cur.close()
            conn.rollback()
        finally:
            conn.close()

    return run


def prepare(url: str | None) -> tuple[object, dict[str, int]]:
    if url is None:
        folder = tempfile.mkdtemp(prefix="bench_dashboard_")
        url = f"sqlite:///{folder}/bench.sqlite"
    engine = make_engine(url)
    migrate(engine)
    seed_demo(engine, AS_OF, whole_storyline=True)  # the calendar AS_OF is set in
    big = copy_demo_cohort(engine)
    with session_scope(engine) as s:
        demo = s.exec(select(Cohort.id).where(Cohort.code == "AI-2026")).one()
        sizes = {
            cid: len(s.exec(select(Network.id).where(Network.cohort_id == cid)).all())
            for cid in (demo, big)
        }
    return engine, {f"{sizes[demo]} réseaux": demo, f"{sizes[big]} réseaux": big}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="base vide à utiliser (défaut : SQLite temporaire)")
    parser.add_argument("--runs", type=int, default=7, help="mesures par chiffre (médiane)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    engine, cohorts = prepare(args.url)
    print(
        f"Base : {engine.url.render_as_string(hide_password=True)} — préparation "
        f"{time.perf_counter() - started:.1f} s — médiane de {args.runs} mesures, en ms"
    )
    header = f"{'Agrégat':<40} {'Cohorte':<12} {'Service':>9} {'SQL brut':>9} {'Ratio':>7}"
    print(header)
    print("-" * len(header))
    for name, label in LABELS.items():
        for size, cid in cohorts.items():
            service = median_ms(service_work(engine, cid, name), args.runs)
            raw = median_ms(raw_work(engine, cid, name), args.runs)
            print(f"{label:<40} {size:<12} {service:>9.1f} {raw:>9.1f} {service / raw:>6.1f}×")
    for size, cid in cohorts.items():

        def whole(cid: int = cid) -> object:
            return cohort_dashboard.cohort_dashboard(engine, STEERING, cid, as_of=AS_OF)

        def state(cid: int = cid) -> object:
            with session_scope(engine) as s:
                return snapshots.build_state(s, cid, as_of=AS_OF)

        for label, work in (
            ("Tableau de bord complet (mêmes requêtes)", whole),
            ("État d'un instantané (mêmes requêtes)", state),
        ):
            statements = captured(engine, work)
            service = median_ms(work, args.runs)
            raw = median_ms(replay(engine, statements), args.runs)
            print(
                f"{label:<40} {size:<12} {service:>9.1f} {raw:>9.1f} {service / raw:>6.1f}×"
                f"   ({len(statements)} requêtes)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
