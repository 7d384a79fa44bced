"""Indicators and targets (programme team): the catalogue, which indicators each network
follows, baselines and targets — with a reason for any target change once the cohort has
started (the initial target is kept)."""

import pandas as pd
import streamlit as st

from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_datetime, fmt_value, label_of, labels_for, t
from dashboard.services.indicators import catalogue
from dashboard.services.indicators import targets as indicator_targets
from dashboard.services.reporting import cohorts
from dashboard.services.shared import forms as admin_forms
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.flash import reload_after_save, show_flash
from dashboard.ui.typed_inputs import dates_as_text, numbers_as_text
from models.enums import Accumulation, Direction, ImpactAxis, Lever, Role, Unit

NEW = 0

actor = page_setup(
    "Indicateurs et cibles",
    Role.admin,
    caption="Le catalogue d'indicateurs, ceux que suit chaque réseau, ses valeurs de départ "
    "et ses cibles.",
)
engine = get_engine()


show_flash()

cohort = pick_cohort(engine, actor)

tab_targets, tab_catalogue, tab_revisions = st.tabs(
    [t("Cibles par réseau"), t("Catalogue"), t("Révisions de cibles")], key="admin_indicators_tab"
)

with tab_catalogue:
    indicators = catalogue.list_indicators(engine, actor)
    if not indicators.empty:
        st.dataframe(
            pd.DataFrame(
                {
                    t("Code"): indicators["code"],
                    t("Libellé"): indicators["label"],
                    t("Unité"): indicators["unit"].map(lambda u: label_of(Unit, u)),
                    t("Cumul"): indicators["accumulation"].map(lambda a: label_of(Accumulation, a)),
                    t("Clé"): indicators["is_key"].map(lambda k: "★" if k else ""),
                    t("Axe"): indicators["impact_axis"].map(lambda a: label_of(ImpactAxis, a)),
                    t("Levier"): indicators["lever"].map(lambda v: label_of(Lever, v)),
                    t("Réseaux"): indicators["networks"],
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )
    by_id = {int(r.id): r for r in indicators.itertuples(index=False)}
    chosen = st.selectbox(
        t("Ajouter ou modifier"),
        [NEW, *by_id],
        format_func=lambda i: t("Nouvel indicateur") if i == NEW else by_id[i].code,
        key="indicator_choice",
    )
    row = by_id.get(chosen)

    def _pick(label: str, enum_cls, current: str | None, **kw):
        options = labels_for(enum_cls)
        keys = list(options)
        index = keys.index(current) if current in keys else 0
        return st.selectbox(t(label), keys, index=index, format_func=options.__getitem__, **kw)

    with st.form(f"indicator_form_{chosen}"):
        c1, c2 = st.columns(2)
        code = c1.text_input(
            t("Code (stable, en majuscules)"),
            value=row.code if row else "",
            disabled=bool(row and row.has_values),
            help=t("Le code ne peut plus changer une fois des valeurs saisies."),
        )
        label = c2.text_input(t("Libellé"), value=row.label if row else "")
        definition = st.text_area(
            t("Définition"), value=(row.definition or "") if row else "", height=80
        )
        c1, c2, c3 = st.columns(3)
        with c1:
            unit = _pick("Unité", Unit, row.unit if row else None)
        with c2:
            accumulation = _pick("Cumul", Accumulation, row.accumulation if row else None)
        with c3:
            direction = _pick("Sens", Direction, row.direction if row else None)
        c1, c2, c3 = st.columns(3)
        with c1:
            axis = _pick("Axe d'impact", ImpactAxis, row.impact_axis if row else None)
        with c2:
            lever = _pick("Levier", Lever, row.lever if row else None)
        is_key = c3.checkbox(t("Indicateur clé (tableau de bord)"), value=bool(row and row.is_key))
        c1, c2 = st.columns(2)
        scale_min = c1.number_input(
            t("Échelle min. (facultatif)"),
            value=None if row is None or pd.isna(row.scale_min) else float(row.scale_min),
        )
        scale_max = c2.number_input(
            t("Échelle max. (facultatif)"),
            value=None if row is None or pd.isna(row.scale_max) else float(row.scale_max),
        )
        submit = st.form_submit_button(
            t("Ajouter l'indicateur") if row is None else t("Enregistrer l'indicateur")
        )
    if submit:
        fields = {
            "code": code,
            "label": label,
            "definition": definition,
            "unit": unit,
            "accumulation": accumulation,
            "direction": direction,
            "impact_axis": axis,
            "lever": lever,
            "is_key": is_key,
            "scale_min": scale_min,
            "scale_max": scale_max,
        }
        try:
            if row is None:
                catalogue.create_indicator(engine, actor, **fields)
            else:
                catalogue.update_indicator(
                    engine, actor, chosen, version=int(row.version), **fields
                )
        except AppError as error:
            show_error(error)
        else:
            reload_after_save(t("Indicateur {code} enregistré.", code=code.strip().upper()))

with tab_targets:
    networks = cohorts.cohort_networks(engine, actor, cohort.id) if cohort else pd.DataFrame()
    names = {int(r.id): f"{r.code} — {r.name}" for r in networks.itertuples(index=False)}
    network_id = (
        st.selectbox(
            t("Réseau"),
            list(names),
            format_func=names.__getitem__,
            key=f"targets_network_{cohort.id}",
        )
        if names and cohort
        else None
    )
    if network_id is None:
        st.info(t("Aucun réseau dans cette cohorte : ajoutez-en dans « Cohortes et sessions »."))
    else:
        targets = indicator_targets.network_targets(engine, actor, network_id)
        targets["reason"] = None
        gen = st.session_state.get("_at_targets_gen", 0)
        key = f"targets_{network_id}_{gen}"
        units = labels_for(Unit)
        st.caption(
            t(
                "Cochez les indicateurs que le réseau suit et saisissez sa valeur de départ et "
                "sa cible. Une fois la cohorte commencée, tout changement de cible demande une "
                "raison ; la cible initiale est conservée."
            )
        )
        # Numbers and dates as text: typed as « 1 234,5 » and « jj/mm/aaaa » whatever the
        # browser's language, parsed by the service (letters are refused, not turned into 0).
        shown = targets.assign(
            baseline_value=numbers_as_text(targets["baseline_value"]),
            target_value=numbers_as_text(targets["target_value"]),
            baseline_date=dates_as_text(targets["baseline_date"]),
            target_date=dates_as_text(targets["target_date"]),
        )
        with st.form("targets_form"):
            st.data_editor(
                shown,
                key=key,
                hide_index=True,
                num_rows="fixed",
                placeholder="",
                disabled=[
                    "code",
                    "label",
                    "unit",
                    "initial_target_value",
                    "revision_reason",
                    "revised_at",
                    "revised_by",
                ],
                column_order=[
                    "followed",
                    "label",
                    "unit",
                    "baseline_value",
                    "baseline_date",
                    "target_value",
                    "target_date",
                    "reason",
                    "initial_target_value",
                    "revision_reason",
                ],
                column_config={
                    "followed": st.column_config.CheckboxColumn(t("Suivi")),
                    "code": st.column_config.TextColumn(t("Code")),
                    "label": st.column_config.TextColumn(t("Indicateur"), width="medium"),
                    "unit": st.column_config.SelectboxColumn(
                        t("Unité"),
                        options=list(units),
                        format_func=lambda code: units.get(str(code), str(code)),
                    ),
                    "baseline_value": st.column_config.TextColumn(t("Départ")),
                    "baseline_date": st.column_config.TextColumn(
                        t("Date de départ"), help=t("Au format jj/mm/aaaa.")
                    ),
                    "target_value": st.column_config.TextColumn(t("Cible")),
                    "target_date": st.column_config.TextColumn(
                        t("Date de la cible"), help=t("Au format jj/mm/aaaa.")
                    ),
                    "reason": st.column_config.TextColumn(
                        t("Raison du changement"),
                        help=t("Obligatoire pour changer une cible après le début de la cohorte."),
                    ),
                    "initial_target_value": st.column_config.NumberColumn(t("Cible initiale")),
                    "revision_reason": st.column_config.TextColumn(t("Dernière raison")),
                },
            )
            save_targets = st.form_submit_button(t("Enregistrer les cibles"), type="primary")
        if save_targets:
            rows = admin_forms.rows_from_editor(targets, st.session_state.get(key))
            if not rows:
                st.info(t("Aucune modification à enregistrer."))
                st.stop()
            try:
                indicator_targets.save_network_targets(engine, actor, network_id, rows)
            except AppError as error:
                show_error(error)
            else:
                st.session_state["_at_targets_gen"] = gen + 1
                reload_after_save(t("Cibles enregistrées ({n} ligne(s)).", n=len(rows)))

with tab_revisions:
    revisions = (
        indicator_targets.target_revisions(engine, actor, cohort.id) if cohort else pd.DataFrame()
    )
    if revisions.empty:
        st.caption(t("Aucune cible révisée dans cette cohorte."))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    t("Réseau"): revisions["network_code"],
                    t("Indicateur"): revisions["indicator_label"],
                    t("Cible initiale"): [
                        fmt_value(v, u)
                        for v, u in zip(
                            revisions["initial_target_value"], revisions["unit"], strict=True
                        )
                    ],
                    t("Cible révisée"): [
                        fmt_value(v, u)
                        for v, u in zip(revisions["target_value"], revisions["unit"], strict=True)
                    ],
                    t("Raison"): revisions["revision_reason"],
                    t("Le"): revisions["revised_at"].map(fmt_datetime),
                    t("Par"): revisions["revised_by"].fillna(""),
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )
