"""The cohort dashboard's aggregates on small hand-made cohorts, expectations computed by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.core.db import session_scope
from dashboard.services.reporting import cohort_dashboard as cd
from models import ChangeLog
from tests.factories import make_cohort, make_network, make_session, make_user
from tests.unit.roadmap_builders import (
    add_values,
    make_alliance,
    make_assessment,
    make_indicator,
    make_milestone,
    make_partner,
    make_target,
)

AS_OF = dt.date(2026, 1, 20)
S1, S2, S3 = dt.date(2025, 10, 14), dt.date(2025, 12, 9), dt.date(2026, 3, 17)


@pytest.fixture
def cohort(engine):
    cid = make_cohort(engine)
    a = make_network(engine, cid, code="R01", name="Réseau Alpha")
    b = make_network(engine, cid, code="R02", name="Réseau Beta")
    sessions = {
        code: make_session(engine, cid, code=code, number=i + 1, date=day)
        for i, (code, day) in enumerate((("S1", S1), ("S2", S2), ("S3", S3)))
    }
    # Alpha: 1 done, 1 late (planned, past due), 1 late (postponed, past due), 1 planned ahead.
    make_milestone(engine, a, due=dt.date(2025, 11, 5), status="done", done=dt.date(2025, 11, 20))
    make_milestone(engine, a, due=dt.date(2025, 12, 1), status="planned")
    make_milestone(engine, a, due=dt.date(2026, 1, 10), status="postponed")
    make_milestone(engine, a, due=dt.date(2026, 3, 1), status="planned")
    # Beta: 1 in progress ahead, 1 cancelled past due (not late).
    make_milestone(engine, b, due=dt.date(2026, 2, 1), status="in_progress")
    make_milestone(engine, b, due=dt.date(2025, 11, 1), status="cancelled")
    return {"engine": engine, "id": cid, "a": a, "b": b, "sessions": sessions}


def counts_of(data: cd.DashboardData) -> dict:
    return {
        (r.network_code, r.status): r.count for r in data.milestone_counts.itertuples(index=False)
    }


def test_milestones_by_network_and_status_with_late(cohort):
    steering = make_user(cohort["engine"], "steering")
    data = cd.cohort_dashboard(cohort["engine"], steering, cohort["id"], as_of=AS_OF)
    assert counts_of(data) == {
        ("R01", "done"): 1,
        ("R01", "late"): 2,
        ("R01", "planned"): 1,
        ("R02", "in_progress"): 1,
        ("R02", "cancelled"): 1,
    }
    late = data.timeline[data.timeline["derived_status"] == "late"]
    # Days late at 20/01/2026: due 01/12/2025 → 50 days; due 10/01/2026 → 10 days.
    assert sorted(late["days_late"]) == [10, 50]


def test_network_and_period_filters_narrow_the_milestones(cohort):
    steering = make_user(cohort["engine"], "steering")
    only_beta = cd.DashboardFilters(network_ids=(cohort["b"],))
    data = cd.cohort_dashboard(
        cohort["engine"], steering, cohort["id"], filters=only_beta, as_of=AS_OF
    )
    assert set(data.milestone_counts["network_code"]) == {"R02"}
    december_on = cd.DashboardFilters(
        period_start=dt.date(2025, 12, 1), period_end=dt.date(2026, 1, 1)
    )
    data = cd.cohort_dashboard(
        cohort["engine"], steering, cohort["id"], filters=december_on, as_of=AS_OF
    )
    # Due in December 2025 or January 2026: Alpha's two late milestones only.
    assert counts_of(data) == {("R01", "late"): 2}


def test_pipeline_counts_stage_by_family_now_and_at_a_past_date(cohort):
    e, a, b = cohort["engine"], cohort["a"], cohort["b"]
    company, peer, public = (make_partner(e, family=f) for f in ("company", "peer", "public"))
    make_alliance(
        e,
        a,
        company,
        stages=[("identified", dt.date(2025, 10, 2)), ("signed", dt.date(2025, 12, 15))],
        company_type="economic_cooperation",
    )
    make_alliance(e, a, peer, stages=[("contacted", dt.date(2025, 10, 20))])
    make_alliance(
        e,
        b,
        company,
        stages=[("scoping", dt.date(2025, 11, 3)), ("abandoned", dt.date(2026, 1, 5))],
        company_type="philanthropy",
    )
    make_alliance(
        e,
        b,
        public,
        stages=[("preparing", dt.date(2025, 11, 10)), ("running", dt.date(2026, 1, 8))],
    )
    steering = make_user(e, "steering")
    now = cd.cohort_dashboard(e, steering, cohort["id"], as_of=AS_OF)
    got = {(r.stage, r.family): r.count for r in now.pipeline.itertuples(index=False)}
    assert got == {
        ("signed", "company"): 1,
        ("contacted", "peer"): 1,
        ("abandoned", "company"): 1,
        ("running", "public"): 1,
    }
    types = {(r.company_type, r.signed): r.count for r in now.company_types.itertuples()}
    assert types == {("economic_cooperation", True): 1}  # the abandoned one is left out

    # At the end of November 2025, from the stage history.
    november = cd.DashboardFilters(period_end=dt.date(2025, 11, 1))
    past = cd.cohort_dashboard(e, steering, cohort["id"], filters=november, as_of=AS_OF)
    assert past.pipeline_day == dt.date(2025, 11, 30)
    got = {(r.stage, r.family): r.count for r in past.pipeline.itertuples(index=False)}
    assert got == {
        ("identified", "company"): 1,
        ("contacted", "peer"): 1,
        ("scoping", "company"): 1,
        ("preparing", "public"): 1,
    }
    # Family filter: companies only.
    companies = cd.DashboardFilters(partner_families=("company",))
    only = cd.cohort_dashboard(e, steering, cohort["id"], filters=companies, as_of=AS_OF)
    assert set(only.pipeline["family"]) == {"company"}
    assert int(only.pipeline["count"].sum()) == 2


def test_exchange_to_alliance_shift_between_two_sessions(cohort):
    e, a = cohort["engine"], cohort["a"]
    peer = make_partner(e, family="peer")
    moved = make_alliance(
        e, a, peer, stages=[("contacted", dt.date(2025, 10, 1))], relation_logic="alliance"
    )
    make_alliance(e, a, peer, stages=[("contacted", dt.date(2025, 10, 1))])  # stays exchange
    make_alliance(e, a, peer, stages=[("identified", dt.date(2025, 11, 15))])  # new after S1
    with session_scope(e) as s:  # moved from exchange to alliance on 2025-11-20
        s.add(
            ChangeLog(
                changed_at=dt.datetime(2025, 11, 20, 10, tzinfo=dt.UTC),
                cohort_id=cohort["id"],
                network_id=a,
                entity="alliance",
                entity_id=moved,
                action="update",
                field="relation_logic",
                before="exchange",
                after="alliance",
            )
        )
    steering = make_user(e, "steering")
    data = cd.cohort_dashboard(e, steering, cohort["id"], as_of=AS_OF)
    assert data.shift_labels == ("S1", "S2")  # first session, last session held by 20/01
    got = {(r.from_logic, r.to_logic): r.count for r in data.logic_shift.itertuples()}
    assert got == {
        ("exchange", "alliance"): 1,
        ("exchange", "exchange"): 1,
        ("absent", "exchange"): 1,
    }


def test_maturity_first_and_latest_per_axis(cohort):
    e, a, s = cohort["engine"], cohort["a"], cohort["sessions"]
    make_assessment(e, a, s["S1"], {"vision": 2, "evaluation": 1})
    make_assessment(e, a, s["S3"], {"vision": 3, "evaluation": 1}, on=S3)
    make_assessment(e, a, s["S3"], {"vision": 2, "evaluation": 1}, assessor="facilitator", on=S3)
    data = cd.cohort_dashboard(e, make_user(e, "steering"), cohort["id"], as_of=dt.date(2026, 4, 1))
    own = data.maturity[data.maturity["assessor"] == "self"].set_index("axis")
    assert own.loc["vision", "first_level"] == 2 and own.loc["vision", "latest_level"] == 3
    assert own.loc["vision", "delta"] == 1 and own.loc["evaluation", "delta"] == 0
    assert own.loc["vision", "first_session"] == "S1"
    assert own.loc["vision", "latest_session"] == "S3"
    fac = data.maturity[data.maturity["assessor"] == "facilitator"].set_index("axis")
    assert fac.loc["vision", "latest_level"] == 2


def test_freshness_months_missing_and_stale_flag(cohort):
    e, a, b = cohort["engine"], cohort["a"], cohort["b"]
    i1, i2 = make_indicator(e, code="F1"), make_indicator(e, code="F2")
    for net in (a, b):
        make_target(e, net, i1, target=10)
        make_target(e, net, i2, target=10)
    months = [dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1)]
    # Alpha: both indicators every month → complete.
    add_values(e, a, i1, dict.fromkeys(months, 1))
    add_values(e, a, i2, dict.fromkeys(months, 1))
    # Beta: only October complete; November has one indicator of two; December nothing.
    add_values(e, b, i1, {months[0]: 1, months[1]: 1})
    add_values(e, b, i2, {months[0]: 1})
    data = cd.cohort_dashboard(e, make_user(e, "steering"), cohort["id"], as_of=AS_OF)
    fresh = data.freshness.set_index("network_code")
    # Expected months at 20/01/2026: October → December 2025 (3 months).
    assert fresh.loc["R01", "months_expected"] == 3
    assert fresh.loc["R01", "months_missing"] == 0 and not fresh.loc["R01", "stale"]
    assert fresh.loc["R02", "months_missing"] == 2  # November incomplete, December empty
    assert fresh.loc["R02", "months_behind"] == 1  # last value in November
    assert fresh.loc["R02", "stale"]


def test_benchmark_uses_all_networks_even_when_filtered(cohort):
    e, a, b = cohort["engine"], cohort["a"], cohort["b"]
    ind = make_indicator(e, code="K1")
    make_target(e, a, ind, target=10)
    make_target(e, b, ind, target=10)
    add_values(e, a, ind, {dt.date(2025, 10, 1): 2})
    add_values(e, b, ind, {dt.date(2025, 10, 1): 6})
    only_a = cd.DashboardFilters(network_ids=(a,))
    data = cd.cohort_dashboard(
        e, make_user(e, "steering"), cohort["id"], filters=only_a, as_of=AS_OF
    )
    assert list(data.progress["network_code"]) == ["R01"]
    assert data.benchmark.iloc[0]["median"] == pytest.approx((0.2 + 0.6) / 2)


def test_anonymised_lead_sees_no_other_name_nor_title(engine):
    cid = make_cohort(engine, anonymise_for_leads=True)
    own = make_network(engine, cid, code="R01", name="Mon Réseau")
    other = make_network(engine, cid, code="R02", name="Fédération Secrète")
    make_milestone(engine, own, due=dt.date(2025, 12, 1), title="Mon jalon")
    make_milestone(engine, other, due=dt.date(2025, 12, 1), title="Signer avec Fédération Secrète")
    lead = make_user(engine, "lead", network_id=own)
    data = cd.cohort_dashboard(engine, lead, cid, as_of=AS_OF)
    for name in ("milestone_counts", "timeline", "progress", "maturity", "freshness", "networks"):
        frame = getattr(data, name)
        assert "Secrète" not in frame.to_string(), name
        assert "R02" not in frame.to_string(), name
    titles = dict(zip(data.timeline["network_name"], data.timeline["title"], strict=True))
    assert titles == {"Mon Réseau": "Mon jalon", "Réseau A": None}


def test_data_version_moves_with_logged_writes(cohort):
    e = cohort["engine"]
    steering = make_user(e, "steering")
    before = cd.data_version(e, steering, cohort["id"])
    with session_scope(e) as s:
        s.add(ChangeLog(cohort_id=cohort["id"], entity="milestone", action="update", field="x"))
    assert cd.data_version(e, steering, cohort["id"]) > before


def test_empty_cohort_gives_empty_frames(engine):
    cid = make_cohort(engine)
    data = cd.cohort_dashboard(engine, make_user(engine, "ministry"), cid, as_of=AS_OF)
    for frame in (data.milestone_counts, data.progress, data.pipeline, data.maturity):
        assert isinstance(frame, pd.DataFrame) and frame.empty
    assert data.headline["networks"] == 0
