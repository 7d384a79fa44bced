"""Snapshots: frozen once taken, labels unique, and "what changed" computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from dashboard.core.db import session_scope
from dashboard.core.errors import PermissionDenied, ValidationFailed
from dashboard.services.reporting import snapshots
from models import Alliance, AllianceStageChange, ChangeLog, Milestone, Snapshot
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

AT_S2 = dt.date(2025, 12, 9)
LATER = dt.date(2026, 1, 20)


@pytest.fixture
def world(engine):
    cid = make_cohort(engine)
    a = make_network(engine, cid, code="R01", name="Réseau Alpha")
    b = make_network(engine, cid, code="R02", name="Réseau Beta")
    s1 = make_session(engine, cid, code="S1", number=1, date=dt.date(2025, 10, 14))
    s2 = make_session(engine, cid, code="S2", number=2, date=AT_S2)
    ind = make_indicator(engine, code="AGREEMENTS", accumulation="cumulative")
    make_target(engine, a, ind, baseline=0, target=4)
    add_values(engine, a, ind, {dt.date(2025, 10, 1): 1, dt.date(2025, 11, 1): 1})
    make_assessment(engine, a, s1, {"vision": 2, "evaluation": 1})
    ms = {
        "to_finish": make_milestone(engine, a, due=dt.date(2025, 12, 20), title="Finir"),
        "to_push": make_milestone(engine, b, due=dt.date(2025, 12, 31), title="Repousser"),
        "to_miss": make_milestone(engine, b, due=dt.date(2026, 1, 10), title="Manquer"),
    }
    partner = make_partner(engine, family="company")
    alliance = make_alliance(
        engine, a, partner, stages=[("scoping", dt.date(2025, 11, 2))], title="Épicerie"
    )
    admin = make_user(engine, "admin")
    return {
        "engine": engine,
        "cohort": cid,
        "a": a,
        "b": b,
        "s2": s2,
        "ind": ind,
        "ms": ms,
        "alliance": alliance,
        "admin": admin,
    }


def _changes_after_s2(w) -> None:
    e = w["engine"]
    with session_scope(e) as s:
        done = s.get(Milestone, w["ms"]["to_finish"])
        done.status, done.done_date = "done", dt.date(2026, 1, 5)
        pushed = s.get(Milestone, w["ms"]["to_push"])
        pushed.due_date, pushed.status = dt.date(2026, 2, 28), "postponed"
        alliance = s.get(Alliance, w["alliance"])
        alliance.stage = "signed"
        s.add(
            AllianceStageChange(
                alliance_id=alliance.id,
                from_stage="scoping",
                to_stage="signed",
                changed_on=dt.date(2026, 1, 12),
            )
        )
    make_milestone(e, w["a"], due=dt.date(2026, 3, 1), title="Nouveau jalon")
    add_values(e, w["a"], w["ind"], {dt.date(2025, 12, 1): 3})
    make_assessment(e, w["a"], w["s2"], {"vision": 3, "evaluation": 1}, on=AT_S2)


def test_snapshot_then_compare_with_now_lists_what_changed(world):
    w = world
    taken = snapshots.take_snapshot(
        w["engine"], w["admin"], w["cohort"], label="Session 2", session_id=w["s2"], as_of=AT_S2
    )
    _changes_after_s2(w)
    steering = make_user(w["engine"], "steering")
    diff = snapshots.compare_snapshots(
        w["engine"], steering, w["cohort"], before_id=taken.id, as_of=LATER
    )
    changes = {r.title: r.change for r in diff.milestones.itertuples()}
    # At S2 nothing was late; at 20/01/2026 "Manquer" (due 10/01) is past due.
    assert changes == {
        "Finir": "done",
        "Repousser": "slipped",
        "Manquer": "late",
        "Nouveau jalon": "added",
    }
    pushed = diff.milestones.set_index("title").loc["Repousser"]
    assert pushed.due_before == dt.date(2025, 12, 31) and pushed.due_after == dt.date(2026, 2, 28)

    stage = diff.stages.iloc[0]
    assert (stage.title, stage.from_stage, stage.to_stage) == ("Épicerie", "scoping", "signed")
    assert bool(stage.signed_since)

    # Cumulative: running total 1 at S2 → 3 now; progress 1/4 → 3/4.
    ind = diff.indicators.iloc[0]
    assert (ind.current_before, ind.current_after, ind.delta) == (1, 3, 2)
    assert ind.progress_delta == pytest.approx(0.5)

    mat = diff.maturity.set_index("axis")
    assert list(mat.index) == ["vision"]  # evaluation stayed at 1
    assert (mat.loc["vision", "before"], mat.loc["vision", "after"]) == (2, 3)

    per = diff.per_network.set_index("network_code")
    assert per.loc["R01", "milestones_done"] == 1 and per.loc["R01", "milestones_added"] == 1
    assert per.loc["R01", "alliances_signed"] == 1 and per.loc["R01", "maturity_gain"] == 1
    assert per.loc["R02", "milestones_slipped"] == 1 and per.loc["R02", "milestones_late"] == 1
    assert diff.cohort["milestones_done"] == 1 and diff.cohort["stage_changes"] == 1
    assert diff.cohort["indicators_improved"] == 1


def test_compare_two_snapshots_uses_the_frozen_payloads(world):
    w = world
    first = snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="S2", as_of=AT_S2)
    _changes_after_s2(w)
    second = snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="S3", as_of=LATER)
    # Another change after the second snapshot does not show between the two.
    make_milestone(w["engine"], w["b"], due=dt.date(2026, 4, 1), title="Après S3")
    diff = snapshots.compare_snapshots(
        w["engine"], w["admin"], w["cohort"], before_id=first.id, after_id=second.id
    )
    assert "Après S3" not in set(diff.milestones["title"])
    assert "Nouveau jalon" in set(diff.milestones["title"])
    assert (diff.before_label, diff.after_label) == ("S2", "S3")


def test_snapshot_is_frozen_and_its_label_cannot_be_reused(world):
    w = world
    taken = snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="S2", as_of=AT_S2)
    with session_scope(w["engine"]) as s:
        frozen = s.get(Snapshot, taken.id).payload
    _changes_after_s2(w)
    with pytest.raises(ValidationFailed, match="existe déjà"):
        snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label=" S2 ")
    with session_scope(w["engine"]) as s:
        assert s.get(Snapshot, taken.id).payload == frozen
        assert len(s.exec(select(Snapshot)).all()) == 1
        logged = s.exec(select(ChangeLog).where(ChangeLog.entity == "snapshot")).all()
        assert {c.field for c in logged} == {"label"}
    # No way to change or remove a snapshot through the services.
    public = [n for n in dir(snapshots) if not n.startswith("_")]
    assert not [n for n in public if n.startswith(("update", "delete", "edit", "remove"))]


def test_only_the_programme_team_takes_snapshots(world):
    w = world
    for role in ("steering", "ministry"):
        with pytest.raises(PermissionDenied):
            snapshots.take_snapshot(
                w["engine"], make_user(w["engine"], role), w["cohort"], label=role
            )
    lead = make_user(w["engine"], "lead", network_id=w["a"])
    with pytest.raises(PermissionDenied):
        snapshots.take_snapshot(w["engine"], lead, w["cohort"], label="lead")


def test_empty_label_and_foreign_session_are_refused(world):
    w = world
    with pytest.raises(ValidationFailed, match="Libellé"):
        snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="  ")
    other = make_cohort(w["engine"])
    foreign = make_session(w["engine"], other, code="S1", number=1, date=AT_S2)
    with pytest.raises(ValidationFailed, match="Session"):
        snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="X", session_id=foreign)


def test_list_snapshots_most_recent_first(world):
    w = world
    snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="A", session_id=w["s2"])
    snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="B")
    listed = snapshots.list_snapshots(w["engine"], make_user(w["engine"], "ministry"), w["cohort"])
    assert list(listed["label"]) == ["B", "A"]
    assert listed.iloc[1]["session_code"] == "S2"


def test_anonymised_lead_diff_holds_no_other_name_nor_title(engine):
    cid = make_cohort(engine, anonymise_for_leads=True)
    own = make_network(engine, cid, code="R01", name="Mon Réseau")
    other = make_network(engine, cid, code="R02", name="Fédération Secrète")
    admin = make_user(engine, "admin")
    taken = snapshots.take_snapshot(engine, admin, cid, label="T0", as_of=AT_S2)
    make_milestone(engine, other, due=dt.date(2026, 2, 1), title="Jalon de la Fédération Secrète")
    make_milestone(engine, own, due=dt.date(2026, 2, 1), title="Mon jalon")
    lead = make_user(engine, "lead", network_id=own)
    diff = snapshots.compare_snapshots(engine, lead, cid, before_id=taken.id, as_of=LATER)
    text = " ".join(
        f.to_string() for f in (diff.milestones, diff.stages, diff.per_network, diff.indicators)
    )
    assert "Secrète" not in text and "R02" not in text
    assert set(diff.milestones["network_name"]) == {"Mon Réseau", "Réseau A"}
