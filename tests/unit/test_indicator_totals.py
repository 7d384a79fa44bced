"""Indicator totals: exact after any sequence of writes through the services, and the dashboard
read from them shows the same figures as the aggregates over the values.

Random worlds from a seeded generator: networks following some indicators or none, targets
below their baseline (lower is better), equal to it, missing or revised; values left as drafts,
submitted, validated, returned, reopened, cleared; months without a value. After the writes:

(a) the totals equal a recomputation from the values in plain SQL;
(b) the dashboard's progress, benchmark and freshness equal those computed from the values
    (the aggregate path the dashboard used before the totals, kept in this file).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import threading

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlmodel import select

from dashboard.core import clock
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import ConflictError, ValidationFailed
from dashboard.services.indicators import progress, progress_sources, review
from dashboard.services.indicators import values as iv
from dashboard.services.reporting import cohort_dashboard as cd
from dashboard.services.reporting.cohort_dashboard import DashboardFilters
from models import IndicatorValue
from tests.factories import make_cohort, make_network, make_user
from tests.unit.reference_freshness import freshness_from_values
from tests.unit.roadmap_builders import make_indicator, make_target

AS_OF = dt.date(2026, 3, 15)
MONTHS = clock.months_between(dt.date(2025, 10, 1), AS_OF)  # Oct 2025 … Mar 2026
SPECS = [  # accumulation, direction, unit
    ("cumulative", "higher_is_better", "count"),
    ("per_period", "higher_is_better", "persons"),
    ("level", "lower_is_better", "percent"),
    ("level", "higher_is_better", "count"),
]


def build_world(engine, rng: random.Random) -> dict:
    cohort = make_cohort(engine, start_date=dt.date(2025, 10, 1), end_date=dt.date(2026, 6, 30))
    indicators = [
        make_indicator(engine, accumulation=a, direction=d, unit=u, is_key=rng.random() < 0.8)
        for a, d, u in SPECS
    ]
    networks, followed = [], {}
    for k in range(rng.randint(3, 5)):
        net = make_network(engine, cohort, code=f"R{k:02d}")
        networks.append(net)
        followed[net] = [i for i in indicators if k != 0 and rng.random() < 0.8]
        for ind in followed[net]:
            baseline = rng.choice([None, 0, 10, 40])
            target = rng.choice([None, 0, 10, 30, 60, 90])
            initial = rng.choice([None, None, 50])  # a target revised since the start
            make_target(engine, net, ind, baseline=baseline, target=target, initial_target=initial)
    return {
        "engine": engine,
        "cohort": cohort,
        "networks": networks,
        "followed": followed,
        "leads": {n: make_user(engine, "lead", network_id=n) for n in networks},
        "admin": make_user(engine, "admin"),
        "steering": make_user(engine, "steering"),
    }


def stored(engine, network_id: int) -> dict:
    with read_scope(engine) as s:
        rows = s.exec(select(IndicatorValue).where(IndicatorValue.network_id == network_id))
        return {(r.indicator_id, r.period_start): (r.id, r.version, r.status) for r in rows}


def all_of_status(engine, status: str) -> list[tuple[int, int]]:
    with read_scope(engine) as s:
        rows = s.exec(select(IndicatorValue).where(IndicatorValue.status == status)).all()
        return [(r.id, r.version) for r in rows]


def random_save(w: dict, rng: random.Random) -> None:
    net = rng.choice(w["networks"])
    if not w["followed"][net]:
        return
    have = stored(w["engine"], net)
    entries = []
    for _ in range(rng.randint(1, 5)):
        ind, month = rng.choice(w["followed"][net]), rng.choice(MONTHS)
        old = have.get((ind, month))
        if old is not None and old[2] == "validated":
            continue  # locked
        value = None if old is not None and rng.random() < 0.2 else float(rng.randint(0, 100))
        if old is None and value is None:
            continue
        entries.append(
            {
                "indicator_id": ind,
                "period_start": month,
                "value": value,
                "comment": "confirmé",  # a cumulative total may go down
                "evidence_url": None,
                "version": old[1] if old else None,
            }
        )
    if entries:
        unique = {(e["indicator_id"], e["period_start"]): e for e in entries}
        iv.save_values(
            w["engine"],
            w["leads"][net],
            net,
            list(unique.values()),
            submit=rng.random() < 0.7,
            as_of=AS_OF,
        )


def random_review(w: dict, rng: random.Random) -> None:
    engine, admin = w["engine"], w["admin"]
    submitted = all_of_status(engine, "submitted")
    validated = all_of_status(engine, "validated")
    move = rng.random()
    if submitted and move < 0.5:
        picked = rng.sample(submitted, rng.randint(1, len(submitted)))
        review.validate_values(engine, admin, [{"id": i, "version": v} for i, v in picked])
    elif submitted and move < 0.75:
        value_id, version = rng.choice(submitted)
        review.return_value(engine, admin, value_id, version, "À revoir")
    elif validated:
        value_id, version = rng.choice(validated)
        to = rng.choice(["draft", "submitted"])
        review.reopen_value(engine, admin, value_id, version, "Erreur", to_status=to)


def random_writes(w: dict, rng: random.Random, steps: int) -> None:
    for _ in range(steps):
        # A refused write leaves nothing written: the totals must not move either.
        with contextlib.suppress(ValidationFailed, ConflictError):
            (random_save if rng.random() < 0.65 else random_review)(w, rng)


def totals_from_values_sql(engine) -> tuple[set, set]:
    """Both totals tables recomputed from the values in plain SQL."""
    counted = "v.status IN ('submitted', 'validated')"
    latest = (
        "(SELECT l.{col} FROM indicator_value l WHERE l.network_id = v.network_id"
        " AND l.indicator_id = v.indicator_id AND l.status IN ('submitted', 'validated')"
        " ORDER BY l.period_start DESC LIMIT 1)"
    )
    with engine.connect() as conn:
        pairs = conn.execute(
            text(
                "SELECT v.network_id, v.indicator_id,"
                f" SUM(CASE WHEN {counted} THEN 1 ELSE 0 END),"
                f" COALESCE(SUM(CASE WHEN {counted} THEN v.value END), 0),"
                f" MIN(CASE WHEN {counted} THEN v.period_start END),"
                f" MAX(CASE WHEN {counted} THEN v.period_start END),"
                f" MAX(CASE WHEN {counted} THEN v.updated_at END),"
                " SUM(CASE WHEN v.status = 'draft' THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN v.status = 'submitted' THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN v.status = 'validated' THEN 1 ELSE 0 END),"
                f" MAX(v.updated_at), {latest.format(col='value')}, {latest.format(col='status')}"
                " FROM indicator_value v GROUP BY v.network_id, v.indicator_id"
            )
        ).all()
        months = conn.execute(
            text(
                "SELECT v.network_id, v.period_start, COUNT(*) FROM indicator_value v"
                " JOIN indicator_target t ON t.network_id = v.network_id"
                f" AND t.indicator_id = v.indicator_id WHERE {counted}"
                " GROUP BY v.network_id, v.period_start"
            )
        ).all()
    return {_normalised(r) for r in pairs}, {_normalised(r) for r in months}


def stored_totals(engine) -> tuple[set, set]:
    """The totals tables as stored (groups left without any value must be empty)."""
    with engine.connect() as conn:
        pairs = conn.execute(
            text(
                "SELECT network_id, indicator_id, counted_values, counted_sum, first_period,"
                " last_period, last_updated_at, draft_values, submitted_values,"
                " validated_values, any_updated_at, last_value, last_status"
                " FROM indicator_total"
            )
        ).all()
        months = conn.execute(
            text(
                "SELECT network_id, period_start, counted_values FROM network_month_total"
                " WHERE counted_values > 0"
            )
        ).all()
    empty = [r for r in pairs if r[7] + r[8] + r[9] == 0]
    assert all(r[2] == 0 and r[3] == 0 and r[5] is None and r[10] is None for r in empty)
    kept = [r for r in pairs if r[7] + r[8] + r[9] > 0]
    return {_normalised(r) for r in kept}, {_normalised(r) for r in months}


def _normalised(row) -> tuple:
    """Plain comparable values: SQLite returns a raw query's dates as text, sums may differ in
    the last bits with the order of addition."""
    out = []
    for x in row:
        if isinstance(x, str) and len(x) >= 10 and x[4] == "-" and x[7] == "-":
            x = pd.Timestamp(x)
        if isinstance(x, dt.datetime | dt.date):
            x = pd.Timestamp(x)
        if isinstance(x, pd.Timestamp):
            x = x.tz_convert(None) if x.tz is not None else x
        if isinstance(x, float):
            x = round(x, 9)
        out.append(x)
    return tuple(out)


def headline_from_values(engine, cohort_id: int) -> tuple[int, object]:
    """Values awaiting validation and the latest update of any value, from the values."""
    with engine.connect() as conn:
        awaiting, last = conn.execute(
            text(
                "SELECT SUM(CASE WHEN v.status = 'submitted' THEN 1 ELSE 0 END),"
                " MAX(v.updated_at) FROM indicator_value v"
                " JOIN network n ON n.id = v.network_id WHERE n.cohort_id = :c"
            ),
            {"c": cohort_id},
        ).one()
    return int(awaiting or 0), _normalised([last])[0] if last is not None else None


def dashboard_from_values(w: dict, filters: DashboardFilters, monkeypatch) -> cd.DashboardData:
    """The dashboard as computed before the totals: every figure aggregated from the values."""
    with monkeypatch.context() as m:
        m.setattr(progress_sources, "from_totals", lambda *a, **k: None)
        m.setattr(cd, "freshness", freshness_from_values)
        return cd.cohort_dashboard(
            w["engine"], w["steering"], w["cohort"], filters=filters, as_of=AS_OF
        )


def assert_same_dashboard(w: dict, filters: DashboardFilters, monkeypatch) -> None:
    got = cd.cohort_dashboard(w["engine"], w["steering"], w["cohort"], filters=filters, as_of=AS_OF)
    want = dashboard_from_values(w, filters, monkeypatch)
    for name in ("progress", "benchmark", "freshness"):
        pd.testing.assert_frame_equal(
            getattr(got, name), getattr(want, name), check_exact=False, rtol=1e-12, obj=name
        )
    for row in got.progress.itertuples():  # the vectorised formula against the scalar one
        want_ratio = progress.progress_ratio(row.current, row.baseline, row.target)
        assert (want_ratio is None and pd.isna(row.progress)) or row.progress == want_ratio
    last = got.headline["last_value_update"]
    shown = (got.headline["values_awaiting_validation"], _normalised([last])[0] if last else None)
    assert shown == headline_from_values(w["engine"], w["cohort"])


@pytest.mark.parametrize("seed", range(4))
def test_totals_stay_exact_and_the_dashboard_unchanged(engine, seed, monkeypatch):
    rng = random.Random(seed)
    w = build_world(engine, rng)
    assert_same_dashboard(w, DashboardFilters(), monkeypatch)  # no value yet
    for _ in range(3):
        random_writes(w, rng, steps=12)
        assert stored_totals(engine) == totals_from_values_sql(engine)
        assert_same_dashboard(w, DashboardFilters(), monkeypatch)
        start, end = sorted(rng.sample(MONTHS, 2))
        assert_same_dashboard(w, DashboardFilters(period_start=start, period_end=end), monkeypatch)
    # The comparisons above are not between two empty sets: values were stored and counted.
    assert totals_from_values_sql(engine)[0], "no write went through"


def test_the_dashboard_reads_the_totals_when_they_cover_the_period(engine, monkeypatch):
    """The default view never aggregates the values (and the figures are not all empty)."""
    w = build_world(engine, random.Random(7))
    random_writes(w, random.Random(7), steps=40)
    monkeypatch.setattr(
        progress_sources, "from_values", lambda *a, **k: pytest.fail("values aggregated")
    )
    data = cd.cohort_dashboard(w["engine"], w["steering"], w["cohort"], as_of=AS_OF)
    assert data.progress["current"].notna().any()
    assert data.freshness["last_period"].notna().any()


def test_a_rebuild_gives_the_maintained_totals(engine):
    from dashboard.services.indicators.totals import rebuild_totals

    w = build_world(engine, random.Random(3))
    random_writes(w, random.Random(3), steps=30)
    before = stored_totals(engine)
    assert before[0] and before[1], "the world holds counted values"
    # Totals gone wrong (counts off, a month's count lost): only a rebuild brings them back.
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE indicator_total SET counted_values = counted_values + 7"
                 " WHERE counted_values > 0")
        )  # fmt: skip
        conn.execute(text("DELETE FROM network_month_total"))
    assert stored_totals(engine) != before
    with session_scope(engine) as s:
        rebuild_totals(s, w["cohort"])
    assert stored_totals(engine) == before == totals_from_values_sql(engine)


def test_a_refused_save_leaves_the_totals_unchanged(engine):
    w = build_world(engine, random.Random(1))
    net = next(n for n in w["networks"] if w["followed"][n])
    ind = w["followed"][net][0]
    good = {"indicator_id": ind, "period_start": MONTHS[0], "value": 5.0, "comment": "c"}
    iv.save_values(engine, w["leads"][net], net, [good], submit=True, as_of=AS_OF)
    before = stored_totals(engine)
    bad = {"indicator_id": ind, "period_start": MONTHS[1], "value": -1e300, "comment": "c"}
    with pytest.raises(ValidationFailed):
        iv.save_values(engine, w["leads"][net], net, [good | {"period_start": MONTHS[2]}, bad],
                       submit=True, as_of=AS_OF)  # fmt: skip
    assert stored_totals(engine) == before == totals_from_values_sql(engine)


THREADS = {"sqlite": 8, "postgres": 16}


@pytest.fixture
def wide_engine(engine, backend):
    if backend == "sqlite":
        yield engine
        return
    wide = create_engine(engine.url, pool_size=THREADS[backend] + 2, max_overflow=0)
    yield wide
    wide.dispose()


def test_concurrent_writers_keep_the_totals_exact(wide_engine, backend):
    """Many people saving values of the same network and indicator at once, each a different
    month (and every writer also touching one shared month): the totals count every save."""
    engine = wide_engine
    cohort = make_cohort(engine, start_date=dt.date(2020, 1, 1), end_date=dt.date(2026, 6, 30))
    net = make_network(engine, cohort)
    ind = make_indicator(engine, accumulation="per_period", unit="persons")
    make_target(engine, net, ind, baseline=0, target=1000)
    leads = [make_user(engine, "lead", network_id=net) for _ in range(THREADS[backend])]
    months = clock.months_between(dt.date(2020, 1, 1), dt.date(2025, 12, 1))
    per_thread = 3
    start = threading.Barrier(len(leads))
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        start.wait()
        try:
            for j in range(per_thread):
                month = months[k * per_thread + j]
                entry = {"indicator_id": ind, "period_start": month, "value": float(k + 1)}
                iv.save_values(engine, leads[k], net, [entry], submit=True, as_of=AS_OF)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(len(leads))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    n = len(leads)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT counted_values, counted_sum FROM indicator_total WHERE network_id = :n"),
            {"n": net},
        ).one()
        months_counted = conn.execute(
            text("SELECT SUM(counted_values) FROM network_month_total WHERE network_id = :n"),
            {"n": net},
        ).scalar_one()
    assert row[0] == n * per_thread
    assert row[1] == pytest.approx(per_thread * n * (n + 1) / 2)
    assert months_counted == n * per_thread
    assert stored_totals(engine) == totals_from_values_sql(engine)


def test_migration_0008_backfills_the_totals_of_an_upgraded_database(engine):
    """Values written before the totals existed: the upgrade computes them."""
    from alembic import command

    from dashboard.core.db import _alembic_config

    w = build_world(engine, random.Random(5))
    random_writes(w, random.Random(5), steps=30)
    maintained = stored_totals(engine)
    config = _alembic_config(engine)
    command.downgrade(config, "0007")
    command.upgrade(config, "0008")
    assert stored_totals(engine) == maintained == totals_from_values_sql(engine)
    assert maintained[0], "the world holds values"


def test_a_spreadsheet_import_keeps_the_totals_exact(demo_engine):
    """The preview rehearses the saves in a rolled-back transaction: totals untouched; the
    import applies them in one transaction: totals follow."""
    from dashboard.services import imports
    from tests.unit.import_files import AS_OF as IMPORT_DAY
    from tests.unit.import_files import actor, edit_xlsx, rows_of, template

    lead = actor(demo_engine, "lead.r01")
    content = imports.write_xlsx(template(demo_engine, lead))
    row = next(
        r
        for r in rows_of(content, "Valeurs")
        if r["Statut"] == "Soumise" and isinstance(r["Valeur"], int | float)
    )
    edited = edit_xlsx(
        content, "Valeurs", {(row["_row"], "Valeur"): row["Valeur"] + 1, (row["_row"], "Commentaire"): "corrigé"}
    )  # fmt: skip
    before = stored_totals(demo_engine)
    assert before == totals_from_values_sql(demo_engine)
    plan = imports.preview_import(demo_engine, lead, "modele.xlsx", edited, as_of=IMPORT_DAY)
    assert plan.errors == [] and plan.changes
    assert stored_totals(demo_engine) == before
    imports.apply_import(
        demo_engine, lead, "modele.xlsx", edited, as_of=IMPORT_DAY, expected_digest=plan.digest
    )
    after = stored_totals(demo_engine)
    assert after != before
    assert after == totals_from_values_sql(demo_engine)
