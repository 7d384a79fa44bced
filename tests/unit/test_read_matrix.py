"""Reads are checked as thoroughly as writes: every role × every scoped read service × own
network, another network of the cohort (plain and anonymised cohort), a network of another
cohort, and forged ids (unknown, not a number).

A lead reads the networks of their own cohort; when the cohort anonymises networks for leads,
a lead reads only their own network's details and sees the others as « Réseau A »…
Lessons follow their visibility: ``network`` — that network and the programme team;
``cohort`` and ``public`` — everyone who reads the cohort.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlmodel import update

from dashboard.core.db import make_engine, session_scope
from dashboard.core.errors import NotFound, PermissionDenied
from dashboard.services.indicators import targets, values
from dashboard.services.reporting import before_session, cohorts, history
from dashboard.services.roadmap import (
    alliances,
    lessons,
    maturity,
    milestones,
    objectives,
    stages,
)
from models import Cohort
from tests.conftest import BACKENDS, _database_url
from tests.factories import make_user
from tests.unit.roadmap_builders import make_alliance, make_lesson, make_milestone, make_partner
from tests.unit.roadmap_world import AS_OF, make_world

ROLES = ["own_lead", "other_lead", "steering", "ministry", "admin"]
SECRET_TITLE = "Alliance confidentielle Alpha"


@dataclass
class Matrix:
    engine: object
    actors: dict
    net_a: int
    other_net: int
    alliance: int
    milestone: int
    other_alliance: int
    other_milestone: int
    lessons: dict[str, int]
    cohort: int


@pytest.fixture(scope="module", params=BACKENDS)
def matrix_world(request, templates, tmp_path_factory) -> Iterator[Matrix]:
    """One world per backend for the whole module: every test here only reads, except the
    cohort's anonymisation flag, which :func:`matrix` resets before each test."""
    database = _database_url(templates, request.param, "empty", tmp_path_factory.mktemp("matrix"))
    engine = make_engine(next(database))
    try:
        yield _build_matrix(engine)
    finally:
        engine.dispose()
        with contextlib.suppress(StopIteration):
            next(database)


@pytest.fixture
def matrix(matrix_world) -> Matrix:
    _set_anonymised(matrix_world, False)
    return matrix_world


def _build_matrix(engine) -> Matrix:
    w = make_world(engine)
    partner = make_partner(engine, family="company")
    alliance = make_alliance(
        engine,
        w.net_a,
        partner,
        title=SECRET_TITLE,
        stages=[("identified", dt.date(2025, 10, 15)), ("contacted", dt.date(2025, 11, 3))],
    )
    milestone = make_milestone(engine, w.net_a, due=dt.date(2026, 1, 10), title="Jalon Alpha")
    objectives.create_objective(
        engine, w.lead_a, w.net_a, title="Objectif Alpha", motivation="peer_scaling"
    )
    other_alliance = make_alliance(engine, w.other_net, partner, title="Alliance Gamma")
    other_milestone = make_milestone(
        engine, w.other_net, due=dt.date(2026, 1, 10), title="Jalon Gamma"
    )
    lesson_ids = {
        vis: make_lesson(
            engine, w.cohort, network_id=w.net_a, visibility=vis, statement=f"Leçon {vis}"
        )
        for vis in ("network", "cohort", "public")
    }
    actors = {
        "own_lead": w.lead_a,
        "other_lead": w.lead_b,
        "steering": w.steering,
        "ministry": make_user(engine, "ministry"),
        "admin": w.admin,
    }
    return Matrix(
        engine,
        actors,
        w.net_a,
        w.other_net,
        alliance,
        milestone,
        other_alliance,
        other_milestone,
        lesson_ids,
        w.cohort,
    )


def _set_anonymised(m: Matrix, anonymised: bool) -> None:
    with session_scope(m.engine) as s:
        s.exec(update(Cohort).where(Cohort.id == m.cohort).values(anonymise_for_leads=anonymised))


