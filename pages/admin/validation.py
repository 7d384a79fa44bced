"""File de validation (programme team): values submitted by the networks, by network and month,
with the previous value and the target for context; validate in bulk, return one value with a
reason, reopen a validated value with a reason."""

import pandas as pd
import streamlit as st

from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_date, fmt_month_long, fmt_number, fmt_value, labels_for, t
from dashboard.services.indicators import review as value_review
from dashboard.services.reporting import cohorts
from dashboard.services.shared.forms import limit_help
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.discussion import item_thread
from dashboard.ui.flash import editor_nonce, reload_after_save, show_flash
from models import IndicatorValue
from models.enums import Role, ValueStatus

ALL = 0

actor = page_setup(
    "File de validation",
    Role.admin,
    caption="Les valeurs soumises par les réseaux. Seules les valeurs validées figurent dans les "
    "exports « validées uniquement ».",
)
engine = get_engine()

show_flash()


cohort = pick_cohort(engine, actor)
if cohort is None:
    st.info(t("Aucune cohorte n'est encore configurée."))
    st.stop()

networks = cohorts.cohort_networks(engine, actor, cohort.id)
network_names = {ALL: t("Tous les réseaux")} | {
    int(r.id): f"{r.code} — {r.name}" for r in networks.itertuples(index=False)
}
left, middle, right = st.columns([3, 2, 1])
chosen = left.selectbox(
    t("Réseau"),
    list(network_names),
    format_func=network_names.__getitem__,
    key="validation_network",
)
# The queue is read one page at a time; the month and page widgets come after the read (their
# options depend on it) and their last value is taken from the session state.
wanted_month = st.session_state.get("validation_month", ALL)
listing = value_review.queue_page(
    engine,
    actor,
    cohort.id,
    network_id=None if chosen == ALL else chosen,
    month=None if wanted_month == ALL else wanted_month,
    page=int(st.session_state.get("validation_page", 1) or 1),
)
if wanted_month != ALL and wanted_month not in listing.months:
    st.session_state["validation_month"] = ALL
month_names = {ALL: t("Tous les mois")} | {m: fmt_month_long(m) for m in listing.months}
month = middle.selectbox(
    t("Mois"), list(month_names), format_func=month_names.__getitem__, key="validation_month"
)
if st.session_state.get("validation_page") != listing.page:
    st.session_state["validation_page"] = listing.page  # clamped to the last page
right.number_input(
    t("Page"),
    min_value=1,
    max_value=listing.pages,
    step=1,
    key="validation_page",
    help=t(
        "{n} valeurs par page, {p} page(s).",
        n=fmt_number(listing.page_size),
        p=fmt_number(listing.pages),
    ),
)
queue = listing.rows
nonce = editor_nonce()


def _describe(row) -> str:
    return t(
        "{network} · {month} · {label} : {value}",
        network=row.network_code,
        month=fmt_month_long(row.period_start),
        label=row.indicator_label,
        value=fmt_value(row.value, row.unit),
    )


tab_queue, tab_return, tab_reopen = st.tabs(
    [
        t("À valider ({n})", n=fmt_number(listing.total)),
        t("Renvoyer une valeur"),
        t("Rouvrir une valeur validée"),
    ]
)

