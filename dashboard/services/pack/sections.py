"""The pack's cohort chapters as HTML: cover, table of contents, headline figures, the
dashboard's charts, what changed since the previous session, the collective lessons.

Every text goes through :func:`~dashboard.services.pack.typography.esc` (French spacing, then
HTML-escaped); numbers and dates through the French formatters of :mod:`dashboard.core.i18n`.
"""

from __future__ import annotations

import base64
import re

import pandas as pd

from dashboard.charts.describe import altair_summary, figure_summary
from dashboard.core.i18n import fmt_date, fmt_number, fmt_percent, label_of, t
from dashboard.services.pack.content import CHANGES_FIGURE, PackContent
from dashboard.services.pack.typography import esc
from models.enums import CapitalisationStatus, LessonCategory

# The dashboard's figures with the chapter heading each one is printed under.
CHART_GROUPS = [
    ("Vue d'ensemble", ["progress_histogram", "late_histogram", "milestone_bars"]),
    ("Jalons", ["timeline"]),
    ("Indicateurs", ["heatmap", "benchmark"]),
    ("Alliances", ["pipeline", "company_types", "logic_shift"]),
    ("Maturité", ["radars", "maturity_distribution", "self_vs_facilitator"]),
    ("Fraîcheur des données", ["freshness_histogram", "freshness"]),
]


# The summary sentence points at the screen's data table; paper has none.
_ON_SCREEN = re.compile(r",? détaillées dans « Données du graphique »")


def table(headers: list[str], rows: list[list[str]], *, numeric: set[int] | None = None) -> str:
    """An HTML table of already formatted texts (escaped here)."""
    numeric = numeric or set()
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{esc(c)}</td>' if i in numeric else f"<td>{esc(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def cover(content: PackContent, fictional: bool) -> str:
    cohort = content.cohort
    session = content.session
    if session:
        when = t(
            "{code} — {title}, le {date}",
            code=session["code"],
            title=session["title"],
            date=fmt_date(session["session_date"]),
        )
        host = f"<div>{esc(session.get('host') or '')}</div>" if session.get("host") else ""
        session_html = f'<div class="session"><div>{esc(when)}</div>{host}</div>'
    else:
        session_html = f'<div class="session">{esc(t("Aucune session programmée."))}</div>'
    notice = (
        f'<div class="notice">{esc(t("Données fictives de démonstration : aucun réseau réel."))}</div>'
        if fictional
        else ""
    )
    period = t(
        "Cohorte du {start} au {end}",
        start=fmt_date(cohort["start_date"]),
        end=fmt_date(cohort["end_date"]),
    )
    return f"""
<section class="cover">
  <div class="programme">{esc(t("Alliances innovantes — suivi des feuilles de route"))}</div>
  <h1>{esc(t("Dossier du comité de pilotage"))}</h1>
  <div class="cohort">{esc(cohort["name"])} ({esc(cohort["code"])})<br>
    <span class="tag">{esc(period)}</span></div>
  {session_html}
  <div class="made">{esc(t("Établi le {date}, d'après les données saisies à cette date.", date=fmt_date(content.as_of)))}</div>
  {notice}
</section>"""


def toc(entries: list[tuple[str, str, bool]]) -> str:
    """Table of contents: (anchor, title, is_sub) with the page of each (WeasyPrint's
    ``target-counter``)."""
    items = "".join(
        f'<li class="{"sub" if sub else ""}"><a href="#{anchor}">{esc(title)}</a></li>'
        for anchor, title, sub in entries
    )
    return (
        f'<section class="chapter" id="sommaire"><h1>{esc(t("Sommaire"))}</h1>'
        f'<nav class="toc"><ol>{items}</ol></nav></section>'
    )


def _metric(name: str, value: str, note: str = "") -> str:
    note_html = f'<div class="note">{esc(note)}</div>' if note else ""
    return (
        f'<div class="metric"><div class="value">{esc(value)}</div>'
        f'<div class="name">{esc(name)}</div>{note_html}</div>'
    )


def headline(content: PackContent) -> str:
    """The dashboard's headline figures, the same values and formats as on screen."""
    head = content.data.headline
    upcoming = content.data.next_session
    metrics = [
        _metric(t("Réseaux"), fmt_number(head["networks"])),
        _metric(
            t("Jalons réalisés"),
            f"{fmt_number(head['milestones_done'])} / {fmt_number(head['milestones'])}",
        ),
        _metric(t("Jalons en retard"), fmt_number(head["milestones_late"])),
        _metric(
            t("Alliances signées"),
            fmt_number(head["alliances_signed"]),
            t("sur {n} alliances hors abandons", n=fmt_number(head["alliances"])),
        ),
        _metric(
            t("Contrat-alliance"),
            fmt_percent(head["alliance_logic_share"]),
            t("part des alliances en logique de contrat-alliance"),
        ),
        _metric(t("Valeurs à valider"), fmt_number(head["values_awaiting_validation"])),
        _metric(
            t("Prochaine session"),
            upcoming["code"] if upcoming else "—",
            fmt_date(upcoming["session_date"]) if upcoming else t("toutes ont eu lieu"),
        ),
    ]
    return (
        f'<section class="chapter" id="chiffres"><h1>{esc(t("Chiffres clés"))}</h1>'
        f"<p>{esc(t('Toute la cohorte, au {date}.', date=fmt_date(content.as_of)))}</p>"
        f'<div class="figures">{"".join(metrics)}</div>{_overview_table(content)}</section>'
    )


