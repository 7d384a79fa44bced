"""Enseignements: what the network has learnt — write and edit lessons."""

from typing import Any

import streamlit as st

from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_datetime, label_of, labels_for, t
from dashboard.services.roadmap import lessons
from dashboard.services.shared.forms import clean, limit_help
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.discussion import thread_panel
from dashboard.ui.flash import editor_nonce, reload_after_save, reset_editors, show_flash
from dashboard.ui.network_picker import pick_network
from models import Lesson
from models.enums import CapitalisationStatus, LessonCategory, Role, Visibility

actor = page_setup(
    "Enseignements",
    Role.lead,
    Role.admin,
    caption="Ce que le réseau a appris en chemin : freins, leviers, méthodes… "
    "L'équipe d'animation les capitalise pour toute la cohorte.",
)
engine = get_engine()
network_id = pick_network(engine, actor)
if network_id is None:
    st.stop()
show_flash()
nonce = editor_nonce()

try:
    listed = lessons.list_lessons(engine, actor, network_id)
    choices = lessons.lesson_choices(engine, actor, network_id)
except AppError as error:
    show_error(error)
    st.stop()

categories, visibilities = labels_for(LessonCategory), labels_for(Visibility)
capitalisations = labels_for(CapitalisationStatus)
allowed_capitalisation = lessons.capitalisation_choices(actor)
sessions, alliances = choices["sessions"], choices["alliances"]


def _index(options: list, value) -> int:
    return options.index(value) if value in options else 0


def _lesson_fields(prefix: str, current: dict | None = None) -> dict:
    """The lesson's fields (inside a form); returns the service arguments."""
    current = current or {}
    values: dict[str, Any] = {}
    left, right = st.columns(2)
    cat_options = list(categories)
    values["category"] = left.selectbox(
        t("Catégorie"),
        cat_options,
        index=_index(cat_options, current.get("category")),
        format_func=categories.__getitem__,
        key=f"{prefix}_category",
    )
    vis_options = list(visibilities)
    values["visibility"] = right.selectbox(
        t("Visibilité"),
        vis_options,
        index=_index(vis_options, current.get("visibility", Visibility.cohort.value)),
        format_func=visibilities.__getitem__,
        key=f"{prefix}_visibility",
        help=t("Réseau : vous et l'équipe d'animation ; cohorte : tous les réseaux ; public."),
    )
    values["statement"] = st.text_area(
        t(lessons.LABELS["statement"]),
        value=current.get("statement", ""),
        help=limit_help(Lesson, "statement"),
        key=f"{prefix}_statement",
    )
    left, right = st.columns(2)
    session_options = [None, *sessions]
    values["session_id"] = left.selectbox(
        t(lessons.LABELS["session_id"]),
        session_options,
        index=_index(session_options, clean(current.get("session_id"))),
        format_func=lambda i: sessions.get(i, t("— aucune —")),
        key=f"{prefix}_session",
    )
    alliance_options = [None, *alliances]
    values["alliance_id"] = right.selectbox(
        t(lessons.LABELS["alliance_id"]),
        alliance_options,
        index=_index(alliance_options, clean(current.get("alliance_id"))),
        format_func=lambda i: alliances.get(i, t("— aucune —")),
        key=f"{prefix}_alliance",
    )
    values["capitalisation"] = st.selectbox(
        t("Capitalisation"),
        allowed_capitalisation,
        index=_index(allowed_capitalisation, current.get("capitalisation")),
        format_func=capitalisations.__getitem__,
        key=f"{prefix}_capitalisation",
        help=t(
            "Observé, puis modélisé par le réseau ; l'équipe d'animation le capitalise et le "
            "publie."
        ),
    )
    return values


if listed.empty:
    st.info(t("Aucun enseignement pour l'instant : écrivez le premier ci-dessous."))
else:
    st.dataframe(
        {
            t("Catégorie"): listed["category"].map(lambda c: label_of(LessonCategory, c)),
            t("Enseignement"): listed["statement"],
            t("Session"): listed["session_code"].fillna(""),
            t("Alliance"): listed["alliance_title"].fillna(""),
            t("Visibilité"): listed["visibility"].map(lambda c: label_of(Visibility, c)),
            t("Capitalisation"): listed["capitalisation"].map(
                lambda c: label_of(CapitalisationStatus, c)
            ),
            t("Auteur"): listed["author"].fillna(""),
            t("Modifié le"): listed["updated_at"].map(fmt_datetime),
        },
        hide_index=True,
        width="stretch",
        placeholder="—",
    )

with st.expander(t("Écrire un enseignement"), expanded=listed.empty, icon=":material/add:"):
    with st.form(f"lesson_new_{network_id}_{nonce}"):
        fields = _lesson_fields(f"lesson_new_{nonce}")
        if st.form_submit_button(t("Enregistrer l'enseignement"), type="primary"):
            try:
                lessons.create_lesson(engine, actor, network_id, **fields)
            except AppError as error:
                show_error(error)
            else:
                reload_after_save(t("Enseignement enregistré."))

if listed.empty:
    st.stop()

st.subheader(t("Modifier un enseignement"))
by_id = {int(r.id): r for r in listed.itertuples(index=False)}
chosen = st.selectbox(
    t("Enseignement à modifier"),
    list(by_id),
    format_func=lambda i: by_id[i].statement[:90] + ("…" if len(by_id[i].statement) > 90 else ""),
    key=f"lesson_pick_{network_id}",
)
thread_panel(engine, actor, "lesson", chosen, key=f"lesson_thread_{chosen}")
# The lesson as first shown: the form keeps the user's input, the save checks its version.
row = st.session_state.setdefault(f"_at_lesson_seen_{chosen}_{nonce}", by_id[chosen]._asdict())
if int(by_id[chosen].version) != int(row["version"]):
    st.info(
        t(
            "Cet enseignement a été modifié depuis que vous l'avez ouvert : « Recharger » affiche sa dernière version (vos saisies non enregistrées seront perdues)."
        ),
        icon=":material/sync_problem:",
    )
if row["capitalisation"] not in allowed_capitalisation:
    st.info(
        t(
            "Cet enseignement a été « {status} » par l'équipe d'animation : demandez-lui de le "
            "modifier.",
            status=label_of(CapitalisationStatus, row["capitalisation"]),
        )
    )
    st.stop()
with st.form(f"lesson_edit_{chosen}_{nonce}"):
    fields = _lesson_fields(f"lesson_edit_{chosen}_{nonce}", row)
    if st.form_submit_button(t("Enregistrer les modifications"), type="primary"):
        try:
            lessons.update_lesson(engine, actor, chosen, int(row["version"]), **fields)
        except AppError as error:
            show_error(error)
        else:
            reload_after_save(t("Enseignement modifié."))
if st.button(t("Recharger"), key="lesson_reload", icon=":material/refresh:"):
    reset_editors()
    st.rerun()
