"""The cohort dashboard cut into sections, each ready to show: prepared charts, French tables
and the few figures the page writes out.

A section is what one tab (or the headline) shows, built from :class:`DashboardData` once per
version of what it reads (:mod:`dashboard.services.reporting.dashboard_versions`) and kept in
the page's cache as plain data: a rerun shows it without building, describing or serialising
anything. Pure functions, no Streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]

from dashboard.charts import scale
from dashboard.charts.prepared import PreparedChart, prepare_all, to_arrow
from dashboard.core.i18n import fmt_date, fmt_month, fmt_percent, t
from dashboard.services.reporting.cohort_dashboard import DashboardData


@dataclass(frozen=True)
class Section:
    """What one part of the dashboard shows."""

    charts: dict[str, PreparedChart]
    # Tables as Arrow, converted once (what st.dataframe would do on every rerun); a table
    # Arrow cannot hold (mixed types in a column) stays a DataFrame.
    tables: dict[str, pa.Table | pd.DataFrame] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


def _dates(values: pd.Series, formatter) -> pd.Series:
    """A column of dates as French text, each distinct date formatted once."""
    distinct = {d: formatter(None if pd.isna(d) else d) for d in values.drop_duplicates()}
    return values.map(distinct)


def _overview_table(overview: pd.DataFrame) -> pd.DataFrame:
    rows = overview.sort_values("network_name")
    return pd.DataFrame(
        {
            t("Réseau"): rows["network_name"].to_numpy(),
            t("Avancement moyen"): [
                fmt_percent(None if pd.isna(p) else p) for p in rows["progress"]
            ],
            t("Jalons en retard"): rows["milestones_late"].to_numpy(),
            t("Jalons réalisés"): rows["milestones_done"].to_numpy(),
            t("Mois incomplets"): rows["months_missing"].to_numpy(),
        }
    )


def _late_table(data: DashboardData) -> pd.DataFrame:
    late = data.timeline[data.timeline["derived_status"] == "late"].sort_values(
        "days_late", ascending=False
    )
    return pd.DataFrame(
        {
            t("Réseau"): late["network_name"],
            t("Jalon"): late["title"].fillna("—"),
            t("Échéance"): _dates(late["due_date"], fmt_date),
            t("Retard (jours)"): late["days_late"],
            t("Session"): late["session_code"].fillna("—"),
        }
    )


def _freshness_table(fresh: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("Réseau"): fresh["network_name"],
            t("Dernière mise à jour"): _dates(fresh["last_update"], fmt_date),
            t("Dernier mois saisi"): _dates(fresh["last_period"], fmt_month),
            t("Mois incomplets"): fresh["months_missing"],
            t("État"): fresh["stale"].map({True: t("À relancer"), False: t("À jour")}),
        }
    )


def _shown_networks(data: DashboardData) -> pd.DataFrame:
    shown = data.networks[data.networks["id"].isin(data.shown_network_ids)]
    return shown[["id", "code", "name"]].reset_index(drop=True)


def build_section(
    section: str,
    data: DashboardData,
    today: dt.date,
    *,
    sort_by: str = "late",
    summary_from: int = scale.SUMMARY_FROM,
    top: int = scale.TOP,
    picked: tuple[int, ...] = (),
) -> Section:
    """One section (of :data:`dashboard.charts.scale.SECTIONS`) ready to show."""
    overview = scale.network_overview(data)
    summarised = len(overview) > summary_from
    figures = scale.section_figures(
        section, data, today, sort_by=sort_by, summary_from=summary_from, top=top,
        picked=picked, overview=overview,
    )  # fmt: skip
    tables: dict[str, pd.DataFrame] = {}
    facts: dict[str, Any] = {"summarised": summarised}
    if section == "overview":
        facts |= {
            "headline": data.headline,
            "next_session": data.next_session,
            "shown": _shown_networks(data),
        }
        if summarised:
            tables["overview"] = _overview_table(overview)
    elif section == "milestones":
        tables["late"] = _late_table(data)
    elif section == "alliances":
        facts["pipeline_day"] = data.pipeline_day
    elif section == "freshness":
        fresh = data.freshness
        tables["freshness"] = _freshness_table(fresh)
        facts["expected_last_month"] = None if fresh.empty else fresh["expected_last_month"].iloc[0]
    arrow = {name: to_arrow(table) for name, table in tables.items()}
    shown = {name: table if arrow[name] is None else arrow[name] for name, table in tables.items()}
    return Section(prepare_all(figures), shown, facts)