def _anonymise(m: Matrix) -> None:
    _set_anonymised(m, True)


# Each read of one network's details, by network id and by the id of one of its rows, with
# what it shows when it is allowed (so "allowed" also means "the real data came back").
READS = {
    "list_objectives": (
        lambda m, a, net: objectives.list_objectives(m.engine, a, net),
        lambda out: "Objectif Alpha" in set(out["title"]),
    ),
    "list_alliances": (
        lambda m, a, net: alliances.list_alliances(m.engine, a, net),
        lambda out: SECRET_TITLE in set(out["title"]),
    ),
    "list_milestones": (
        lambda m, a, net: milestones.list_milestones(m.engine, a, net, as_of=AS_OF),
        lambda out: "Jalon Alpha" in set(out["title"]),
    ),
    "milestone_grid": (
        lambda m, a, net: milestones.milestone_grid(m.engine, a, net, as_of=AS_OF),
        lambda out: SECRET_TITLE in out.alliances.values(),
    ),
    "get_milestone": (
        lambda m, a, net: milestones.get_milestone(
            m.engine, a, m.milestone if net == m.net_a else m.other_milestone
        ),
        lambda out: out["title"] == "Jalon Alpha",
    ),
    "alliance_stage_history": (
        lambda m, a, net: stages.alliance_stage_history(
            m.engine, a, m.alliance if net == m.net_a else m.other_alliance
        ),
        lambda out: list(out["to_stage"]) == ["identified", "contacted"],
    ),
    "list_lessons": (
        lambda m, a, net: lessons.list_lessons(m.engine, a, net),
        lambda out: "Leçon cohort" in set(out["statement"]),
    ),
    "lesson_choices": (
        lambda m, a, net: lessons.lesson_choices(m.engine, a, net),
        lambda out: SECRET_TITLE in out["alliances"].values(),
    ),
}


@pytest.mark.parametrize("read", sorted(READS))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("anonymised", [False, True], ids=["plain", "anonymised"])
def test_roadmap_reads_of_a_network_of_the_cohort(matrix, read, role, anonymised):
    if anonymised:
        _anonymise(matrix)
    call, shows = READS[read]
    refused = anonymised and role == "other_lead"
    if refused:
        with pytest.raises(NotFound, match="pas accessible|n'existe pas"):
            call(matrix, matrix.actors[role], matrix.net_a)
    else:
        assert shows(call(matrix, matrix.actors[role], matrix.net_a))


@pytest.mark.parametrize("read", sorted(READS))
@pytest.mark.parametrize("role", ROLES)
def test_roadmap_reads_of_a_network_of_another_cohort(matrix, read, role):
    """Only a lead is bound to their cohort; everyone else reads every cohort."""
    call, _ = READS[read]
    if role in ("own_lead", "other_lead"):
        with pytest.raises(NotFound):
            call(matrix, matrix.actors[role], matrix.other_net)
    else:
        assert call(matrix, matrix.actors[role], matrix.other_net) is not None


FORGED_IDS = [987654, -1, "1 OR 1=1", None]
BY_NETWORK = {
    "list_objectives": objectives.list_objectives,
    "list_alliances": alliances.list_alliances,
    "list_milestones": milestones.list_milestones,
    "milestone_grid": milestones.milestone_grid,
    "list_lessons": lessons.list_lessons,
    "lesson_choices": lessons.lesson_choices,
    "network_name": cohorts.network_name,
}
BY_ROW = {
    "get_milestone": milestones.get_milestone,
    "alliance_stage_history": stages.alliance_stage_history,
}


@pytest.mark.parametrize("forged", FORGED_IDS, ids=repr)
@pytest.mark.parametrize("read", sorted(BY_NETWORK) + sorted(BY_ROW))
@pytest.mark.parametrize("role", ROLES)
def test_forged_ids_are_not_found(matrix, read, role, forged):
    service = BY_NETWORK.get(read) or BY_ROW[read]
    with pytest.raises(NotFound):
        service(matrix.engine, matrix.actors[role], forged)


