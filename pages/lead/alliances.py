"""Alliances: the network's partnerships — add, edit, move through the stages (with their
history)."""

import pandas as pd
import streamlit as st

from dashboard.core import clock
from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_date, fmt_number, label_of, labels_for, t
from dashboard.services import roadmap
from dashboard.services.shared.forms import clean, limit_help
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.discussion import thread_panel
from dashboard.ui.flash import editor_nonce, reload_after_save, reset_editors, show_flash
from dashboard.ui.network_picker import pick_network
from dashboard.ui.typed_inputs import date_field
from models import Alliance, AllianceStageChange, Partner
from models.enums import (
    AllianceStage,
    CompanyPartnershipType,
    PartnerFamily,
    RelationLogic,
    Role,
)

NEW_PARTNER = 0  # selectbox value meaning "a partner not in the list yet"
LABELS = roadmap.ALLIANCE_LABELS  # the form's labels, also used by the service's messages

actor = page_setup(
    "Alliances",
    Role.lead,
    Role.admin,
    caption="Les alliances et partenariats du réseau, leur étape et son historique.",
)
engine = get_engine()
network_id = pick_network(engine, actor)
if network_id is None:
    st.stop()
show_flash()
nonce = editor_nonce()
today = clock.today()

try:
    alliances = roadmap.list_alliances(engine, actor, network_id)
    partners = roadmap.list_partners(engine, actor)
    objectives = roadmap.list_objectives(engine, actor, network_id)
except AppError as error:
    show_error(error)
    st.stop()

stages, families = labels_for(AllianceStage), labels_for(PartnerFamily)
company_types, logics = labels_for(CompanyPartnershipType), labels_for(RelationLogic)
partner_names = {
    int(r.id): f"{r.name} ({families.get(r.family, r.family)})" for r in partners.itertuples()
}
objective_titles = {int(r.id): r.title for r in objectives.itertuples()}
active_objectives = [int(r.id) for r in objectives.itertuples() if not r.archived]


def _alliance_fields(prefix: str, current: dict | None = None) -> dict:
    """The description fields of an alliance (inside a form); returns the service arguments."""
    current = current or {}
    partner_options = [NEW_PARTNER, *partner_names]
    partner_now = clean(current.get("partner_id"))
    values = {
        "title": st.text_input(
            t(LABELS["title"]),
            value=current.get("title", ""),
            help=limit_help(Alliance, "title"),
            key=f"{prefix}_title",
        )
    }
    values["partner_id"] = st.selectbox(
        t(LABELS["partner_id"]),
        partner_options,
        index=partner_options.index(int(partner_now)) if partner_now else 0,
        format_func=lambda i: partner_names.get(
            i, t("➕ Nouveau partenaire (à saisir ci-dessous)")
        ),
        key=f"{prefix}_partner",
    )
    left, right = st.columns(2)
    values["new_partner_name"] = left.text_input(
        t("Nouveau partenaire : nom"),
        help=limit_help(Partner, "name"),
        key=f"{prefix}_new_name",
    )
    values["new_partner_family"] = right.selectbox(
        t("Nouveau partenaire : famille"),
        list(families),
        format_func=families.__getitem__,
        key=f"{prefix}_new_family",
    )
    type_options = [None, *company_types]
    values["company_type"] = st.selectbox(
        t(LABELS["company_type"]),
        type_options,
        index=type_options.index(clean(current.get("company_type"))),
        format_func=lambda c: company_types.get(c, t("— sans objet —")),
        key=f"{prefix}_company_type",
    )
    logic_options = list(logics)
    values["relation_logic"] = st.radio(
        t(LABELS["relation_logic"]),
        logic_options,
        index=logic_options.index(current.get("relation_logic", RelationLogic.exchange.value)),
        format_func=logics.__getitem__,
        horizontal=True,
        key=f"{prefix}_logic",
    )
    values["expected_value_eur"] = st.number_input(
        t(LABELS["expected_value_eur"]),
        min_value=0.0,
        value=clean(current.get("expected_value_eur")),
        step=1000.0,
        key=f"{prefix}_value",
    )
    objective_now = clean(current.get("objective_id"))
    objective_options = [None, *active_objectives]
    if objective_now is not None and int(objective_now) not in objective_options:
        objective_options.append(int(objective_now))  # an archived objective stays linked
    values["objective_id"] = st.selectbox(
        t(LABELS["objective_id"]),
        objective_options,
        index=objective_options.index(int(objective_now) if objective_now is not None else None),
        format_func=lambda i: objective_titles.get(i, t("— aucun —")),
        key=f"{prefix}_objective",
    )
    values["description"] = st.text_area(
        t(LABELS["description"]),
        value=clean(current.get("description")) or "",
        help=limit_help(Alliance, "description"),
        key=f"{prefix}_description",
    )
    if values["partner_id"] == NEW_PARTNER:
        values["partner_id"] = None
    else:
        values["new_partner_name"] = None
    return values


# ------------------------------------------------------------------------------------ the list
if alliances.empty:
    st.info(t("Aucune alliance pour l'instant : ajoutez la première ci-dessous."))
else:
    st.dataframe(
        {
            t("Alliance"): alliances["title"],
            t("Partenaire"): alliances["partner_name"],
            t("Famille"): alliances["partner_family"].map(lambda c: label_of(PartnerFamily, c)),
            t("Type"): alliances["company_type"].map(
                lambda c: label_of(CompanyPartnershipType, c, empty="")
            ),
            t("Logique"): alliances["relation_logic"].map(lambda c: label_of(RelationLogic, c)),
            t("Étape"): alliances["stage"].map(lambda c: label_of(AllianceStage, c)),
            t("Depuis le"): alliances["stage_changed_on"].map(fmt_date),
            t("Valeur attendue"): alliances["expected_value_eur"].map(
                lambda v: fmt_number(v) + " €" if pd.notna(v) else "—"
            ),
            t("Objectif"): alliances["objective_title"].fillna(""),
        },
        hide_index=True,
        width="stretch",
        placeholder="—",
    )

