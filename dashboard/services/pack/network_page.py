"""One page per network in the pack: roadmap status, late milestones, key indicators against
target, alliance pipeline, maturity, lessons marked shareable.

Built from :class:`~dashboard.services.reporting.network_detail.NetworkDetail` as the acting
user reads it: for a network shown anonymised (a lead of an anonymised cohort) the service
returned aggregates only, and only aggregates are printed — no name, title or raw value.
"""

from __future__ import annotations

import pandas as pd

from dashboard.charts.base import MILESTONE_STATUS_ORDER, status_label
from dashboard.core.i18n import fmt_date, fmt_number, fmt_percent, fmt_value, label_of, t
from dashboard.services.pack.sections import lesson_items, table
from dashboard.services.pack.typography import esc
from dashboard.services.reporting.lessons_board import SHARED
from dashboard.services.reporting.network_detail import NetworkDetail
from models.enums import AllianceStage, Assessor, MaturityAxis, PartnerFamily

FAMILIES = [f.value for f in PartnerFamily]
STAGES = [s.value for s in AllianceStage]


def _card(detail: NetworkDetail) -> str:
    info = detail.network
    parts = []
    if info.get("sector"):
        parts.append(str(info["sector"]))
    if info.get("region_code"):
        parts.append(t("région {code}", code=info["region_code"]))
    if info.get("member_count") is not None:
        parts.append(t("{n} associations membres", n=fmt_number(info["member_count"])))
    if detail.anonymised:
        parts.append(t("réseau anonymisé : chiffres agrégés seulement"))
    return f'<p class="card">{esc(" · ".join(parts))}</p>' if parts else ""


def _roadmap(detail: NetworkDetail) -> str:
    counts = detail.milestone_counts.groupby("status")["count"].sum()
    boxes = [
        f'<span class="status"><b>{fmt_number(int(counts[s]))}</b> {esc(status_label(s))}</span>'
        for s in MILESTONE_STATUS_ORDER
        if s in counts.index and int(counts[s])
    ]
    head = detail.headline
    summary = t(
        "{done} jalon(s) réalisé(s) sur {total}, {late} en retard ; {signed} alliance(s) "
        "contractualisée(s) sur {alliances}.",
        done=fmt_number(head["milestones_done"]),
        total=fmt_number(head["milestones"]),
        late=fmt_number(head["milestones_late"]),
        signed=fmt_number(head["alliances_signed"]),
        alliances=fmt_number(head["alliances"]),
    )
    objectives = ""
    if not detail.objectives.empty:
        current = detail.objectives[~detail.objectives["archived"].astype(bool)]
        if not current.empty:
            items = "".join(f"<li>{esc(title)}</li>" for title in current["title"])
            objectives = f"<h3>{esc(t('Objectifs'))}</h3><ul>{items}</ul>"
    empty = f'<p class="empty">{esc(t("Aucun jalon."))}</p>' if not boxes else ""
    return (
        f"<h2>{esc(t('Feuille de route'))}</h2><p>{esc(summary)}</p>"
        f'<div class="statuses">{"".join(boxes)}</div>{empty}{objectives}'
    )


def _late(detail: NetworkDetail) -> str:
    title = f"<h2>{esc(t('Jalons en retard'))}</h2>"
    late_count = int(detail.headline["milestones_late"])
    if detail.anonymised or detail.milestones.empty:
        if not late_count:
            return title + f'<p class="empty">{esc(t("Aucun jalon en retard."))}</p>'
        return title + f"<p>{esc(t('{n} jalon(s) en retard.', n=fmt_number(late_count)))}</p>"
    late = detail.milestones[detail.milestones["derived_status"] == "late"].sort_values(
        "days_late", ascending=False
    )
    if late.empty:
        return title + f'<p class="empty">{esc(t("Aucun jalon en retard."))}</p>'
    rows = [
        [
            str(r.title),
            fmt_date(r.due_date),
            fmt_number(int(r.days_late)),
            str(r.session_code) if isinstance(r.session_code, str) else "—",
        ]
        for r in late.itertuples()
    ]
    headers = [t("Jalon"), t("Échéance"), t("Retard (jours)"), t("Session")]
    return title + table(headers, rows, numeric={2})


