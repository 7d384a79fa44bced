"""The cohort dashboard's figures, built once per data version, for any number of networks.

Up to ``summary_from`` networks every chart shows every network, as on the demo cohort. Above,
a chart drawing one row, radar or marker per network would weigh megabytes and be unreadable:
the per-network charts keep the networks in focus (the top and bottom ``top`` by mean progress
and the networks the person picked) and distribution charts (histograms over all networks,
quartile bands) speak for the rest. The full table stays available, paginated, on the page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import charts
from dashboard.charts import alliances as charts_alliances
from dashboard.charts import followup as charts_followup
from dashboard.charts import indicators as charts_indicators
from dashboard.charts import maturity as charts_maturity
from dashboard.charts.base import empty_figure, style
from dashboard.core.i18n import fmt_number, t
from dashboard.services.reporting.cohort_dashboard import DashboardData

SUMMARY_FROM = 40  # networks shown above which charts summarise (setting DASHBOARD_SUMMARY_FROM)
TOP = 5  # best and worst networks kept in the per-network charts


@dataclass
class DashboardFigures:
    """Every chart of the cohort dashboard, built once (a dict keeps the page's order)."""

    figures: dict[str, object]
    summarised: bool
    focus_ids: list[int]  # the networks drawn one by one (all of them when not summarised)
    overview: pd.DataFrame  # one row per shown network: the full table behind the summaries


def network_overview(data: DashboardData) -> pd.DataFrame:
    """One row per shown network: mean progress, milestones late and done, months missing."""
    shown = data.networks[data.networks["id"].isin(data.shown_network_ids)]
    out = pd.DataFrame(
        {
            "network_id": shown["id"].astype("int64").to_numpy(),
            "network_code": shown["code"].to_numpy(),
            "network_name": shown["name"].to_numpy(),
        }
    )
    progress = data.progress.groupby("network_id")["progress"].mean()
    counts = data.milestone_counts.pivot_table(
        index="network_id", columns="status", values="count", aggfunc="sum", fill_value=0
    )
    out["progress"] = out["network_id"].map(progress)
    for status in ("late", "done"):
        column = counts[status] if status in counts.columns else pd.Series(dtype="int64")
        out[f"milestones_{status}"] = out["network_id"].map(column).fillna(0).astype(int)
    missing = data.freshness.set_index("network_id")["months_missing"]
    out["months_missing"] = out["network_id"].map(missing)
    return out


def focus_ids(overview: pd.DataFrame, *, top: int, picked: tuple[int, ...] = ()) -> list[int]:
    """The networks drawn one by one: the ``top`` best and worst by mean progress (networks
    without any progress rank last), then the picked ones, each once, in that order."""
    ranked = overview.assign(_p=overview["progress"].fillna(-1.0)).sort_values(
        ["_p", "network_name"], ascending=[False, True]
    )
    ids = [int(i) for i in ranked["network_id"]]
    chosen = ids[:top] + ids[-top:] + [int(i) for i in picked if int(i) in set(ids)]
    return list(dict.fromkeys(chosen))


def _focus(data: DashboardData, ids: list[int]) -> DashboardData:
    keep = set(ids)

    def only(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["network_id"].isin(keep)].reset_index(drop=True)

    return dataclasses.replace(
        data,
        progress=only(data.progress),
        milestone_counts=only(data.milestone_counts),
        timeline=only(data.timeline),
        maturity=only(data.maturity),
        freshness=only(data.freshness),
    )


def histogram(values: pd.Series, *, title: str, x_title: str, edges: list[float]) -> go.Figure:
    """Networks per bin, counted here (the figure carries one bar per bin, not one value per
    network). ``edges`` are the bins' bounds; a bin holds ``low <= v < high``, the last one
    its upper bound too."""
    known = values.dropna().astype(float).to_numpy()
    if known.size == 0:
        return empty_figure(title, t("Aucune donnée sur la période."))
    counts, bounds = np.histogram(known, bins=edges)
    labels = [
        f"{fmt_number(lo, 1)} – {fmt_number(hi, 1)}"
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=counts.tolist(),
            marker_color="#4c78a8",
            hovertemplate=t("%{x} : %{y} réseau(x)") + "<extra></extra>",
        )
    )
    missing = int(values.isna().sum())
    if missing:
        title = t("{title} ({n} sans donnée)", title=title, n=fmt_number(missing))
    return style(fig, title=title, x_title=x_title, y_title=t("Nombre de réseaux"), height=360)


SECTIONS = ("overview", "milestones", "indicators", "alliances", "maturity", "freshness")


