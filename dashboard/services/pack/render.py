"""The steering committee's pack from request to PDF bytes: gather (the dashboard's services,
as the acting user), draw the charts (the dashboard's chart builders, exported as SVG), lay out
(HTML and CSS Paged Media), print (WeasyPrint).

WeasyPrint lays the pack out for print with real French typography: ``lang="fr"`` and
``hyphens: auto`` hyphenate with pyphen's French dictionary, CSS margin boxes carry the page
numbers and the date, ``target-counter`` fills the table of contents, headings become PDF
bookmarks, and SVG charts stay vector.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from dashboard.core.i18n import fmt_date, t
from dashboard.core.permissions import Actor
from dashboard.services.pack import sections
from dashboard.services.pack.content import PackContent, gather
from dashboard.services.pack.figures import ExportEngineMissing, ensure_browser, figures_to_svg
from dashboard.services.pack.network_page import heading, network_page
from dashboard.services.pack.style import style_sheet
from dashboard.services.pack.typography import esc, french


@dataclass
class Pack:
    pdf: bytes
    file_name: str
    pages: int
    networks: int
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step


def file_name(content: PackContent) -> str:
    """« dossier-copil-AI-2026-S3-2026-12-01.pdf »: cohort, session, day (ASCII, no spaces)."""
    parts = ["dossier-copil", content.cohort["code"]]
    if content.session:
        parts.append(str(content.session["code"]))
    parts.append(content.as_of.isoformat())
    safe = "-".join(parts)
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in safe) + ".pdf"


def pack_html(content: PackContent, svgs: dict[str, str]) -> str:
    """The whole pack as one HTML document (French, print style sheet included)."""
    charts_html, chart_entries = sections.charts(content, svgs)
    network_ids = [f"reseau-{i}" for i in range(len(content.networks))]
    key_codes = list(dict.fromkeys(content.data.progress["indicator_code"]))
    entries: list[tuple[str, str, bool]] = [
        ("chiffres", t("Chiffres clés"), False),
        ("changements", t("Ce qui a changé depuis la session précédente"), False),
        ("graphiques", t("Les graphiques du tableau de bord"), False),
        *chart_entries,
        ("reseaux", t("Les réseaux, un par un"), False),
    ]
    entries += [
        (anchor, heading(d.network, d.anonymised), True)
        for anchor, d in zip(network_ids, content.networks, strict=True)
    ]
    collective = sections.collective_lessons(content)
    if collective:
        entries.append(("collectifs", t("Enseignements collectifs partagés"), False))
    fictional = any(d.network.get("is_fictional") for d in content.networks)
    session = content.session["code"] if content.session else ""
    footer = french(
        t(
            "Comité de pilotage — {cohort}{session} — établi le {date}",
            cohort=content.cohort["name"],
            session=f" — {session}" if session else "",
            date=fmt_date(content.as_of),
        )
    )
    css = style_sheet(footer=footer, page_word=t("Page"))
    networks_html = "".join(
        network_page(d, key_codes, anchor)
        for anchor, d in zip(network_ids, content.networks, strict=True)
    )
    title = t("Dossier du comité de pilotage — {cohort}", cohort=content.cohort["name"])
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{esc(title)}</title>
<meta name="author" content="{esc(t("Alliances Tracker"))}">
<meta name="generator" content="Alliances Tracker">
<style>{css}</style></head><body>
{sections.cover(content, fictional)}
{sections.toc(entries)}
{sections.headline(content)}
{sections.changes(content, svgs)}
{charts_html}
<div id="reseaux">{networks_html}</div>
{collective}
</body></html>"""


def html_to_pdf(document: str) -> tuple[bytes, int]:
    """The PDF bytes and page count of an HTML document (WeasyPrint)."""
    try:
        from weasyprint import HTML
    except OSError as error:  # Pango missing: WeasyPrint's import loads it
        raise ExportEngineMissing(
            t(
                "La mise en page PDF (WeasyPrint) ne trouve pas ses bibliothèques système "
                "(Pango) : installez libpango-1.0-0 et libpangoft2-1.0-0. Détail : {error}",
                error=str(error).splitlines()[0],
            )
        ) from None
    rendered = HTML(string=document).render()
    return rendered.write_pdf(), len(rendered.pages)


def build_pack(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    session_code: str | None = None,
    as_of: dt.date | None = None,
) -> Pack:
    """The steering committee's pack for ``cohort_id`` (and session ``session_code``, by
    default the next one) as ``actor`` may read it, as PDF bytes.

    Raises the services' French errors (unknown cohort or session, permission) and
    :class:`~dashboard.services.pack.figures.ExportEngineMissing` when charts cannot be drawn.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    ensure_browser()
    content = gather(engine, actor, cohort_id, session_code=session_code, as_of=as_of)
    timings["data"] = time.perf_counter() - start
    step = time.perf_counter()
    svgs = figures_to_svg(content.figures)
    timings["svg"] = time.perf_counter() - step
    step = time.perf_counter()
    pdf, pages = html_to_pdf(pack_html(content, svgs))
    timings["pdf"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - start
    return Pack(pdf, file_name(content), pages, len(content.networks), timings)
