"""Reading a cohort: which cohorts a user sees, its sessions, networks and headline figures."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.core import clock
from dashboard.core.db import read_scope
from dashboard.core.errors import NotFound
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.shared import access
from dashboard.services.shared.rules import late_condition
from models import (
    Alliance,
    Cohort,
    IndicatorTotal,
    Milestone,
    Network,
    ProgrammeSession,
)
from models.enums import (
    SIGNED_STAGES,
    AllianceStage,
    CohortStatus,
    MilestoneStatus,
    RelationLogic,
    Role,
)


def list_cohorts(engine: Engine, actor: Actor) -> list[access.CohortInfo]:
    """Cohorts the actor may read, most recent first (a lead: only their network's cohort)."""
    authorize(actor, "read", "cohort")
    with read_scope(engine) as session:
        stmt = select(Cohort).order_by(col(Cohort.start_date).desc(), col(Cohort.id).desc())
        if actor.role is Role.lead:
            stmt = stmt.where(Cohort.id == actor.cohort_id)
        return [access.cohort_info(c) for c in session.exec(stmt)]


def get_cohort(engine: Engine, actor: Actor, cohort_id: int) -> access.CohortInfo:
    """:func:`read_cohort` in its own unit of work."""
    with read_scope(engine) as session:
        return access.read_cohort(session, actor, cohort_id)


def cohort_sessions(engine: Engine, actor: Actor, cohort_id: int) -> pd.DataFrame:
    """The cohort's sessions in date order (id, code, number, kind, phase, title, date…)."""
    with read_scope(engine) as session:
        access.read_cohort(session, actor, cohort_id)
        rows = session.execute(
            sa_select(
                col(ProgrammeSession.id),
                col(ProgrammeSession.code),
                col(ProgrammeSession.number),
                col(ProgrammeSession.kind),
                col(ProgrammeSession.phase),
                col(ProgrammeSession.title),
                col(ProgrammeSession.session_date),
                col(ProgrammeSession.host),
                col(ProgrammeSession.theme),
                col(ProgrammeSession.version),
            )
            .where(col(ProgrammeSession.cohort_id) == cohort_id)
            .order_by(col(ProgrammeSession.session_date), col(ProgrammeSession.number))
        ).all()
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "code",
            "number",
            "kind",
            "phase",
            "title",
            "session_date",
            "host",
            "theme",
            "version",
        ],
    )


def next_session(sessions: pd.DataFrame, as_of: dt.date) -> dict | None:
    """The first session on or after ``as_of`` (None when all have taken place)."""
    upcoming = sessions[sessions["session_date"] >= as_of]
    return None if upcoming.empty else upcoming.iloc[0].to_dict()


def last_session(sessions: pd.DataFrame, as_of: dt.date) -> dict | None:
    past = sessions[sessions["session_date"] < as_of]
    return None if past.empty else past.iloc[-1].to_dict()


def cohort_networks(engine: Engine, actor: Actor, cohort_id: int) -> pd.DataFrame:
    """Networks of the cohort (id, code, name, acronym, sector, region, members, fictional)."""
    with read_scope(engine) as session:
        cohort = access.read_cohort(session, actor, cohort_id)
        rows = session.execute(
            sa_select(
                col(Network.id),
                col(Network.code),
                col(Network.name),
                col(Network.acronym),
                col(Network.sector),
                col(Network.region_code),
                col(Network.member_count),
                col(Network.is_fictional),
            )
            .where(col(Network.cohort_id) == cohort_id)
            .order_by(col(Network.code))
        ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "id",
            "code",
            "name",
            "acronym",
            "sector",
            "region_code",
            "member_count",
            "is_fictional",
        ],
    )
    return access.anonymise(frame, actor, cohort)


def headline(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    as_of: dt.date | None = None,
    network_id: int | None = None,
) -> dict:
    """Headline counts for the cohort (or one network): networks, alliances signed, share in
    contrat-alliance logic, milestones done / late, values awaiting validation."""
    with read_scope(engine) as session:
        access.read_cohort(session, actor, cohort_id)
        return headline_counts(
            session, cohort_id, as_of=as_of or clock.today(), network_id=network_id
        )


