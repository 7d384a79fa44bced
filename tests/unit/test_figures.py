"""Every figure rule recomputed independently (raw SQL and plain Python) on edge cases, on both
databases: no value yet, only drafts, a returned month, a missing month, a missing baseline, a
target below its baseline, a lower-is-better indicator, a target equal to its baseline, and a
period filter.

Rules (README, "How figures are computed"): drafts are never counted; a missing baseline or
target, or a target equal to the baseline, gives no progress (left out of the median); a
per-period indicator sums its months from the cohort's start to the end of the period shown.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest
from sqlalchemy import text

from dashboard.services.indicators import progress as ip
from dashboard.services.indicators import review
from dashboard.services.reporting import cohort_dashboard, network_detail
from tests.factories import make_cohort, make_network, make_user
from tests.unit.roadmap_builders import add_values, make_indicator, make_target

OCT, NOV, DEC, JAN, FEB = (
    dt.date(2025, 10, 1),
    dt.date(2025, 11, 1),
    dt.date(2025, 12, 1),
    dt.date(2026, 1, 1),
    dt.date(2026, 2, 1),
)
AS_OF = dt.date(2026, 3, 10)
COHORT_START = dt.date(2025, 10, 1)


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


@pytest.fixture
def world(engine):
    cohort = make_cohort(engine, start_date=COHORT_START)
    cumul = make_indicator(engine, code="CUMUL", accumulation="cumulative")
    flow = make_indicator(engine, code="FLOW", accumulation="per_period", unit="persons")
    level = make_indicator(
        engine, code="LEVEL", accumulation="level", direction="lower_is_better", unit="percent"
    )
    nets = {
        code: make_network(engine, cohort, code=code, name=f"Réseau {code}")
        for code in ("N1", "N2", "N3", "N4", "N5")
    }
    # N1: validated and submitted months, a missing month (December for CUMUL and LEVEL), a
    # returned month (December for FLOW) and a draft month (February).
    make_target(engine, nets["N1"], cumul, baseline=0, target=10)
    make_target(engine, nets["N1"], flow, baseline=0, target=60)
    make_target(engine, nets["N1"], level, baseline=50, target=30)
    add_values(engine, nets["N1"], cumul, {OCT: 2, NOV: 5})
    add_values(engine, nets["N1"], cumul, {JAN: 7}, status="submitted")
    add_values(engine, nets["N1"], cumul, {FEB: 100}, status="draft")
    add_values(engine, nets["N1"], flow, {OCT: 10, NOV: 5})
    add_values(engine, nets["N1"], flow, {DEC: 20, JAN: 15}, status="submitted")
    add_values(engine, nets["N1"], flow, {FEB: 30}, status="draft")
    add_values(engine, nets["N1"], level, {OCT: 45, NOV: 40, JAN: 38})
    # N2: a target below the baseline on a higher-is-better indicator, a target equal to the
    # baseline, and a level indicator without a baseline.
    make_target(engine, nets["N2"], cumul, baseline=10, target=4)
    make_target(engine, nets["N2"], flow, baseline=5, target=5)
    make_target(engine, nets["N2"], level, baseline=None, target=30)
    add_values(engine, nets["N2"], cumul, {OCT: 8, NOV: 6})
    add_values(engine, nets["N2"], flow, {OCT: 3, NOV: 4})
    add_values(engine, nets["N2"], level, {OCT: 40})
    # N3: targets, no value yet (every network of a new cohort on day one).
    for ind in (cumul, flow, level):
        make_target(engine, nets["N3"], ind, baseline=0, target=10)
    # N4: only drafts.
    for ind in (cumul, flow, level):
        make_target(engine, nets["N4"], ind, baseline=0, target=10)
        add_values(engine, nets["N4"], ind, {OCT: 4, NOV: 6, DEC: 8, JAN: 9}, status="draft")
    # N5: no baseline on the cumulative and per-period indicators.
    make_target(engine, nets["N5"], cumul, baseline=None, target=10)
    make_target(engine, nets["N5"], flow, baseline=None, target=60)
    add_values(engine, nets["N5"], cumul, {OCT: 5})
    add_values(engine, nets["N5"], flow, {OCT: 30})
    admin = make_user(engine, "admin")
    with engine.connect() as conn:
        value_id, version = conn.execute(
            text(
                "SELECT id, version FROM indicator_value "
                "WHERE network_id = :n AND indicator_id = :i AND period_start = :p"
            ),
            {"n": nets["N1"], "i": flow, "p": DEC},
        ).one()
    review.return_value(engine, admin, value_id, version, "Chiffre à vérifier avec la trésorerie.")
    return {
        "engine": engine,
        "cohort": cohort,
        "nets": nets,
        "steering": make_user(engine, "steering"),
        "admin": admin,
    }


def _raw(engine):
    """Targets and counted values straight from the tables."""
    with engine.connect() as conn:
        targets = conn.execute(
            text(
                "SELECT t.network_id, i.code, i.accumulation, t.baseline_value, t.target_value "
                "FROM indicator_target t JOIN indicator i ON i.id = t.indicator_id"
            )
        ).all()
        values = conn.execute(
            text(
                "SELECT v.network_id, i.code, v.period_start, v.value, v.status "
                "FROM indicator_value v JOIN indicator i ON i.id = v.indicator_id"
            )
        ).all()
    return targets, values


def _as_date(x) -> dt.date:
    return x if isinstance(x, dt.date) else dt.date.fromisoformat(str(x)[:10])


def expected_progress(engine, *, end: dt.date) -> dict[tuple[int, str], dict]:
    """Progress per (network, indicator) by the written rules, in plain Python."""
    targets, values = _raw(engine)
    counted = [
        (n, code, _as_date(p), float(v))
        for n, code, p, v, status in values
        if status in ("submitted", "validated") and _as_date(p) <= end
    ]
    out = {}
    for network_id, code, accumulation, baseline, target in targets:
        mine = sorted((p, v) for n, c, p, v in counted if n == network_id and c == code)
        if accumulation == "per_period":
            current = sum(v for p, v in mine if p >= COHORT_START) if mine else None
        else:
            current = mine[-1][1] if mine else None
        progress = None
        if None not in (current, baseline, target) and target != baseline:
            progress = min(max((current - baseline) / (target - baseline), 0.0), 1.0)
        out[(network_id, code)] = {
            "current": current,
            "progress": progress,
            "baseline_missing": baseline is None and target is not None,
        }
    return out


def _shown(frame) -> dict[tuple[int, str], dict]:
    return {
        (int(r.network_id), r.indicator_code): {
            "current": None if _nan(r.current) else float(r.current),
            "progress": None if _nan(r.progress) else float(r.progress),
            "baseline_missing": bool(r.baseline_missing),
        }
        for r in frame.itertuples(index=False)
    }


def _same(shown: dict, expected: dict) -> None:
    assert set(shown) == set(expected)
    for key, want in expected.items():
        got = shown[key]
        assert got["baseline_missing"] == want["baseline_missing"], key
        for field in ("current", "progress"):
            if want[field] is None:
                assert got[field] is None, (key, field, got[field])
            else:
                assert got[field] == pytest.approx(want[field]), (key, field)


def test_progress_matches_an_independent_recomputation(world):
    frame = ip.indicator_progress(
        world["engine"], world["steering"], world["cohort"], key_only=False, as_of=AS_OF
    )
    expected = expected_progress(world["engine"], end=AS_OF)
    _same(_shown(frame), expected)
    n = world["nets"]
    # Hand-checked anchors: N1's flow counts October, November and January (the returned
    # December and the February draft are not counted): 10 + 5 + 15 = 30 of 60.
    assert expected[(n["N1"], "FLOW")]["progress"] == pytest.approx(0.5)
    # A target below the baseline: (6 − 10) / (4 − 10).
    assert expected[(n["N2"], "CUMUL")]["progress"] == pytest.approx(4 / 6)
    # Lower is better: (38 − 50) / (30 − 50).
    assert expected[(n["N1"], "LEVEL")]["progress"] == pytest.approx(0.6)
    for key in ((n["N2"], "FLOW"), (n["N3"], "CUMUL"), (n["N4"], "FLOW")):
        assert expected[key]["progress"] is None


def test_a_missing_baseline_gives_no_progress_whatever_the_accumulation(world):
    frame = ip.indicator_progress(
        world["engine"], world["steering"], world["cohort"], key_only=False, as_of=AS_OF
    )
    n5 = frame[frame["network_code"] == "N5"].set_index("indicator_code")
    assert n5.loc["CUMUL", "current"] == 5 and _nan(n5.loc["CUMUL", "progress"])
    assert n5.loc["FLOW", "current"] == 30 and _nan(n5.loc["FLOW", "progress"])
    assert bool(n5.loc["CUMUL", "baseline_missing"]) and bool(n5.loc["FLOW", "baseline_missing"])
    n2 = frame[frame["network_code"] == "N2"].set_index("indicator_code")
    assert _nan(n2.loc["LEVEL", "progress"]) and bool(n2.loc["LEVEL", "baseline_missing"])


def test_benchmark_leaves_out_networks_without_progress(world):
    frame = ip.indicator_progress(
        world["engine"], world["steering"], world["cohort"], key_only=False, as_of=AS_OF
    )
    expected = expected_progress(world["engine"], end=AS_OF)
    bench = ip.cohort_benchmark(frame).set_index("indicator_code")
    for code in ("CUMUL", "FLOW", "LEVEL"):
        known = [e["progress"] for (_, c), e in expected.items() if c == code]
        known = [p for p in known if p is not None]
        assert bench.loc[code, "n"] == len(known)
        assert bench.loc[code, "median"] == pytest.approx(statistics.median(known))
    # CUMUL: N1 (0.7) and N2 (4/6) only; N5 without a baseline is not a 0 % or a 50 %.
    assert bench.loc["CUMUL", "n"] == 2


@pytest.mark.parametrize(
    ("start", "end"), [(NOV, NOV), (DEC, JAN), (OCT, FEB), (JAN, JAN)], ids=str
)
def test_a_period_filter_measures_from_the_cohort_start_to_the_period_end(world, start, end):
    frame = ip.indicator_progress(
        world["engine"],
        world["steering"],
        world["cohort"],
        key_only=False,
        period_start=start,
        period_end=end,
        as_of=AS_OF,
    )
    month_end = dt.date(end.year + end.month // 12, end.month % 12 + 1, 1) - dt.timedelta(1)
    _same(_shown(frame), expected_progress(world["engine"], end=month_end))


def test_per_period_progress_for_november_counts_october_too(world):
    frame = ip.indicator_progress(
        world["engine"],
        world["steering"],
        world["cohort"],
        key_only=False,
        period_start=NOV,
        period_end=NOV,
        as_of=AS_OF,
    )
    n1 = frame[frame["network_code"] == "N1"].set_index("indicator_code")
    assert n1.loc["FLOW", "current"] == 15  # 10 + 5, against the cohort's target of 60
    assert n1.loc["FLOW", "progress"] == pytest.approx(0.25)
    assert n1.loc["FLOW", "months_with_values"] == 1  # what the period shows: November


def _expected_running_totals(engine, network_id: int, code: str) -> list[tuple[dt.date, float]]:
    _, values = _raw(engine)
    months = sorted(
        (_as_date(p), float(v))
        for n, c, p, v, status in values
        if n == network_id and c == code and status in ("submitted", "validated")
    )
    total, out = 0.0, []
    for month, value in months:
        total += value
        out.append((month, total))
    return out


def test_network_page_running_total_counts_no_draft_month(world):
    n1 = world["nets"]["N1"]
    d = network_detail.network_detail(
        world["engine"], world["steering"], world["cohort"], "N1", as_of=AS_OF
    )
    flow = d.values[d.values["indicator_code"] == "FLOW"]
    pairs = zip(flow["period_start"], flow["running_total"], strict=True)
    shown = [(_as_date(p), float(r)) for p, r in pairs]
    assert shown == _expected_running_totals(world["engine"], n1, "FLOW")
    assert shown[-1] == (JAN, 30.0)  # the same 30 as the progress table
    row = d.progress[d.progress["indicator_code"] == "FLOW"].iloc[0]
    assert row["current"] == shown[-1][1]


@pytest.mark.parametrize("code", ["N3", "N4"])
def test_network_page_of_a_network_without_counted_value(world, code):
    d = network_detail.network_detail(
        world["engine"], world["steering"], world["cohort"], code, as_of=AS_OF
    )
    assert d.values.empty and "running_total" in d.values.columns
    assert set(d.progress["indicator_code"]) == {"CUMUL", "FLOW", "LEVEL"}
    assert d.progress["progress"].isna().all() and d.progress["current"].isna().all()


def _expected_freshness(engine, network_id: int) -> dict:
    _, values = _raw(engine)
    months = {
        _as_date(p)
        for n, _c, p, _v, status in values
        if n == network_id and status in ("submitted", "validated")
    }
    return {"last_period": max(months) if months else None}


def test_freshness_counts_submitted_and_validated_values_only(world):
    data = cohort_dashboard.cohort_dashboard(
        world["engine"], world["steering"], world["cohort"], as_of=AS_OF
    )
    fresh = data.freshness.set_index("network_id")
    for code, nid in world["nets"].items():
        want = _expected_freshness(world["engine"], nid)["last_period"]
        got = fresh.loc[nid, "last_period"]
        assert (None if _nan(got) or got is None else _as_date(got)) == want, code
    n4 = world["nets"]["N4"]
    # Only drafts: nothing entered yet, every expected month missing, flagged stale.
    assert fresh.loc[n4, "months_missing"] == fresh.loc[n4, "months_expected"]
    assert bool(fresh.loc[n4, "stale"])
    # N1: January is its last counted month (February is a draft), December is incomplete
    # (CUMUL and LEVEL missing, FLOW returned).
    n1 = world["nets"]["N1"]
    assert _as_date(fresh.loc[n1, "last_period"]) == JAN


def test_dashboard_period_filter_follows_the_same_rule(world):
    filters = cohort_dashboard.DashboardFilters(period_start=NOV, period_end=DEC)
    data = cohort_dashboard.cohort_dashboard(
        world["engine"], world["steering"], world["cohort"], filters=filters, as_of=AS_OF
    )
    expected = expected_progress(world["engine"], end=dt.date(2025, 12, 31))
    shown = _shown(data.progress)
    assert len(shown) == len(expected)
    for key, got in shown.items():
        want = expected[key]
        assert (got["progress"] is None) == (want["progress"] is None), key
        if want["progress"] is not None:
            assert got["progress"] == pytest.approx(want["progress"]), key
    n1 = world["nets"]["N1"]
    # October + November (December was returned): 15 of 60, not November alone.
    assert shown[(n1, "FLOW")]["current"] == 15