LESSONS_SEEN = {
    "own_lead": {"network", "cohort", "public"},
    "other_lead": {"cohort", "public"},
    "steering": {"cohort", "public"},
    "ministry": {"cohort", "public"},
    "admin": {"network", "cohort", "public"},
}


@pytest.mark.parametrize("role", ROLES)
def test_lessons_follow_their_visibility(matrix, role):
    listed = lessons.list_lessons(matrix.engine, matrix.actors[role], matrix.net_a)
    assert set(listed["visibility"]) == LESSONS_SEEN[role]
    assert set(listed["id"]) == {matrix.lessons[v] for v in LESSONS_SEEN[role]}
    assert ("Leçon network" in set(listed["statement"])) == ("network" in LESSONS_SEEN[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("anonymised", [False, True], ids=["plain", "anonymised"])
def test_network_name_as_the_actor_may_see_it(matrix, role, anonymised):
    if anonymised:
        _anonymise(matrix)
    shown = cohorts.network_name(matrix.engine, matrix.actors[role], matrix.net_a)
    if anonymised and role == "other_lead":
        assert shown["name"] != "Réseau Alpha"
        assert shown["name"].startswith("Réseau ") and shown["code"] != "NA"
        assert shown["name"] == f"Réseau {shown['code']}"
    else:
        assert (shown["code"], shown["name"]) == ("NA", "Réseau Alpha")


def test_anonymised_name_matches_the_cohort_list(matrix):
    """The letter a lead sees for a network is the same on every page."""
    _anonymise(matrix)
    lead = matrix.actors["other_lead"]
    listed = cohorts.cohort_networks(matrix.engine, lead, matrix.cohort).set_index("id")
    shown = cohorts.network_name(matrix.engine, lead, matrix.net_a)
    assert shown["name"] == listed.loc[matrix.net_a, "name"]
    assert shown["code"] == listed.loc[matrix.net_a, "code"]


# A network's workspace (indicator values, maturity, what is due before the session) and its
# change log: the lead of that network and the programme team; the change log also the
# steering committee, the targets everyone but another network's lead.
WORKSPACE_READS = {
    "value_grid": (
        lambda m, a, net: values.value_grid(m.engine, a, net, as_of=AS_OF),
        {"own_lead", "admin"},
    ),
    "network_targets": (
        lambda m, a, net: targets.network_targets(m.engine, a, net),
        {"own_lead", "admin", "steering", "ministry"},  # a lead: only their own
    ),
    "maturity_form": (
        lambda m, a, net: maturity.maturity_form(m.engine, a, net, as_of=AS_OF),
        {"own_lead", "admin"},
    ),
    "before_session": (
        lambda m, a, net: before_session.before_session(m.engine, a, net, as_of=AS_OF),
        {"own_lead", "admin"},
    ),
    "network_history": (
        lambda m, a, net: history.network_history(m.engine, a, net, as_of=AS_OF),
        {"own_lead", "admin", "steering"},
    ),
}


@pytest.mark.parametrize("read", sorted(WORKSPACE_READS))
@pytest.mark.parametrize("role", ROLES)
def test_workspace_reads_of_a_network(matrix, read, role):
    call, allowed = WORKSPACE_READS[read]
    if role in allowed:
        assert call(matrix, matrix.actors[role], matrix.net_a) is not None
    else:
        with pytest.raises((PermissionDenied, NotFound)):
            call(matrix, matrix.actors[role], matrix.net_a)


@pytest.mark.parametrize("forged", FORGED_IDS, ids=repr)
@pytest.mark.parametrize("read", sorted(WORKSPACE_READS))
@pytest.mark.parametrize("role", ["own_lead", "admin"])
def test_workspace_reads_refuse_forged_ids(matrix, read, role, forged):
    call, _ = WORKSPACE_READS[read]
    with pytest.raises((PermissionDenied, NotFound)):
        call(matrix, matrix.actors[role], forged)