def headline_counts(
    session: Session, cohort_id: int, *, as_of: dt.date, network_id: int | None = None
) -> dict:
    """:func:`headline` inside the caller's unit of work (after its read check)."""
    network_ids = select(col(Network.id)).where(Network.cohort_id == cohort_id)
    if network_id is not None:
        network_ids = network_ids.where(Network.id == network_id)
    scope = network_ids.scalar_subquery()
    networks = session.exec(
        select(func.count()).select_from(Network).where(col(Network.id).in_(scope))
    ).one()
    signed = col(Alliance.stage).in_(SIGNED_STAGES)
    in_alliance_logic = col(Alliance.relation_logic) == RelationLogic.alliance
    a_total, a_signed, a_alliance = session.exec(
        select(
            func.count(),
            func.coalesce(func.sum(case((signed, 1), else_=0)), 0),
            func.coalesce(func.sum(case((in_alliance_logic, 1), else_=0)), 0),
        ).where(col(Alliance.network_id).in_(scope), Alliance.stage != AllianceStage.abandoned)
    ).one()
    done = col(Milestone.status) == MilestoneStatus.done
    m_total, m_done, m_late = session.exec(
        select(
            func.count(),
            func.coalesce(func.sum(case((done, 1), else_=0)), 0),
            func.coalesce(func.sum(case((late_condition(as_of), 1), else_=0)), 0),
        ).where(col(Milestone.network_id).in_(scope), Milestone.status != MilestoneStatus.cancelled)
    ).one()
    # Read from the indicator totals (one row per network × indicator), not the values.
    awaiting, last_update = session.exec(
        select(
            func.coalesce(func.sum(IndicatorTotal.submitted_values), 0),
            func.max(IndicatorTotal.any_updated_at),
        ).where(col(IndicatorTotal.network_id).in_(scope))
    ).one()
    return {
        "networks": int(networks),
        "alliances": int(a_total),
        "alliances_signed": int(a_signed),
        "alliance_logic_share": (int(a_alliance) / int(a_total)) if a_total else None,
        "milestones": int(m_total),
        "milestones_done": int(m_done),
        "milestones_late": int(m_late),
        "values_awaiting_validation": int(awaiting),
        "last_value_update": last_update,
    }


def default_cohort_id(engine: Engine, actor: Actor) -> int | None:
    """The lead's cohort, otherwise the most recent active cohort (or the most recent one)."""
    if actor.role is Role.lead:
        return actor.cohort_id
    cohorts = list_cohorts(engine, actor)
    for c in cohorts:
        if c.status == CohortStatus.active:
            return c.id
    return cohorts[0].id if cohorts else None


def network_name(engine: Engine, actor: Actor, network_id: int) -> dict:
    """Code, name and cohort of one network the actor may read, as the actor may see them
    (another network of an anonymised cohort is « Réseau A »… for a lead)."""
    authorize(actor, "read", "network")
    with read_scope(engine) as session:
        try:
            n = session.get(Network, int(network_id))
        except (TypeError, ValueError):
            n = None
        if n is None or (actor.role is Role.lead and n.cohort_id != actor.cohort_id):
            raise NotFound(t("Ce réseau n'existe pas ou ne vous est pas accessible."))
        stored = session.get(Cohort, n.cohort_id)
        assert stored is not None  # foreign key
        cohort = access.cohort_info(stored)
        names = pd.DataFrame(
            session.exec(
                select(Network.id, Network.code, Network.name).where(
                    Network.cohort_id == n.cohort_id
                )
            ).all(),
            columns=["id", "code", "name"],
        )
    shown = access.anonymise(names, actor, cohort).set_index("id").loc[n.id]
    return {"id": n.id, "code": shown["code"], "name": shown["name"], "cohort_id": n.cohort_id}
