"""Indicateurs: one month of the network's indicator values in a grid (save as draft or
submit for validation), then the overview of every month."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.core import clock
from dashboard.core.errors import AppError, ConflictError
from dashboard.core.i18n import fmt_datetime, fmt_month, fmt_month_long, fmt_value, label_of, t
from dashboard.services.indicators import values as indicator_values
from dashboard.services.shared.forms import limit_help
from dashboard.ui import get_engine, link_to, page_setup, show_error
from dashboard.ui.discussion import item_thread
from dashboard.ui.flash import editor_nonce, flash, reset_editors, show_flash
from dashboard.ui.network_picker import pick_network
from dashboard.ui.typed_inputs import numbers_as_text
from models import IndicatorValue
from models.enums import Accumulation, Role, Unit, ValueStatus

PARAM_SEEN = "_at_lead_indicators_month_param"
MONTH_PARAM = "mois"
STATUS_MARK = {"validated": "✓", "submitted": "➤", "draft": "✎"}

actor = page_setup(
    "Indicateurs",
    Role.lead,
    Role.admin,
    caption="Saisissez les valeurs du mois, enregistrez-les en brouillon puis soumettez-les à "
    "l'équipe d'animation. Une valeur validée est verrouillée.",
)
engine = get_engine()
network_id = pick_network(engine, actor)
if network_id is None:
    st.stop()

show_flash()

try:
    grid = indicator_values.value_grid(engine, actor, network_id)
except AppError as error:
    show_error(error)
    st.stop()

indicators, values, months = grid["indicators"], grid["values"], grid["months"]
if indicators.empty:
    st.info(
        t("Aucun indicateur n'est encore suivi par ce réseau : l'équipe d'animation les choisit.")
    )
    st.stop()
if not months:
    st.info(t("La cohorte n'a pas encore commencé : aucun mois à saisir."))
    st.stop()
if grid["cohort"]["closed"]:
    st.warning(t("La cohorte est clôturée : les valeurs sont consultables, plus modifiables."))

returned = values[(values["status"] == ValueStatus.draft) & values["return_reason"].notna()]
if not returned.empty:
    st.warning(
        t(
            "{n} valeur(s) renvoyée(s) par l'équipe d'animation : corrigez-les puis soumettez.",
            n=len(returned),
        ),
        icon=":material/undo:",
    )
    labels = indicators.set_index("indicator_id")["label"]
    st.dataframe(
        pd.DataFrame(
            {
                t("Mois"): returned["period_start"].map(fmt_month_long),
                t("Indicateur"): returned["indicator_id"].map(labels),
                t("Motif du retour"): returned["return_reason"],
            }
        ),
        hide_index=True,
        width="stretch",
        placeholder="—",
    )

# The month: from a link (?mois=AAAA-MM) when it names a new one, otherwise the last choice,
# otherwise the last complete month.
by_param = {m.strftime("%Y-%m"): m for m in months}
param = st.query_params.get(MONTH_PARAM, "")
month_key = f"indicator_month_{network_id}"
if param in by_param and param != st.session_state.get(PARAM_SEEN):
    st.session_state[month_key] = by_param[param]
elif st.session_state.get(month_key) not in months:
    last_complete = clock.add_months(clock.today(), -1)
    st.session_state[month_key] = last_complete if last_complete in months else months[-1]
month: dt.date = st.selectbox(t("Mois à saisir"), months, format_func=fmt_month_long, key=month_key)
st.query_params[MONTH_PARAM] = st.session_state[PARAM_SEEN] = month.strftime("%Y-%m")

sheet = indicator_values.month_sheet(grid, month)


def _fmt(values_: pd.Series) -> list[str]:
    return [fmt_value(v, u) for v, u in zip(values_, sheet["unit"], strict=True)]


def _target(row) -> str:
    shown = fmt_value(row.target_value, row.unit)
    if pd.notna(row.initial_target_value) and row.initial_target_value != row.target_value:
        shown += " " + t("(initiale : {v})", v=fmt_value(row.initial_target_value, row.unit))
    return shown


display = pd.DataFrame(
    {
        "label": sheet["label"],
        "unit": [
            label_of(Unit, u) + (" · " + t("cumul") if a == Accumulation.cumulative else "")
            for u, a in zip(sheet["unit"], sheet["accumulation"], strict=True)
        ],
        "baseline": _fmt(sheet["baseline_value"]),
        "target": [_target(r) for r in sheet.itertuples()],
        "previous": _fmt(sheet["previous_value"]),
        # Text, not a number column: letters typed there reach the service and are refused
        # with a message (a number column turns them into 0); « 1 234,5 » and « 1234.5 » parse.
        "value": numbers_as_text(sheet["value"]),
        "comment": sheet["comment"].astype("object"),
        "evidence_url": sheet["evidence_url"].astype("object"),
        "status": [
            (STATUS_MARK.get(s, "") + " " + label_of(ValueStatus, s)).strip()
            if isinstance(s, str)
            else t("À saisir")
            for s in sheet["status"]
        ],
        "return_reason": sheet["return_reason"].astype("object"),
    }
)
nonce = editor_nonce()
editor_key = f"values_editor_{network_id}_{month:%Y%m}_{nonce}"
# The versions the user saw when this grid was first shown: a save checks against them, so a
# value someone else changed meanwhile is reported instead of silently overwritten.
seen = st.session_state.setdefault(
    f"_at_seen_{editor_key}",
    {
        int(i): (None if pd.isna(v) else int(v))
        for i, v in zip(sheet["indicator_id"], sheet["version"], strict=True)
    },
)

with st.form(f"values_form_{network_id}_{month:%Y%m}"):
    st.markdown(f"#### {t('Valeurs de {month}', month=fmt_month_long(month))}")
    edited = st.data_editor(
        display,
        key=editor_key,
        hide_index=True,
        num_rows="fixed",
        width="stretch",
        disabled=["label", "unit", "baseline", "target", "previous", "status", "return_reason"],
        # The value and its status first, so they fit a 1 440-px screen without scrolling.
        column_order=[
            "label",
            "value",
            "status",
            "unit",
            "previous",
            "baseline",
            "target",
            "comment",
            "evidence_url",
            "return_reason",
        ],
        column_config={
            "label": st.column_config.TextColumn(t("Indicateur"), pinned=True),
            "unit": st.column_config.TextColumn(t("Unité")),
            "baseline": st.column_config.TextColumn(t("Référence")),
            "target": st.column_config.TextColumn(t("Cible")),
            "previous": st.column_config.TextColumn(t("Mois précédent")),
            "value": st.column_config.TextColumn(
                t("Valeur"),
                help=t("Un nombre, par exemple 1 234,5 ; laissez vide si inconnu."),
            ),
            "comment": st.column_config.TextColumn(
                t("Commentaire"), help=limit_help(IndicatorValue, "comment")
            ),
            "evidence_url": st.column_config.LinkColumn(
                t("Lien de preuve"),
                help=limit_help(IndicatorValue, "evidence_url"),
            ),
            "status": st.column_config.TextColumn(t("Statut")),
            "return_reason": st.column_config.TextColumn(t("Motif du retour")),
        },
        placeholder="",
    )
    st.caption(
        t(
            "Pourcentages entre 0 et 100, nombres entiers pour les comptages, scores dans leur "
            "échelle. Un cumul qui baisse demande un commentaire. ✓ validée · ➤ soumise · "
            "✎ brouillon."
        )
    )
    left, right = st.columns(2)
    save_draft = left.form_submit_button(
        t("Enregistrer en brouillon"), icon=":material/save:", disabled=grid["cohort"]["closed"]
    )
    save_submit = right.form_submit_button(
        t("Enregistrer et soumettre à validation"),
        type="primary",
        icon=":material/send:",
        disabled=grid["cohort"]["closed"],
    )

if save_draft or save_submit:
    # A value left as shown is sent as stored (its text is a rounded display); a typed one as
    # typed, for the service to parse or refuse.
    entries = [
        {
            "indicator_id": int(sheet.loc[i, "indicator_id"]),
            "period_start": month,
            "value": sheet.loc[i, "value"]
            if edited.loc[i, "value"] == display.loc[i, "value"]
            else edited.loc[i, "value"],
            "comment": edited.loc[i, "comment"],
            "evidence_url": edited.loc[i, "evidence_url"],
            "version": seen.get(int(sheet.loc[i, "indicator_id"])),
        }
        for i in sheet.index
    ]
    try:
        counts = indicator_values.save_values(
            engine, actor, network_id, entries, submit=bool(save_submit)
        )
    except AppError as error:
        show_error(error)
        if isinstance(error, ConflictError):
            st.info(t("Pour repartir des valeurs enregistrées, cliquez sur « Recharger »."))
    else:
        if not any(counts.values()):
            st.info(t("Aucune modification : rien à enregistrer."))
        else:
            reset_editors()
            flash(
                t(
                    "Enregistré : {c} nouvelle(s) valeur(s), {u} modifiée(s), {d} effacée(s), "
                    "{s} soumise(s) à validation.",
                    c=counts["created"],
                    u=counts["updated"],
                    d=counts["deleted"],
                    s=counts["submitted"],
                )
            )
            st.rerun()

if st.button(
    t("Recharger (abandonner les modifications non enregistrées)"),
    key="values_reload",
    icon=":material/refresh:",
):
    reset_editors()
    st.rerun()

link_to("pages/lead/before_session.py", "Voir ce qu'il reste à faire avant la prochaine session")
if actor.role is Role.admin:
    link_to("pages/admin/validation.py", "Ouvrir la file de validation")

# A value's discussion (a returned value's reason is its first comment): returned values first,
# then the latest months.
value_labels = indicators.set_index("indicator_id")["label"]
by_thread = values.assign(returned=values["return_reason"].notna()).sort_values(
    ["returned", "period_start"], ascending=[False, False]
)
item_thread(
    engine,
    actor,
    "indicator_value",
    {
        int(v.id): f"{fmt_month_long(v.period_start)} — {value_labels.get(v.indicator_id, '')}"
        for v in by_thread.itertuples()
    },
    key=f"value_thread_{network_id}",
    label="Discussion sur une valeur",
)

st.markdown(f"#### {t('Vue d’ensemble')}")
matrix, statuses = indicator_values.overview_matrix(grid)
units = indicators.set_index("indicator_id")["unit"]
overview = pd.DataFrame(
    {
        fmt_month(m): [
            (fmt_value(v, units[i], empty="") + " " + STATUS_MARK.get(s, "")).strip()
            if pd.notna(v)
            else ""
            for i, v, s in zip(matrix.index, matrix[m], statuses[m], strict=True)
        ]
        for m in months
    }
)
overview.insert(0, t("Indicateur"), indicators["label"].tolist())
st.dataframe(overview, hide_index=True, width="stretch", placeholder="—")
last = values["updated_at"].max() if not values.empty else None
st.caption(t("Dernière saisie : {when}", when=fmt_datetime(last)))