with tab_queue:
    if queue.empty:
        st.success(t("Aucune valeur en attente de validation."), icon=":material/task_alt:")
    else:
        st.caption(
            t(
                "{n} valeur(s) en attente, {g} groupe(s) réseau × mois. Page {p} sur {pages} : "
                "« Tout cocher » et la validation portent sur cette page.",
                n=fmt_number(listing.total),
                g=fmt_number(listing.groups),
                p=fmt_number(listing.page),
                pages=fmt_number(listing.pages),
            )
        )
        select_all = st.checkbox(t("Tout cocher"), key=f"validation_all_{nonce}")
        grid = pd.DataFrame(
            {
                "selected": [bool(select_all)] * len(queue),
                "network": queue["network_code"],
                "month": queue["period_start"].map(fmt_month_long),
                "indicator": queue["indicator_label"],
                "value": [
                    fmt_value(v, u) for v, u in zip(queue["value"], queue["unit"], strict=True)
                ],
                "previous": [
                    fmt_value(v, u)
                    for v, u in zip(queue["previous_value"], queue["unit"], strict=True)
                ],
                "target": [
                    fmt_value(v, u)
                    for v, u in zip(queue["target_value"], queue["unit"], strict=True)
                ],
                "comment": queue["comment"].fillna(""),
                "evidence_url": queue["evidence_url"],
                "by": queue["updated_by"].fillna(""),
                "submitted_at": queue["submitted_at"].map(
                    lambda d: fmt_date(d) if pd.notna(d) else "—"
                ),
            }
        )
        with st.form(f"validation_form_{nonce}"):
            edited = st.data_editor(
                grid,
                key=(
                    f"validation_editor_{cohort.id}_{chosen}_{month}_{listing.page}_{nonce}_"
                    f"{int(select_all)}"
                ),
                hide_index=True,
                num_rows="fixed",
                width="stretch",
                disabled=[c for c in grid.columns if c != "selected"],
                column_config={
                    "selected": st.column_config.CheckboxColumn(t("Valider"), pinned=True),
                    "network": st.column_config.TextColumn(t("Réseau")),
                    "month": st.column_config.TextColumn(t("Mois")),
                    "indicator": st.column_config.TextColumn(t("Indicateur")),
                    "value": st.column_config.TextColumn(t("Valeur")),
                    "previous": st.column_config.TextColumn(t("Mois précédent")),
                    "target": st.column_config.TextColumn(t("Cible")),
                    "comment": st.column_config.TextColumn(t("Commentaire")),
                    "evidence_url": st.column_config.LinkColumn(t("Preuve")),
                    "by": st.column_config.TextColumn(t("Saisie par")),
                    "submitted_at": st.column_config.TextColumn(t("Soumise le")),
                },
                placeholder="",
            )
            validate = st.form_submit_button(
                t("Valider la sélection"), type="primary", icon=":material/done_all:"
            )
        if validate:
            picked = queue[edited["selected"].fillna(False).astype(bool).to_numpy()]
            items = [{"id": int(r.id), "version": int(r.version)} for r in picked.itertuples()]
            try:
                n = value_review.validate_values(engine, actor, items)
            except AppError as error:
                show_error(error)
            else:
                reload_after_save(t("{n} valeur(s) validée(s).", n=fmt_number(n)))

with tab_return:
    if queue.empty:
        st.caption(t("Aucune valeur soumise à renvoyer."))
    else:
        returnable = {int(r.id): r for r in queue.itertuples(index=False)}
        with st.form(f"return_form_{nonce}"):
            value_id = st.selectbox(
                t("Valeur à renvoyer au réseau"),
                list(returnable),
                format_func=lambda i: _describe(returnable[i]),
                key=f"return_value_{nonce}",
            )
            reason = st.text_area(
                t("Motif (obligatoire, visible par le réseau)"),
                help=limit_help(IndicatorValue, "return_reason"),
                key=f"return_reason_{nonce}",
            )
            send_back = st.form_submit_button(t("Renvoyer au réseau"), icon=":material/undo:")
        if send_back:
            try:
                value_review.return_value(
                    engine, actor, value_id, int(returnable[value_id].version), reason
                )
            except AppError as error:
                show_error(error)
            else:
                reload_after_save(t("Valeur renvoyée au réseau avec votre motif."))

# The discussion of a value in the queue (its network answers there).
if not queue.empty:
    item_thread(
        engine,
        actor,
        "indicator_value",
        {int(r.id): _describe(r) for r in queue.itertuples(index=False)},
        key="queue_thread",
        label="Discussion sur une valeur de la file",
    )

with tab_reopen:
    if chosen == ALL:
        st.caption(t("Choisissez d'abord un réseau ci-dessus."))
    else:
        validated = value_review.validation_queue(
            engine, actor, cohort.id, status=ValueStatus.validated.value, network_id=chosen
        )
        if validated.empty:
            st.caption(t("Aucune valeur validée pour ce réseau."))
        else:
            reopenable = {int(r.id): r for r in validated.itertuples(index=False)}
            statuses = labels_for(ValueStatus)
            with st.form(f"reopen_form_{nonce}"):
                value_id = st.selectbox(
                    t("Valeur validée à rouvrir"),
                    list(reopenable),
                    format_func=lambda i: _describe(reopenable[i]),
                    key=f"reopen_value_{nonce}",
                )
                to_status = st.radio(
                    t("Elle redevient"),
                    [ValueStatus.draft.value, ValueStatus.submitted.value],
                    format_func=statuses.__getitem__,
                    horizontal=True,
                    key=f"reopen_status_{nonce}",
                )
                reason = st.text_area(
                    t("Motif (obligatoire, gardé dans l'historique)"),
                    help=limit_help(IndicatorValue, "return_reason"),
                    key=f"reopen_reason_{nonce}",
                )
                reopen = st.form_submit_button(t("Rouvrir"), icon=":material/lock_open:")
            if reopen:
                try:
                    value_review.reopen_value(
                        engine,
                        actor,
                        value_id,
                        int(reopenable[value_id].version),
                        reason,
                        to_status=to_status,
                    )
                except AppError as error:
                    show_error(error)
                else:
                    reload_after_save(t("Valeur rouverte."))
