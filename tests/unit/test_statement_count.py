"""Building the dashboard's data costs the same number of SQL statements for the 12-network
demo cohort and for a cohort ten times larger (120 networks copied from the demo pattern):
aggregates are grouped queries, never one query per network; the summarised views of the large
cohort (histograms, best and worst networks) are built from that data without a statement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import event, insert
from sqlmodel import select

from dashboard.charts import scale
from dashboard.core.db import session_scope
from dashboard.core.permissions import Actor
from dashboard.services.indicators.totals import rebuild_totals
from dashboard.services.reporting import (
    cohort_dashboard,
    cohorts,
    lessons_board,
    network_detail,
    snapshots,
)
from dashboard.services.reporting.cohort_dashboard import DashboardFilters
from models import (
    Alliance,
    AllianceStageChange,
    Cohort,
    IndicatorTarget,
    IndicatorValue,
    Lesson,
    MaturityAssessment,
    MaturityScore,
    Milestone,
    Network,
    Objective,
    ProgrammeSession,
)
from models.enums import Role
from tests.factories import make_user

AS_OF = dt.date(2026, 5, 25)
COPIES = 10


def _copy(row, **changes):
    data = row.model_dump(exclude={"id"})
    data.update(changes)
    return type(row)(**data)


def copy_demo_cohort(engine, *, copies: int = COPIES) -> int:
    """A new cohort holding ``copies`` copies of every demo network with its objectives,
    alliances and stage history, milestones, targets, monthly values, maturity and lessons."""
    with session_scope(engine) as s:
        demo = s.exec(select(Cohort).where(Cohort.code == "AI-2026")).one()
        big = Cohort(
            code="AI-2026-X10",
            name="Cohorte ×10",
            start_date=demo.start_date,
            end_date=demo.end_date,
            status="active",
        )
        s.add(big)
        s.flush()
        sessions = {}
        for ps in s.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == demo.id)):
            new = _copy(ps, cohort_id=big.id)
            s.add(new)
            s.flush()
            sessions[ps.id] = new.id
        demo_networks = s.exec(select(Network).where(Network.cohort_id == demo.id)).all()
        ids = [n.id for n in demo_networks]

        def rows(model, column):
            return s.exec(select(model).where(column.in_(ids))).all()

        objectives = rows(Objective, Objective.network_id)
        alliances = rows(Alliance, Alliance.network_id)
        changes = s.exec(
            select(AllianceStageChange).where(
                AllianceStageChange.alliance_id.in_([a.id for a in alliances])
            )
        ).all()
        milestones = rows(Milestone, Milestone.network_id)
        targets = rows(IndicatorTarget, IndicatorTarget.network_id)
        values = rows(IndicatorValue, IndicatorValue.network_id)
        assessments = rows(MaturityAssessment, MaturityAssessment.network_id)
        scores = s.exec(
            select(MaturityScore).where(
                MaturityScore.assessment_id.in_([a.id for a in assessments])
            )
        ).all()
        lessons = rows(Lesson, Lesson.network_id)

        def copied(pairs: list) -> dict:
            """Insert the new rows in one flush; map (copy, old id) → new id."""
            s.add_all([new for _, new in pairs])
            s.flush()
            return {key: new.id for key, new in pairs}

        ks = range(copies)
        nets = copied(
            [
                ((k, n.id), _copy(n, cohort_id=big.id, code=f"{n.code}-{k}", name=f"{n.name} {k}"))
                for k in ks
                for n in demo_networks
            ]
        )
        objs = copied(
            [
                ((k, o.id), _copy(o, network_id=nets[k, o.network_id], code=None))
                for k in ks
                for o in objectives
            ]
        )
        alls = copied(
            [
                (
                    (k, a.id),
                    _copy(
                        a,
                        network_id=nets[k, a.network_id],
                        objective_id=objs.get((k, a.objective_id)),
                        code=None,
                    ),
                )
                for k in ks
                for a in alliances
            ]
        )
        asss = copied(
            [
                (
                    (k, a.id),
                    _copy(a, network_id=nets[k, a.network_id], session_id=sessions[a.session_id]),
                )
                for k in ks
                for a in assessments
            ]
        )

        def bulk(model, dicts: list[dict]) -> None:
            """Many plain rows in one executemany (no ids needed back)."""
            if dicts:
                s.execute(insert(model), dicts)

        def plain(row, **changes) -> dict:
            data = row.model_dump(exclude={"id"})
            data.update(changes)
            return data

        bulk(
            AllianceStageChange,
            [plain(c, alliance_id=alls[k, c.alliance_id]) for k in ks for c in changes],
        )
        bulk(
            Milestone,
            [
                plain(
                    m,
                    network_id=nets[k, m.network_id],
                    objective_id=objs.get((k, m.objective_id)),
                    alliance_id=alls.get((k, m.alliance_id)),
                    session_id=sessions.get(m.session_id),
                    code=None,
                )
                for k in ks
                for m in milestones
            ],
        )
        bulk(
            IndicatorTarget,
            [plain(t, network_id=nets[k, t.network_id]) for k in ks for t in targets],
        )
        bulk(
            IndicatorValue, [plain(v, network_id=nets[k, v.network_id]) for k in ks for v in values]
        )
        bulk(
            MaturityScore,
            [plain(sc, assessment_id=asss[k, sc.assessment_id]) for k in ks for sc in scores],
        )
        bulk(
            Lesson,
            [
                plain(
                    le,
                    cohort_id=big.id,
                    network_id=nets[k, le.network_id],
                    session_id=sessions.get(le.session_id),
                    alliance_id=alls.get((k, le.alliance_id)),
                    code=None,
                )
                for k in ks
                for le in lessons
            ],
        )
        s.flush()
        rebuild_totals(s, big.id)  # values were inserted in bulk, past the ORM
        return big.id


def count_statements(engine, work: Callable[[], object]) -> int:
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return len(seen)


def dashboard_reads(engine, actor: Actor, cohort_id: int, first_code: str) -> Callable[[], None]:
    """Everything the dashboard, network, snapshot and lessons pages read."""

    def run() -> None:
        cohort_dashboard.data_version(engine, actor, cohort_id)
        networks = cohorts.cohort_networks(engine, actor, cohort_id)
        cohorts.cohort_sessions(engine, actor, cohort_id)
        data = cohort_dashboard.cohort_dashboard(engine, actor, cohort_id, as_of=AS_OF)
        # The summarised views (above 40 networks) are built from the same data, no statement.
        scale.dashboard_figures(data, AS_OF, summary_from=40)
        some = tuple(int(i) for i in networks["id"][:3])
        filtered = DashboardFilters(
            period_start=dt.date(2025, 12, 1),
            period_end=dt.date(2026, 3, 1),
            network_ids=some,
            partner_families=("company", "peer"),
        )
        cohort_dashboard.cohort_dashboard(engine, actor, cohort_id, filters=filtered, as_of=AS_OF)
        network_detail.network_detail(engine, actor, cohort_id, first_code, as_of=AS_OF)
        lessons_board.lessons_board(engine, actor, cohort_id)
        listed = snapshots.list_snapshots(engine, actor, cohort_id)
        snapshots.compare_snapshots(
            engine, actor, cohort_id, before_id=int(listed.iloc[0]["id"]), as_of=AS_OF
        )

    return run


@pytest.mark.parametrize("role", [Role.steering, Role.lead])
def test_statement_count_does_not_grow_with_the_number_of_networks(demo_engine, role):
    big_id = copy_demo_cohort(demo_engine)
    with session_scope(demo_engine) as s:
        demo_id = s.exec(select(Cohort.id).where(Cohort.code == "AI-2026")).one()
        sizes = {
            cid: len(s.exec(select(Network.id).where(Network.cohort_id == cid)).all())
            for cid in (demo_id, big_id)
        }
        # Leads: the first network of each cohort, in a cohort that anonymises the others.
        for cid in (demo_id, big_id):
            s.get(Cohort, cid).anonymise_for_leads = True
        firsts = {
            cid: s.exec(
                select(Network.id, Network.code)
                .where(Network.cohort_id == cid)
                .order_by(Network.code)
            ).first()
            for cid in (demo_id, big_id)
        }
    assert sizes == {demo_id: 12, big_id: 12 * COPIES}
    admin = make_user(demo_engine, "admin")
    counts, actors = {}, {}
    for cid in (demo_id, big_id):
        snapshots.take_snapshot(demo_engine, admin, cid, label="T0", as_of=AS_OF)
        if role is Role.lead:
            actor = make_user(demo_engine, "lead", network_id=firsts[cid][0])
        else:
            actor = make_user(demo_engine, "steering")
        actors[cid] = actor
        counts[cid] = count_statements(
            demo_engine, dashboard_reads(demo_engine, actor, cid, firsts[cid][1])
        )
    assert counts[demo_id] == counts[big_id], counts
    # The big cohort was rendered in its summarised views, the demo network by network.
    summarised = {
        cid: scale.dashboard_figures(
            cohort_dashboard.cohort_dashboard(demo_engine, actors[cid], cid, as_of=AS_OF),
            AS_OF,
            summary_from=40,
        ).summarised
        for cid in (demo_id, big_id)
    }
    assert summarised == {demo_id: False, big_id: True}
    assert counts[demo_id] < 120  # far fewer than one statement per network of the big cohort


def test_statement_count_is_the_same_for_the_demo_and_a_thousand_networks(demo_engine):
    """The summarised views at the scale the programme may reach: 1,000 synthetic networks
    (three months of values, built with the demo's rules) cost the demo's statements."""
    from dashboard.seed.synthetic import seed_synthetic

    code = seed_synthetic(demo_engine, networks=1000, months=3, seed=7).cohort_code
    with session_scope(demo_engine) as s:
        ids = {
            c: s.exec(select(Cohort.id).where(Cohort.code == c)).one() for c in ("AI-2026", code)
        }
        firsts = {
            cid: s.exec(
                select(Network.code).where(Network.cohort_id == cid).order_by(Network.code)
            ).first()
            for cid in ids.values()
        }
        sizes = {
            cid: len(s.exec(select(Network.id).where(Network.cohort_id == cid)).all())
            for cid in ids.values()
        }
    demo_id, big_id = ids["AI-2026"], ids[code]
    assert sizes == {demo_id: 12, big_id: 1000}
    admin = make_user(demo_engine, "admin")
    steering = make_user(demo_engine, "steering")
    counts = {}
    for cid in (demo_id, big_id):
        snapshots.take_snapshot(demo_engine, admin, cid, label="T0", as_of=AS_OF)
        counts[cid] = count_statements(
            demo_engine, dashboard_reads(demo_engine, steering, cid, firsts[cid])
        )
    assert counts[demo_id] == counts[big_id], counts
    data = cohort_dashboard.cohort_dashboard(demo_engine, steering, big_id, as_of=AS_OF)
    assert scale.dashboard_figures(data, AS_OF, summary_from=40).summarised
