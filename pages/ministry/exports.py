"""Exports: indicator files for French Excel, an open-data package, XLSX or JSON."""

import pandas as pd
import streamlit as st

from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_month, fmt_number, t
from dashboard.services.exports import runner as exports
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.cohort_picker import pick_cohort
from models.enums import Role

actor = page_setup(
    "Exports",
    Role.ministry,
    Role.admin,
    caption="Les mêmes filtres donnent les mêmes fichiers qu'en ligne de commande "
    "(python -m dashboard export).",
)
engine = get_engine()

cohort = pick_cohort(engine, actor)
if cohort is None:
    st.info(t("Aucune cohorte n'est encore configurée."))
    st.stop()

options = exports.export_options(engine, actor, cohort.id)
network_names = dict(zip(options["networks"]["code"], options["networks"]["name"], strict=True))
indicator_labels = dict(
    zip(options["indicators"]["code"], options["indicators"]["label"], strict=True)
)
months = options["months"]

with st.form("export_form"):
    profile = st.radio(
        t("Format"),
        list(options["profiles"]),
        format_func=options["profiles"].get,
        key="export_profile",
    )
    tables = st.multiselect(
        t("Tables"),
        list(options["tables"]),
        default=list(options["tables"]),
        format_func=options["tables"].get,
        placeholder=t("Choisir une ou plusieurs tables"),
        key="export_tables",
    )
    left, right = st.columns(2)
    networks = left.multiselect(
        t("Réseaux (tous si aucun n'est choisi)"),
        list(network_names),
        format_func=lambda code: f"{code} — {network_names[code]}",
        placeholder=t("Tous les réseaux"),
        key="export_networks",
    )
    indicators = right.multiselect(
        t("Indicateurs (tous si aucun n'est choisi)"),
        list(indicator_labels),
        format_func=lambda code: f"{code} — {indicator_labels[code]}",
        placeholder=t("Tous les indicateurs"),
        key="export_indicators",
    )
    period = None
    if months:
        period = st.select_slider(
            t("Période des valeurs (mois)"),
            options=months,
            value=(months[0], months[-1]),
            format_func=fmt_month,
            key="export_months",
        )
    validated_only = st.checkbox(t("Valeurs validées seulement"), key="export_validated_only")
    st.caption(
        t(
            "La période, les indicateurs et « valeurs validées » filtrent les valeurs (et les "
            "indicateurs, les cibles) ; les réseaux filtrent toutes les tables. Le profil open "
            "data ne contient aucune donnée personnelle et seulement les enseignements publics."
        )
    )
    submitted = st.form_submit_button(t("Prévisualiser"), type="primary", key="export_preview")

if submitted:
    whole_cohort = period is None or (period[0] == months[0] and period[1] == months[-1])
    st.session_state["export_request"] = exports.ExportRequest(
        profile=profile,
        tables=tuple(tables),
        filters=exports.ExportFilters(
            cohort=options["cohort_code"],
            networks=tuple(networks) or None,
            indicators=tuple(indicators) or None,
            month_from=None if whole_cohort or period is None else period[0].strftime("%Y-%m"),
            month_to=None if whole_cohort or period is None else period[1].strftime("%Y-%m"),
            validated_only=validated_only,
        ),
    )

request = st.session_state.get("export_request")
if request is None or request.filters.cohort != options["cohort_code"]:
    st.stop()

try:
    previews = exports.preview_export(engine, actor, request)
except AppError as error:
    show_error(error)
    st.stop()

st.subheader(t("Aperçu"))
counts = pd.DataFrame(
    {
        t("Table"): [p.title for p in previews],
        t("Nom stable"): [p.name for p in previews],
        t("Lignes"): [fmt_number(p.rows) for p in previews],
    }
)
st.dataframe(counts, hide_index=True, width="stretch", placeholder="—")
for p in previews:
    with st.expander(t("{title} : premières lignes", title=p.title)):
        if p.head.empty:
            st.caption(t("Aucune ligne."))
        else:
            st.dataframe(p.head, hide_index=True, width="stretch", placeholder="—")

if sum(p.rows for p in previews) == 0:
    st.info(t("La sélection est vide : aucune donnée ne correspond à ces filtres."))
    st.stop()

if st.button(t("Préparer le fichier"), key="export_build", icon=":material/download:"):
    with st.spinner(t("Préparation de l'export…")):
        try:
            file = exports.export_download(engine, actor, request)
        except AppError as error:
            show_error(error)
            st.stop()
    st.download_button(
        t("Télécharger {name}", name=file.file_name),
        data=file.data,
        file_name=file.file_name,
        mime=file.mime,
        on_click="ignore",
        type="primary",
        key="export_download",
    )
