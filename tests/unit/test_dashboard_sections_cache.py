"""The cohort dashboard's section caches follow what changed: a save rebuilds the sections that
read what it changed and leaves the others cached (builds counted), the versions coming from
the database (as a second server process would read them)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import streamlit as st
from sqlmodel import select

from dashboard.charts import scale, sections
from dashboard.core.db import session_scope
from dashboard.core.errors import AppError
from dashboard.services.reporting import dashboard_versions
from dashboard.services.reporting.cohort_dashboard import DashboardFilters
from dashboard.services.roadmap.objectives import create_objective
from dashboard.services.roadmap.stages import move_alliance_stage
from dashboard.ui import dashboard_cache
from models import Alliance
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


@pytest.fixture
def world(engine):
    cid = make_cohort(engine)
    a = make_network(engine, cid, code="R01", name="Réseau Alpha")
    make_network(engine, cid, code="R02", name="Réseau Beta")
    s1 = make_session(engine, cid, code="S1", number=1, date=dt.date(2025, 10, 14))
    make_milestone(engine, a, due=dt.date(2025, 12, 1), status="planned")
    ind = make_indicator(engine)
    make_target(engine, a, ind, baseline=0, target=10)
    add_values(engine, a, ind, {dt.date(2025, 11, 1): 4})
    alliance = make_alliance(engine, a, make_partner(engine))
    make_assessment(engine, a, s1, {"vision": 2, "evaluation": 1})
    st.cache_data.clear()
    st.cache_resource.clear()
    yield {
        "engine": engine,
        "cohort": cid,
        "network": a,
        "alliance": alliance,
        "steering": make_user(engine, "steering"),
        "lead": make_user(engine, "lead", network_id=a),
    }
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def builds(monkeypatch) -> Counter:
    """How many times each section was built (not read from the cache)."""
    counted: Counter = Counter()
    real = sections.build_section

    def counting(name, *args, **kwargs):
        counted[name] += 1
        return real(name, *args, **kwargs)

    monkeypatch.setattr(sections, "build_section", counting)
    return counted


def _render(world) -> dict[str, sections.Section]:
    """What the page does on a rerun: the versions from the database, then every section."""
    engine, actor = world["engine"], world["steering"]
    versions = dashboard_cache.current_versions(engine, actor, world["cohort"])
    view = dashboard_cache.DashboardView(
        world["cohort"], DashboardFilters(), (None, None), AS_OF, shown_count=2, summary_from=40
    )
    return {
        name: dashboard_cache.dashboard_section(engine, actor, versions, name, view)
        for name in scale.SECTIONS
    }


def test_a_rerun_with_nothing_changed_builds_nothing(world, builds):
    first = _render(world)
    assert builds == Counter(dict.fromkeys(scale.SECTIONS, 1))
    again = _render(world)
    assert builds == Counter(dict.fromkeys(scale.SECTIONS, 1))
    assert again["indicators"].charts["heatmap"].spec == first["indicators"].charts["heatmap"].spec
    shown = first["indicators"].charts["heatmap"].table
    assert shown.iloc[0].tolist()[0] == "Réseau Alpha" and shown.iloc[0].tolist()[-1] == "40\u00a0%"


def test_a_new_objective_rebuilds_the_milestone_sections_only(world, builds):
    _render(world)
    create_objective(
        world["engine"], world["lead"], world["network"], title="Nouvel objectif",
        motivation="peer_scaling",
    )  # fmt: skip
    _render(world)
    rebuilt = {name for name, n in builds.items() if n == 2}
    assert rebuilt == {"overview", "milestones"}


def test_an_alliance_stage_move_rebuilds_what_reads_alliances(world, builds):
    before = _render(world)
    engine = world["engine"]
    with session_scope(engine) as s:
        version = s.exec(select(Alliance.version).where(Alliance.id == world["alliance"])).one()
    move_alliance_stage(
        engine, world["lead"], world["alliance"], version, to_stage="contacted",
        changed_on=AS_OF, as_of=AS_OF,
    )  # fmt: skip
    after = _render(world)
    rebuilt = {name for name, n in builds.items() if n == 2}
    assert rebuilt == {"overview", "alliances", "freshness"}
    # What the person sees moved with the save: the pipeline now counts a contacted alliance.
    assert before["alliances"].charts["pipeline"].spec != after["alliances"].charts["pipeline"].spec
    # The untouched sections are the very same cached content.
    assert before["maturity"].charts["radars"].spec == after["maturity"].charts["radars"].spec


def test_versions_are_read_forward_and_per_kind(world):
    engine, actor = world["engine"], world["steering"]
    first = dashboard_versions.data_versions(engine, actor, world["cohort"])
    create_objective(
        engine, world["lead"], world["network"], title="Un autre objectif",
        motivation="other",
    )  # fmt: skip
    later = dashboard_versions.data_versions(engine, actor, world["cohort"], known=first)
    fresh = dashboard_versions.data_versions(engine, actor, world["cohort"])
    assert later == fresh  # reading forward from what was known gives the full answer
    assert later.by_entity["objective"] > first.by_entity.get("objective", 0)
    for section, moved in (("milestones", True), ("indicators", False), ("maturity", False)):
        changed = dashboard_versions.section_version(later, section) != (
            dashboard_versions.section_version(first, section)
        )
        assert changed is moved, section


def test_versions_refuse_a_cohort_the_person_may_not_read(world):
    other = make_cohort(world["engine"], code="AUTRE")
    lead = world["lead"]
    with pytest.raises(AppError):
        dashboard_versions.data_versions(world["engine"], lead, other)
