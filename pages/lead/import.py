"""Importer un tableur: download the network's template (XLSX or CSV), fill it offline, upload
it, read the preview (what will change, what stays, every error) and apply it in one go."""

import streamlit as st

from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_number, t
from dashboard.services import imports
from dashboard.ui import escape_markdown, get_engine, link_to, page_setup, show_error
from dashboard.ui.flash import editor_nonce, reload_after_save, show_flash
from dashboard.ui.network_picker import pick_network
from models.enums import Role

PLAN_KEY = "_at_import_plan"  # (network id, file digest, plan): no widget writes it

actor = page_setup(
    "Importer un tableur",
    Role.lead,
    Role.admin,
    caption="Téléchargez le modèle de votre réseau, remplissez-le hors ligne (Excel, "
    "LibreOffice), puis importez-le : un aperçu montre chaque changement avant de l'appliquer.",
)
engine = get_engine()
network_id = pick_network(engine, actor)
if network_id is None:
    st.stop()

if show_flash() == "imported":
    link_to("pages/lead/indicators.py", "Voir les valeurs importées")
    link_to("pages/lead/milestones.py", "Voir les jalons")

# 1. The template.
st.subheader(t("1. Télécharger le modèle"))
try:
    data = imports.template_data(engine, actor, network_id)
except AppError as error:
    show_error(error)
    st.stop()
st.caption(
    t(
        "{m} jalon(s) et {v} ligne(s) de valeurs (un mois × un indicateur suivi). Les colonnes "
        "grisées sont en lecture seule ; ne renommez ni les feuilles ni les colonnes.",
        m=fmt_number(len(data.milestones)),
        v=fmt_number(len(data.values)),
    )
)
left, right = st.columns(2)
left.download_button(
    t("Modèle Excel (.xlsx)"),
    data=imports.write_xlsx(data),
    file_name=imports.file_name(data, "xlsx"),
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    on_click="ignore",
    icon=":material/download:",
    key="import_template_xlsx",
)
right.download_button(
    t("Mêmes tableaux en CSV (.zip)"),
    data=imports.write_csv_zip(data),
    file_name=imports.file_name(data, "zip"),
    mime="application/zip",
    on_click="ignore",
    icon=":material/download:",
    key="import_template_csv",
)

# 2. The upload and its preview.
st.subheader(t("2. Importer le fichier rempli"))
limit = imports.max_upload_bytes()
uploaded = st.file_uploader(
    t("Fichier rempli (.xlsx ou .csv)"),
    type=["xlsx", "csv"],
    key=f"import_file_{network_id}_{editor_nonce()}",
    help=t(
        "{mb} Mo au plus. Classeurs avec macros, chiffrés ou contenant des formules refusés.",
        mb=fmt_number(limit / 1024 / 1024),
    ),
)
if uploaded is None:
    st.session_state.pop(PLAN_KEY, None)
    st.stop()

content = uploaded.getvalue()
digest = imports.plan.digest_of(content)
kept = st.session_state.get(PLAN_KEY)
if kept is not None and kept[0] == network_id and kept[1] == digest:
    plan = kept[2]
else:
    with st.spinner(t("Lecture et vérification du fichier…")):
        plan = imports.preview_import(engine, actor, uploaded.name, content, network_id=network_id)
    st.session_state[PLAN_KEY] = (network_id, digest, plan)

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
        key="import_errors",
        placeholder="—",
    )
    st.download_button(
        t("Télécharger la liste des erreurs (CSV)"),
        data=imports.issues_csv(plan),
        file_name=t("erreurs_import.csv"),
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="import_errors_csv",
    )
    st.stop()

st.success(
    t(
        "Fichier vérifié pour le réseau {code} : {c} ligne(s) à modifier, {u} ligne(s) "
        "inchangée(s), aucune erreur.",
        code=escape_markdown(plan.network_code),
        c=fmt_number(len(plan.changes)),
        u=fmt_number(len(plan.unchanged)),
    )
)
if not plan.changes:
    st.info(t("Ce fichier ne change rien : tout est déjà enregistré."))
    st.stop()

st.dataframe(
    imports.changes_table(plan),
    hide_index=True,
    width="stretch",
    key="import_changes",
    placeholder="—",
)
with st.expander(t("Lignes inchangées ({n})", n=fmt_number(len(plan.unchanged)))):
    st.dataframe(
        {
            t("Feuille"): [u[0] for u in plan.unchanged],
            t("Ligne"): [u[1] for u in plan.unchanged],
            t("Élément"): [u[2] for u in plan.unchanged],
        },
        hide_index=True,
        width="stretch",
        key="import_unchanged",
        placeholder="—",
    )

st.caption(
    t(
        "Les valeurs modifiées redeviennent des brouillons à soumettre ; tout est enregistré "
        "d'un coup, ou rien."
    )
)
if st.button(t("Appliquer l'import"), type="primary", key="import_apply"):
    try:
        result = imports.apply_import(
            engine,
            actor,
            uploaded.name,
            content,
            network_id=network_id,
            expected_digest=plan.digest,
        )
    except imports.ImportRefused as refused:
        st.session_state[PLAN_KEY] = (network_id, digest, refused.plan)
        show_error(refused)
        st.stop()
    except AppError as error:
        show_error(error)
        st.stop()
    st.session_state.pop(PLAN_KEY, None)
    reload_after_save(
        t(
            "Import appliqué au réseau {code} : {c} ajout(s), {u} modification(s), "
            "{d} effacement(s).",
            code=result.network_code,
            c=result.created,
            u=result.updated,
            d=result.deleted,
        ),
        details="imported",
    )
