"""Snapshots stored compactly: the state compressed in the payload, snapshots stored before in
plain JSON still open, and the comparison of two snapshots worked out once for every reader."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import NotFound
from dashboard.services.reporting import snapshot_diff, snapshots
from dashboard.services.reporting.snapshot_state import (
    STORED_SCHEMA,
    build_state,
    pack_payload,
    read_payload,
)
from models import Snapshot
from tests.factories import make_cohort, make_network, make_user
from tests.unit.roadmap_builders import make_milestone
from tests.unit.test_snapshots import AT_S2, LATER, _changes_after_s2, world  # noqa: F401


def _stored(engine, snapshot_id: int) -> dict:
    with session_scope(engine) as s:
        return s.get(Snapshot, snapshot_id).payload


def test_a_snapshot_is_stored_compressed_and_reads_back_whole(world):  # noqa: F811
    w = world
    taken = snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="S2", as_of=AT_S2)
    stored = _stored(w["engine"], taken.id)
    assert stored["schema"] == STORED_SCHEMA and stored["as_of"] == AT_S2.isoformat()
    with read_scope(w["engine"]) as s:
        state = build_state(s, w["cohort"], as_of=AT_S2)
    assert read_payload(stored) == json.loads(json.dumps(state))
    titles = {m["title"] for m in read_payload(stored)["milestones"]}
    assert titles == {"Finir", "Repousser", "Manquer"}


def test_compression_shrinks_a_large_state():
    rows = [
        {"id": i, "network_id": i // 10, "title": f"Jalon {i}", "due_date": "2026-01-10",
         "done_date": None, "status": "planned", "derived_status": "late"}
        for i in range(5_000)
    ]  # fmt: skip
    state = {"schema": 1, "as_of": "2026-01-20", "milestones": rows}
    plain = len(json.dumps(state))
    packed = len(json.dumps(pack_payload(state)))
    assert packed * 5 < plain, (packed, plain)
    assert read_payload(json.dumps(pack_payload(state))) == state  # a driver giving text back


def test_a_snapshot_stored_in_the_old_plain_shape_still_compares(world):  # noqa: F811
    w = world
    old = snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="S2", as_of=AT_S2)
    with session_scope(w["engine"]) as s:  # as snapshots were stored before: plain JSON
        row = s.get(Snapshot, old.id)
        row.payload = read_payload(row.payload)
    assert _stored(w["engine"], old.id)["schema"] == 1
    _changes_after_s2(w)
    new = snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="S3", as_of=LATER)
    diff = snapshots.compare_snapshots(
        w["engine"], w["admin"], w["cohort"], before_id=old.id, after_id=new.id
    )
    assert "Nouveau jalon" in set(diff.milestones["title"])
    assert diff.cohort["milestones_done"] == 1


def test_two_snapshots_are_compared_once_for_every_reader(world, monkeypatch):  # noqa: F811
    w = world
    first = snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="S2", as_of=AT_S2)
    _changes_after_s2(w)
    second = snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="S3", as_of=LATER)
    calls = []
    real = snapshot_diff.snapshot_changes
    monkeypatch.setattr(snapshots, "snapshot_changes", lambda a, b: calls.append(1) or real(a, b))
    steering = make_user(w["engine"], "steering")
    lead = make_user(w["engine"], "lead", network_id=w["b"])
    seen = [
        snapshots.compare_snapshots(
            w["engine"], who, w["cohort"], before_id=first.id, after_id=second.id
        )
        for who in (w["admin"], steering, lead, steering)
    ]
    assert len(calls) == 1
    assert all(d.cohort == seen[0].cohort for d in seen)
    assert "Nouveau jalon" in set(seen[2].milestones["title"])
    # Against now, the live state is read each time: a later change shows.
    make_milestone(w["engine"], w["b"], due=dt.date(2026, 4, 1), title="Après S3")
    now = snapshots.compare_snapshots(
        w["engine"], steering, w["cohort"], before_id=second.id, as_of=LATER
    )
    assert set(now.milestones["title"]) == {"Après S3"}


def test_a_snapshot_of_another_cohort_is_not_found(world):  # noqa: F811
    w = world
    taken = snapshots.take_snapshot(w["engine"], w["admin"], w["cohort"], label="S2", as_of=AT_S2)
    other = make_cohort(w["engine"], code="AUTRE")
    make_network(w["engine"], other, code="X01")
    with pytest.raises(NotFound):
        snapshots.compare_snapshots(w["engine"], w["admin"], other, before_id=taken.id)
