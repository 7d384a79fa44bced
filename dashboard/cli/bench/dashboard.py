"""The bench's dashboard figures: the cohort dashboard page rendered through AppTest (cold and
warm), the statements it sends, the bytes of figure data, and the floor (the same statements
replayed on the driver's cursor)."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from dashboard.cli.bench.accounts import DEMO_CODE
from dashboard.core.config import PROJECT_ROOT, get_settings
from dashboard.core.i18n import t

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
DASHBOARD_PAGE = "../pages/cohort/dashboard.py"
FIGURE_ELEMENTS = ("plotly_chart", "arrow_vega_lite_chart", "vega_lite_chart")


def measure_dashboard(
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
