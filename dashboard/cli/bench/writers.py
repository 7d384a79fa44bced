"""The bench's simultaneous saves: N people saving the same milestone at once (8 on SQLite, 16 on
PostgreSQL), p50 and p95 of a save, and lost updates (saves accepted but missing from the final
row)."""

from __future__ import annotations

import datetime as dt
import secrets
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from dashboard.core.i18n import t

WRITERS = {"sqlite": 8, "postgresql": 16}


@dataclass
class _Tally:
    """What the writers' threads record, shared between them."""

    writers: int
    saves_ms: list[float] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: list[int] = field(init=False)
    conflicts: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.accepted = [0] * self.writers
        self.conflicts = [0] * self.writers

    def timed(self, start: float) -> None:
        with self.lock:
            self.saves_ms.append((time.perf_counter() - start) * 1000)


def measure_writers(engine: Engine, accounts: dict[str, Any], edits: int) -> dict[str, Any]:
    """Writers alternately the lead and the programme team, each doing read-modify-write
    increments of a counter kept in one milestone's comment, retrying on a conflict."""
    from dashboard.core import clock
    from dashboard.core.db import make_engine
    from dashboard.services.roadmap import milestones

    lead, admin = accounts["lead"], accounts["admin"]
    writers = WRITERS.get(engine.url.get_backend_name(), 8)
    shared = make_engine(engine.url.render_as_string(hide_password=False))
    today = clock.today()
    milestone_id = _counter_milestone(shared, lead, today)
    tally = _Tally(writers)
    barrier = threading.Barrier(writers)

    def worker(index: int) -> None:
        actor = lead if index % 2 == 0 else admin
        barrier.wait()
        _increment(shared, actor, lead.network_id, milestone_id, edits, index, tally, today)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = milestones.get_milestone(shared, admin, milestone_id)
    shared.dispose()
    if tally.errors:
        raise tally.errors[0]
    ordered = sorted(tally.saves_ms)
    return {
        "writers": writers,
        "saves_accepted": sum(tally.accepted),
        "saves_refused_conflict": sum(tally.conflicts),
        "save_p50_ms": round(statistics.median(ordered), 1),
        "save_p95_ms": round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 1),
        "lost_updates": sum(tally.accepted) - int(final["comment"]),
    }


def _counter_milestone(shared: Engine, lead, today: dt.date) -> int:
    """A new milestone of the lead's network whose comment counts the saves, from "0"."""
    from dashboard.services.roadmap import milestones
    from dashboard.services.roadmap.milestone_grid import AddedMilestone, MilestoneChanges

    title = t("Compteur du banc d'essai {n}", n=secrets.token_hex(3))
    milestones.save_milestones(
        shared,
        lead,
        lead.network_id,
        MilestoneChanges(
            added=[AddedMilestone({"title": title, "due_date": today.isoformat(), "comment": "0"})]
        ),
        as_of=today,
    )
    listed = milestones.list_milestones(shared, lead, lead.network_id)
    return int(listed[listed["title"] == title]["id"].iloc[0])


def _increment(
    shared: Engine,
    actor,
    network_id: int,
    milestone_id: int,
    edits: int,
    index: int,
    tally: _Tally,
    today: dt.date,
) -> None:
    """One writer: ``edits`` accepted increments, each retried after a conflict."""
    from dashboard.core.errors import ConflictError
    from dashboard.services.roadmap import milestones
    from dashboard.services.roadmap.milestone_grid import EditedMilestone, MilestoneChanges

    for _ in range(edits):
        for attempt in range(10_000):
            seen = milestones.get_milestone(shared, actor, milestone_id)
            changes = MilestoneChanges(
                edited=[
                    EditedMilestone(
                        milestone_id,
                        seen["version"],
                        {"comment": str(int(seen["comment"]) + 1)},
                    )
                ]
            )
            start = time.perf_counter()
            try:
                milestones.save_milestones(shared, actor, network_id, changes, as_of=today)
            except ConflictError:
                tally.timed(start)
                tally.conflicts[index] += 1
                time.sleep(0.001 * min(attempt + 1, 10) * (index % 3 + 1) / 3)
                continue
            except BaseException as exc:  # noqa: BLE001  (reported, not hidden)
                tally.errors.append(exc)
                return
            tally.timed(start)
            tally.accepted[index] += 1
            break
