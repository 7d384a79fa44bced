"""The discussion panel of an item (milestone, alliance, indicator value, lesson): its thread
as plain text, a form to answer (visibility, people to mention), correcting or deleting one's
own comments, marking the thread read; and the unread list of the home pages.

Every comment, name and title is user text: shown with ``st.text`` or escaped, never rendered
as Markdown or HTML.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_datetime, fmt_number, t
from dashboard.core.permissions import Actor
from dashboard.services import discussion
from dashboard.ui import escape_markdown, link_to, show_error
from dashboard.ui.flash import editor_nonce, flash, reset_editors
from models.discussion import COMMENT_MAX_LENGTH

UNREAD_SHOWN = 20  # threads (and mentions) listed on a home page; the counts cover them all
# Where each kind of item has its panel (the unread list links there).
ITEM_PAGES = {
    "milestone": "pages/lead/milestones.py",
    "alliance": "pages/lead/alliances.py",
    "indicator_value": "pages/lead/indicators.py",
    "lesson": "pages/lead/lessons.py",
}


def _meta(row: Any) -> str:
    parts = [str(row.author), fmt_datetime(row.created_at), str(row.visibility_label)]
    if row.edited_at is not None and not row.deleted:
        parts.append(t("modifié le {when}", when=fmt_datetime(row.edited_at)))
    if row.unread:
        parts.append(t("non lu"))
    return " · ".join(parts)


def _own_actions(engine: Engine, actor: Actor, view: Any, row: Any, key: str) -> None:
    """Correct (within the window) or delete one's own comment."""
    kind, target = view.thread.kind, view.thread.target_id
    if row.editable:
        with st.form(f"{key}_edit_{row.id}_{editor_nonce()}"):
            text = st.text_area(
                t("Corriger votre commentaire"),
                value=row.body,
                max_chars=COMMENT_MAX_LENGTH,
                key=f"{key}_edit_text_{row.id}_{editor_nonce()}",
            )
            if st.form_submit_button(t("Enregistrer la correction"), icon=":material/edit:"):
                try:
                    discussion.edit_comment(engine, actor, kind, target, row.id, row.version, text)
                except AppError as error:
                    show_error(error)
                else:
                    flash(t("Commentaire corrigé."))
                    reset_editors()
                    st.rerun()
    if st.button(
        t("Supprimer ce commentaire"), key=f"{key}_delete_{row.id}", icon=":material/delete:"
    ):
        try:
            discussion.delete_comment(engine, actor, kind, target, row.id, row.version)
        except AppError as error:
            show_error(error)
        else:
            flash(t("Commentaire supprimé."))
            st.rerun()


def _post_form(engine: Engine, actor: Actor, view: Any, key: str) -> None:
    kind, target = view.thread.kind, view.thread.target_id
    labels = {code: discussion.visibility_label(code) for code in view.choices}
    visibility = st.selectbox(
        t("Visible par"),
        list(labels),
        index=list(labels).index("team") if "team" in labels else 0,
        format_func=lambda code: labels[code],
        key=f"{key}_visibility",
        help=t(
            "« Réseau uniquement » : les référent·es du réseau. « Réseau et équipe d'animation » : "
            "aussi l'équipe d'animation. « Toute la cohorte » : toutes les personnes qui "
            "suivent la cohorte."
        ),
    )
    people = discussion.mention_choices(engine, actor, kind, target, visibility)
    with st.form(f"{key}_post_{editor_nonce()}"):
        body = st.text_area(
            t("Votre message"),
            max_chars=COMMENT_MAX_LENGTH,
            key=f"{key}_body_{editor_nonce()}",
            help=t("Écrivez @identifiant pour mentionner une personne qui peut lire ce fil."),
        )
        mentioned = st.multiselect(
            t("Mentionner (notifier)"),
            list(people),
            format_func=lambda pid: people.get(pid, str(pid)),
            key=f"{key}_mentions_{editor_nonce()}",
            placeholder=t("Choisissez des personnes"),
        )
        sent = st.form_submit_button(t("Publier"), type="primary", icon=":material/send:")
    if sent:
        try:
            result = discussion.post_comment(
                engine, actor, kind, target, body, visibility=visibility, mention_ids=mentioned
            )
        except AppError as error:
            show_error(error)
            return
        message = t("Commentaire publié.")
        if result["mentioned"]:
            message += " " + t("Notifié(s) : {names}.", names=", ".join(result["mentioned"]))
        if result["not_notified"]:
            message += " " + t(
                "Non notifié(s), car ne peuvent pas lire ce commentaire : {names}.",
                names=", ".join("@" + n for n in result["not_notified"]),
            )
        flash(message)
        reset_editors()
        st.rerun()


