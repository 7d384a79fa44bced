"""The state of the networks' roadmaps at a date, read with set-based queries.

Building blocks shared by the cohort dashboard, the network page and the snapshots: the derived
milestone status (with "late"), alliance stages and relation logic at a date (from the stage
history and the change log); maturity is in ``maturity_state``. Each function issues a fixed number
of statements, whatever the number of networks, and returns DataFrames. No permission check
here: the public services that call these do it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, case, false, func, or_, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dashboard.services.shared.frames import rows_frame
from dashboard.services.shared.rules import LATE, milestone_status_expr
from models import (
    Alliance,
    AllianceStageChange,
    ChangeLog,
    Milestone,
    Partner,
    ProgrammeSession,
)
from models.enums import SIGNED_STAGES, AllianceStage, Entity, PartnerFamily

# The networks read: a list of ids, or a SELECT of them (the cohort dashboard passes
# ``SELECT id FROM network WHERE cohort_id = :c`` rather than a list of a thousand ids).
NetworkIds = Sequence[int] | Select[Any]


def _due_between(start: dt.date | None, end: dt.date | None):
    conditions = []
    if start:
        conditions.append(col(Milestone.due_date) >= start)
    if end:
        conditions.append(col(Milestone.due_date) <= end)
    return and_(*conditions) if conditions else true()


def milestone_counts(
    session: Session,
    network_ids: NetworkIds,
    *,
    as_of: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Milestones per network × derived status (grouped in SQL): network_id, status, count."""
    inner = (
        select(Milestone.network_id, milestone_status_expr(as_of).label("status"))
        .where(col(Milestone.network_id).in_(network_ids), _due_between(start, end))
        .subquery()
    )
    rows = session.exec(
        select(inner.c.network_id, inner.c.status, func.count()).group_by(
            inner.c.network_id, inner.c.status
        )
    ).all()
    return rows_frame(rows, columns=["network_id", "status", "count"])


def milestone_rows(
    session: Session,
    network_ids: NetworkIds,
    *,
    as_of: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """One row per milestone with its derived status and the session it is due for."""
    status = milestone_status_expr(as_of).label("derived_status")
    rows = session.execute(
        sa_select(
            col(Milestone.id),
            col(Milestone.network_id),
            col(Milestone.code),
            col(Milestone.title),
            col(Milestone.owner),
            col(Milestone.due_date),
            col(Milestone.done_date),
            col(Milestone.status),
            status,
            col(Milestone.progress),
            col(ProgrammeSession.code),
            col(Milestone.objective_id),
            col(Milestone.alliance_id),
        )
        .outerjoin(ProgrammeSession, col(ProgrammeSession.id) == Milestone.session_id)
        .where(col(Milestone.network_id).in_(network_ids), _due_between(start, end))
        .order_by(col(Milestone.network_id), col(Milestone.due_date), col(Milestone.id))
    ).all()
    frame = rows_frame(
        rows,
        columns=[
            "id",
            "network_id",
            "code",
            "title",
            "owner",
            "due_date",
            "done_date",
            "status",
            "derived_status",
            "progress",
            "session_code",
            "objective_id",
            "alliance_id",
        ],
    )
    frame["days_late"] = [
        (as_of - due).days if st == LATE else 0
        for st, due in zip(frame["derived_status"], frame["due_date"], strict=True)
    ]
    return frame


def _stage_at(day: dt.date):
    """Subquery: each alliance's stage at the end of ``day`` (last change on or before it)."""
    ranked = (
        select(
            col(AllianceStageChange.alliance_id).label("alliance_id"),
            col(AllianceStageChange.to_stage).label("stage"),
            func.row_number()
            .over(
                partition_by=col(AllianceStageChange.alliance_id),
                order_by=(
                    col(AllianceStageChange.changed_on).desc(),
                    col(AllianceStageChange.id).desc(),
                ),
            )
            .label("rn"),
        )
        .where(AllianceStageChange.changed_on <= day)
        .subquery()
    )
    return select(ranked.c.alliance_id, ranked.c.stage).where(ranked.c.rn == 1).subquery()


def _with_history():
    return select(AllianceStageChange.alliance_id).distinct().scalar_subquery()


def alliance_stage_column(day: dt.date | None):
    """(stage column, extra join, extra condition) for the current stage or the stage at
    ``day``. Alliances without any recorded stage change count from their creation date with
    their current stage."""
    if day is None:
        return Alliance.stage, None, true()
    at = _stage_at(day)
    stage = func.coalesce(at.c.stage, Alliance.stage)
    exists_then = or_(
        at.c.stage.is_not(None),
        and_(
            col(Alliance.id).not_in(_with_history()),
            col(Alliance.created_at)
            < dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC),
        ),
    )
    return stage, at, exists_then