def _overview_table(content: PackContent) -> str:
    overview = content.overview.sort_values("network_name")
    rows = [
        [
            str(r.network_name),
            fmt_percent(None if pd.isna(r.progress) else float(r.progress)),
            fmt_number(int(r.milestones_done)),
            fmt_number(int(r.milestones_late)),
            fmt_number(None if pd.isna(r.months_missing) else int(r.months_missing)),
        ]
        for r in overview.itertuples()
    ]
    headers = [
        t("Réseau"),
        t("Avancement moyen"),
        t("Jalons réalisés"),
        t("Jalons en retard"),
        t("Mois incomplets"),
    ]
    return f"<h2>{esc(t('Réseau par réseau'))}</h2>" + table(headers, rows, numeric={1, 2, 3, 4})


def svg_image(svg: str, alt: str) -> str:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{esc(alt)}">'


def figure(fig: object, svg: str) -> str:
    """A chart and, under it, its French summary (what it shows, for a reader who cannot
    tell the colours apart)."""
    try:
        plotly = type(fig).__module__.startswith("plotly")
        summary = figure_summary(fig) if plotly else altair_summary(fig)
    except (KeyError, ValueError, TypeError, AttributeError):
        summary = ""
    summary = _ON_SCREEN.sub("", summary)
    return f"<figure>{svg_image(svg, summary)}<figcaption>{esc(summary)}</figcaption></figure>"


def charts(content: PackContent, svgs: dict[str, str]) -> tuple[str, list[tuple[str, str, bool]]]:
    """The dashboard's charts by theme, and their table-of-contents entries."""
    parts = [
        f'<section class="chapter" id="graphiques"><h1>{esc(t("Les graphiques du tableau de bord"))}</h1>'
    ]
    if content.summarised:
        parts.append(
            f"<p>{esc(t('{n} réseaux : les graphiques résument la cohorte (répartitions) et montrent réseau par réseau les plus avancés et les moins avancés ; le tableau des chiffres clés donne chaque réseau.', n=fmt_number(len(content.overview))))}</p>"
        )
    entries: list[tuple[str, str, bool]] = []
    for index, (title, names) in enumerate(CHART_GROUPS):
        present = [n for n in names if n in svgs]
        if not present:
            continue
        anchor = f"graphiques-{index}"
        entries.append((anchor, t(title), True))
        parts.append(f'<h2 id="{anchor}">{esc(t(title))}</h2>')
        parts.extend(figure(content.figures[n], svgs[n]) for n in present)
    parts.append("</section>")
    return "".join(parts), entries


def changes(content: PackContent, svgs: dict[str, str]) -> str:
    """What changed since the previous session's snapshot (the snapshots page's comparison)."""
    title = t("Ce qui a changé depuis la session précédente")
    diff = content.since
    if diff is None:
        nothing = t("Aucun instantané d'une session précédente : rien à comparer pour l'instant.")
        body = f'<p class="empty">{esc(nothing)}</p>'
        return f'<section class="chapter" id="changements"><h1>{esc(title)}</h1>{body}</section>'
    total = diff.cohort
    since = t(
        "Depuis « {before} » ({when}) jusqu'à « {after} ».",
        before=diff.before_label,
        when=fmt_date(content.since_taken_at),
        after=diff.after_label,
    )
    metrics = [
        _metric(t("Jalons réalisés"), fmt_number(total["milestones_done"])),
        _metric(t("Jalons ajoutés"), fmt_number(total["milestones_added"])),
        _metric(
            t("Jalons repoussés ou en retard"),
            fmt_number(total["milestones_slipped"] + total["milestones_late"]),
        ),
        _metric(t("Alliances contractualisées"), fmt_number(total["alliances_signed"])),
        _metric(t("Changements d'étape"), fmt_number(total["stage_changes"])),
        _metric(t("Indicateurs en progrès"), fmt_number(total["indicators_improved"])),
        _metric(t("Indicateurs en recul"), fmt_number(total["indicators_declined"])),
    ]
    chart = (
        figure(content.figures[CHANGES_FIGURE], svgs[CHANGES_FIGURE])
        if CHANGES_FIGURE in svgs
        else ""
    )
    return (
        f'<section class="chapter" id="changements"><h1>{esc(title)}</h1><p>{esc(since)}</p>'
        f'<div class="figures">{"".join(metrics)}</div>{chart}</section>'
    )


def lesson_items(lessons: pd.DataFrame) -> str:
    items = []
    for r in lessons.itertuples():
        tag = t(
            "{category} · {status}",
            category=label_of(LessonCategory, r.category),
            status=label_of(CapitalisationStatus, r.capitalisation),
        )
        items.append(f'<li>{esc(r.statement)} <span class="tag">({esc(tag)})</span></li>')
    return f'<ul class="lessons">{"".join(items)}</ul>'


def collective_lessons(content: PackContent) -> str:
    collective = content.lessons[content.lessons["network_id"].isna()]
    if collective.empty:
        return ""
    return (
        f'<section class="chapter" id="collectifs"><h1>{esc(t("Enseignements collectifs partagés"))}</h1>'
        f"{lesson_items(collective)}</section>"
    )
