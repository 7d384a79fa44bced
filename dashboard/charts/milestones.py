"""Milestone charts: derived statuses per network (stacked bars) and the timeline of due and
done dates, with the same colours, symbols and patterns as everywhere (``charts.base``)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.base import (
    MILESTONE_STATUS_COLORS,
    MILESTONE_STATUS_ORDER,
    SESSION_COLOR,
    STATUS_PATTERNS,
    STATUS_SYMBOLS,
    TODAY_COLOR,
    count_axis,
    empty_figure,
    esc,
    status_label,
    style,
    vline,
)
from dashboard.core.i18n import fmt_date, fmt_number, t


def milestone_status_bars(
    counts: pd.DataFrame, *, sort_by: str = "late", title: str | None = None
) -> go.Figure:
    """Stacked horizontal bars: milestones per network and derived status.

    ``counts`` has network_name, status, count. ``sort_by``: a status (most first), "total"
    or "name".
    """
    title = title or t("Jalons par réseau et par statut")
    if counts.empty:
        return empty_figure(title, t("Aucun jalon sur la période."))
    table = counts.pivot_table(
        index="network_name", columns="status", values="count", aggfunc="sum", fill_value=0
    )
    if sort_by == "name":
        order = sorted(table.index, reverse=True)
    else:
        key = table.sum(axis=1) if sort_by == "total" else table.get(sort_by, 0 * table.sum(axis=1))
        order = list(key.sort_values(kind="stable").index)
    table = table.loc[order]
    totals = table.sum(axis=1)
    fig = go.Figure()
    for status in MILESTONE_STATUS_ORDER:
        if status not in table.columns or table[status].sum() == 0:
            continue
        values = table[status]
        name = status_label(status)
        hover = [
            t(
                "<b>{network}</b><br>{status} : {n} jalon(s) sur {total}",
                network=esc(net),
                status=name,
                n=fmt_number(v),
                total=fmt_number(totals[net]),
            )
            for net, v in values.items()
        ]
        fig.add_trace(
            go.Bar(
                y=list(table.index),
                x=list(values),
                name=name,
                orientation="h",
                marker={
                    "color": MILESTONE_STATUS_COLORS[status],
                    # Drawn over the colour (overlay), so the bar keeps its fill.
                    "pattern": {
                        "shape": STATUS_PATTERNS[status],
                        "fillmode": "overlay",
                        "fgcolor": "#ffffff",
                        "solidity": 0.35,
                    },
                },
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    count_axis(fig, float(totals.max()))
    return style(
        fig,
        title=title,
        x_title=t("Nombre de jalons"),
        y_title=t("Réseau") if len(order) > 1 else None,
        height=max(220, 130 + 32 * len(order)),
    )


def milestone_timeline(
    rows: pd.DataFrame,
    sessions: pd.DataFrame,
    today: dt.date,
    *,
    y: str = "network_name",
    title: str | None = None,
) -> go.Figure:
    """Timeline (Gantt) of milestones: a marker at each due date coloured by derived status; a
    bar from the due date to the done date (done late) or to today (late) shows the slip.
    Session dates and today are vertical lines."""
    title = title or t("Chronologie des jalons")
    if rows.empty:
        return empty_figure(title, t("Aucun jalon sur la période."))
    frame = rows.copy()
    frame["_y"] = frame[y].fillna(t("Jalon")).astype(str)
    fig = go.Figure()
    _add_slips(fig, frame, today)
    _add_status_markers(fig, frame, today)
    for _, s in sessions.iterrows():
        vline(fig, s["session_date"], str(s["code"]), color=SESSION_COLOR)
    vline(fig, today, t("Aujourd'hui"), color=TODAY_COLOR, dash="dash")
    span = (max(frame["due_date"].max(), today) - min(frame["due_date"].min(), today)).days
    fig.update_xaxes(type="date", tickformat="%m/%Y", dtick="M1" if span <= 400 else "M2")
    n_rows = frame["_y"].nunique()
    if y == "network_name":
        fig.update_yaxes(categoryorder="category descending")
    else:  # one network's roadmap: earliest due date on top
        rows_order = frame.sort_values("due_date", ascending=False)["_y"].drop_duplicates()
        fig.update_yaxes(categoryorder="array", categoryarray=list(rows_order))
    fig = style(
        fig,
        title=title,
        x_title=t("Date d'échéance"),
        y_title=t("Réseau") if y == "network_name" else t("Jalon"),
        height=max(380, 150 + 30 * n_rows),
    )
    # Room for the session labels between the legend and the plot.
    fig.update_layout(legend={"y": 1.08}, margin={"t": 120})
    return fig


def _add_slips(fig: go.Figure, frame: pd.DataFrame, today: dt.date) -> None:
    """A translucent bar from the due date to the done date (done late) or to today (late)."""
    slip_end = [
        done
        if done is not None and not pd.isna(done) and done > due
        else (today if st == "late" else None)
        for st, due, done in zip(
            frame["derived_status"], frame["due_date"], frame["done_date"], strict=True
        )
    ]
    frame["_slip_end"] = slip_end
    slips = frame[frame["_slip_end"].notna()]
    if not slips.empty:
        xs, ys = [], []
        for _, r in slips.iterrows():
            xs += [r["due_date"].isoformat(), r["_slip_end"].isoformat(), None]
            ys += [r["_y"], r["_y"], None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": MILESTONE_STATUS_COLORS["late"], "width": 6},
                opacity=0.35,
                name=t("Glissement"),
                hoverinfo="skip",
            )
        )


def _add_status_markers(fig: go.Figure, frame: pd.DataFrame, today: dt.date) -> None:
    """One trace per derived status: a marker at each due date, the milestone in the hover."""
    for status in MILESTONE_STATUS_ORDER:
        part = frame[frame["derived_status"] == status]
        if part.empty:
            continue
        hover = [_milestone_hover(r, today) for _, r in part.iterrows()]
        fig.add_trace(
            go.Scatter(
                x=[d.isoformat() for d in part["due_date"]],
                y=list(part["_y"]),
                mode="markers",
                name=status_label(status),
                marker={
                    "color": MILESTONE_STATUS_COLORS[status],
                    "size": 13,
                    "symbol": STATUS_SYMBOLS[status],
                    "line": {"color": MILESTONE_STATUS_COLORS[status], "width": 2},
                },
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )


def _milestone_hover(r: pd.Series, today: dt.date) -> str:
    parts = [f"<b>{esc(r.get('network_name'))}</b>"]
    if r.get("title"):
        parts.append(esc(r["title"]))
    parts.append(t("Échéance : {d}", d=fmt_date(r["due_date"])))
    done = r.get("done_date")
    if done is not None and not pd.isna(done):
        parts.append(t("Réalisé le : {d}", d=fmt_date(done)))
    parts.append(t("Statut : {s}", s=status_label(r["derived_status"])))
    if r["derived_status"] == "late":
        parts.append(t("Retard : {n} jours", n=fmt_number((today - r["due_date"]).days)))
    if r.get("session_code"):
        parts.append(t("Pour la session {s}", s=esc(r["session_code"])))
    return "<br>".join(parts)
