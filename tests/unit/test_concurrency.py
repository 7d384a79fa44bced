"""Many people editing the same milestone at once: no lost update, every refusal reported.

Each thread does read-modify-write increments of a counter kept in the milestone's comment,
through the service, re-reading the version and retrying whenever the save is refused with a
ConflictError. With optimistic locking, the final counter equals the number of successful saves
and the change log holds exactly one row per successful save.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import create_engine

from dashboard.core.errors import ConflictError
from dashboard.services.roadmap import milestones
from dashboard.services.roadmap.milestone_grid import (
    AddedMilestone,
    EditedMilestone,
    MilestoneChanges,
)
from models import ChangeLog
from tests.unit.roadmap_world import AS_OF, count, make_world

EDITS_PER_THREAD = 50
THREADS = {"sqlite": 8, "postgres": 16}
MAX_ATTEMPTS_PER_EDIT = 10_000  # a guard against a livelock, far above what contention needs


@pytest.fixture
def shared_engine(engine, backend):
    """The test database, with one pooled connection per thread on PostgreSQL (the default
    pool of 5 + 10 would make the 16th thread wait for a connection, not for the row)."""
    if backend == "sqlite":
        yield engine
        return
    wide = create_engine(engine.url, pool_size=THREADS[backend] + 2, max_overflow=0)
    yield wide
    wide.dispose()


def test_concurrent_read_modify_write_loses_no_update(shared_engine, backend):
    engine = shared_engine
    w = make_world(engine)
    milestones.save_milestones(
        engine,
        w.lead_a,
        w.net_a,
        MilestoneChanges(
            added=[AddedMilestone({"title": "Compteur", "due_date": "2026-03-01", "comment": "0"})]
        ),
        as_of=AS_OF,
    )
    milestone_id = int(milestones.list_milestones(engine, w.lead_a, w.net_a)["id"].iloc[0])
    threads = THREADS[backend]
    saved = [0] * threads
    rejected = [0] * threads
    unexpected: list[BaseException] = []
    start = threading.Barrier(threads)

    def worker(index: int) -> None:
        actor = w.lead_a if index % 2 == 0 else w.admin  # two people, same row
        start.wait()
        for _ in range(EDITS_PER_THREAD):
            for attempt in range(MAX_ATTEMPTS_PER_EDIT):
                try:
                    seen = milestones.get_milestone(engine, actor, milestone_id)
                    counter = int(seen["comment"]) + 1
                    milestones.save_milestones(
                        engine,
                        actor,
                        w.net_a,
                        MilestoneChanges(
                            edited=[
                                EditedMilestone(
                                    milestone_id, seen["version"], {"comment": str(counter)}
                                )
                            ]
                        ),
                        as_of=AS_OF,
                    )
                except ConflictError:
                    rejected[index] += 1
                    # what a person does too: wait a moment before re-reading
                    time.sleep(random.random() * 0.002 * min(attempt + 1, 10))
                    continue
                except BaseException as exc:  # noqa: BLE001  (any other error fails the test)
                    unexpected.append(exc)
                    return
                saved[index] += 1
                break

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()

    assert unexpected == []
    successes, rejections = sum(saved), sum(rejected)
    print(f"\n[{backend}] {threads} threads: {successes} saves, {rejections} conflicts reported")
    assert successes == threads * EDITS_PER_THREAD
    final = milestones.get_milestone(engine, w.admin, milestone_id)
    assert final["comment"] == str(successes)
    assert final["version"] == 1 + successes
    assert (
        count(
            engine,
            ChangeLog,
            ChangeLog.entity == "milestone",
            ChangeLog.entity_id == milestone_id,
            ChangeLog.action == "update",
            ChangeLog.field == "comment",
        )
        == successes
    )
    assert count(engine, ChangeLog, ChangeLog.action == "update") == successes
