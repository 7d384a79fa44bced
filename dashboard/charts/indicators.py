"""Indicator charts: the progress heatmap, the cohort benchmark (median and quartiles on % of
own target) and a network's monthly trend with its baseline and target lines."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.base import (
    BASELINE_COLOR,
    HEATMAP_TEXT_COLOR,
    PROGRESS_SCALE,
    TARGET_COLOR,
    VALUE_STATUS_COLORS,
    empty_figure,
    esc,
    hline,
    style,
    vline,
)
from dashboard.core.i18n import fmt_month, fmt_number, fmt_percent, fmt_value, label_of, t
from models.enums import Accumulation, Unit, ValueStatus


# --- Indicators ---------------------------------------------------------------------------
def _value_text(value: float | None, unit: str) -> str:
    return fmt_value(None if value is None or pd.isna(value) else float(value), unit)


def progress_heatmap(progress: pd.DataFrame) -> go.Figure:
    """Key indicators × networks on % of each network's own target (capped 0–100 %); the raw
    value, baseline and target in the hover. Missing progress stays blank, not 0 %."""
    title = t("Avancement vers la cible propre de chaque réseau")
    if progress.empty:
        return empty_figure(title, t("Aucun indicateur clé avec une cible."))
    indicators = progress.drop_duplicates("indicator_code")[["indicator_code", "indicator_label"]]
    # Best average progress on top (Plotly draws the first row at the bottom).
    mean = progress.groupby("network_name")["progress"].mean().fillna(-1)
    networks = sorted(mean.index, key=lambda n: (mean[n], n))
    cols = list(indicators["indicator_code"])
    labels = dict(zip(indicators["indicator_code"], indicators["indicator_label"], strict=True))
    cells = _cells(progress)
    z, text, hover = [], [], []
    for net in networks:
        z_row: list[float | None] = []
        t_row: list[str] = []
        h_row: list[str] = []
        for code in cols:
            cell = cells.get((net, code))
            if cell is None:
                z_row.append(None)
                t_row.append("—")
                h_row.append(_no_cell_hover(net, labels[code]))
            else:
                z_row.append(cell[0])
                t_row.append(cell[1])
                h_row.append(cell[2])
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[esc(labels[c]) for c in cols],
            y=networks,
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            colorscale=PROGRESS_SCALE,
            zmin=0,
            zmax=100,
            xgap=3,
            ygap=3,
            textfont={"size": 13, "color": HEATMAP_TEXT_COLOR},
            colorbar={"title": {"text": t("% de la cible")}, "ticksuffix": " %", "len": 0.8},
        )
    )
    # Slanted column headers: readable side by side at 1280 px, however many key indicators.
    fig.update_xaxes(side="top", tickangle=-40, tickfont={"size": 12}, automargin=True)
    fig = style(fig, title=title, y_title=None, height=max(460, 280 + 36 * len(networks)))
    fig.update_layout(margin={"t": 60}, title={"y": 0.99, "yanchor": "top"})
    return fig


def _once(values: pd.Series, formatter) -> pd.Series:
    """``formatter`` applied to each distinct value once (Babel costs per call), mapped back;
    a missing value gets ``formatter(None)``."""
    known = values.notna()
    distinct = values[known].drop_duplicates()
    out = pd.Series(formatter(None), index=values.index, dtype=object)
    if not distinct.empty:
        table = dict(zip(distinct, (formatter(float(v)) for v in distinct), strict=True))
        out[known] = values[known].map(table)
    return out


def _values_once(values: pd.Series, units: pd.Series) -> pd.Series:
    """Indicator values with their unit, each distinct (value, unit) formatted once."""
    out = pd.Series("", index=values.index, dtype=object)
    for unit, rows in values.groupby(units, sort=False).groups.items():
        out[rows] = _once(values[rows], lambda v, u=unit: _value_text(v, u))
    return out


def _filled(template: str, column: pd.Series) -> pd.Series:
    """A one-placeholder French sentence filled for a whole column (pandas string ops)."""
    before, _, after = template.partition("{}")
    return before + column.astype(str) + after


def _progress_texts(p: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each row's progress as a French percentage and its hover text (network, indicator,
    progress, value, baseline, target and notes), formatted column by column in one pass
    rather than cell by cell."""
    ratio = p["progress"].astype(float)
    percent = _once(ratio, fmt_percent)
    raw = p["progress_raw"].astype(float)
    lines = [
        "<b>" + p["network_name"].map(esc) + "</b>",
        p["indicator_label"].map(esc),
        _filled(t("Avancement : {p}", p="{}"), percent),
        _filled(t("Valeur : {v}", v="{}"), _values_once(p["current"], p["unit"])),
        _filled(t("Référence : {v}", v="{}"), _values_once(p["baseline"], p["unit"])),
        _filled(t("Cible : {v}", v="{}"), _values_once(p["target"], p["unit"])),
    ]
    hover = lines[0].str.cat(lines[1:], sep="<br>")
    over = raw.notna() & (raw > 1)
    if over.any():
        exceeded = _filled(t("Cible dépassée ({p})", p="{}"), _once(raw[over], fmt_percent))
        hover[over] = hover[over] + "<br>" + exceeded
    if "baseline_missing" in p.columns:
        missing = p["baseline_missing"].fillna(False).astype(bool)
        hover[missing] = hover[missing] + "<br>" + t("Base de référence manquante")
    summed = p["accumulation"] == Accumulation.per_period
    hover[summed] = hover[summed] + "<br>" + t("Somme des mois depuis le début de la cohorte")
    return percent, hover


