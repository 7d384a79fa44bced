"""Objectifs: the network's roadmap objectives — add, edit, archive."""

import streamlit as st

from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_datetime, label_of, labels_for, t
from dashboard.services import roadmap
from dashboard.services.shared.forms import limit_help
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.flash import editor_nonce, reload_after_save, reset_editors, show_flash
from dashboard.ui.network_picker import pick_network
from models import Objective
from models.enums import Motivation, Role

LABELS = roadmap.OBJECTIVE_LABELS  # the form's labels, also used by the service's messages

actor = page_setup(
    "Objectifs",
    Role.lead,
    Role.admin,
    caption="Les objectifs de la feuille de route d'alliances, chacun avec sa motivation.",
)
engine = get_engine()
network_id = pick_network(engine, actor)
if network_id is None:
    st.stop()
show_flash()
nonce = editor_nonce()


try:
    objectives = roadmap.list_objectives(engine, actor, network_id)
except AppError as error:
    show_error(error)
    st.stop()

motivations = labels_for(Motivation)
if objectives.empty:
    st.info(t("Aucun objectif pour l'instant : ajoutez le premier ci-dessous."))
else:
    st.dataframe(
        {
            t("Objectif"): objectives["title"],
            t(LABELS["motivation"]): objectives["motivation"].map(
                lambda c: label_of(Motivation, c)
            ),
            t("Description"): objectives["description"].fillna(""),
            t("État"): objectives["archived"].map(lambda a: t("Archivé") if a else t("Actif")),
            t("Modifié le"): objectives["updated_at"].map(fmt_datetime),
        },
        hide_index=True,
        width="stretch",
        placeholder="—",
    )

with st.expander(t("Ajouter un objectif"), expanded=objectives.empty, icon=":material/add:"):
    with st.form(f"objective_new_{network_id}_{nonce}"):
        title = st.text_input(t(LABELS["title"]), help=limit_help(Objective, "title"))
        motivation = st.selectbox(
            t(LABELS["motivation"]), list(motivations), format_func=motivations.__getitem__
        )
        description = st.text_area(
            t(LABELS["description"]), help=limit_help(Objective, "description")
        )
        if st.form_submit_button(t("Ajouter l'objectif"), type="primary"):
            try:
                roadmap.create_objective(
                    engine,
                    actor,
                    network_id,
                    title=title,
                    motivation=motivation,
                    description=description,
                )
            except AppError as error:
                show_error(error)
            else:
                reload_after_save(t("Objectif ajouté."))

if objectives.empty:
    st.stop()

st.subheader(t("Modifier un objectif"))
by_id = {int(r.id): r for r in objectives.itertuples(index=False)}
chosen = st.selectbox(
    t("Objectif à modifier"),
    list(by_id),
    format_func=lambda i: by_id[i].title + (f" ({t('archivé')})" if by_id[i].archived else ""),
    key=f"objective_pick_{network_id}",
)
# The objective as first shown: the form keeps the user's input across reruns, and the save
# checks its version (someone else's change meanwhile is reported, not overwritten).
row = st.session_state.setdefault(f"_at_objective_seen_{chosen}_{nonce}", by_id[chosen]._asdict())
if int(by_id[chosen].version) != int(row["version"]):
    st.info(
        t(
            "Cet objectif a été modifié depuis que vous l'avez ouvert : « Recharger » affiche sa dernière version (vos saisies non enregistrées seront perdues)."
        ),
        icon=":material/sync_problem:",
    )
seen = int(row["version"])
with st.form(f"objective_edit_{chosen}_{nonce}"):
    title = st.text_input(
        t(LABELS["title"]), value=row["title"], help=limit_help(Objective, "title")
    )
    motivation = st.selectbox(
        t(LABELS["motivation"]),
        list(motivations),
        index=list(motivations).index(row["motivation"]) if row["motivation"] in motivations else 0,
        format_func=motivations.__getitem__,
    )
    description = st.text_area(
        t(LABELS["description"]),
        value=row["description"] or "",
        help=limit_help(Objective, "description"),
    )
    if st.form_submit_button(t("Enregistrer l'objectif"), type="primary"):
        try:
            roadmap.update_objective(
                engine,
                actor,
                chosen,
                seen,
                title=title,
                motivation=motivation,
                description=description,
            )
        except AppError as error:
            show_error(error)
        else:
            reload_after_save(t("Objectif enregistré."))

left, right = st.columns(2)
archive_label = t("Réactiver cet objectif") if row["archived"] else t("Archiver cet objectif")
if left.button(archive_label, key=f"objective_archive_{chosen}", icon=":material/archive:"):
    try:
        roadmap.set_objective_archived(engine, actor, chosen, seen, archived=not row["archived"])
    except AppError as error:
        show_error(error)
    else:
        reload_after_save(t("Objectif réactivé.") if row["archived"] else t("Objectif archivé."))
if right.button(t("Recharger"), key="objective_reload", icon=":material/refresh:"):
    reset_editors()
    st.rerun()
st.caption(
    t(
        "Un objectif archivé garde ses alliances et jalons ; il n'est plus proposé pour les "
        "nouvelles alliances."
    )
)
