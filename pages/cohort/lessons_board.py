"""The cohort's lessons board: lessons by category and capitalisation status, respecting each
lesson's visibility (see ``dashboard.services.lessons_board``)."""

import pandas as pd
import streamlit as st

from dashboard.charts import followup as charts_followup
from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_number, label_of, labels_for, t
from dashboard.services import discussion
from dashboard.services.reporting import cohort_dashboard, cohorts, lessons_board
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.charts import show_chart
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.discussion import item_thread
from models.enums import CapitalisationStatus, LessonCategory, Visibility

actor = page_setup(
    "Enseignements de la cohorte",
    caption="Ce que les réseaux ont appris, du constat à la publication.",
)
engine = get_engine()


@st.cache_data(show_spinner=False, max_entries=64)
def _board(cohort_id, network_ids, categories, version, role, network_id, _actor):
    # Permission checked outside (data_version); visibility depends on role and own network.
    return lessons_board.lessons_board(
        get_engine(), _actor, cohort_id, network_ids=network_ids, categories=categories
    )


cohort = pick_cohort(engine, actor)
if cohort is None:
    st.info(t("Aucune cohorte n'est encore configurée."))
    st.stop()
try:
    networks = cohorts.cohort_networks(engine, actor, cohort.id)
    version = cohort_dashboard.data_version(engine, actor, cohort.id)
except AppError as error:
    show_error(error)
    st.stop()

c1, c2 = st.columns(2)
names = dict(zip(networks["id"], networks["name"], strict=True))
chosen_networks = c1.multiselect(
    t("Réseaux"),
    list(names),
    format_func=names.__getitem__,
    placeholder=t("Tous les réseaux"),
    key=f"lessons_networks_{cohort.id}",
)
category_labels = labels_for(LessonCategory)
chosen_categories = c2.multiselect(
    t("Catégories"),
    list(category_labels),
    format_func=category_labels.__getitem__,
    placeholder=t("Toutes les catégories"),
    key="lessons_categories",
)
try:
    board = _board(
        cohort.id,
        tuple(int(i) for i in chosen_networks) or None,
        tuple(chosen_categories) or None,
        version,
        actor.role.value,
        actor.network_id,
        actor,
    )
except AppError as error:
    show_error(error)
    st.stop()

lessons = board.lessons
st.metric(t("Enseignements visibles"), fmt_number(len(lessons)))
show_chart(charts_followup.lessons_chart(board.counts))
if lessons.empty:
    st.info(t("Aucun enseignement visible avec ces filtres."))
    st.stop()

st.markdown(f"#### {t('Du constat à la publication')}")
columns = st.columns(len(CapitalisationStatus))
for column, status in zip(columns, CapitalisationStatus, strict=True):
    part = lessons[lessons["capitalisation"] == status.value]
    column.markdown(f"**{label_of(CapitalisationStatus, status.value)}** ({len(part)})")
    for row in part.itertuples(index=False):
        with column.container(border=True):
            st.text(row.statement)
            meta = [label_of(LessonCategory, row.category), row.network_name]
            if isinstance(row.session_code, str):
                meta.append(row.session_code)
            st.text(" · ".join(meta))

with st.expander(t("Tableau des enseignements"), icon=":material/table:"):
    st.dataframe(
        pd.DataFrame(
            {
                t("Catégorie"): lessons["category"].map(lambda c: label_of(LessonCategory, c)),
                t("Enseignement"): lessons["statement"],
                t("Réseau"): lessons["network_name"],
                t("Session"): lessons["session_code"].fillna("—"),
                t("Alliance"): lessons["alliance_title"].fillna("—"),
                t("Capitalisation"): lessons["capitalisation"].map(
                    lambda c: label_of(CapitalisationStatus, c)
                ),
                t("Visibilité"): lessons["visibility"].map(lambda v: label_of(Visibility, v)),
            }
        ),
        hide_index=True,
        width="stretch",
        placeholder="—",
    )

# Threads of the lessons shown, with comments the reader's visibility allows (read-only for the
# steering committee and the ministry).
try:
    commented = discussion.commented_items(engine, actor, "lesson", cohort.id)
except AppError as error:
    show_error(error)
    commented = {}
shown_ids = {int(i) for i in lessons["id"]}
commented = {i: title for i, title in commented.items() if i in shown_ids}
if commented:
    st.markdown(f"#### {t('Discussions')}")
    item_thread(
        engine,
        actor,
        "lesson",
        commented,
        key=f"board_lesson_thread_{cohort.id}",
        label="Discussion sur un enseignement",
    )
