"""The demo's past: a change history and session snapshots consistent with the seeded rows.

Both are derived from what :func:`dashboard.seed.write.write_cohort` stored, never typed in:

- the change log gets the rows the services would have written, with the dates and authors
  the rows carry: each alliance's creation and stage moves (its stage history: date, who, the
  comment as the reason), each milestone's creation and completion (its done date), each
  monthly value's entry, submission and validation (its timestamps);
- each session held before the seed day gets a snapshot of the cohort as it stood that evening,
  read back from that history (:func:`dashboard.services.reporting.snapshots.build_state_at`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dashboard.core.i18n import fmt_date, t
from dashboard.seed.derive import at, value_timeline
from dashboard.services.reporting.snapshots import build_state_at
from models import (
    Alliance,
    AllianceStageChange,
    ChangeLog,
    IndicatorValue,
    Milestone,
    Network,
    ProgrammeSession,
    Snapshot,
)


def _row(changed_at, user_id, cohort_id, network_id, entity, entity_id, action, field, **kw):
    return {
        "changed_at": changed_at,
        "user_id": user_id,
        "cohort_id": cohort_id,
        "network_id": network_id,
        "entity": entity,
        "entity_id": entity_id,
        "action": action,
        "field": field,
        "before": kw.get("before"),
        "after": kw.get("after"),
        "reason": kw.get("reason"),
    }


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def write_history(
    session: Session,
    cohort_id: int,
    *,
    as_of: dt.date,
    admin_id: int | None,
    leads: dict[int, int],
) -> Counter:
    """Change-log rows for the cohort's seeded alliances, milestones and values."""
    networks = [n for (n,) in session.execute(
        select(col(Network.id)).where(Network.cohort_id == cohort_id)
    ).all()]  # fmt: skip
    rows = _alliance_rows(session, cohort_id, networks)
    rows += _milestone_rows(session, cohort_id, networks, leads)
    rows += _value_rows(session, cohort_id, networks, as_of, admin_id, leads)
    rows.sort(key=lambda r: r["changed_at"])  # stable: same-time rows keep the order above
    if rows:
        session.execute(insert(ChangeLog), rows)
    return Counter({ChangeLog.__tablename__: len(rows)})


def _alliance_rows(session: Session, cohort_id: int, networks: list[int]) -> list[dict]:
    """Each alliance's creation and stage moves, at the end of the day they happened."""
    rows: list[dict] = []
    steps = session.execute(
        sa_select(
            col(AllianceStageChange.alliance_id),
            col(Alliance.network_id),
            col(Alliance.title),
            col(AllianceStageChange.from_stage),
            col(AllianceStageChange.to_stage),
            col(AllianceStageChange.changed_on),
            col(AllianceStageChange.changed_by_id),
            col(AllianceStageChange.comment),
        )
        .join(Alliance, col(Alliance.id) == AllianceStageChange.alliance_id)
        .where(col(Alliance.network_id).in_(networks))
        .order_by(col(AllianceStageChange.alliance_id), col(AllianceStageChange.changed_on))
    ).all()
    for aid, nid, title, before, after, on, who, comment in steps:
        when = at(on, 17)
        scope = (when, who, cohort_id, nid, "alliance", aid)
        if before is None:
            rows.append(_row(*scope, "create", "title", after=title))
            rows.append(_row(*scope, "create", "stage", after=after))
        else:
            rows.append(_row(*scope, "update", "stage", before=before, after=after, reason=comment))
    return rows


def _milestone_rows(
    session: Session, cohort_id: int, networks: list[int], leads: dict[int, int]
) -> list[dict]:
    """Each milestone's creation by its network's lead, and its completion."""
    rows: list[dict] = []
    milestones = session.execute(
        sa_select(
            col(Milestone.id),
            col(Milestone.network_id),
            col(Milestone.title),
            col(Milestone.due_date),
            col(Milestone.done_date),
            col(Milestone.status),
            col(Milestone.created_at),
        ).where(col(Milestone.network_id).in_(networks))
    ).all()
    for mid, nid, title, due, done, status, created in milestones:
        who = leads.get(nid)
        scope = (created, who, cohort_id, nid, "milestone", mid)
        rows.append(_row(*scope, "create", "title", after=title))
        rows.append(_row(*scope, "create", "due_date", after=due.isoformat()))
        rows.append(_row(*scope, "create", "status", after="in_progress" if done else status))
        if done is not None:
            scope = (at(done, 16), who, cohort_id, nid, "milestone", mid)
            rows.append(_row(*scope, "update", "status", before="in_progress", after="done"))
            rows.append(_row(*scope, "update", "done_date", after=done.isoformat()))
    return rows


def _value_rows(
    session: Session,
    cohort_id: int,
    networks: list[int],
    as_of: dt.date,
    admin_id: int | None,
    leads: dict[int, int],
) -> list[dict]:
    """Each value drafted, submitted and validated along its month's timeline."""
    rows: list[dict] = []
    values = session.execute(
        sa_select(
            col(IndicatorValue.id),
            col(IndicatorValue.network_id),
            col(IndicatorValue.indicator_id),
            col(IndicatorValue.period_start),
            col(IndicatorValue.value),
            col(IndicatorValue.status),
            col(IndicatorValue.validated_by_id),
        ).where(col(IndicatorValue.network_id).in_(networks))
    ).all()
    for vid, nid, iid, period, value, status, validator in values:
        drafted, submitted, validated = value_timeline(period, status, as_of)
        who = leads.get(nid)
        scope = (drafted, who, cohort_id, nid, "indicator_value", vid)
        rows.append(_row(*scope, "create", "indicator_id", after=str(iid)))
        rows.append(_row(*scope, "create", "period_start", after=period.isoformat()))
        rows.append(_row(*scope, "create", "value", after=_number(value)))
        rows.append(_row(*scope, "create", "status", after="draft"))
        if submitted is not None:
            scope = (submitted, who, cohort_id, nid, "indicator_value", vid)
            rows.append(_row(*scope, "update", "status", before="draft", after="submitted"))
        if validated is not None:
            scope = (validated, validator or admin_id, cohort_id, nid, "indicator_value", vid)
            rows.append(_row(*scope, "update", "status", before="submitted", after="validated"))
    return rows


def write_snapshots(
    session: Session, cohort_id: int, *, as_of: dt.date, admin_id: int | None
) -> Counter:
    """One snapshot per session held before ``as_of``, taken that evening."""
    session.flush()
    held = session.execute(
        select(col(ProgrammeSession.id), col(ProgrammeSession.code), col(ProgrammeSession.session_date))
        .where(ProgrammeSession.cohort_id == cohort_id, col(ProgrammeSession.session_date) < as_of)
        .order_by(col(ProgrammeSession.session_date))
    ).all()  # fmt: skip
    for sid, code, day in held:
        session.add(
            Snapshot(
                cohort_id=cohort_id,
                session_id=sid,
                label=t("{code} du {date}", code=code, date=fmt_date(day)),
                taken_at=at(day, 18),
                taken_by_id=admin_id,
                payload=build_state_at(session, cohort_id, day=day),
            )
        )
    session.flush()
    return Counter({Snapshot.__tablename__: len(held)})