def alliance_rows(
    session: Session,
    network_ids: NetworkIds,
    *,
    day: dt.date | None = None,
    families: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """One row per alliance (current stage, or stage at ``day``), with its partner's family."""
    stage, at, exists_then = alliance_stage_column(day)
    stmt = sa_select(
        col(Alliance.id),
        col(Alliance.network_id),
        col(Alliance.code),
        col(Alliance.title),
        col(Partner.name),
        col(Partner.family),
        col(Alliance.company_type),
        col(Alliance.relation_logic),
        stage.label("stage"),
        col(Alliance.signed_on),
        col(Alliance.expected_value_eur),
    ).join(Partner, col(Partner.id) == Alliance.partner_id)
    if at is not None:
        stmt = stmt.outerjoin(at, at.c.alliance_id == Alliance.id)
    stmt = stmt.where(col(Alliance.network_id).in_(network_ids), exists_then)
    if families:
        stmt = stmt.where(col(Partner.family).in_(families))
    rows = session.execute(stmt.order_by(col(Alliance.network_id), col(Alliance.id))).all()
    return rows_frame(
        rows,
        columns=[
            "id",
            "network_id",
            "code",
            "title",
            "partner_name",
            "family",
            "company_type",
            "relation_logic",
            "stage",
            "signed_on",
            "expected_value_eur",
        ],
    )


def pipeline_counts(
    session: Session,
    network_ids: NetworkIds,
    *,
    day: dt.date | None = None,
    families: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Alliances per stage × partner family, grouped in SQL: stage, family, count."""
    inner = _alliances_at(network_ids, day=day, families=families).subquery()
    rows = session.exec(
        select(inner.c.stage, inner.c.family, func.count()).group_by(inner.c.stage, inner.c.family)
    ).all()
    return rows_frame(rows, columns=["stage", "family", "count"])


def _alliances_at(
    network_ids: NetworkIds, *, day: dt.date | None, families: tuple[str, ...] | None
):
    """Select of the alliances existing at ``day`` (or now): stage, family, type, signed."""
    stage, at, exists_then = alliance_stage_column(day)
    signed = case((stage.in_(SIGNED_STAGES), true()), else_=false())
    stmt = sa_select(
        col(Alliance.id).label("id"),
        stage.label("stage"),
        col(Partner.family).label("family"),
        col(Alliance.company_type).label("company_type"),
        signed.label("signed"),
    ).join(Partner, col(Partner.id) == Alliance.partner_id)
    if at is not None:
        stmt = stmt.outerjoin(at, at.c.alliance_id == Alliance.id)
    stmt = stmt.where(col(Alliance.network_id).in_(network_ids), exists_then)
    if families:
        stmt = stmt.where(col(Partner.family).in_(families))
    return stmt


def company_type_counts(
    session: Session,
    network_ids: NetworkIds,
    *,
    day: dt.date | None = None,
    families: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Alliances with companies and foundations per partnership type, split signed / not yet
    (abandoned ones left out): company_type, signed, count."""
    inner = _alliances_at(network_ids, day=day, families=families).subquery()
    rows = session.exec(
        select(inner.c.company_type, inner.c.signed, func.count())
        .where(
            inner.c.family.in_((PartnerFamily.company, PartnerFamily.foundation)),
            inner.c.stage != AllianceStage.abandoned,
        )
        .group_by(inner.c.company_type, inner.c.signed)
    ).all()
    frame = rows_frame(rows, columns=["company_type", "signed", "count"])
    frame["signed"] = frame["signed"].astype(bool)
    return frame


def logic_at(session: Session, network_ids: NetworkIds, day: dt.date) -> pd.DataFrame:
    """Relation logic (exchange / alliance) of the alliances that existed at ``day``, not
    abandoned nor suspended then: alliance_id, network_id, relation_logic.

    The logic at a date is the value written by the last change-log entry on or before that
    day; failing that, the value before the first later change; failing that, today's value.
    """
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    logged = and_(
        col(ChangeLog.entity) == Entity.alliance, col(ChangeLog.field) == "relation_logic"
    )
    before = (
        select(
            col(ChangeLog.entity_id).label("aid"),
            col(ChangeLog.after).label("logic"),
            func.row_number()
            .over(
                partition_by=col(ChangeLog.entity_id),
                order_by=(col(ChangeLog.changed_at).desc(), col(ChangeLog.id).desc()),
            )
            .label("rn"),
        )
        .where(logged, ChangeLog.changed_at < end)
        .subquery()
    )
    after = (
        select(
            col(ChangeLog.entity_id).label("aid"),
            col(ChangeLog.before).label("logic"),
            func.row_number()
            .over(
                partition_by=col(ChangeLog.entity_id),
                order_by=(col(ChangeLog.changed_at).asc(), col(ChangeLog.id).asc()),
            )
            .label("rn"),
        )
        .where(logged, ChangeLog.changed_at >= end)
        .subquery()
    )
    stage, at, exists_then = alliance_stage_column(day)
    logic = func.coalesce(before.c.logic, after.c.logic, Alliance.relation_logic)
    stmt = (
        select(Alliance.id, Alliance.network_id, Partner.family, logic)
        .join(Partner, col(Partner.id) == Alliance.partner_id)
        .outerjoin(at, at.c.alliance_id == Alliance.id)
        .outerjoin(before, and_(before.c.aid == Alliance.id, before.c.rn == 1))
        .outerjoin(after, and_(after.c.aid == Alliance.id, after.c.rn == 1))
        .where(
            col(Alliance.network_id).in_(network_ids),
            exists_then,
            stage.not_in(("abandoned", "suspended")),
        )
    )
    rows = session.exec(stmt).all()
    return rows_frame(rows, columns=["alliance_id", "network_id", "family", "relation_logic"])


def stage_history(session: Session, network_ids: NetworkIds) -> pd.DataFrame:
    """Every recorded stage change of the networks' alliances, in date order."""
    rows = session.execute(
        sa_select(
            col(AllianceStageChange.alliance_id),
            col(Alliance.network_id),
            col(AllianceStageChange.from_stage),
            col(AllianceStageChange.to_stage),
            col(AllianceStageChange.changed_on),
            col(AllianceStageChange.comment),
        )
        .join(Alliance, col(Alliance.id) == AllianceStageChange.alliance_id)
        .where(col(Alliance.network_id).in_(network_ids))
        .order_by(
            col(AllianceStageChange.alliance_id),
            col(AllianceStageChange.changed_on),
            col(AllianceStageChange.id),
        )
    ).all()
    return rows_frame(
        rows,
        columns=["alliance_id", "network_id", "from_stage", "to_stage", "changed_on", "comment"],
    )
