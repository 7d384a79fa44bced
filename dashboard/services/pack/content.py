"""What the steering committee's pack holds, read through the dashboard's own services with the
acting user: the same permission checks, anonymisation and lesson visibility as on screen.

Nothing here is computed a second way: headline figures and charts come from
:func:`~dashboard.services.reporting.cohort_dashboard.cohort_dashboard` and
:func:`~dashboard.charts.scale.dashboard_figures`, "what changed" from
:func:`~dashboard.services.reporting.snapshots.compare_snapshots`, each network's page from
:func:`~dashboard.services.reporting.network_detail.network_detail` and the lessons board.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Engine

from dashboard.charts import scale
from dashboard.charts.followup import changes_by_network
from dashboard.core import clock
from dashboard.core.config import get_settings
from dashboard.core.errors import NotFound
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from dashboard.services.reporting import cohorts, snapshots
from dashboard.services.reporting.cohort_dashboard import DashboardData, cohort_dashboard
from dashboard.services.reporting.lessons_board import SHARED, lessons_board
from dashboard.services.reporting.network_detail import NetworkDetail, network_detail
from dashboard.services.reporting.snapshot_diff import SnapshotDiff

CHANGES_FIGURE = "changes_by_network"


@dataclass
class PackContent:
    cohort: dict  # code, name, start_date, end_date
    session: dict | None  # the session the pack is for (code, title, session_date, host)
    as_of: dt.date
    data: DashboardData
    figures: dict[str, object]  # the dashboard's figures (same builders), then the changes'
    summarised: bool
    overview: pd.DataFrame  # one row per network (mean progress, milestones late and done…)
    since: SnapshotDiff | None  # what changed since the previous session's snapshot
    since_taken_at: dt.datetime | None
    networks: list[NetworkDetail]
    lessons: pd.DataFrame  # the shareable lessons the actor may read (cohort and public)


def pick_session(sessions: pd.DataFrame, code: str | None, as_of: dt.date) -> dict | None:
    """The session the pack is for: ``code`` when given (refused with a French message when the
    cohort has none such), else the next one from ``as_of``, else the last one held."""
    if code:
        match = sessions[sessions["code"].str.upper() == code.strip().upper()]
        if match.empty:
            raise NotFound(
                t(
                    "La session « {code} » n'existe pas dans cette cohorte (sessions : {all}).",
                    code=code,
                    all=", ".join(sessions["code"]) or "—",
                )
            )
        return match.iloc[0].to_dict()
    return cohorts.next_session(sessions, as_of) or cohorts.last_session(sessions, as_of)


def _since(
    engine: Engine, actor: Actor, cohort_id: int, session: dict | None, as_of: dt.date
) -> tuple[SnapshotDiff | None, dt.datetime | None]:
    """Changes since the latest snapshot taken before the pack's session, up to that session's
    own snapshot when it already has one, else up to ``as_of``."""
    listed = snapshots.list_snapshots(engine, actor, cohort_id)
    if listed.empty:
        return None, None
    day = session["session_date"] if session else as_of
    taken = pd.to_datetime(listed["taken_at"], utc=True).dt.date
    own = listed[listed["session_code"] == session["code"]] if session else listed.iloc[0:0]
    before = listed[(taken < day) & ~listed["id"].isin(own["id"])]
    if before.empty:
        return None, None
    latest = before.iloc[0]
    after_id = int(own.iloc[0]["id"]) if not own.empty and day <= as_of else None
    diff = snapshots.compare_snapshots(
        engine, actor, cohort_id, before_id=int(latest["id"]), after_id=after_id, as_of=as_of
    )
    return diff, latest["taken_at"]


def gather(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    session_code: str | None = None,
    as_of: dt.date | None = None,
) -> PackContent:
    """Everything the pack prints, as ``actor`` may read it."""
    as_of = as_of or clock.today()
    info = cohorts.get_cohort(engine, actor, cohort_id)
    data = cohort_dashboard(engine, actor, cohort_id, as_of=as_of)
    built = scale.dashboard_figures(data, as_of, summary_from=get_settings().dashboard_summary_from)
    session = pick_session(data.sessions, session_code, as_of)
    since, since_taken_at = _since(engine, actor, cohort_id, session, as_of)
    shown = data.networks[data.networks["id"].isin(data.shown_network_ids)]
    details = [
        network_detail(engine, actor, cohort_id, str(code), as_of=as_of) for code in shown["code"]
    ]
    board = lessons_board(engine, actor, cohort_id).lessons
    shareable = board[board["visibility"].isin(SHARED)].reset_index(drop=True)
    figures = dict(built.figures)
    # The sorted copy is the same chart on screen (another sort order of one figure).
    figures.pop("milestone_bars_sorted", None)
    if since is not None:  # the snapshots page's chart of the same comparison
        figures[CHANGES_FIGURE] = changes_by_network(
            since.per_network, (since.before_label, since.after_label)
        )
    return PackContent(
        cohort={
            "code": info.code,
            "name": info.name,
            "start_date": info.start_date,
            "end_date": info.end_date,
        },
        session=session,
        as_of=as_of,
        data=data,
        figures=figures,
        summarised=built.summarised,
        overview=built.overview,
        since=since,
        since_taken_at=since_taken_at,
        networks=details,
        lessons=shareable,
    )
