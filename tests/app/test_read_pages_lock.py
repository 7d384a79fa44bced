"""Reading a page never takes SQLite's write lock: rendering a read-only page sends no
``BEGIN IMMEDIATE`` (counted on the app's engine while the page runs)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from dashboard.ui import get_engine
from tests.app.conftest import page

READ_ONLY_PAGES = [
    ("steering", "cohort/home"),
    ("steering", "cohort/dashboard"),
    ("steering", "cohort/network_detail"),
    ("steering", "cohort/history"),
    ("steering", "cohort/lessons_board"),
    ("steering", "cohort/snapshots"),
    ("lead", "lead/before_session"),
    ("ministry", "ministry/exports"),
]


@pytest.mark.parametrize(("who", "name"), READ_ONLY_PAGES)
def test_rendering_a_read_only_page_takes_no_write_lock(login_as, who, name):
    at = login_as(who)
    engine = get_engine()
    begins: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper().startswith("BEGIN IMMEDIATE"):
            begins.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        at.switch_page(page(name)).run()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert not at.exception, at.exception
    assert at.title, "the page rendered nothing"
    assert begins == [], f"{name}: {len(begins)} write transaction(s)"
