"""Importer une cohorte: the programme team creates a cohort's networks and invites its people
from one CSV or XLSX (sheet « Personnes »), after a preview of every row."""

import pandas as pd
import streamlit as st

from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_datetime, fmt_number, t
from dashboard.services import imports
from dashboard.services.imports import people
from dashboard.ui import escape_markdown, get_engine, page_setup, show_error
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.flash import editor_nonce, reload_after_save, show_flash
from models.enums import Role

PLAN_KEY = "_at_people_import_plan"  # (cohort id, digest, plan): no widget writes it

actor = page_setup(
    "Importer une cohorte",
    Role.admin,
    caption="Créez les réseaux d'une cohorte et invitez ses personnes à partir d'un seul "
    "fichier : un aperçu montre chaque ligne avant que rien ne soit enregistré.",
)
engine = get_engine()
cohort = pick_cohort(engine, actor)
if cohort is None:
    st.info(t("Aucune cohorte n'est encore configurée."))
    st.stop()
st.caption(t("Cohorte : {name}", name=escape_markdown(cohort.name)))

invited = show_flash()
if invited:
    st.warning(
        t(
            "Transmettez à chaque personne son identifiant et son code à usage unique : ils ne "
            "seront plus affichés."
        )
    )
    st.dataframe(
        pd.DataFrame(
            {
                t("Identifiant"): [i.username for i in invited],
                t("Nom"): [i.full_name for i in invited],
                t("Code à usage unique"): [i.secret for i in invited],
                t("Valable jusqu'au"): [fmt_datetime(i.expires_at) for i in invited],
            }
        ),
        hide_index=True,
        width="stretch",
        key="people_secrets",
        placeholder="—",
    )

st.download_button(
    t("Tableau à remplir (CSV)"),
    data=people.people_template_csv(),
    file_name="personnes.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    key="people_template",
)
uploaded = st.file_uploader(
    t("Fichier des réseaux et des personnes (.xlsx ou .csv)"),
    type=["xlsx", "csv"],
    key=f"people_file_{cohort.id}_{editor_nonce()}",
)
if uploaded is None:
    st.session_state.pop(PLAN_KEY, None)
    st.stop()

content = uploaded.getvalue()
digest = imports.plan.digest_of(content)
kept = st.session_state.get(PLAN_KEY)
if kept is not None and kept[0] == cohort.id and kept[1] == digest:
    plan = kept[2]
else:
    try:
        with st.spinner(t("Lecture et vérification du fichier…")):
            plan = people.preview_people(engine, actor, cohort.id, uploaded.name, content)
    except AppError as error:
        show_error(error)
        st.stop()
    st.session_state[PLAN_KEY] = (cohort.id, digest, plan)

for warning in plan.warnings:
    st.warning(escape_markdown(warning))
if plan.errors:
    st.error(
        t(
            "{n} erreur(s) : rien ne sera enregistré. Corrigez le fichier, puis importez-le à "
            "nouveau.",
            n=fmt_number(len(plan.errors)),
        )
    )
    st.dataframe(
        imports.issues_table(plan),
        hide_index=True,
        width="stretch",
        key="people_errors",
        placeholder="—",
    )
    st.stop()
if not plan.changes:
    st.info(t("Ce fichier ne crée rien."))
    st.stop()
st.success(t("Fichier vérifié : {n} création(s), aucune erreur.", n=fmt_number(len(plan.changes))))
st.dataframe(
    imports.changes_table(plan),
    hide_index=True,
    width="stretch",
    key="people_changes",
    placeholder="—",
)
if st.button(t("Créer les réseaux et inviter les personnes"), type="primary", key="people_apply"):
    try:
        done = people.apply_people(
            engine, actor, cohort.id, uploaded.name, content, expected_digest=plan.digest
        )
    except people.PeopleImportRefused as refused:
        st.session_state[PLAN_KEY] = (cohort.id, digest, refused.plan)
        show_error(refused)
        st.stop()
    except AppError as error:
        show_error(error)
        st.stop()
    st.session_state.pop(PLAN_KEY, None)
    reload_after_save(
        t(
            "Cohorte « {name} » : {n} création(s) enregistrée(s).",
            name=cohort.name,
            n=len(done.changes),
        ),
        details=done.invitations,
    )
