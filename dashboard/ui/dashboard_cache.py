"""The cohort dashboard's caches: its data once per data version, each section once per version
of what that section reads.

``st.cache_data`` keeps plain data only (prepared charts: JSON text and small tables), so a
rerun reads it back without rebuilding, revalidating or serialising a figure. Keys hold every
scoping value (cohort, filters, role, own network, day); permissions are checked before, by
:func:`current_versions` (the cohort read check), never decided by a cache.

After a save, each section's version tells whether it changed: a milestone saved by a lead
rebuilds the milestone sections (and the headline) once, for every viewer of every process
(the versions are read from the database), and leaves the indicator, alliance and maturity
charts in the cache.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import streamlit as st
from sqlalchemy.engine import Engine
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.charts import sections
from dashboard.core.permissions import Actor
from dashboard.services.reporting import cohort_dashboard, dashboard_versions
from dashboard.services.reporting.cohort_dashboard import DashboardData, DashboardFilters
from dashboard.services.reporting.dashboard_versions import DataVersions

_LOCK = threading.Lock()
_SHOWN = "_dashboard_sections_shown"  # session-state key no widget writes


@st.cache_resource(show_spinner=False)
def _known_versions() -> dict[tuple[str, int], DataVersions]:
    """The versions last read per (database, cohort) in this process: the next read starts
    from there (the newest change-log rows only)."""
    return {}


def current_versions(engine: Engine, actor: Actor, cohort_id: int) -> DataVersions:
    """The cohort's versions per kind of change, read from the database (one statement), after
    the check that ``actor`` may read the cohort."""
    key = (engine.url.render_as_string(hide_password=True), cohort_id)
    known = _known_versions()
    with _LOCK:
        previous = known.get(key)
    versions = dashboard_versions.data_versions(engine, actor, cohort_id, known=previous)
    with _LOCK:
        if previous is known.get(key):
            known[key] = versions
    return versions


@st.cache_data(show_spinner=False, max_entries=16)
def _data(
    cohort_id: int,
    filters: DashboardFilters,
    shift: tuple[dt.date | None, dt.date | None],
    version: int,
    role: str,
    network_id: int | None,
    as_of: dt.date,
    _engine: Engine,
    _actor: Actor,
) -> DashboardData:
    return cohort_dashboard.cohort_dashboard(
        _engine, _actor, cohort_id, filters=filters, shift_from=shift[0], shift_to=shift[1],
        as_of=as_of,
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=256)
def _section(
    name: str,
    version: int,
    cohort_id: int,
    filters: DashboardFilters,
    shift: tuple[dt.date | None, dt.date | None] | None,
    role: str,
    network_id: int | None,
    as_of: dt.date,
    options: tuple[tuple[str, object], ...],
    _data_version: int,
    _shift: tuple[dt.date | None, dt.date | None],
    _engine: Engine,
    _actor: Actor,
) -> sections.Section:
    data = _data(
        cohort_id, filters, _shift, _data_version, role, network_id, as_of, _engine, _actor
    )
    return sections.build_section(name, data, as_of, **dict(options))  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True)
class DashboardView:
    """What the page asks for: everything a section's content depends on."""

    cohort_id: int
    filters: DashboardFilters
    shift: tuple[dt.date | None, dt.date | None]
    as_of: dt.date
    shown_count: int  # networks the filters keep
    summary_from: int
    sort_by: str = "late"
    picked: tuple[int, ...] = ()

    @property
    def summarised(self) -> bool:
        return self.shown_count > self.summary_from


def dashboard_section(
    engine: Engine, actor: Actor, versions: DataVersions, name: str, view: DashboardView
) -> sections.Section:
    """One section of the dashboard, from the cache when what it reads has not changed."""
    summarised = view.summarised
    options: list[tuple[str, object]] = [("summary_from", view.summary_from)]
    if summarised and name != "overview":
        options.append(("picked", view.picked))
    if name == "milestones":
        options.append(("sort_by", view.sort_by))
    key = (
        name,
        dashboard_versions.section_version(versions, name, summarised=summarised),
        view.cohort_id,
        view.filters,
        view.shift if name == "alliances" else None,
        actor.role.value,
        actor.network_id,
        view.as_of,
        tuple(options),
    )
    # The section this session showed last, under the same key, is reused as it is: the
    # shared cache would hash the arguments and unpickle the section again on every rerun.
    shown = _shown_sections()
    if shown is not None and name in shown and shown[name][0] == key:
        return shown[name][1]
    section = _section(*key, versions.of(None), view.shift, engine, actor)
    if shown is not None:
        shown[name] = (key, section)
    return section


def _shown_sections() -> dict | None:
    """This session's last shown section per name (None outside a Streamlit run)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    if _SHOWN not in st.session_state:
        st.session_state[_SHOWN] = {}
    return st.session_state[_SHOWN]