def _cells(progress: pd.DataFrame) -> dict[tuple[str, str], tuple]:
    """Per (network, indicator): the cell's value (% of target), its label and its hover."""
    p = progress.reset_index(drop=True)
    percent, hover = _progress_texts(p)
    z = (p["progress"].astype(float) * 100).round(1)
    return {
        (net, code): (None if pd.isna(zv) else float(zv), label, h)
        for net, code, zv, label, h in zip(
            p["network_name"], p["indicator_code"], z, percent, hover, strict=True
        )
    }


def _no_cell_hover(network: str, indicator: str) -> str:
    return "<br>".join([f"<b>{esc(network)}</b>", esc(indicator), t("Pas de cible ni de valeur")])


def benchmark_chart(progress: pd.DataFrame, benchmark: pd.DataFrame) -> go.Figure:
    """Each network against the cohort's quartiles (band) and median (bar), on % of its own
    target, per key indicator; the 100 % line is the target."""
    title = t("Chaque réseau face à la médiane de la cohorte")
    known = progress.dropna(subset=["progress"])
    if known.empty or benchmark.empty:
        return empty_figure(title, t("Aucun avancement calculable (cibles manquantes)."))
    order = list(benchmark["indicator_label"])
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=order,
            x=list((benchmark["q3"] - benchmark["q1"]) * 100),
            base=list(benchmark["q1"] * 100),
            orientation="h",
            marker_color="#d9e6f2",
            name=t("1er–3e quartile de la cohorte"),
            hovertext=[
                t(
                    "<b>{ind}</b><br>Quartiles : {q1} – {q3}<br>Médiane : {med}<br>{n} réseaux",
                    ind=esc(r.indicator_label),
                    q1=fmt_percent(r.q1),
                    q3=fmt_percent(r.q3),
                    med=fmt_percent(r.median),
                    n=fmt_number(r.n),
                )
                for r in benchmark.itertuples(index=False)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            y=order,
            x=list(benchmark["median"] * 100),
            mode="markers",
            marker={"symbol": "line-ns", "size": 26, "line": {"width": 4, "color": "#08306b"}},
            name=t("Médiane de la cohorte"),
            hovertemplate=t("Médiane : %{x:.0f} %") + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            y=list(known["indicator_label"]),
            x=list(known["progress"] * 100),
            mode="markers",
            marker={"size": 11, "color": "#f58518", "line": {"color": "white", "width": 1}},
            name=t("Réseaux"),
            hovertext=list(_progress_texts(known.reset_index(drop=True))[1]),
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    vline(fig, 100, t("Cible"), color=TARGET_COLOR, dash="dash")
    fig.update_xaxes(range=[-5, 108], ticksuffix=" %")
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(order)))
    fig.update_layout(barmode="overlay")
    return style(
        fig,
        title=title,
        x_title=t("Avancement vers la cible propre (%)"),
        y_title=t("Indicateur clé"),
        height=max(320, 120 + 50 * len(order)),
    )


