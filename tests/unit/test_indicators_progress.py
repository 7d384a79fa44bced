"""Indicator progress per accumulation rule, on hand-made values with hand-computed results."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from dashboard.core.errors import NotFound
from dashboard.services.indicators import progress as ip
from tests.factories import make_cohort, make_network, make_user
from tests.unit.roadmap_builders import add_values, make_indicator, make_target

OCT, NOV, DEC, JAN = (
    dt.date(2025, 10, 1),
    dt.date(2025, 11, 1),
    dt.date(2025, 12, 1),
    dt.date(2026, 1, 1),
)
AS_OF = dt.date(2026, 1, 20)


def nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


# --- the formula --------------------------------------------------------------------------
def test_progress_is_share_of_the_way_from_baseline_to_target():
    assert ip.progress_ratio(5, 0, 10) == 0.5  # 5 of the 10 to go
    assert ip.progress_ratio(12, 2, 22) == 0.5  # (12 − 2) / (22 − 2)


def test_progress_is_capped_to_0_and_100_percent_but_raw_ratio_is_kept():
    assert ip.progress_ratio(13, 0, 10) == 1.0
    assert ip.progress_ratio(13, 0, 10, capped=False) == pytest.approx(1.3)
    assert ip.progress_ratio(-4, 0, 10) == 0.0


def test_lower_is_better_goes_through_the_same_formula():
    # baseline 50, target 30: at 40 half the way is done; 25 overshoots; 55 went backwards.
    assert ip.progress_ratio(40, 50, 30) == 0.5
    assert ip.progress_ratio(25, 50, 30) == 1.0
    assert ip.progress_ratio(25, 50, 30, capped=False) == pytest.approx(1.25)
    assert ip.progress_ratio(55, 50, 30) == 0.0


def test_no_target_or_target_equal_to_baseline_means_no_progress_not_zero():
    assert ip.progress_ratio(5, 0, None) is None
    assert ip.progress_ratio(5, 5, 5) is None
    assert ip.progress_ratio(None, 0, 10) is None


def test_current_value_follows_the_accumulation_rule():
    assert ip.current_value("cumulative", latest=7, period_sum=14) == 7
    assert ip.current_value("level", latest=38, period_sum=123) == 38
    assert ip.current_value("per_period", latest=15, period_sum=30) == 30
    assert ip.current_value("per_period", latest=None, period_sum=None) is None


def test_missing_baseline_is_never_taken_as_zero():
    assert ip.effective_baseline(None, "cumulative") is None
    assert ip.effective_baseline(None, "per_period") is None
    assert ip.effective_baseline(None, "level") is None
    assert ip.effective_baseline(6.0, "level") == 6.0


# --- from the database --------------------------------------------------------------------
@pytest.fixture
def world(engine):
    cohort = make_cohort(engine)
    net = make_network(engine, cohort, code="R01", name="Réseau Alpha")
    cumul = make_indicator(engine, code="CUMUL", accumulation="cumulative")
    flow = make_indicator(engine, code="FLOW", accumulation="per_period", unit="persons")
    level = make_indicator(
        engine, code="LEVEL", accumulation="level", direction="lower_is_better", unit="percent"
    )
    make_target(engine, net, cumul, baseline=0, target=10)
    make_target(engine, net, flow, baseline=0, target=60)
    make_target(engine, net, level, baseline=50, target=30)
    add_values(engine, net, cumul, {OCT: 2, NOV: 5, DEC: 7})  # running totals
    add_values(engine, net, flow, {OCT: 10, NOV: 5, DEC: 15})  # monthly flows
    add_values(engine, net, level, {OCT: 45, NOV: 40, DEC: 38})  # states
    # A draft is the lead's work in progress: not counted.
    add_values(engine, net, cumul, {JAN: 100}, status="draft")
    add_values(engine, net, flow, {JAN: 100}, status="draft")
    return {"engine": engine, "cohort": cohort, "net": net, "actor": make_user(engine, "steering")}


def by_code(frame: pd.DataFrame) -> dict:
    return {r.indicator_code: r for r in frame.itertuples(index=False)}


def test_progress_per_rule_over_the_whole_cohort(world):
    rows = by_code(
        ip.indicator_progress(world["engine"], world["actor"], world["cohort"], as_of=AS_OF)
    )
    # cumulative: latest running total 7 of 10 (the January draft is ignored)
    assert rows["CUMUL"].current == 7 and rows["CUMUL"].progress == pytest.approx(0.7)
    # per period: 10 + 5 + 15 = 30 of 60
    assert rows["FLOW"].current == 30 and rows["FLOW"].progress == pytest.approx(0.5)
    # level, lower is better: (38 − 50) / (30 − 50) = 0.6
    assert rows["LEVEL"].current == 38 and rows["LEVEL"].progress == pytest.approx(0.6)
    assert rows["CUMUL"].last_period == DEC


def test_period_filter_moves_the_end_and_sums_from_the_cohort_start(world):
    frame = ip.indicator_progress(
        world["engine"],
        world["actor"],
        world["cohort"],
        period_start=NOV,
        period_end=NOV,
        as_of=AS_OF,
    )
    rows = by_code(frame)
    assert rows["CUMUL"].current == 5  # running total at the end of November
    assert rows["CUMUL"].progress == pytest.approx(0.5)
    assert rows["FLOW"].current == 15  # October and November, against the cohort's target
    assert rows["FLOW"].progress == pytest.approx(15 / 60)
    assert rows["LEVEL"].progress == pytest.approx((40 - 50) / (30 - 50))


def test_missing_target_and_flat_target_stay_missing(engine):
    cohort = make_cohort(engine)
    net = make_network(engine, cohort)
    no_target = make_indicator(engine, code="NOTGT")
    flat = make_indicator(engine, code="FLAT")
    make_target(engine, net, no_target, baseline=0, target=None)
    make_target(engine, net, flat, baseline=4, target=4)
    add_values(engine, net, no_target, {OCT: 3})
    add_values(engine, net, flat, {OCT: 3})
    rows = by_code(ip.indicator_progress(engine, make_user(engine, "admin"), cohort, as_of=AS_OF))
    assert rows["NOTGT"].current == 3 and nan(rows["NOTGT"].progress)
    assert rows["FLAT"].current == 3 and nan(rows["FLAT"].progress)


def test_cohort_median_and_quartiles_on_share_of_own_target(engine):
    cohort = make_cohort(engine)
    ind = make_indicator(engine, code="KEY")
    # Progress 0.2, 0.4, 0.6, 1.0 (13/10 capped), and one network without a target.
    for value in (2, 4, 6, 13):
        net = make_network(engine, cohort)
        make_target(engine, net, ind, baseline=0, target=10)
        add_values(engine, net, ind, {OCT: value})
    untargeted = make_network(engine, cohort)
    make_target(engine, untargeted, ind, baseline=0, target=None)
    add_values(engine, untargeted, ind, {OCT: 50})
    progress = ip.indicator_progress(engine, make_user(engine, "steering"), cohort, as_of=AS_OF)
    stats = ip.cohort_benchmark(progress).iloc[0]
    assert stats.n == 4  # the network without a target is left out, not counted as 0 %
    assert stats["median"] == pytest.approx((0.4 + 0.6) / 2)
    # Linear interpolation: Q1 at rank 0.75 → 0.2 + 0.75 × (0.4 − 0.2); Q3 at rank 2.25.
    assert stats.q1 == pytest.approx(0.35)
    assert stats.q3 == pytest.approx(0.6 + 0.25 * (1.0 - 0.6))


def test_lead_sees_other_networks_anonymised_when_the_cohort_says_so(engine):
    cohort = make_cohort(engine, anonymise_for_leads=True)
    ind = make_indicator(engine, code="KEY")
    own = make_network(engine, cohort, code="R01", name="Mon Réseau")
    other = make_network(engine, cohort, code="R02", name="Fédération Voisine")
    for net in (own, other):
        make_target(engine, net, ind, baseline=0, target=10)
        add_values(engine, net, ind, {OCT: 5})
    lead = make_user(engine, "lead", network_id=own)
    frame = ip.indicator_progress(engine, lead, cohort, as_of=AS_OF)
    assert set(frame["network_name"]) == {"Mon Réseau", "Réseau A"}
    assert "Fédération Voisine" not in frame.to_string()
    assert "R02" not in set(frame["network_code"])
    steering = make_user(engine, "steering")
    named = ip.indicator_progress(engine, steering, cohort, as_of=AS_OF)
    assert set(named["network_name"]) == {"Mon Réseau", "Fédération Voisine"}


def test_lead_cannot_read_another_cohort(engine):
    mine, other = make_cohort(engine), make_cohort(engine)
    lead = make_user(engine, "lead", network_id=make_network(engine, mine))
    with pytest.raises(NotFound):
        ip.indicator_progress(engine, lead, other, as_of=AS_OF)