def thread_panel(
    engine: Engine, actor: Actor, kind: str, target_id: Any, *, key: str, expanded: bool = False
) -> None:
    """The item's discussion in an expander: read for everyone who may, answer for those
    who may write."""
    try:
        view = discussion.list_thread(engine, actor, kind, target_id)
    except AppError as error:
        show_error(error)
        return
    comments: pd.DataFrame = view.comments
    title = t("Discussion : {title}", title=view.thread.title)
    if view.unread:
        title += " — " + t("{n} non lu(s)", n=fmt_number(view.unread))
    with st.expander(escape_markdown(title), expanded=expanded, icon=":material/forum:"):
        if comments.empty:
            st.caption(t("Aucun commentaire pour l'instant."))
        for row in comments.itertuples():
            with st.container(border=True):
                st.caption(escape_markdown(_meta(row)))
                if row.deleted:
                    st.caption(t("Commentaire supprimé par son auteur·rice."))
                else:
                    st.text(row.body)
                if row.mine and not row.deleted and view.can_post:
                    _own_actions(engine, actor, view, row, key)
        if view.unread and st.button(
            t("Marquer comme lu"), key=f"{key}_read", icon=":material/done_all:"
        ):
            discussion.mark_thread_read(engine, actor, kind, target_id)
            st.rerun()
        if view.can_post:
            st.caption(
                t(
                    "Vous pouvez corriger un commentaire pendant {n} minutes après l'avoir publié.",
                    n=view.edit_minutes,
                )
            )
            _post_form(engine, actor, view, key)
        else:
            st.caption(t("Lecture seule : vous ne pouvez pas écrire dans ce fil."))


def item_thread(
    engine: Engine,
    actor: Actor,
    kind: str,
    items: dict[int, str],
    *,
    key: str,
    label: str,
) -> None:
    """Pick one of ``items`` (``{id: title}``) and show its discussion panel."""
    if not items:
        return
    wanted = st.query_params.get("fil")
    ids = list(items)
    index = ids.index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in ids else 0
    chosen = st.selectbox(
        t(label), ids, index=index, format_func=lambda i: items[i], key=f"{key}_item"
    )
    thread_panel(engine, actor, kind, chosen, key=f"{key}_{chosen}", expanded=bool(wanted))


def unread_panel(engine: Engine, actor: Actor, cohort_id: int) -> None:
    """The unread badge and list: mentions of the person, then threads with new comments."""
    try:
        counts = discussion.unread_counts(engine, actor, cohort_id)
        threads = discussion.unread_threads(engine, actor, cohort_id, limit=UNREAD_SHOWN)
        mentions = discussion.unread_mentions(engine, actor)
    except AppError as error:
        show_error(error)
        return
    mentions = mentions[mentions["cohort_id"] == cohort_id].head(UNREAD_SHOWN)
    st.subheader(t("Discussions"))
    if counts["comments"] == 0 and counts["mentions"] == 0:
        st.caption(t("Aucun commentaire non lu."))
        return
    st.info(
        t(
            "{n} commentaire(s) non lu(s) dans {k} fil(s), {m} mention(s) de vous.",
            n=fmt_number(counts["comments"]),
            k=fmt_number(counts["threads"]),
            m=fmt_number(counts["mentions"]),
        ),
        icon=":material/mark_chat_unread:",
    )
    if counts["threads"] > len(threads):
        st.caption(t("Les {n} fils les plus récents :", n=fmt_number(len(threads))))
    for row in mentions.itertuples():
        st.text(
            t(
                "@ {author}, le {when} — {kind} « {title} » : {excerpt}",
                author=row.author,
                when=fmt_datetime(row.created_at),
                kind=t(row.kind_label),
                title=row.title,
                excerpt=row.excerpt,
            )
        )
    for row in threads.itertuples():
        where = f"{row.network_code} — " if row.network_code else ""
        text = t(
            "{where}{kind} « {title} » : {n} non lu(s)",
            where=where,
            kind=t(row.kind_label),
            title=row.title,
            n=fmt_number(row.unread),
        )
        params = {"fil": str(row.target_id)}
        if row.network_code:
            params["reseau"] = str(row.network_code)
        link_to(
            ITEM_PAGES[row.kind],
            escape_markdown(text),
            icon=":material/forum:",
            query_params=params,
        )


def sidebar_badge(engine: Engine, actor: Actor) -> None:
    """The sidebar's unread badge (one query per rerun); nothing when all is read."""
    try:
        counts = discussion.unread_badge(engine, actor)
    except AppError:
        return  # a badge never stops a page
    if counts["comments"] or counts["mentions"]:
        st.badge(
            t(
                "{n} commentaire(s) non lu(s), {m} mention(s)",
                n=fmt_number(counts["comments"]),
                m=fmt_number(counts["mentions"]),
            ),
            icon=":material/mark_chat_unread:",
            color="orange",
        )
