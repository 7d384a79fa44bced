"""Versions of what each part of the cohort dashboard reads, from the change log.

Every logged write leaves a change-log row naming the kind of thing it changed (``entity``).
The dashboard's caches are keyed, section by section, by the newest change-log id among the
kinds that section reads: a lead's milestone save changes the milestones' version, not the
indicators' one, so the indicator charts stay cached for everyone. The versions come from the
database, so every server process sees the same ones.

One statement per read: ``entity, max(id)`` grouped, over the change-log rows newer than what
the caller already knows (:class:`DataVersions` is merged forward). The first read of a
process scans the cohort's log once; later reads look at the newest rows only, through the
primary key. ``RECHECK`` rows below the newest id known are read again: a transaction that
took its id earlier but committed later (PostgreSQL hands ids out at insert) is still seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from dashboard.core.db import read_scope
from dashboard.core.permissions import Actor
from dashboard.services.indicators.progress import cohort_of
from models import ChangeLog
from models.enums import Entity

RECHECK = 1000  # change-log ids below the newest known, read again on every call

# What each section of the dashboard reads. Network names and the cohort (its anonymisation,
# dates) are read by all of them. Kinds the dashboard never shows (accounts, exports,
# comments, lessons, snapshots) are in no section; a kind named nowhere else (a new one) counts for all.
_COMMON = frozenset({Entity.cohort.value, Entity.network.value})
SECTION_READS: dict[str, frozenset[str]] = {
    "milestones": _COMMON | {Entity.milestone.value, Entity.session.value, Entity.objective.value},
    "indicators": _COMMON
    | {Entity.indicator_value.value, Entity.indicator_target.value, Entity.indicator.value},
    "alliances": _COMMON | {Entity.alliance.value, Entity.partner.value, Entity.session.value},
    "maturity": _COMMON | {Entity.maturity.value, Entity.session.value},
    "freshness": _COMMON
    | {
        Entity.indicator_value.value,
        Entity.indicator_target.value,
        Entity.milestone.value,
        Entity.alliance.value,
    },
}
UNSHOWN = frozenset(
    {
        Entity.user.value,
        Entity.export.value,
        Entity.change_log.value,
        Entity.lesson.value,
        Entity.snapshot.value,  # read by SINCE_SNAPSHOT only, below
        "comment",
    }
)
# Sections reading everything shown: the headline figures and "what changed since the last
# snapshot" (which also moves with a new snapshot).
WHOLE = "overview"
SINCE_SNAPSHOT = "since_snapshot"
# Above the summary threshold, the networks drawn one by one are ranked by indicator progress:
# every per-network chart then also reads what the indicators read.
FOCUS_READS = SECTION_READS["indicators"]


@dataclass(frozen=True)
class DataVersions:
    """The newest change-log id per kind of thing changed, for one cohort (0: never)."""

    cohort_id: int
    last_id: int = 0
    by_entity: dict[str, int] = field(default_factory=dict)

    def of(self, kinds: frozenset[str] | None) -> int:
        """The version of what reads ``kinds`` (None: everything the dashboard shows)."""
        shown = {k: v for k, v in self.by_entity.items() if k not in UNSHOWN}
        if kinds is None:
            return max(shown.values(), default=0)
        known = set().union(*SECTION_READS.values())
        relevant = [v for k, v in shown.items() if k in kinds or k not in known]
        return max(relevant, default=0)

    def merged(self, newer: dict[str, int]) -> DataVersions:
        by_entity = dict(self.by_entity)
        for kind, last in newer.items():
            by_entity[kind] = max(by_entity.get(kind, 0), last)
        return DataVersions(self.cohort_id, max([self.last_id, *newer.values()]), by_entity)


def section_version(versions: DataVersions, section: str, *, summarised: bool = False) -> int:
    """The version a section's cache is keyed by."""
    if section == WHOLE:
        return versions.of(None)
    if section == SINCE_SNAPSHOT:
        return max(versions.of(None), versions.by_entity.get(Entity.snapshot.value, 0))
    reads = SECTION_READS[section]
    if summarised and section != "alliances":  # alliance charts are cohort totals
        reads = reads | FOCUS_READS
    return versions.of(reads)


def data_versions(
    engine: Engine, actor: Actor, cohort_id: int, *, known: DataVersions | None = None
) -> DataVersions:
    """The cohort's versions per kind of change, read forward from ``known`` (same cohort).

    Refuses a cohort the actor may not read, as every dashboard read does."""
    if known is not None and known.cohort_id != cohort_id:
        known = None
    since = max(0, known.last_id - RECHECK) if known is not None else 0
    with read_scope(engine) as session:
        cohort_of(session, actor, cohort_id)
        rows = session.exec(
            select(col(ChangeLog.entity), func.max(ChangeLog.id))
            .where(
                col(ChangeLog.id) > since,
                or_(col(ChangeLog.cohort_id) == cohort_id, col(ChangeLog.cohort_id).is_(None)),
            )
            .group_by(col(ChangeLog.entity))
        ).all()
    newer = {str(kind): int(last) for kind, last in rows if last is not None}
    return (known or DataVersions(cohort_id)).merged(newer)
