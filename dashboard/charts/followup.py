"""Follow-up charts: data freshness per network, what changed between two snapshots, and the
lessons board's categories. Colours and the shared look come from ``dashboard.charts``."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.base import (
    CAPITALISATION_COLORS,
    FRESHNESS_COLORS,
    MILESTONE_STATUS_COLORS,
    OUTLINE,
    STAGE_COLORS,
    count_axis,
    empty_figure,
    esc,
    style,
)
from dashboard.core.i18n import fmt_date, fmt_number, label_of, t
from models.enums import CapitalisationStatus, LessonCategory


def freshness_chart(freshness: pd.DataFrame) -> go.Figure:
    """Months with incomplete values per network; stale networks in red."""
    title = t("Fraîcheur des données : mois incomplets par réseau")
    if freshness.empty:
        return empty_figure(title, t("Aucun réseau."))
    frame = freshness.sort_values(["months_missing", "network_name"], ascending=[True, False])
    colors = [FRESHNESS_COLORS["stale" if s else "fresh"] for s in frame["stale"]]
    hover = [
        t(
            "<b>{net}</b><br>Dernière mise à jour : {upd}<br>Dernier mois saisi : {last}<br>"
            "Mois incomplets : {miss} sur {exp}<br>{flag}",
            net=esc(r.network_name),
            upd=fmt_date(None if pd.isna(r.last_update) else r.last_update),
            last=fmt_date(None if pd.isna(r.last_period) else r.last_period),
            miss=fmt_number(r.months_missing),
            exp=fmt_number(r.months_expected),
            flag=t("À relancer") if r.stale else t("À jour"),
        )
        for r in frame.itertuples(index=False)
    ]
    fig = go.Figure(
        go.Bar(
            y=list(frame["network_name"]),
            x=list(frame["months_missing"]),
            orientation="h",
            marker={
                "color": colors,
                # Stale bars hatched too: not told apart by red/green alone.
                "pattern": {
                    "shape": ["/" if s else "" for s in frame["stale"]],
                    "fillmode": "overlay",
                    "fgcolor": "#ffffff",
                    "solidity": 0.35,
                },
            },
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            name=t("Mois incomplets"),
        )
    )
    count_axis(fig, float(frame["months_missing"].max()))
    return style(
        fig,
        title=title,
        x_title=t("Mois incomplets (nombre)"),
        y_title=t("Réseau"),
        height=max(320, 60 + 30 * len(frame)),
    )


def lessons_chart(counts: pd.DataFrame) -> go.Figure:
    """Lessons per category, stacked by capitalisation status."""
    title = t("Enseignements par catégorie et état de capitalisation")
    if counts.empty:
        return empty_figure(title, t("Aucun enseignement visible."))
    categories = [c.value for c in LessonCategory if c.value in set(counts["category"])]
    cat_labels = [label_of(LessonCategory, c) for c in categories]
    fig = go.Figure()
    for status, color in CAPITALISATION_COLORS.items():
        part = counts[counts["capitalisation"] == status].groupby("category")["count"].sum()
        if part.sum() == 0:
            continue
        name = label_of(CapitalisationStatus, status)
        values = [int(part.get(c, 0)) for c in categories]
        fig.add_trace(
            go.Bar(
                x=cat_labels,
                y=values,
                name=name,
                marker={"color": color, "line": OUTLINE},
                hovertext=[
                    t("<b>{cat}</b><br>{st} : {n}", cat=cl, st=name, n=fmt_number(v))
                    for cl, v in zip(cat_labels, values, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    count_axis(fig, float(counts.groupby("category")["count"].sum().max()), axis="y")
    return style(
        fig, title=title, x_title=t("Catégorie"), y_title=t("Nombre d'enseignements"), height=380
    )


CHANGE_COLORS = {
    "milestones_done": MILESTONE_STATUS_COLORS["done"],
    "milestones_added": MILESTONE_STATUS_COLORS["planned"],
    "milestones_slipped": MILESTONE_STATUS_COLORS["postponed"],
    "milestones_late": MILESTONE_STATUS_COLORS["late"],
    "stage_changes": STAGE_COLORS["signed"],
}
CHANGE_LABELS = {
    "milestones_done": "Jalons réalisés",
    "milestones_added": "Jalons ajoutés",
    "milestones_slipped": "Jalons repoussés",
    "milestones_late": "Jalons passés en retard",
    "stage_changes": "Alliances changées d'étape",
}


def changes_by_network(per_network: pd.DataFrame, labels: tuple[str, str]) -> go.Figure:
    """What changed per network between two states (snapshot comparison)."""
    title = t("Ce qui a changé par réseau ({a} → {b})", a=esc(labels[0]), b=esc(labels[1]))
    if per_network.empty:
        return empty_figure(title, t("Aucun réseau."))
    frame = per_network.sort_values("network_name", ascending=False)
    fig = go.Figure()
    for column, color in CHANGE_COLORS.items():
        values = list(frame[column])
        if sum(values) == 0:
            continue
        name = t(CHANGE_LABELS[column])
        fig.add_trace(
            go.Bar(
                y=list(frame["network_name"]),
                x=values,
                orientation="h",
                name=name,
                marker_color=color,
                hovertext=[
                    t("<b>{net}</b><br>{what} : {n}", net=esc(n), what=name, n=fmt_number(v))
                    for n, v in zip(frame["network_name"], values, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    count_axis(fig, float(frame[list(CHANGE_COLORS)].sum(axis=1).max()))
    return style(
        fig,
        title=title,
        x_title=t("Nombre de changements"),
        y_title=t("Réseau"),
        height=max(320, 80 + 30 * len(frame)),
    )
