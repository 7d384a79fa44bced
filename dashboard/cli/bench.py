"""``python -m dashboard bench``: the app's figures at scale, measured in one run on the same data.

On the demo cohort (12 networks) and a synthetic cohort of ``--networks`` networks
(:mod:`dashboard.seed.synthetic`), in the database given (default: a temporary SQLite file):

- the cohort dashboard page through AppTest, as a steering member sees it: cold (every cache
  emptied, a new session) and warm (a rerun), median of ``--runs`` renders each; next to it the
  floor: the statements the dashboard service sends, replayed on the driver's cursor, and the ratio;
- statements sent per cold render, on the small and on the large cohort;
- bytes of figure data the page sends (Plotly and Vega-Lite messages);
- the CSV (excel_fr) and XLSX exports of the large cohort's values against the fastest plain
  writer of the same rows (``csv.writer``; raw XlsxWriter), with their peak memory (tracemalloc);
- N people saving the same milestone at once (8 on SQLite, 16 on PostgreSQL): p50 and p95 of
  a save, and lost updates (saves accepted but missing from the final row).

Figures are printed (``--json``: one JSON object), never compared with a target here: the
targets and the measured figures are in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from dashboard.core.config import PROJECT_ROOT, get_settings
from dashboard.core.i18n import t

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
DASHBOARD_PAGE = "../pages/cohort/dashboard.py"
DEMO_CODE = "AI-2026"
FIGURE_ELEMENTS = ("plotly_chart", "arrow_vega_lite_chart", "vega_lite_chart")
WRITERS = {"sqlite": 8, "postgresql": 16}
PARTS = ("dashboard", "exports", "writers")


def register(subparsers) -> None:
    """Add the ``bench`` subcommand to ``python -m dashboard``."""
    parser = subparsers.add_parser("bench", help=t("Mesurer l'application à grande échelle"))
    parser.add_argument(
        "--networks",
        type=int,
        default=120,
        metavar="N",
        help=t("réseaux de la cohorte synthétique (par défaut : 120)"),
    )
    parser.add_argument(
        "--months",
        type=int,
        default=60,
        metavar="M",
        help=t("mois de la cohorte (par défaut : 60)"),
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="S", help=t("graine du tirage (par défaut : 0)")
    )
    parser.add_argument(
        "--database-url",
        dest="database_url",
        metavar="URL",
        help=t("base à utiliser (par défaut : une base SQLite temporaire)"),
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=5,
        metavar="R",
        help=t("mesures par chiffre, dont la médiane est retenue (par défaut : 5)"),
    )
    parser.add_argument(
        "--edits",
        type=int,
        default=20,
        metavar="E",
        help=t("enregistrements par personne simultanée (par défaut : 20)"),
    )
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        metavar=t("PARTIES"),
        help=t("parties mesurées, séparées par des virgules (par défaut : {parts})",
               parts=",".join(PARTS)),
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help=t("un objet JSON sur la sortie"))
    parser.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    runs = max(1, args.runs)
    with tempfile.TemporaryDirectory(prefix="bench_") as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite"
        result = run_bench(
            url,
            networks=args.networks,
            months=args.months,
            seed=args.seed,
            runs=runs,
            edits=args.edits,
            workdir=Path(folder),
            progress=(lambda text: print(text, file=sys.stderr, flush=True))
            if args.json
            else print,
            parts=tuple(p.strip() for p in args.parts.split(",") if p.strip()),
        )
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key} : {value}")
    return 0


def run_bench(
    url: str,
    *,
    networks: int,
    months: int,
    seed: int,
    runs: int,
    edits: int,
    workdir: Path,
    progress: Callable[[str], object] | None = None,
    parts: tuple[str, ...] = PARTS,
) -> dict[str, Any]:
    """Prepare the data, measure everything, return the figures as plain data."""
    from dashboard.core.db import make_engine, migrate, session_scope
    from dashboard.seed.read import seed_demo
    from dashboard.seed.synthetic import seed_synthetic
    from models import Cohort, IndicatorValue, Network

    say = progress or (lambda _text: None)
    engine = make_engine(url, create=True)
    migrate(engine)
    started = time.perf_counter()
    seed_demo(engine)
    large = seed_synthetic(engine, networks, months, seed).cohort_code
    say(t("Données prêtes en {s} s.", s=f"{time.perf_counter() - started:.1f}"))
    from sqlmodel import col, func, select

    with session_scope(engine) as s:
        values = s.exec(
            select(func.count())
            .select_from(IndicatorValue)
            .join(Network, col(Network.id) == IndicatorValue.network_id)
            .join(Cohort, col(Cohort.id) == Network.cohort_id)
            .where(Cohort.code == large)
        ).one()
    accounts = _bench_accounts(engine)
    result: dict[str, Any] = {
        "database": engine.url.get_backend_name(),
        "networks": networks,
        "months": months,
        "indicator_values": int(values),
        "runs": runs,
    }
    if "dashboard" in parts:
        result |= _dashboard(engine, url, accounts, large, runs, say)
        say(json.dumps(result, ensure_ascii=False))
    if "exports" in parts:
        say(t("Exports…"))
        result |= _exports(engine, large, runs, workdir)
        say(json.dumps(result, ensure_ascii=False))
    if "writers" in parts:
        say(t("Enregistrements simultanés…"))
        result |= _writers(engine, accounts, edits)
        say(json.dumps(result, ensure_ascii=False))
    engine.dispose()
    return result


def _dashboard(
    engine: Engine,
    url: str,
    accounts: dict[str, Any],
    large: str,
    runs: int,
    say: Callable[[str], object],
) -> dict[str, Any]:
    with _app_database(url):
        say(t("Tableau de bord (AppTest)…"))
        small = _page_figures(DEMO_CODE, accounts["steering_token"], runs)
        big = _page_figures(large, accounts["steering_token"], runs)
    floor_small = _floor_ms(engine, accounts["steering"], DEMO_CODE, runs)
    floor_big = _floor_ms(engine, accounts["steering"], large, runs)
    return {
        "dashboard_rerun_ms": round(big["rerun_ms"], 1),
        "dashboard_cold_ms": round(big["cold_ms"], 1),
        "dashboard_floor_ms": round(floor_big, 1),
        "dashboard_ratio": round(big["rerun_ms"] / floor_big, 2),
        "figure_bytes": big["figure_bytes"],
        "statements_small": small["statements"],
        "statements_large": big["statements"],
        "demo_rerun_ms": round(small["rerun_ms"], 1),
        "demo_cold_ms": round(small["cold_ms"], 1),
        "demo_floor_ms": round(floor_small, 1),
        "demo_figure_bytes": small["figure_bytes"],
    }


# --- accounts -------------------------------------------------------------------------------


def _bench_accounts(engine: Engine) -> dict[str, Any]:
    """A steering member, a programme-team member and the lead of the demo's first network,
    created for this run (random password, never printed) and signed in."""
    from sqlmodel import col, select

    from dashboard.auth import accounts as auth
    from dashboard.core.db import session_scope
    from models import Cohort, Network

    with session_scope(engine) as s:
        network_id = s.exec(
            select(Network.id)
            .join(Cohort, col(Cohort.id) == Network.cohort_id)
            .where(Cohort.code == DEMO_CODE)
            .order_by(Network.code)
        ).first()
    suffix = secrets.token_hex(4)
    password = secrets.token_urlsafe(24)
    out: dict[str, Any] = {}
    for role, network in (("steering", None), ("admin", None), ("lead", network_id)):
        username = f"banc.{role}.{suffix}"
        auth.create_user(
            engine,
            username=username,
            full_name=t("Banc d'essai"),
            role=role,
            password=password,
            network_id=network,
        )
        login = auth.login(engine, username, password)
        if not login.ok:
            raise RuntimeError(login.message)
        out[role] = login.actor
        out[f"{role}_token"] = login.token
    return out


# --- dashboard page ---------------------------------------------------------------------------


@contextmanager
def _app_database(url: str) -> Iterator[None]:
    """Point the in-process app (AppTest) at the bench database for the duration."""
    import streamlit as st

    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        yield
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
        get_settings.cache_clear()


@contextmanager
def _counting() -> Iterator[list[str]]:
    """Every statement any engine of this process sends while inside (transaction control aside)."""
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", listen)


def _open_dashboard(code: str, token: str):
    from streamlit.testing.v1 import AppTest

    from dashboard.ui import TOKEN_KEY

    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state[TOKEN_KEY] = token
    at.query_params["cohorte"] = code
    at.run()
    at.switch_page(DASHBOARD_PAGE)
    at.query_params["cohorte"] = code
    return at


def _figure_bytes(at) -> int:
    total = 0
    for kind in FIGURE_ELEMENTS:
        for element in at.get(kind):
            total += element.proto.ByteSize()
    return total


def _page_figures(code: str, token: str, runs: int) -> dict[str, Any]:
    """Cold renders (caches emptied, new session) and warm reruns of the dashboard page."""
    import streamlit as st

    cold, warm = [], []
    statements = 0
    at = None
    for _ in range(runs):
        at = _open_dashboard(code, token)
        st.cache_data.clear()
        with _counting() as seen:
            start = time.perf_counter()
            at.run()
            cold.append((time.perf_counter() - start) * 1000)
        statements = len(seen)
        if at.exception:
            raise RuntimeError(str(at.exception[0].value))
    assert at is not None
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        warm.append((time.perf_counter() - start) * 1000)
    return {
        "cold_ms": statistics.median(cold),
        "rerun_ms": statistics.median(warm),
        "statements": statements,
        "figure_bytes": _figure_bytes(at),
    }


def _floor_ms(engine: Engine, actor, code: str, runs: int) -> float:
    """The statements the dashboard service sends for the cohort, replayed on the driver's
    cursor (no ORM, no DataFrame): what a render cannot go below."""
    from sqlmodel import select

    from dashboard.core import clock
    from dashboard.core.db import session_scope
    from dashboard.services.reporting import cohort_dashboard
    from models import Cohort

    with session_scope(engine) as s:
        cohort_id = s.exec(select(Cohort.id).where(Cohort.code == code)).one()
    assert cohort_id is not None
    captured: list[tuple[str, Any]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        cohort_dashboard.cohort_dashboard(engine, actor, cohort_id, as_of=clock.today())
    finally:
        event.remove(engine, "before_cursor_execute", listen)

    def replay() -> None:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            for statement, parameters in captured:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            cursor.close()
            connection.rollback()
        finally:
            connection.close()

    return _median_ms(replay, runs)


def _median_ms(work: Callable[[], object], runs: int) -> float:
    work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# --- exports ------------------------------------------------------------------------------------


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


def _exports(engine: Engine, code: str, runs: int, workdir: Path) -> dict[str, Any]:
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


# --- concurrent writers -----------------------------------------------------------------------


def _writers(engine: Engine, accounts: dict[str, Any], edits: int) -> dict[str, Any]:
    """Writers alternately the lead and the programme team, each doing read-modify-write
    increments of a counter kept in one milestone's comment, retrying on a conflict."""
    from dashboard.core import clock
    from dashboard.core.db import make_engine
    from dashboard.core.errors import ConflictError
    from dashboard.services.roadmap import milestones
    from dashboard.services.roadmap.milestone_grid import (
        AddedMilestone,
        EditedMilestone,
        MilestoneChanges,
    )

    lead, admin = accounts["lead"], accounts["admin"]
    network_id = lead.network_id
    writers = WRITERS.get(engine.url.get_backend_name(), 8)
    shared = make_engine(engine.url.render_as_string(hide_password=False))
    today = clock.today()
    title = t("Compteur du banc d'essai {n}", n=secrets.token_hex(3))
    milestones.save_milestones(
        shared,
        lead,
        network_id,
        MilestoneChanges(
            added=[AddedMilestone({"title": title, "due_date": today.isoformat(), "comment": "0"})]
        ),
        as_of=today,
    )
    listed = milestones.list_milestones(shared, lead, network_id)
    milestone_id = int(listed[listed["title"] == title]["id"].iloc[0])
    saves_ms: list[float] = []
    accepted = [0] * writers
    conflicts = [0] * writers
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(writers)

    def worker(index: int) -> None:
        actor = lead if index % 2 == 0 else admin
        barrier.wait()
        for _ in range(edits):
            for attempt in range(10_000):
                seen = milestones.get_milestone(shared, actor, milestone_id)
                changes = MilestoneChanges(
                    edited=[
                        EditedMilestone(
                            milestone_id,
                            seen["version"],
                            {"comment": str(int(seen["comment"]) + 1)},
                        )
                    ]
                )
                start = time.perf_counter()
                try:
                    milestones.save_milestones(shared, actor, network_id, changes, as_of=today)
                except ConflictError:
                    with lock:
                        saves_ms.append((time.perf_counter() - start) * 1000)
                    conflicts[index] += 1
                    time.sleep(0.001 * min(attempt + 1, 10) * (index % 3 + 1) / 3)
                    continue
                except BaseException as exc:  # noqa: BLE001  (reported, not hidden)
                    errors.append(exc)
                    return
                with lock:
                    saves_ms.append((time.perf_counter() - start) * 1000)
                accepted[index] += 1
                break

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = milestones.get_milestone(shared, admin, milestone_id)
    shared.dispose()
    if errors:
        raise errors[0]
    ordered = sorted(saves_ms)
    return {
        "writers": writers,
        "saves_accepted": sum(accepted),
        "saves_refused_conflict": sum(conflicts),
        "save_p50_ms": round(statistics.median(ordered), 1),
        "save_p95_ms": round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 1),
        "lost_updates": sum(accepted) - int(final["comment"]),
    }


if __name__ == "__main__":  # pragma: no cover
    from dashboard.__main__ import main

    sys.exit(main(["bench", *sys.argv[1:]]))