UNIT_AXIS = {
    "count": "nombre",
    "percent": "%",
    "eur": "€",
    "hours": "heures",
    "persons": "personnes",
    "score": "score",
}


def unit_axis_title(label: str, unit: str) -> str:
    """An axis title with its unit: "Ressources issues des alliances (€)"."""
    return f"{label} ({t(UNIT_AXIS.get(unit, unit))})"


def indicator_trend(values: pd.DataFrame, info: dict) -> go.Figure:
    """A network's monthly values for one indicator, with baseline and target lines.

    ``values``: period_start, value, running_total, status. ``info``: indicator_label, unit,
    accumulation, baseline, target, initial_target. A per-period indicator is drawn as the running
    total of its months, since its target applies to the sum. When the target was revised, both
    the initial and the revised target are drawn.
    """
    label, unit = info["indicator_label"], info["unit"]
    per_period = info["accumulation"] == Accumulation.per_period
    title = label + (t(" — cumul des mois") if per_period else "")
    fig = go.Figure()
    if values.empty:
        fig = empty_figure(title, t("Aucune valeur saisie."))
    else:
        y = values["running_total"] if per_period else values["value"]
        x = [d.isoformat() for d in values["period_start"]]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=list(y),
                mode="lines",
                line={"color": "#4c78a8", "width": 3},
                name=t("Valeur"),
                hoverinfo="skip",
                showlegend=False,
            )
        )
        for status, color in VALUE_STATUS_COLORS.items():
            part = values[values["status"] == status]
            if part.empty:
                continue
            py = part["running_total"] if per_period else part["value"]
            fig.add_trace(
                go.Scatter(
                    x=[d.isoformat() for d in part["period_start"]],
                    y=list(py),
                    mode="markers",
                    marker={"color": color, "size": 11, "line": {"color": "white", "width": 1}},
                    name=label_of(ValueStatus, status),
                    hovertext=[
                        _trend_hover(r, unit, per_period) for r in part.itertuples(index=False)
                    ],
                    hovertemplate="%{hovertext}<extra></extra>",
                )
            )
        fig.update_xaxes(type="date", tickformat="%m/%Y", dtick="M1")
    baseline, target = info.get("baseline"), info.get("target")
    initial = info.get("initial_target")
    if baseline is not None and not pd.isna(baseline):
        hline(
            fig, baseline, t("Référence : {v}", v=fmt_value(baseline, unit)), color=BASELINE_COLOR
        )
    if initial is not None and not pd.isna(initial) and initial != target:
        hline(
            fig,
            initial,
            t("Cible initiale : {v}", v=fmt_value(initial, unit)),
            color=BASELINE_COLOR,
            dash="dot",
        )
        if target is not None and not pd.isna(target):
            hline(
                fig, target, t("Cible révisée : {v}", v=fmt_value(target, unit)), color=TARGET_COLOR
            )
    elif target is not None and not pd.isna(target):
        hline(fig, target, t("Cible : {v}", v=fmt_value(target, unit)), color=TARGET_COLOR)
    # French grouping, no SI suffix ("100 000", not "100k").
    fig.update_yaxes(tickformat=",.2~f")
    if unit == Unit.percent:
        fig.update_yaxes(ticksuffix=" %")
    return style(
        fig,
        title=title,
        x_title=t("Mois"),
        y_title=unit_axis_title(t("Valeur"), unit),
        height=340,
        legend_title=None,
    )


def _trend_hover(r, unit: str, per_period: bool) -> str:
    lines = [
        f"<b>{fmt_month(r.period_start)}</b>",
        t("Valeur du mois : {v}", v=fmt_value(r.value, unit)),
    ]
    if per_period:
        lines.append(t("Cumul : {v}", v=fmt_value(r.running_total, unit)))
    lines.append(t("Statut : {s}", s=label_of(ValueStatus, r.status)))
    return "<br>".join(lines)
