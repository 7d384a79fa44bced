"""What a reminder says: a lead's list of things to do before a session (from « Avant la
prochaine session ») and the programme team's digest of completeness per network, each rendered
as French plain text and HTML from the same sections. Every piece of user text is escaped in
the HTML part."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pandas as pd

from dashboard.core.config import get_settings
from dashboard.core.i18n import fmt_date, fmt_month_long, fmt_number, t

NETWORK_PARAM = "reseau"  # the network picker's query parameter (dashboard/ui/network_picker.py)


@dataclass(frozen=True)
class Item:
    text: str
    link: str | None = None


@dataclass(frozen=True)
class Section:
    title: str
    items: list[Item]


@dataclass(frozen=True)
class Message:
    """A message ready to be turned into an e-mail (see :mod:`.transport`)."""

    recipient: str
    recipient_name: str
    subject: str
    intro: list[str]
    sections: list[Section]
    closing: list[str]
    unsubscribe_url: str
    table: list[list[str]] = field(default_factory=list)  # digest: header row first

    @property
    def text(self) -> str:
        lines = [*self.intro, ""]
        if self.table:
            widths = [max(len(row[i]) for row in self.table) for i in range(len(self.table[0]))]
            for row in self.table:
                lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
            lines.append("")
        for section in self.sections:
            lines.append(section.title)
            for item in section.items:
                lines.append(f"- {item.text}")
                if item.link:
                    lines.append(f"  {item.link}")
            lines.append("")
        lines.extend(self.closing)
        lines += [
            "",
            "--",
            t("Pour ne plus recevoir ces rappels : {url}", url=self.unsubscribe_url),
        ]
        return "\n".join(lines) + "\n"

    @property
    def html(self) -> str:
        esc = html.escape
        parts = [f"<p>{esc(line)}</p>" for line in self.intro if line]
        if self.table:
            head, *rows = self.table
            parts.append('<table border="1" cellpadding="4" cellspacing="0">')
            parts.append("<tr>" + "".join(f"<th>{esc(c)}</th>" for c in head) + "</tr>")
            for row in rows:
                parts.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
            parts.append("</table>")
        for section in self.sections:
            parts.append(f"<h3>{esc(section.title)}</h3><ul>")
            for item in section.items:
                text = esc(item.text)
                if item.link:
                    text = f'<a href="{esc(item.link, quote=True)}">{text}</a>'
                parts.append(f"<li>{text}</li>")
            parts.append("</ul>")
        parts += [f"<p>{esc(line)}</p>" for line in self.closing if line]
        parts.append(
            '<p style="color:#555;font-size:small">'
            f'<a href="{esc(self.unsubscribe_url, quote=True)}">'
            f"{esc(t('Ne plus recevoir ces rappels'))}</a></p>"
        )
        return (
            '<!doctype html><html lang="fr"><head><meta charset="utf-8"></head><body>'
            + "\n".join(parts)
            + "</body></html>"
        )


def app_link(path: str, **params: str) -> str:
    """An absolute link into the app (APP_BASE_URL + page path + query)."""
    base = get_settings().app_base_url
    query = f"?{urlencode(params)}" if params else ""
    return f"{base}/{path}{query}"


# The page where each kind of commented item is shown (its thread panel is there).
THREAD_PAGES = {
    "milestone": "jalons",
    "alliance": "alliances",
    "indicator_value": "indicateurs",
    "lesson": "enseignements",
}


def mention_section(mentions: pd.DataFrame | None) -> Section | None:
    """Comments mentioning the recipient not read yet (``discussion.unread_mentions``), each
    with its author, item and the start of its text, linked to the item's page."""
    if mentions is None or mentions.empty:
        return None
    items = []
    for row in mentions.itertuples():
        params = {NETWORK_PARAM: row.network_code} if row.network_code else {}
        items.append(
            Item(
                t(
                    "{author}, le {date}, sur {kind} « {title} » : {excerpt}",
                    author=row.author,
                    date=fmt_date(row.created_at),
                    kind=t(row.kind_label).lower(),
                    title=row.title,
                    excerpt=row.excerpt,
                ),
                app_link(THREAD_PAGES.get(row.kind, "accueil"), **params),
            )
        )
    return Section(t("Vous êtes mentionné·e dans une discussion ({n})", n=len(items)), items)