with st.expander(t("Ajouter une alliance"), expanded=alliances.empty, icon=":material/add:"):
    with st.form(f"alliance_new_{network_id}_{nonce}"):
        fields = _alliance_fields(f"alliance_new_{nonce}")
        left, right = st.columns(2)
        stage = left.selectbox(t(LABELS["stage"]), roadmap.PIPELINE, format_func=stages.__getitem__)
        with right:
            stage_date = date_field(
                LABELS["stage_date"], value=today, key=f"alliance_new_date_{nonce}"
            )
        if st.form_submit_button(t("Ajouter l'alliance"), type="primary"):
            try:
                roadmap.create_alliance(
                    engine,
                    actor,
                    network_id,
                    stage=stage,
                    stage_date=stage_date,
                    as_of=today,
                    **fields,
                )
            except AppError as error:
                show_error(error)
            else:
                reload_after_save(t("Alliance ajoutée."))

if alliances.empty:
    st.stop()

# --------------------------------------------------------------------------- one alliance
st.subheader(t("Suivre une alliance"))
by_id = {int(r.id): r for r in alliances.itertuples(index=False)}
chosen = st.selectbox(
    t("Alliance"),
    list(by_id),
    format_func=lambda i: f"{by_id[i].title} — {stages.get(by_id[i].stage, by_id[i].stage)}",
    key=f"alliance_pick_{network_id}",
)
# The alliance as first shown: forms keep the user's input, saves check its version.
row = st.session_state.setdefault(f"_at_alliance_seen_{chosen}_{nonce}", by_id[chosen]._asdict())
if int(by_id[chosen].version) != int(row["version"]):
    st.info(
        t(
            "Cette alliance a été modifiée depuis que vous l'avez ouverte : « Recharger » affiche sa dernière version (vos saisies non enregistrées seront perdues)."
        ),
        icon=":material/sync_problem:",
    )
seen = int(row["version"])
thread_panel(engine, actor, "alliance", chosen, key=f"alliance_thread_{chosen}")

stage_tab, edit_tab, history_tab = st.tabs(
    [t("Changer d'étape"), t("Modifier les informations"), t("Historique des étapes")]
)
with stage_tab:
    st.text(
        t(
            "Étape actuelle : {stage}, depuis le {date}",
            stage=stages.get(row["stage"], row["stage"]),
            date=fmt_date(clean(row["stage_changed_on"])),
        )
    )
    targets = roadmap.allowed_transitions(row["stage"], clean(row["resume_stage"]))
    if not targets:
        st.info(t("Une alliance abandonnée ne change plus d'étape."))
    else:
        with st.form(f"alliance_stage_{chosen}_{nonce}"):
            # No stage preselected: one click must not move an alliance.
            to_stage = st.selectbox(
                t(roadmap.STAGE_LABEL),
                targets,
                index=None,
                placeholder=t("Choisir une étape"),
                format_func=stages.__getitem__,
            )
            changed_on = date_field(roadmap.DATE_LABEL, value=today)
            comment = st.text_area(
                t(roadmap.REASON_LABEL),
                help=t("Obligatoire pour suspendre, abandonner ou reprendre une alliance.")
                + " "
                + limit_help(AllianceStageChange, "comment"),
            )
            if st.form_submit_button(t("Changer d'étape"), type="primary"):
                try:
                    moved = roadmap.move_alliance_stage(
                        engine,
                        actor,
                        chosen,
                        seen,
                        to_stage=to_stage,
                        comment=comment,
                        changed_on=changed_on,
                        as_of=today,
                    )
                except AppError as error:
                    show_error(error)
                else:
                    reload_after_save(
                        t("Étape enregistrée : {stage}.", stage=stages[moved["stage"]])
                    )
    st.caption(
        t(
            "Une alliance avance (on peut sauter des étapes) mais ne recule pas ; elle peut être "
            "suspendue puis reprise à l'étape où elle était, ou abandonnée (définitif)."
        )
    )

with edit_tab:
    with st.form(f"alliance_edit_{chosen}_{nonce}"):
        fields = _alliance_fields(f"alliance_edit_{chosen}_{nonce}", row)
        if st.form_submit_button(t("Enregistrer l'alliance"), type="primary"):
            try:
                roadmap.update_alliance(engine, actor, chosen, seen, **fields)
            except AppError as error:
                show_error(error)
            else:
                reload_after_save(t("Alliance enregistrée."))

with history_tab:
    try:
        history = roadmap.alliance_stage_history(engine, actor, chosen)
    except AppError as error:
        show_error(error)
    else:
        st.dataframe(
            {
                t("Date"): history["changed_on"].map(fmt_date),
                t("De"): history["from_stage"].map(
                    lambda c: label_of(AllianceStage, clean(c), empty="—")
                ),
                t("Vers"): history["to_stage"].map(lambda c: label_of(AllianceStage, c)),
                t("Par"): history["changed_by"].fillna(""),
                t("Commentaire"): history["comment"].fillna(""),
            },
            hide_index=True,
            width="stretch",
            placeholder="—",
        )

if st.button(t("Recharger"), key="alliance_reload", icon=":material/refresh:"):
    reset_editors()
    st.rerun()
