"""The demo cohort seeded on a given day (``python -m dashboard seed --demo --as-of …``): in
progress on that day, every storyline kept on a calendar moved by whole months, nothing dated
after the seed day, a monthly rhythm of validation, session snapshots and a change history.

Expected figures are recomputed from the seed files (plain Python) or read with raw SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import text

from dashboard.__main__ import main
from dashboard.core.config import get_settings
from dashboard.seed.calendar import as_seen_on, shift
from dashboard.seed.derive import signed_on
from dashboard.seed.read import DEFAULT_DATA_DIR, read_seed_files, seed_demo
from dashboard.services.reporting import cohorts, snapshots
from tests.factories import make_user

SEED_DAY = dt.date(2026, 12, 1)
MONTHS = 9  # from the storyline's own day (2026-03-02) to the seed day's month


def _one(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).one()


def _all(engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


@pytest.fixture
def seeded(engine_url, engine, monkeypatch):
    """The demo seeded through the command line on SEED_DAY."""
    monkeypatch.setenv("DATABASE_URL", engine_url)
    get_settings.cache_clear()
    try:
        assert main(["seed", "--demo", "--as-of", SEED_DAY.isoformat()]) == 0
    finally:
        get_settings.cache_clear()
    return engine


def test_the_demo_is_in_progress_on_the_day_it_is_seeded(seeded):
    engine = seeded
    name, start, end, status = _one(engine, "SELECT name, start_date, end_date, status FROM cohort")
    assert name == "Alliances innovantes 2026-2027"
    assert (_day(start), _day(end), status) == (dt.date(2026, 7, 1), dt.date(2027, 3, 31), "active")
    sessions = dict(_all(engine, "SELECT code, session_date FROM programme_session"))
    files = {s["code"]: s["date"] for s in read_seed_files(DEFAULT_DATA_DIR)["sessions"]}
    assert {c: _day(d) for c, d in sessions.items()} == {
        c: shift(d, MONTHS) for c, d in files.items()
    }
    upcoming = sorted(_day(d) for d in sessions.values() if _day(d) >= SEED_DAY)
    assert 7 <= (upcoming[0] - SEED_DAY).days <= 21  # next session about two weeks ahead

    # Nothing happens after the seed day.
    end_of_day = dt.datetime.combine(SEED_DAY, dt.time.max)
    for sql in (
        "SELECT max(changed_on) FROM alliance_stage_change",
        "SELECT max(done_date) FROM milestone",
        "SELECT max(assessed_on) FROM maturity_assessment",
    ):
        assert _day(_one(engine, sql)[0]) <= SEED_DAY, sql
    for sql in (
        "SELECT max(updated_at) FROM indicator_value",
        "SELECT max(changed_at) FROM change_log",
        "SELECT max(taken_at) FROM snapshot",
    ):
        latest = _one(engine, sql)[0]
        latest = latest if isinstance(latest, dt.datetime) else dt.datetime.fromisoformat(latest)
        assert latest.replace(tzinfo=None) <= end_of_day, sql
    periods = [
        _day(p) for (p,) in _all(engine, "SELECT DISTINCT period_start FROM indicator_value")
    ]
    assert all(p.day == 1 for p in periods) and max(periods) == dt.date(2026, 11, 1)

    # Mostly validated; the last month awaiting validation, a few drafts.
    by_month = Counter(
        (_day(p), s) for p, s in _all(engine, "SELECT period_start, status FROM indicator_value")
    )
    total = sum(by_month.values())
    for month, value_status in by_month:
        if month < dt.date(2026, 11, 1):
            assert value_status == "validated", (month, value_status)
    assert (
        0
        < by_month[(dt.date(2026, 11, 1), "draft")]
        < by_month[(dt.date(2026, 11, 1), "submitted")]
    )
    validated = sum(n for (_, s), n in by_month.items() if s == "validated")
    assert validated / total >= 0.75

    # About 15 % of the milestones due so far are late.
    due, late = _one(
        engine,
        "SELECT count(*), sum(CASE WHEN status IN ('planned', 'in_progress', 'postponed') "
        "THEN 1 ELSE 0 END) FROM milestone WHERE due_date < :day",
        day=SEED_DAY,
    )
    assert 0.10 <= late / due <= 0.20
    cohort_id = _one(engine, "SELECT id FROM cohort")[0]
    head = cohorts.headline(engine, make_user(engine, "steering"), cohort_id, as_of=SEED_DAY)
    assert head["milestones_late"] == late
    assert head["values_awaiting_validation"] == by_month[(dt.date(2026, 11, 1), "submitted")]


def test_each_storyline_is_kept_on_the_moved_calendar(seeded):
    engine = seeded
    data = read_seed_files(DEFAULT_DATA_DIR)
    story_day = shift(SEED_DAY, -MONTHS)  # the seed day in the files' calendar
    want = Counter()
    for a in data["alliances"]:
        reached = signed_on([(h["date"], h["stage"]) for h in a["history"]])
        if reached is not None and reached <= story_day:
            want[a["network"]] += 1
    got = Counter(
        dict(
            _all(
                engine,
                "SELECT n.code, count(*) FROM alliance a JOIN network n ON n.id = a.network_id "
                "WHERE a.signed_on IS NOT NULL GROUP BY n.code",
            )
        )
    )
    assert got == want
    # Every seeded stage change is a file step moved by MONTHS, in the same order.
    steps = {
        (a["code"], shift(h["date"], MONTHS), h["stage"])
        for a in data["alliances"]
        for h in a["history"]
        if shift(h["date"], MONTHS) <= SEED_DAY
    }
    seeded_steps = {
        (code, _day(on), stage)
        for code, on, stage in _all(
            engine,
            "SELECT a.code, c.changed_on, c.to_stage FROM alliance_stage_change c "
            "JOIN alliance a ON a.id = c.alliance_id",
        )
    }
    assert seeded_steps == steps
    # The same day gives the same demo (deterministic), whatever the day it runs.
    again = as_seen_on(data, SEED_DAY)
    assert len(again["values"]) == _one(engine, "SELECT count(*) FROM indicator_value "
                                        "JOIN indicator i ON i.id = indicator_id "
                                        "WHERE i.code NOT IN ('AGREEMENTS_SIGNED', "
                                        "'ALLIANCES_IN_PIPELINE', 'PARTNERSHIP_FORMS', "
                                        "'MATURITY_SCORE')")[0]  # fmt: skip


def test_past_sessions_have_snapshots_built_from_the_history(seeded):
    engine = seeded
    held = _all(
        engine,
        "SELECT id, session_date FROM programme_session WHERE session_date < :day "
        "ORDER BY session_date",
        day=SEED_DAY,
    )
    shots = _all(engine, "SELECT session_id, payload FROM snapshot ORDER BY taken_at")
    assert [s for s, _ in shots] == [i for i, _ in held] and len(shots) == 3
    for (_, day), (_, payload) in zip(held, shots, strict=True):
        day = _day(day)
        payload = payload if isinstance(payload, dict) else __import__("json").loads(payload)
        done = _one(engine, "SELECT count(*) FROM milestone WHERE done_date <= :day", day=day)[0]
        assert sum(m["status"] == "done" for m in payload["milestones"]) == done
        stages = dict(
            _all(
                engine,
                "SELECT c.alliance_id, c.to_stage FROM alliance_stage_change c WHERE c.changed_on = "
                "(SELECT max(c2.changed_on) FROM alliance_stage_change c2 "
                " WHERE c2.alliance_id = c.alliance_id AND c2.changed_on <= :day)",
                day=day,
            )
        )
        assert {a["id"]: a["stage"] for a in payload["alliances"]} == stages
        counted = _one(
            engine,
            "SELECT count(DISTINCT network_id) FROM indicator_value WHERE submitted_at <= :end",
            end=dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC),
        )[0]
        with_values = {i["network_id"] for i in payload["indicators"] if i["current"] is not None}
        assert len(with_values) == counted

    # The change log tells the same story: one row per stage move, per submission and per
    # validation, dated as the rows are.
    moves = _one(engine, "SELECT count(*) FROM alliance_stage_change WHERE from_stage IS NOT NULL")
    logged = _one(
        engine,
        "SELECT count(*) FROM change_log WHERE entity = 'alliance' AND field = 'stage' "
        "AND action = 'update'",
    )
    assert logged == moves
    for after, column in (("submitted", "submitted_at"), ("validated", "validated_at")):
        values = _one(engine, f"SELECT count(*) FROM indicator_value WHERE {column} IS NOT NULL")
        rows = _one(
            engine,
            "SELECT count(*) FROM change_log WHERE entity = 'indicator_value' "
            "AND field = 'status' AND after = :after",
            after=after,
        )
        assert rows == values, after

    # « Ce qui a changé depuis le dernier instantané » and « Comparer les sessions » have content.
    steering = make_user(engine, "steering")
    cohort_id = _one(engine, "SELECT id FROM cohort")[0]
    ids = [int(i) for i in snapshots.list_snapshots(engine, steering, cohort_id)["id"]]
    since = snapshots.compare_snapshots(
        engine, steering, cohort_id, before_id=ids[0], as_of=SEED_DAY
    )
    assert since.cohort["stage_changes"] > 0 and since.cohort["milestones_done"] > 0
    between = snapshots.compare_snapshots(
        engine, steering, cohort_id, before_id=ids[-1], after_id=ids[0], as_of=SEED_DAY
    )
    assert between.cohort["stage_changes"] > 0


def test_the_command_line_refuses_a_malformed_day(engine_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", engine_url)
    get_settings.cache_clear()
    try:
        assert main(["seed", "--demo", "--as-of", "01/12/2026"]) == 2
    finally:
        get_settings.cache_clear()
    assert "date AAAA-MM-JJ attendue, reçu « 01/12/2026 »" in capsys.readouterr().err


def test_seeding_the_same_day_twice_stores_the_same_content(engine):
    first = seed_demo(engine, SEED_DAY)
    assert not first.already_present and first.counts["snapshot"] == 3
    assert seed_demo(engine, SEED_DAY).already_present


@pytest.mark.parametrize("day", [1, 9, 16, 17, 18, 28, 31])
def test_whatever_the_day_of_the_month_the_demo_is_mid_cohort(day):
    as_of = dt.date(2026, 12, day)
    d = as_seen_on(read_seed_files(DEFAULT_DATA_DIR), as_of)
    start = d["cohort"]["start_date"]
    assert start.day == 1 and 4 * 30 <= (as_of - start).days <= 6 * 30
    upcoming = min(s["date"] for s in d["sessions"] if s["date"] >= as_of)
    assert 0 <= (upcoming - as_of).days <= 31
    due = [m for m in d["milestones"] if m["due_date"] < as_of]
    late = [m for m in due if m["status"] in ("planned", "in_progress", "postponed")]
    assert 0.10 <= len(late) / len(due) <= 0.20
    assert all(v["period_start"] < as_of.replace(day=1) for v in d["values"])
    assert all(h["date"] <= as_of for a in d["alliances"] for h in a["history"])
