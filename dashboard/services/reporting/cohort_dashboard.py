"""The cohort dashboard's data: every aggregate the page shows, in one call.

Everything is read with grouped queries (a fixed number of statements, whatever the number of
networks) and returned as DataFrames inside :class:`DashboardData`. Network names are anonymised
for leads when the cohort says so, here in the service, so a lead's data never holds another
network's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from dashboard.core import clock
from dashboard.core.db import read_scope
from dashboard.core.permissions import Actor, authorize
from dashboard.services.indicators.progress import (
    cohort_benchmark,
    cohort_of,
    network_frame,
    progress_frame,
)
from dashboard.services.reporting import cohorts, maturity_state
from dashboard.services.reporting import state_at_date as roadmap_state
from dashboard.services.reporting.freshness import freshness
from dashboard.services.shared import audit
from dashboard.services.shared.frames import rows_frame
from models import Network
from models import ProgrammeSession as PS
from models.enums import Entity


@dataclass(frozen=True)
class DashboardFilters:
    """What the user narrowed the dashboard to (hashable: used in cache keys)."""

    period_start: dt.date | None = None  # first month shown
    period_end: dt.date | None = None  # last month shown (values up to its end)
    network_ids: tuple[int, ...] | None = None
    partner_families: tuple[str, ...] | None = None


@dataclass
class DashboardData:
    headline: dict
    next_session: dict | None
    sessions: pd.DataFrame
    networks: pd.DataFrame  # every network of the cohort, as the actor may see it
    shown_network_ids: list[int]
    milestone_counts: pd.DataFrame
    timeline: pd.DataFrame
    progress: pd.DataFrame
    benchmark: pd.DataFrame
    pipeline: pd.DataFrame
    pipeline_day: dt.date | None
    company_types: pd.DataFrame
    logic_shift: pd.DataFrame
    shift_labels: tuple[str, str]
    maturity: pd.DataFrame
    freshness: pd.DataFrame


def data_version(engine: Engine, actor: Actor, cohort_id: int) -> int:
    """A number that changes with every logged write on the cohort (cache keys use it, so a
    lead's save shows on the next rerun, also in another server process)."""
    with read_scope(engine) as session:
        cohort_of(session, actor, cohort_id)
        return audit.data_version(session, cohort_id)


def _names(frame: pd.DataFrame, networks: pd.DataFrame) -> pd.DataFrame:
    names = networks.rename(
        columns={"id": "network_id", "code": "network_code", "name": "network_name"}
    )[["network_id", "network_code", "network_name", "anonymised"]]
    names["network_id"] = names["network_id"].astype("int64")
    frame["network_id"] = frame["network_id"].astype("int64")
    return frame.merge(names, on="network_id", how="inner")


def _sessions(session: Session, cohort_id: int) -> pd.DataFrame:
    rows = session.execute(
        sa_select(
            col(PS.id),
            col(PS.code),
            col(PS.number),
            col(PS.kind),
            col(PS.phase),
            col(PS.title),
            col(PS.session_date),
            col(PS.host),
        )
        .where(col(PS.cohort_id) == cohort_id)
        .order_by(col(PS.session_date), col(PS.number))
    ).all()
    return rows_frame(
        rows, columns=["id", "code", "number", "kind", "phase", "title", "session_date", "host"]
    )


def shift_dates(sessions: pd.DataFrame, as_of: dt.date) -> tuple[dt.date, dt.date, tuple[str, str]]:
    """Default comparison for the exchange → alliance shift: the first session against the last
    one held by ``as_of`` (or today when only one was held)."""
    past = sessions[sessions["session_date"] <= as_of]
    if past.empty:
        return as_of, as_of, ("", "")
    first = past.iloc[0]
    if len(past) == 1:
        return first["session_date"], as_of, (first["code"], "")
    last = past.iloc[-1]
    return first["session_date"], last["session_date"], (first["code"], last["code"])


def logic_shift(
    session: Session,
    network_ids: roadmap_state.NetworkIds,
    *,
    day_from: dt.date,
    day_to: dt.date,
    families: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """How alliances' relation logic moved between two dates: from_logic, to_logic, count.

    "absent" stands for an alliance that did not exist yet (or was abandoned / suspended).
    """
    before = roadmap_state.logic_at(session, network_ids, day_from)
    after = roadmap_state.logic_at(session, network_ids, day_to)
    if families:
        before = before[before["family"].isin(families)]
        after = after[after["family"].isin(families)]
    both = before[["alliance_id", "relation_logic"]].merge(
        after[["alliance_id", "relation_logic"]],
        on="alliance_id",
        how="outer",
        suffixes=("_from", "_to"),
    )
    both = both.fillna({"relation_logic_from": "absent", "relation_logic_to": "absent"})
    counts = (
        both.groupby(["relation_logic_from", "relation_logic_to"]).size().reset_index(name="count")
    )
    return counts.rename(
        columns={"relation_logic_from": "from_logic", "relation_logic_to": "to_logic"}
    )


def cohort_dashboard(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    filters: DashboardFilters | None = None,
    shift_from: dt.date | None = None,
    shift_to: dt.date | None = None,
    as_of: dt.date | None = None,
) -> DashboardData:
    """Everything the cohort dashboard shows, for the networks and period of ``filters``.

    Milestones are those due inside the period; "late" is derived at ``as_of``. Indicator
    progress uses the values up to the period's end (per-period indicators: the sum from the
    cohort's start to the period's end, the target being the cohort's); the cohort's median
    and quartiles are computed on all its networks, whatever the network filter. The pipeline is the current one, or the one at the period's end when that
    is in the past (from the stage history).
    """
    filters = filters or DashboardFilters()
    as_of = as_of or clock.today()
    with read_scope(engine) as session:
        cohort = cohort_of(session, actor, cohort_id)
        headline = cohorts.headline_counts(session, cohort.id, as_of=as_of)
        for entity in (Entity.milestone, Entity.alliance, Entity.indicator_value, Entity.maturity):
            authorize(actor, "read", entity)
        networks = network_frame(session, actor, cohort)
        all_ids = [int(i) for i in networks["id"]]
        ids = [i for i in all_ids if filters.network_ids is None or i in filters.network_ids]
        # The statements below select the whole cohort by a join, not by a list of its ids.
        scope: roadmap_state.NetworkIds = (
            ids
            if filters.network_ids is not None
            else sa_select(col(Network.id)).where(col(Network.cohort_id) == cohort.id)
        )
        sessions = _sessions(session, cohort.id)
        start = clock.month_start(filters.period_start) if filters.period_start else None
        end = clock.month_end(filters.period_end) if filters.period_end else None

        counts, timeline = _milestone_frames(
            session, scope, networks, as_of=as_of, start=start, end=end
        )
        progress_all = progress_frame(
            session,
            networks,
            cohort_id=cohort.id,
            period_start=filters.period_start,
            period_end=filters.period_end,
            as_of=as_of,
        )
        benchmark = cohort_benchmark(progress_all)
        progress = progress_all[progress_all["network_id"].isin(ids)].reset_index(drop=True)

        pipeline_day = end if end is not None and end < as_of else None
        families = filters.partner_families
        pipeline, company_types = _pipeline_frames(
            session, scope, day=pipeline_day, families=families
        )
        default_from, default_to, labels = shift_dates(sessions, as_of)
        day_from, day_to = shift_from or default_from, shift_to or default_to
        if shift_from or shift_to:
            labels = (_label_for(sessions, day_from), _label_for(sessions, day_to))
        shift = logic_shift(session, scope, day_from=day_from, day_to=day_to, families=families)
        maturity = _names(maturity_state.maturity_first_latest(session, scope, until=end), networks)
        fresh = _names(freshness(session, cohort, ids, as_of=as_of), networks)

    return DashboardData(
        headline=headline,
        next_session=cohorts.next_session(sessions, as_of),
        sessions=sessions,
        networks=networks,
        shown_network_ids=ids,
        milestone_counts=counts,
        timeline=timeline,
        progress=progress,
        benchmark=benchmark,
        pipeline=pipeline,
        pipeline_day=pipeline_day,
        company_types=company_types,
        logic_shift=shift,
        shift_labels=labels,
        maturity=maturity,
        freshness=fresh,
    )


def _milestone_frames(
    session: Session,
    scope: roadmap_state.NetworkIds,
    networks: pd.DataFrame,
    *,
    as_of: dt.date,
    start: dt.date | None,
    end: dt.date | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Milestones per network × status, and the timeline's rows, for the networks of ``scope``."""
    counts = _names(
        roadmap_state.milestone_counts(session, scope, as_of=as_of, start=start, end=end),
        networks,
    )
    timeline = _names(
        roadmap_state.milestone_rows(session, scope, as_of=as_of, start=start, end=end),
        networks,
    )
    # Other networks' milestone titles could name them: a lead in anonymised mode sees
    # only dates and statuses.
    for column in ("title", "owner", "code"):
        timeline[column] = timeline[column].astype(object)
        timeline.loc[timeline["anonymised"], column] = None
    return counts, timeline


def _pipeline_frames(
    session: Session,
    scope: roadmap_state.NetworkIds,
    *,
    day: dt.date | None,
    families: tuple[str, ...] | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The alliance pipeline (stage × family) and the company types, today or at ``day``."""
    pipeline = roadmap_state.pipeline_counts(session, scope, day=day, families=families)
    company_types = roadmap_state.company_type_counts(session, scope, day=day, families=families)
    return pipeline, company_types


def _label_for(sessions: pd.DataFrame, day: dt.date) -> str:
    match = sessions[sessions["session_date"] == day]
    return str(match.iloc[0]["code"]) if not match.empty else day.isoformat()
