"""Historique: what changed in a network, or in the whole cohort (programme team and steering
committee), by whom and when — filterable, and "since the last session"."""

import streamlit as st

from dashboard.core import clock
from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_date, fmt_datetime, fmt_number, t
from dashboard.services.reporting import cohorts, history
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.network_picker import NETWORK_PARAM, pick_network
from models.enums import Role

actor = page_setup(
    "Historique",
    Role.lead,
    Role.steering,
    Role.admin,
    caption="Qui a modifié quoi, et quand : champ par champ, avec l'ancienne et la nouvelle valeur.",
)
engine = get_engine()
cohort_id = None
if actor.role is Role.lead:
    network_id = pick_network(engine, actor)
    if network_id is None:
        st.stop()
else:
    cohort = pick_cohort(engine, actor)
    if cohort is None:
        st.info(t("Aucune cohorte n'est encore configurée."))
        st.stop()
    networks = cohorts.cohort_networks(engine, actor, cohort.id)
    names: dict[int | None, str] = {None: t("Toute la cohorte")}
    names |= {int(r.id): f"{r.code} — {r.name}" for r in networks.itertuples(index=False)}
    by_code = {str(r.code): int(r.id) for r in networks.itertuples(index=False)}
    options = list(names)
    wanted = by_code.get(st.query_params.get(NETWORK_PARAM, ""))
    network_id = st.selectbox(
        t("Réseau"),
        options,
        index=options.index(wanted) if wanted in options else 0,
        format_func=names.__getitem__,
        key=f"history_scope_{cohort.id}",
    )
    if network_id is None:
        cohort_id = cohort.id
        st.query_params.pop(NETWORK_PARAM, None)
    else:
        st.query_params[NETWORK_PARAM] = next(c for c, i in by_code.items() if i == network_id)
today = clock.today()

# Filters read before the query, drawn after it (their choices come from the history itself).
scope = f"c{cohort_id}" if cohort_id is not None else network_id
keys = {name: f"history_{name}_{scope}" for name in ("since", "entity", "person", "start", "end")}
since = bool(st.session_state.get(keys["since"], False))
read = history.cohort_history if cohort_id is not None else history.network_history
where = cohort_id if cohort_id is not None else network_id
try:
    assert where is not None  # a cohort, or the network chosen above
    view = read(
        engine,
        actor,
        where,
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
entities: dict[str | None, str] = {None: t("Tout")}
entities.update(view.entities.items())
cols[0].selectbox(t("Objet"), list(entities), format_func=entities.__getitem__, key=keys["entity"])
people: dict[int | None, str] = {None: t("Tout le monde")}
people.update(view.people.items())
cols[1].selectbox(t("Personne"), list(people), format_func=people.__getitem__, key=keys["person"])
cols[2].date_input(t("Du"), value=None, format="DD/MM/YYYY", key=keys["start"], disabled=since)
cols[3].date_input(t("Au"), value=None, format="DD/MM/YYYY", key=keys["end"], disabled=since)

rows = view.rows
if rows.empty:
    st.info(t("Aucune modification pour ces critères."))
    st.stop()
st.caption(
    t("{n} modification(s), de la plus récente à la plus ancienne.", n=fmt_number(len(rows)))
)
columns = {
    t("Date"): rows["changed_at"].map(fmt_datetime),
    t("Par"): rows["user_name"],
}
if cohort_id is not None:
    columns[t("Réseau")] = rows["network"]
st.dataframe(
    columns
    | {
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
    placeholder="—",
)
if view.truncated:
    st.caption(
        t("Seules les modifications les plus récentes sont affichées : affinez les filtres.")
    )
