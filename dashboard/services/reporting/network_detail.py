"""One network seen from the cohort: roadmap (objectives and milestones), alliances with their
stage history, indicator trends against baseline and target, maturity and lessons (the
dashboard's drill-down). Everyone who reads the cohort reads the roadmap; only the network's
lead (and the programme team) edits it, on the lead pages.

A lead of an anonymised cohort who opens another network gets aggregates only: counts by status
and stage, progress percentages and maturity levels, never a name, a title or a raw value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.core import clock
from dashboard.core.db import read_scope
from dashboard.core.errors import NotFound
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.indicators.progress import (
    cohort_of,
    monthly_values,
    network_frame,
    progress_frame,
)
from dashboard.services.reporting import cohorts, maturity_state
from dashboard.services.reporting import state_at_date as roadmap_state
from dashboard.services.reporting.lessons_board import lessons_board
from models import Network, Objective, ProgrammeSession
from models.enums import Entity

# What an anonymised view keeps of the progress frame: no raw values, no targets.
AGGREGATE_PROGRESS = [
    "indicator_code",
    "indicator_label",
    "unit",
    "accumulation",
    "progress",
    "progress_raw",
]


@dataclass
class NetworkDetail:
    network: dict
    anonymised: bool
    as_of: dt.date
    headline: dict
    sessions: pd.DataFrame
    milestone_counts: pd.DataFrame
    objectives: pd.DataFrame
    milestones: pd.DataFrame
    pipeline: pd.DataFrame
    alliances: pd.DataFrame
    stage_history: pd.DataFrame
    progress: pd.DataFrame
    values: pd.DataFrame
    maturity: pd.DataFrame
    lessons: pd.DataFrame


def network_choices(engine: Engine, actor: Actor, cohort_id: int) -> pd.DataFrame:
    """The networks the selector offers (code, name), as the actor may see them: a lead's own
    network first."""
    with read_scope(engine) as session:
        cohort = cohort_of(session, actor, cohort_id)
        frame = network_frame(session, actor, cohort)
    if actor.network_id is not None:
        frame = pd.concat(
            [frame[frame["id"] == actor.network_id], frame[frame["id"] != actor.network_id]]
        )
    return frame[["code", "name", "anonymised"]].reset_index(drop=True)


def _network_info(session: Session, shown: pd.Series, actor: Actor) -> dict[str, Any]:
    """The network's card as the actor may see it (identifying fields blank when anonymised)."""
    anonymised = bool(shown["anonymised"])
    net = session.get(Network, int(shown["id"]))
    assert net is not None  # listed by network_frame in this transaction
    return {
        "code": str(shown["code"]),
        "name": str(shown["name"]),
        "sector": None if anonymised else net.sector,
        "region_code": None if anonymised else net.region_code,
        "member_count": None if anonymised else net.member_count,
        "is_fictional": net.is_fictional,
        "own": int(shown["id"]) == actor.network_id,
    }


def network_detail(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    network_code: str,
    *,
    as_of: dt.date | None = None,
) -> NetworkDetail:
    """Everything the network page shows for ``network_code`` (as the actor sees codes: a lead
    of an anonymised cohort passes "A", "B"… for the other networks)."""
    as_of = as_of or clock.today()
    with read_scope(engine) as session:
        cohort = cohort_of(session, actor, cohort_id)
        networks, shown = _shown_network(session, actor, cohort, network_code)
        nid = int(shown["id"])
        anonymised = bool(shown["anonymised"])
        info = _network_info(session, shown, actor)
        sessions = _sessions(session, cohort_id)
        counts = roadmap_state.milestone_counts(session, [nid], as_of=as_of)
        pipeline = roadmap_state.pipeline_counts(session, [nid])
        progress = progress_frame(session, networks, network_ids=[nid], key_only=False, as_of=as_of)
        maturity = maturity_state.maturity_first_latest(session, [nid])
        maturity["network_name"] = info["name"]
        if anonymised:
            progress = progress[AGGREGATE_PROGRESS]
        # The page's figures come from this one transaction.
        roadmap = _roadmap(session, nid, info["name"], as_of, anonymised)
        headline = cohorts.headline_counts(session, cohort.id, as_of=as_of, network_id=nid)
    if anonymised:
        headline.pop("last_value_update", None)
    lessons = (
        pd.DataFrame()
        if anonymised
        else lessons_board(
            engine, actor, cohort_id, network_ids=[nid], include_collective=False
        ).lessons
    )
    return NetworkDetail(
        network=info,
        anonymised=anonymised,
        as_of=as_of,
        headline=headline,
        sessions=sessions,
        milestone_counts=counts,
        pipeline=pipeline,
        progress=progress,
        maturity=maturity,
        lessons=lessons,
        **roadmap,
    )


def _shown_network(session, actor: Actor, cohort, network_code: str) -> tuple[pd.DataFrame, Any]:
    """The cohort's networks as the actor sees them, and the one asked for (NotFound when the
    actor sees no such code)."""
    for entity in (
        Entity.network,
        Entity.objective,
        Entity.milestone,
        Entity.alliance,
        Entity.indicator_value,
        Entity.maturity,
    ):
        authorize(actor, "read", entity)
    networks = network_frame(session, actor, cohort)
    match = networks[networks["code"] == network_code]
    if match.empty:
        raise NotFound(t("Ce réseau n'existe pas dans cette cohorte."))
    return networks, match.iloc[0]


def _sessions(session, cohort_id: int) -> pd.DataFrame:
    return pd.DataFrame(
        session.exec(
            select(col(ProgrammeSession.code), col(ProgrammeSession.session_date))
            .where(ProgrammeSession.cohort_id == cohort_id)
            .order_by(col(ProgrammeSession.session_date))
        ).all(),
        columns=["code", "session_date"],
    )


def _roadmap(
    session, nid: int, name: str, as_of: dt.date, anonymised: bool
) -> dict[str, pd.DataFrame]:
    """The network's own rows (objectives, milestones, alliances and their stage history,
    monthly values); none for a network shown anonymised."""
    if anonymised:
        empty = pd.DataFrame
        return {
            "objectives": empty(),
            "milestones": empty(),
            "alliances": empty(),
            "stage_history": empty(),
            "values": empty(),
        }
    milestones = roadmap_state.milestone_rows(session, [nid], as_of=as_of)
    milestones["network_name"] = name
    return {
        "objectives": _objectives(session, nid),
        "milestones": milestones,
        "alliances": roadmap_state.alliance_rows(session, [nid]),
        "stage_history": roadmap_state.stage_history(session, [nid]),
        "values": monthly_values(session, [nid], period_end=as_of),
    }


def _objectives(session, network_id: int) -> pd.DataFrame:
    """The network's roadmap objectives, current ones first (code, title, motivation,
    description, archived)."""
    rows = session.execute(
        sa_select(
            col(Objective.code),
            col(Objective.title),
            col(Objective.motivation),
            col(Objective.description),
            col(Objective.archived),
        )
        .where(col(Objective.network_id) == network_id)
        .order_by(col(Objective.archived), col(Objective.id))
    ).all()
    return pd.DataFrame(rows, columns=["code", "title", "motivation", "description", "archived"])