def _overview_figures(overview: pd.DataFrame, summarised: bool) -> dict[str, object]:
    if not summarised:
        return {}
    late_max = max(int(overview["milestones_late"].max()), 1)
    missing_max = max(int(overview["months_missing"].max(skipna=True) or 0), 1)
    return {
        "progress_histogram": histogram(
            overview["progress"] * 100,
            title=t("Réseaux par avancement moyen vers leur cible"),
            x_title=t("Avancement moyen (%)"),
            edges=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
        ),
        "late_histogram": histogram(
            overview["milestones_late"],
            title=t("Réseaux par nombre de jalons en retard"),
            x_title=t("Jalons en retard"),
            edges=[float(e) for e in range(0, late_max + 2)],
        ),
        "freshness_histogram": histogram(
            overview["months_missing"],
            title=t("Réseaux par nombre de mois incomplets"),
            x_title=t("Mois incomplets"),
            edges=[float(e) for e in range(0, missing_max + 2)],
        ),
    }


def _milestone_figures(
    data: DashboardData, shown: DashboardData, today: dt.date, sort_by: str
) -> dict[str, object]:
    bars = charts.milestone_status_bars(shown.milestone_counts)
    return {
        "milestone_bars": bars,
        "milestone_bars_sorted": bars  # the same figure: built once
        if sort_by == "late"
        else charts.milestone_status_bars(shown.milestone_counts, sort_by=sort_by),
        "timeline": charts.milestone_timeline(shown.timeline, data.sessions, today),
    }


def _maturity_figures(data: DashboardData, shown: DashboardData) -> dict[str, object]:
    figures: dict[str, object] = {"radars": charts_maturity.maturity_radar_grid(shown.maturity)}
    if not data.maturity.empty:
        figures["maturity_distribution"] = charts_maturity.maturity_distribution(data.maturity)
        both = charts_maturity.self_vs_facilitator(shown.maturity)
        if both is not None:
            figures["self_vs_facilitator"] = both
    return figures


def section_figures(
    section: str,
    data: DashboardData,
    today: dt.date,
    *,
    sort_by: str = "late",
    summary_from: int = SUMMARY_FROM,
    top: int = TOP,
    picked: tuple[int, ...] = (),
    overview: pd.DataFrame | None = None,
) -> dict[str, object]:
    """The figures of one section of the dashboard (one of :data:`SECTIONS`), each built once;
    the overview's histograms hold only above ``summary_from`` networks. ``overview``: the
    :func:`network_overview` of ``data`` when already computed."""
    overview = network_overview(data) if overview is None else overview
    summarised = len(overview) > summary_from
    ids = focus_ids(overview, top=top, picked=picked) if summarised else []
    shown = _focus(data, ids) if summarised else data
    if section == "overview":
        return _overview_figures(overview, summarised)
    if section == "milestones":
        return _milestone_figures(data, shown, today, sort_by)
    if section == "indicators":
        return {
            "heatmap": charts_indicators.progress_heatmap(shown.progress),
            "benchmark": charts_indicators.benchmark_chart(shown.progress, data.benchmark),
        }
    if section == "alliances":
        return {
            "pipeline": charts_alliances.pipeline_chart(data.pipeline),
            "company_types": charts_alliances.company_types_chart(data.company_types),
            "logic_shift": charts_alliances.logic_shift_chart(data.logic_shift, data.shift_labels),
        }
    if section == "maturity":
        return _maturity_figures(data, shown)
    if section == "freshness":
        return {"freshness": charts_followup.freshness_chart(shown.freshness)}
    raise ValueError(section)


def dashboard_figures(
    data: DashboardData,
    today: dt.date,
    *,
    sort_by: str = "late",
    summary_from: int = SUMMARY_FROM,
    top: int = TOP,
    picked: tuple[int, ...] = (),
) -> DashboardFigures:
    """Every figure of the cohort dashboard, each built once."""
    overview = network_overview(data)
    summarised = len(overview) > summary_from
    ids = (
        focus_ids(overview, top=top, picked=picked) if summarised else list(overview["network_id"])
    )
    figures: dict[str, object] = {}
    for section in SECTIONS:
        figures |= section_figures(
            section, data, today, sort_by=sort_by, summary_from=summary_from, top=top,
            picked=picked, overview=overview,
        )  # fmt: skip
    return DashboardFigures(figures, summarised, ids, overview)


def figure_bytes(figure: object) -> int:
    """What a figure weighs on the wire: its JSON (Plotly) or its Vega-Lite spec (Altair)."""
    if isinstance(figure, go.Figure):
        return len(figure.to_json().encode("utf-8"))
    return len(figure.to_json().encode("utf-8"))  # type: ignore[attr-defined]