def _when(days: int) -> str:
    if days == 1:
        return t("demain")
    return t("dans {n} jours", n=fmt_number(days))


def _month_link(month: dt.date, code: str) -> str:
    """The lead's indicator page opened on ``month`` for network ``code``."""
    return app_link("indicateurs", mois=month.strftime("%Y-%m"), **{NETWORK_PARAM: code})


def _returned_section(returned: pd.DataFrame, code: str) -> Section | None:
    """Values the programme team sent back, each with its month and reason."""
    if returned.empty:
        return None
    return Section(
        t("Valeurs renvoyées par l'équipe d'animation ({n})", n=len(returned)),
        [
            Item(
                t(
                    "{label}, {month} : {reason}",
                    label=row.label,
                    month=fmt_month_long(row.period_start),
                    reason=row.return_reason,
                ),
                _month_link(row.period_start, code),
            )
            for row in returned.itertuples()
        ],
    )


def _missing_section(missing: pd.DataFrame, code: str) -> Section | None:
    """Months with indicators left without a value, counted per month."""
    if missing.empty:
        return None
    per_month = missing.groupby("period_start").size()
    return Section(
        t("Mois sans valeur ({n} valeurs manquantes)", n=len(missing)),
        [
            Item(
                t(
                    "{month} : {n} indicateur(s) sans valeur",
                    month=fmt_month_long(month),
                    n=int(count),
                ),
                _month_link(month, code),
            )
            for month, count in per_month.items()
        ],
    )


def _drafts_section(drafts: pd.DataFrame, code: str) -> Section | None:
    """Values saved as drafts and not submitted yet, counted per month."""
    if drafts.empty:
        return None
    per_month = drafts.groupby("period_start").size()
    return Section(
        t("Brouillons pas encore soumis ({n})", n=len(drafts)),
        [
            Item(
                t(
                    "{month} : {n} valeur(s) en brouillon",
                    month=fmt_month_long(month),
                    n=int(count),
                ),
                _month_link(month, code),
            )
            for month, count in per_month.items()
        ],
    )


def _milestone_section(milestones: pd.DataFrame, title: str, code: str) -> Section | None:
    """Milestones (late ones, or those due by the session) under ``title``, with their due
    date."""
    if milestones.empty:
        return None
    return Section(
        title,
        [
            Item(
                t("{title} (échéance {date})", title=row.title, date=fmt_date(row.due_date)),
                app_link("jalons", **{NETWORK_PARAM: code}),
            )
            for row in milestones.itertuples()
        ],
    )


def _lead_sections(due: dict, code: str) -> list[Section]:
    """What the lead still has to do, section by section, empty ones left out."""
    milestones: pd.DataFrame = due["milestones"]
    late = milestones[milestones["late"]]
    coming = milestones[~milestones["late"]]
    candidates = [
        _returned_section(due["returned"], code),
        _missing_section(due["missing"], code),
        _drafts_section(due["drafts"], code),
        _milestone_section(late, t("Jalons en retard ({n})", n=len(late)), code),
        _milestone_section(coming, t("Jalons à tenir d'ici la session ({n})", n=len(coming)), code),
    ]
    return [section for section in candidates if section is not None]


def _lead_intro(
    full_name: str, session: dict, days_left: int, network: str, todo: bool
) -> list[str]:
    """Greeting, the session's date and whether anything is left to do for ``network``."""
    intro = [
        t("Bonjour {name},", name=full_name),
        "",
        t(
            "La session « {title} » ({code}) a lieu le {date}, {when}.",
            title=session["title"],
            code=session["code"],
            date=fmt_date(session["session_date"]),
            when=_when(days_left),
        ),
    ]
    if todo:
        intro.append(t("Voici ce qu'il reste à compléter pour {network} :", network=network))
    else:
        intro.append(t("Tout est à jour pour {network} : merci, rien ne manque.", network=network))
    return intro


