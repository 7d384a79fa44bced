"""Historique: what changed in a network, by whom and when — filterable, and "since the last
session"."""

import streamlit as st

from dashboard.errors import AppError
from dashboard.i18n import fmt_date, fmt_datetime, fmt_number, t
from dashboard.services import clock, history
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.network_picker import pick_network
from models.enums import Role

actor = page_setup(
    "Historique",
    Role.lead,
    Role.steering,
    Role.admin,
    caption="Qui a modifié quoi, et quand : champ par champ, avec l'ancienne et la nouvelle valeur.",
)
engine = get_engine()
network_id = pick_network(engine, actor)
if network_id is None:
    st.stop()
today = clock.today()

# Filters read before the query, drawn after it (their choices come from the history itself).
keys = {
    name: f"history_{name}_{network_id}" for name in ("since", "entity", "person", "start", "end")
}
since = bool(st.session_state.get(keys["since"], False))
try:
    view = history.network_history(
        engine,
        actor,
        network_id,
        entity=st.session_state.get(keys["entity"]) or None,
        user_id=st.session_state.get(keys["person"]) or None,
        start=None if since else st.session_state.get(keys["start"]),
        end=None if since else st.session_state.get(keys["end"]),
        since_last_session=since,
        as_of=today,
    )
except AppError as error:
    show_error(error)
    st.stop()

last = view.last_session
st.toggle(
    t("Depuis la dernière session ({code}, {date})", code=last["code"], date=fmt_date(last["date"]))
    if last
    else t("Depuis la dernière session (aucune session passée)"),
    key=keys["since"],
    disabled=last is None,
)
cols = st.columns(4)
entities = {None: t("Tout"), **view.entities}
cols[0].selectbox(t("Objet"), list(entities), format_func=entities.get, key=keys["entity"])
people = {None: t("Tout le monde"), **view.people}
cols[1].selectbox(t("Personne"), list(people), format_func=people.get, key=keys["person"])
cols[2].date_input(t("Du"), value=None, format="DD/MM/YYYY", key=keys["start"], disabled=since)
cols[3].date_input(t("Au"), value=None, format="DD/MM/YYYY", key=keys["end"], disabled=since)

rows = view.rows
if rows.empty:
    st.info(t("Aucune modification pour ces critères."))
    st.stop()
st.caption(
    t("{n} modification(s), de la plus récente à la plus ancienne.", n=fmt_number(len(rows)))
)
st.dataframe(
    {
        t("Date"): rows["changed_at"].map(fmt_datetime),
        t("Par"): rows["user_name"],
        t("Objet"): rows["entity_label"],
        t("Élément"): rows["item"],
        t("Action"): rows["action_label"],
        t("Champ"): rows["field_label"],
        t("Avant"): rows["before"].fillna(""),
        t("Après"): rows["after"].fillna(""),
        t("Motif"): rows["reason"].fillna(""),
    },
    hide_index=True,
    width="stretch",
)
if view.truncated:
    st.caption(
        t("Seules les modifications les plus récentes sont affichées : affinez les filtres.")
    )
