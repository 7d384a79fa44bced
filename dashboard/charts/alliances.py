"""Alliance charts: pipeline by stage and partner family, company partnership types, the
shift from contrat-échange to contrat-alliance, and each alliance's stage history. Colours and
the shared look come from ``dashboard.charts``."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.base import (
    COMPANY_TYPE_COLORS,
    FAMILY_COLORS,
    LOGIC_COLORS,
    OUTLINE,
    STAGE_COLORS,
    TODAY_COLOR,
    count_axis,
    empty_figure,
    esc,
    style,
    vline,
    wrap,
)
from dashboard.core.i18n import fmt_date, fmt_number, label_of, t
from models.enums import (
    STAGE_ORDER,
    AllianceStage,
    CompanyPartnershipType,
    PartnerFamily,
    RelationLogic,
)


# --- Alliances ----------------------------------------------------------------------------
def pipeline_chart(pipeline: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Alliances per stage (pipeline order) stacked by partner family."""
    title = title or t("Alliances par étape et par famille de partenaires")
    if pipeline.empty:
        return empty_figure(title, t("Aucune alliance pour ces filtres."))
    stages = [s for s in STAGE_ORDER if s in set(pipeline["stage"])]
    stage_labels = [wrap(label_of(AllianceStage, s), 12) for s in stages]
    fig = go.Figure()
    for family in FAMILY_COLORS:
        part = pipeline[pipeline["family"] == family].groupby("stage")["count"].sum()
        if part.sum() == 0:
            continue
        name = label_of(PartnerFamily, family)
        values = [int(part.get(s, 0)) for s in stages]
        fig.add_trace(
            go.Bar(
                x=stage_labels,
                y=values,
                name=name,
                marker_color=FAMILY_COLORS[family],
                hovertext=[
                    t(
                        "<b>{stage}</b><br>{family} : {n} alliance(s)",
                        stage=sl,
                        family=name,
                        n=fmt_number(v),
                    )
                    for sl, v in zip(stage_labels, values, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(tickangle=0)
    count_axis(fig, float(pipeline.groupby("stage")["count"].sum().max()), axis="y")
    return style(fig, title=title, x_title=t("Étape"), y_title=t("Nombre d'alliances"), height=420)


def company_types_chart(company_types: pd.DataFrame) -> go.Figure:
    """Mix of the four company partnership types, signed vs still being built."""
    title = t("Partenariats avec les entreprises et fondations, par type")
    if company_types.empty:
        return empty_figure(title, t("Aucune alliance avec une entreprise ou une fondation."))
    frame = company_types.fillna({"company_type": "unknown"})
    types = [c for c in COMPANY_TYPE_COLORS if c in set(frame["company_type"])]
    if "unknown" in set(frame["company_type"]):
        types.append("unknown")
    labels = [
        t("Type non précisé") if c == "unknown" else label_of(CompanyPartnershipType, c)
        for c in types
    ]
    fig = go.Figure()
    for signed, name, color in (
        (True, t("Contractualisées ou plus"), STAGE_COLORS["signed"]),
        (False, t("En construction"), STAGE_COLORS["scoping"]),
    ):
        part = frame[frame["signed"] == signed].groupby("company_type")["count"].sum()
        values = [int(part.get(c, 0)) for c in types]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=values,
                orientation="h",
                name=name,
                marker_color=color,
                hovertext=[
                    t("<b>{type}</b><br>{what} : {n}", type=lab, what=name, n=fmt_number(v))
                    for lab, v in zip(labels, values, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    count_axis(fig, float(frame.groupby("company_type")["count"].sum().max()))
    return style(fig, title=title, x_title=t("Nombre d'alliances"), y_title=None, height=340)


def logic_shift_chart(shift: pd.DataFrame, labels: tuple[str, str]) -> go.Figure:
    """Sankey of relation logic between two sessions: contrat-échange → contrat-alliance."""
    left, right = labels
    title = t(
        "Du contrat-échange au contrat-alliance ({a} → {b})",
        a=left or "—",
        b=right or t("aujourd'hui"),
    )
    if shift.empty:
        return empty_figure(title, t("Aucune alliance à comparer."))
    logics = ["exchange", "alliance", "absent"]

    def name(code: str) -> str:
        return t("Pas encore / plus active") if code == "absent" else label_of(RelationLogic, code)

    nodes = [f"{name(c)} ({left or '—'})" for c in logics] + [
        f"{name(c)} ({right or t('aujourd’hui')})" for c in logics
    ]
    source, target, value, hover = [], [], [], []
    for r in shift.itertuples(index=False):
        if r.from_logic == "absent" and r.to_logic == "absent":
            continue
        source.append(logics.index(r.from_logic))
        target.append(3 + logics.index(r.to_logic))
        value.append(int(r.count))
        hover.append(
            t(
                "{a} → {b} : {n} alliance(s)",
                a=name(r.from_logic),
                b=name(r.to_logic),
                n=fmt_number(r.count),
            )
        )
    colors = [LOGIC_COLORS[c] for c in logics] * 2
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            textfont={"color": "#1a1a1a", "size": 14},
            node={
                "label": nodes,
                "color": colors,
                "pad": 24,
                "thickness": 24,
                "line": {"color": "white", "width": 0},
            },
            link={
                "source": source,
                "target": target,
                "value": value,
                "customdata": hover,
                "hovertemplate": "%{customdata}<extra></extra>",
                "color": [
                    "rgba(76,120,168,0.45)"
                    if logics[tg - 3] == RelationLogic.alliance
                    else "rgba(200,200,200,0.5)"
                    for tg in target
                ],
            },
        )
    )
    return style(fig, title=title, height=380)


def stage_history_chart(
    history: pd.DataFrame, alliances: pd.DataFrame, as_of: dt.date
) -> go.Figure:
    """One row per alliance, coloured segments for the stages it went through, up to today.

    ``history``: alliance_id, to_stage, changed_on (date order); ``alliances``: id, title.
    """
    title = t("Historique des étapes des alliances")
    if history.empty or alliances.empty:
        return empty_figure(title, t("Aucun changement d'étape enregistré."))
    titles = dict(zip(alliances["id"], alliances["title"], strict=True))
    segments = []
    for aid, part in history.groupby("alliance_id", sort=False):
        if aid not in titles:
            continue
        days = list(part["changed_on"])
        ends = days[1:] + [max(as_of, days[-1])]
        for stage, start, end in zip(part["to_stage"], days, ends, strict=True):
            segments.append(
                (esc(titles[aid]), stage, start, max(end, start + dt.timedelta(days=3)))
            )
    frame = pd.DataFrame(segments, columns=["alliance", "stage", "start", "end"])
    fig = go.Figure()
    for stage in STAGE_ORDER:
        part = frame[frame["stage"] == stage]
        if part.empty:
            continue
        name = label_of(AllianceStage, stage)
        durations = [
            (pd.Timestamp(e) - pd.Timestamp(s)).total_seconds() * 1000
            for s, e in zip(part["start"], part["end"], strict=True)
        ]
        fig.add_trace(
            go.Bar(
                y=list(part["alliance"]),
                x=durations,
                base=[s.isoformat() for s in part["start"]],
                orientation="h",
                name=name,
                marker_color=STAGE_COLORS[stage],
                marker_line=OUTLINE,
                hovertext=[
                    t("<b>{a}</b><br>{stage} depuis le {d}", a=a, stage=name, d=fmt_date(s))
                    for a, s in zip(part["alliance"], part["start"], strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    vline(fig, as_of, t("Aujourd'hui"), color=TODAY_COLOR, dash="dash")
    fig.update_layout(barmode="overlay")
    span = (frame["end"].max() - frame["start"].min()).days
    fig.update_xaxes(type="date", tickformat="%m/%Y", dtick="M1" if span <= 400 else "M2")
    fig.update_yaxes(categoryorder="category descending")
    return style(
        fig,
        title=title,
        x_title=t("Date"),
        y_title=t("Alliance"),
        height=max(300, 120 + 34 * frame["alliance"].nunique()),
    )