def _indicators(detail: NetworkDetail, key_codes: list[str]) -> str:
    title = f"<h2>{esc(t('Indicateurs clés face à la cible'))}</h2>"
    progress = detail.progress[detail.progress["indicator_code"].isin(key_codes)]
    if progress.empty:
        return title + f'<p class="empty">{esc(t("Aucun indicateur clé suivi."))}</p>'
    raw = "current" in progress.columns
    rows = []
    for r in progress.itertuples():
        row = [str(r.indicator_label)]
        if raw:
            row += [
                fmt_value(_num(r.baseline), str(r.unit)),
                fmt_value(_num(r.current), str(r.unit)),
                fmt_value(_num(r.target), str(r.unit)),
            ]
        row.append(fmt_percent(_num(r.progress)))
        rows.append(row)
    headers = [t("Indicateur")]
    if raw:
        headers += [t("Référence"), t("Actuel"), t("Cible")]
    headers.append(t("Avancement"))
    return title + table(headers, rows, numeric=set(range(1, len(headers))))


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _pipeline(detail: NetworkDetail) -> str:
    title = f"<h2>{esc(t('Alliances par étape et famille'))}</h2>"
    pipeline = detail.pipeline
    if pipeline.empty:
        return title + f'<p class="empty">{esc(t("Aucune alliance."))}</p>'
    grid = pipeline.pivot_table(
        index="stage", columns="family", values="count", aggfunc="sum", fill_value=0
    )
    families = [f for f in FAMILIES if f in grid.columns]
    stages = [s for s in STAGES if s in grid.index]
    rows = [
        [label_of(AllianceStage, s)]
        + [fmt_number(int(grid.loc[s, f])) if int(grid.loc[s, f]) else "" for f in families]
        + [fmt_number(int(grid.loc[s].sum()))]
        for s in stages
    ]
    headers = [t("Étape"), *(label_of(PartnerFamily, f) for f in families), t("Total")]
    return title + table(headers, rows, numeric=set(range(1, len(headers))))


def _maturity(detail: NetworkDetail) -> str:
    title = f"<h2>{esc(t('Maturité (niveaux 1 à 4)'))}</h2>"
    maturity = detail.maturity
    if maturity.empty:
        return title + f'<p class="empty">{esc(t("Aucune auto-évaluation."))}</p>'
    own = maturity[maturity["assessor"] == Assessor.self.value]
    shown = own if not own.empty else maturity
    order = {a.value: i for i, a in enumerate(MaturityAxis)}
    shown = shown.sort_values("axis", key=lambda s: s.map(order))
    rows = [
        [
            label_of(MaturityAxis, r.axis),
            _level(r.first_level, r.first_session),
            _level(r.latest_level, r.latest_session),
            _delta(r.delta),
        ]
        for r in shown.itertuples()
    ]
    headers = [t("Axe"), t("Premier"), t("Dernier"), t("Écart")]
    return title + table(headers, rows, numeric={3})


def _level(level, session) -> str:
    if level is None or pd.isna(level):
        return "—"
    where = f" ({session})" if isinstance(session, str) and session else ""
    return fmt_number(int(level)) + where


def _delta(delta) -> str:
    if delta is None or pd.isna(delta):
        return "—"
    return f"{int(delta):+d}".replace("-", "−") if int(delta) else "="


def _lessons(detail: NetworkDetail) -> str:
    title = f"<h2>{esc(t('Enseignements partagés'))}</h2>"
    lessons = detail.lessons
    if not lessons.empty:
        lessons = lessons[lessons["visibility"].isin(SHARED)]
    if lessons.empty:
        return (
            title + f'<p class="empty">{esc(t("Aucun enseignement marqué comme partageable."))}</p>'
        )
    return title + lesson_items(lessons)


def heading(network: dict, anonymised: bool) -> str:
    """« R01 — Fédération Trame Solidaire », or « Réseau A » alone when anonymised."""
    if anonymised:
        return str(network["name"])
    return t("{code} — {name}", code=network["code"], name=network["name"])


def network_page(detail: NetworkDetail, key_codes: list[str], anchor: str) -> str:
    """The network's page (a new page in print), as the acting user may read it; ``anchor``
    is its id for the table of contents."""
    name = heading(detail.network, detail.anonymised)
    return (
        f'<section class="network" id="{esc(anchor)}"><h1>{esc(name)}</h1>'
        f"{_card(detail)}{_roadmap(detail)}{_late(detail)}{_indicators(detail, key_codes)}"
        f'<table class="columns"><tr><td class="left">{_pipeline(detail)}</td>'
        f'<td class="right">{_maturity(detail)}</td></tr></table>'
        f"{_lessons(detail)}</section>"
    )