def lead_message(
    *,
    recipient: str,
    full_name: str,
    due: dict,
    session: dict,
    days_left: int,
    unsubscribe_url: str,
    mentions: pd.DataFrame | None = None,
) -> Message:
    """A lead's reminder from ``before_session``'s result ``due``, with the comments that
    mention them and that they have not read (``mentions``)."""
    network = due["network"]
    code = network["code"]
    name = f"{code} — {network['name']}"
    sections = _lead_sections(due, code)
    # A mention alone does not make the network's figures incomplete: the intro is decided first.
    intro = _lead_intro(full_name, session, days_left, name, bool(sections))
    mentioned = mention_section(mentions)
    if mentioned:
        sections.insert(0, mentioned)
    closing = [
        t(
            "Tout voir sur la page « Avant la prochaine session » : {url}",
            url=app_link("avant-session", **{NETWORK_PARAM: code}),
        ),
        "",
        t("L'équipe d'animation du programme"),
    ]
    subject = t(
        "Session {code} du {date} : ce qu'il reste à compléter pour {network}",
        code=session["code"],
        date=fmt_date(session["session_date"]),
        network=code,
    )
    return Message(recipient, full_name, subject, intro, sections, closing, unsubscribe_url)


DIGEST_HEADER = (
    "Réseau",
    "Valeurs manquantes",
    "Brouillons",
    "Renvoyées",
    "À valider",
    "Jalons en retard",
)


def digest_message(
    *,
    recipient: str,
    full_name: str,
    cohort_name: str,
    rows: list[dict],
    session: dict,
    days_left: int,
    unsubscribe_url: str,
    mentions: pd.DataFrame | None = None,
) -> Message:
    """The programme team's digest: one line of counts per network, incomplete ones first, and
    the comments that mention the recipient and that they have not read."""
    table = [[t(h) for h in DIGEST_HEADER]]
    complete: list[str] = []
    links: list[Item] = []
    for row in rows:
        counts = row["counts"]
        name = f"{row['code']} — {row['name']}"
        todo = counts["missing"] + counts["drafts"] + counts["returned"] + counts["milestones_late"]
        table.append(
            [
                name,
                fmt_number(counts["missing"]),
                fmt_number(counts["drafts"]),
                fmt_number(counts["returned"]),
                fmt_number(counts["awaiting"]),
                fmt_number(counts["milestones_late"]),
            ]
        )
        if todo == 0:
            complete.append(name)
        else:
            links.append(Item(name, app_link("avant-session", **{NETWORK_PARAM: row["code"]})))
    intro = [
        t("Bonjour {name},", name=full_name),
        "",
        t(
            "La session « {title} » ({code}) de la cohorte {cohort} a lieu le {date}, {when}. "
            "Où en est chaque réseau :",
            title=session["title"],
            code=session["code"],
            cohort=cohort_name,
            date=fmt_date(session["session_date"]),
            when=_when(days_left),
        ),
    ]
    sections = []
    mentioned = mention_section(mentions)
    if mentioned:
        sections.append(mentioned)
    if links:
        sections.append(Section(t("Réseaux à relancer ({n})", n=len(links)), links))
    closing = [
        t("Réseaux complets : {names}", names=", ".join(complete)) if complete else "",
        t("Valeurs à valider : {url}", url=app_link("validation")),
    ]
    subject = t(
        "Session {code} du {date} : complétude des réseaux",
        code=session["code"],
        date=fmt_date(session["session_date"]),
    )
    return Message(
        recipient, full_name, subject, intro, sections, closing, unsubscribe_url, table=table
    )
