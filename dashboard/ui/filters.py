"""Dashboard filters kept in the URL, so a view can be shared: ``?debut=2025-12&fin=2026-03``
(period, months), ``&reseaux=R01,R05`` (networks, by the codes the user sees) and
``&famille=company,peer`` (partner families). The cohort is ``?cohorte=`` (see
``dashboard.ui.cohort_picker``)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.core import clock
from dashboard.core.i18n import fmt_month, label_of, labels_for, t
from dashboard.services.reporting.cohort_dashboard import DashboardFilters
from dashboard.services.shared.access import CohortInfo
from models.enums import PartnerFamily

START, END, NETWORKS, FAMILIES = "debut", "fin", "reseaux", "famille"


def _month(text: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return None


def _listed(name: str) -> list[str]:
    raw = st.query_params.get(name) or ""
    return [part for part in raw.split(",") if part]


def _write(name: str, value: str | None) -> None:
    if value:
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]


def dashboard_filters(
    cohort: CohortInfo,
    networks: pd.DataFrame,
    *,
    container=None,
    with_families: bool = True,
) -> DashboardFilters:
    """Period, networks and partner-family widgets (in ``container``, default the sidebar),
    read from and written back to the URL's query parameters."""
    box = container or st.sidebar
    months = clock.months_between(cohort.start_date, cohort.end_date)
    first, last = months[0], months[-1]
    start = _month(st.query_params.get(START))
    end = _month(st.query_params.get(END))
    start = start if start in months else first
    end = end if end in months and end >= start else last
    box.markdown(f"**{t('Filtres')}**")
    chosen = box.select_slider(
        t("Période"),
        options=months,
        value=(start, end),
        format_func=fmt_month,
        key=f"filter_period_{cohort.id}",
        help=t("Jalons dus sur la période ; valeurs d'indicateurs jusqu'à la fin de la période."),
    )
    start, end = chosen
    names = dict(zip(networks["code"], networks["name"], strict=True))
    hidden = (
        set(networks.loc[networks["anonymised"], "code"]) if "anonymised" in networks else set()
    )
    codes = list(names)
    wanted = [c for c in _listed(NETWORKS) if c in names]
    selected = box.multiselect(
        t("Réseaux"),
        options=codes,
        default=wanted,
        format_func=lambda c: names[c] if c in hidden else f"{c} — {names[c]}",
        placeholder=t("Tous les réseaux"),
        key=f"filter_networks_{cohort.id}",
    )
    families: list[str] = []
    if with_families:
        family_labels = labels_for(PartnerFamily)
        wanted_families = [f for f in _listed(FAMILIES) if f in family_labels]
        families = box.multiselect(
            t("Famille de partenaires"),
            options=list(family_labels),
            default=wanted_families,
            format_func=lambda f: label_of(PartnerFamily, f),
            placeholder=t("Toutes les familles"),
            key=f"filter_families_{cohort.id}",
        )
    _write(START, start.strftime("%Y-%m") if start != first else None)
    _write(END, end.strftime("%Y-%m") if end != last else None)
    _write(NETWORKS, ",".join(selected))
    _write(FAMILIES, ",".join(families))
    ids = networks.set_index("code")["id"]
    return DashboardFilters(
        period_start=start if start != first else None,
        period_end=end if end != last else None,
        network_ids=tuple(int(ids[c]) for c in selected) if selected else None,
        partner_families=tuple(families) if families else None,
    )


def describe(filters: DashboardFilters, networks: pd.DataFrame) -> str:
    """A one-line French summary of the active filters (for captions and exports)."""
    parts = []
    if filters.period_start or filters.period_end:
        parts.append(
            t(
                "de {a} à {b}",
                a=fmt_month(filters.period_start) if filters.period_start else t("début"),
                b=fmt_month(filters.period_end) if filters.period_end else t("fin"),
            )
        )
    if filters.network_ids:
        shown = networks[networks["id"].isin(filters.network_ids)]
        parts.append(", ".join(shown["name"]))
    if filters.partner_families:
        parts.append(", ".join(label_of(PartnerFamily, f) for f in filters.partner_families))
    return " · ".join(parts) if parts else t("toute la cohorte")
