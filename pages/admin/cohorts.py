"""Cohorts and sessions (programme team): create a cohort, edit it, its networks and its
sessions, choose how leads see the other networks, close it."""

import pandas as pd
import streamlit as st

from dashboard.core import clock
from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_date, label_of, labels_for, t
from dashboard.services.admin import (
    cohorts as admin_cohorts,
)
from dashboard.services.admin import (
    networks as admin_networks,
)
from dashboard.services.admin import (
    sessions as admin_sessions,
)
from dashboard.services.reporting import cohorts
from dashboard.services.shared import forms as admin_forms
from dashboard.services.shared.forms import limit_help
from dashboard.ui import escape_markdown, get_engine, page_setup, show_error
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.flash import reload_after_save, show_flash
from dashboard.ui.typed_inputs import date_field, dates_as_text, numbers_as_text
from models import Network, ProgrammeSession
from models.enums import CohortStatus, Phase, Role, SessionKind

actor = page_setup(
    "Cohortes et sessions",
    Role.admin,
    caption="Créer et paramétrer une cohorte : réseaux, sessions du parcours, clôture.",
)
engine = get_engine()


def _done(message: str, *, cohort_code: str | None = None) -> None:
    """Reload the page with fresh data (on the new cohort when one was created)."""
    if cohort_code:
        st.query_params["cohorte"] = cohort_code
        st.session_state.pop("cohort_picker", None)
    reload_after_save(message)


show_flash()

available = cohorts.list_cohorts(engine, actor)
with st.expander(t("Créer une cohorte"), expanded=not available, icon=":material/add:"):
    gen = st.session_state.get("_at_create_cohort_gen", 0)  # bumped: the form starts empty
    with st.form("create_cohort"):
        c1, c2 = st.columns(2)
        new_code = c1.text_input(
            t("Code (court, unique)"), placeholder="AI-2027", key=f"new_cohort_code_{gen}"
        )
        new_name = c2.text_input(
            t("Nom"), placeholder=t("Alliances innovantes 2027"), key=f"new_cohort_name_{gen}"
        )
        with c1:
            new_start = date_field("Début", key=f"new_cohort_start_{gen}")
        with c2:
            new_end = date_field("Fin", key=f"new_cohort_end_{gen}")
        new_status = c1.selectbox(
            t("État"),
            [CohortStatus.active.value, CohortStatus.draft.value],
            format_func=lambda c: label_of(CohortStatus, c),
            key=f"new_cohort_status_{gen}",
        )
        new_anonymise = c2.toggle(
            t("Anonymiser les autres réseaux pour les référent·es"),
            key=f"new_cohort_anonymise_{gen}",
        )
        create = st.form_submit_button(t("Créer la cohorte"), type="primary")
    if create:
        try:
            admin_cohorts.create_cohort(
                engine,
                actor,
                code=new_code,
                name=new_name,
                start_date=new_start,
                end_date=new_end,
                status=new_status,
                anonymise_for_leads=new_anonymise,
            )
        except AppError as error:
            show_error(error)
        else:
            st.session_state["_at_create_cohort_gen"] = gen + 1
            _done(t("Cohorte « {name} » créée.", name=new_name.strip()), cohort_code=new_code)

cohort = pick_cohort(engine, actor)
if cohort is None:
    st.stop()

closed = cohort.status == CohortStatus.closed
st.subheader(escape_markdown(cohort.name))
st.caption(
    t(
        "{code} · du {start} au {end} · {status}",
        code=escape_markdown(cohort.code),
        start=fmt_date(cohort.start_date),
        end=fmt_date(cohort.end_date),
        status=label_of(CohortStatus, cohort.status),
    )
)
if closed:
    st.info(
        t("Cette cohorte est clôturée : elle reste consultable et exportable, en lecture seule.")
    )

tab_cohort, tab_networks, tab_sessions = st.tabs(
    [t("Cohorte"), t("Réseaux"), t("Sessions")], key="admin_cohorts_tab"
)

with tab_cohort:
    if not closed:
        with st.form("edit_cohort"):
            name = st.text_input(t("Nom"), value=cohort.name)
            c1, c2 = st.columns(2)
            with c1:
                start = date_field("Début", value=cohort.start_date)
            with c2:
                end = date_field("Fin", value=cohort.end_date)
            status = c1.selectbox(
                t("État"),
                [CohortStatus.draft.value, CohortStatus.active.value],
                index=1 if cohort.status == CohortStatus.active else 0,
                format_func=lambda c: label_of(CohortStatus, c),
            )
            anonymise = c2.radio(
                t("Les référent·es voient les autres réseaux"),
                [False, True],
                index=int(cohort.anonymise_for_leads),
                format_func=lambda a: t("anonymisés (Réseau A, B…)") if a else t("par leur nom"),
            )
            save = st.form_submit_button(t("Enregistrer la cohorte"))
        if save:
            try:
                admin_cohorts.update_cohort(
                    engine,
                    actor,
                    cohort.id,
                    version=cohort.version,
                    name=name,
                    start_date=start,
                    end_date=end,
                    status=status,
                    anonymise_for_leads=anonymise,
                )
            except AppError as error:
                show_error(error)
            else:
                _done(t("Cohorte enregistrée."))

        st.markdown(f"##### {t('Clôturer la cohorte')}")
        with st.form("close_cohort"):
            st.caption(
                t(
                    "Une cohorte clôturée n'est plus modifiable par personne ; "
                    "elle reste consultable et exportable."
                )
            )
            confirm = st.checkbox(
                t("Je confirme la clôture de « {name} »", name=escape_markdown(cohort.name))
            )
            close = st.form_submit_button(t("Clôturer"))
        if close:
            if not confirm:
                st.warning(t("Cochez la confirmation pour clôturer."))
            else:
                try:
                    admin_cohorts.close_cohort(engine, actor, cohort.id, version=cohort.version)
                except AppError as error:
                    show_error(error)
                else:
                    _done(t("Cohorte clôturée."))
    else:
        with st.form("reopen_cohort"):
            reason = st.text_input(t("Raison de la réouverture"))
            reopen = st.form_submit_button(t("Rouvrir la cohorte"))
        if reopen:
            try:
                admin_cohorts.reopen_cohort(
                    engine, actor, cohort.id, version=cohort.version, reason=reason
                )
            except AppError as error:
                show_error(error)
            else:
                _done(t("Cohorte rouverte."))

with tab_networks:
    networks = admin_networks.network_rows(engine, actor, cohort.id)
    gen = st.session_state.get("_at_networks_gen", 0)
    key = f"networks_{cohort.code}_{gen}"
    st.caption(
        t(
            "Ajoutez une ligne par réseau. RNA : « W » + 9 chiffres (vide en Alsace-Moselle) ; "
            "SIREN : 9 chiffres."
        )
    )
    with st.form("networks_form"):
        st.data_editor(
            # Numbers as text: letters typed there reach the service and are refused (a number
            # column turns them into 0).
            networks.assign(member_count=numbers_as_text(networks["member_count"])),
            key=key,
            num_rows="fixed" if closed else "add",
            disabled=closed or ["is_fictional"],
            hide_index=True,
            placeholder="",
            column_order=[
                "code",
                "name",
                "acronym",
                "sector",
                "region_code",
                "member_count",
                "rna",
                "siren",
            ],
            column_config={
                "code": st.column_config.TextColumn(t("Code"), help=limit_help(Network, "code")),
                "name": st.column_config.TextColumn(t("Nom"), help=limit_help(Network, "name")),
                "acronym": st.column_config.TextColumn(t("Sigle")),
                "sector": st.column_config.TextColumn(t("Secteur")),
                "region_code": st.column_config.TextColumn(
                    t("Région"), help=t("Code INSEE de la région du siège (ex. 84)")
                ),
                "member_count": st.column_config.TextColumn(
                    t("Associations membres"), help=t("Un nombre entier, par exemple 1 200.")
                ),
                "rna": st.column_config.TextColumn(t("RNA"), help=t("W suivi de 9 chiffres")),
                "siren": st.column_config.TextColumn(t("SIREN"), help=t("9 chiffres")),
            },
        )
        save_networks = st.form_submit_button(t("Enregistrer les réseaux"), disabled=closed)
    if save_networks:
        rows = admin_forms.rows_from_editor(networks, st.session_state.get(key))
        if not rows:
            st.info(t("Aucune modification à enregistrer."))
            st.stop()
        try:
            saved = admin_networks.save_networks(engine, actor, cohort.id, rows)
        except AppError as error:
            show_error(error)
        else:
            st.session_state["_at_networks_gen"] = gen + 1
            _done(t("{n} réseau(x) enregistré(s).", n=len(saved)))

with tab_sessions:
    sessions = cohorts.cohort_sessions(engine, actor, cohort.id)
    sessions["session_date"] = pd.to_datetime(sessions["session_date"]).dt.date
    gen = st.session_state.get("_at_sessions_gen", 0)
    key = f"sessions_{cohort.code}_{gen}"
    st.caption(
        t(
            "Planifiez les sessions (une ligne chacune) ; pour reporter une session, changez sa "
            "date. Les dates restent dans la cohorte."
        )
    )
    kinds, phases = labels_for(SessionKind), labels_for(Phase)
    with st.form("sessions_form"):
        st.data_editor(
            # Dates as « jj/mm/aaaa » text whatever the browser's language (parsed by the service).
            sessions.assign(
                session_date=dates_as_text(sessions["session_date"]),
                number=numbers_as_text(sessions["number"]),
            ),
            key=key,
            num_rows="fixed" if closed else "add",
            disabled=closed,
            hide_index=True,
            placeholder="",
            column_order=[
                "code",
                "number",
                "kind",
                "phase",
                "title",
                "session_date",
                "host",
                "theme",
            ],
            column_config={
                "code": st.column_config.TextColumn(
                    t("Code"),
                    help=t("S1, W1, COPIL… ") + limit_help(ProgrammeSession, "code"),
                ),
                "number": st.column_config.TextColumn(
                    t("N°"), help=t("Un nombre entier ; laisser vide : à la suite")
                ),
                "kind": st.column_config.SelectboxColumn(
                    t("Type"),
                    options=list(kinds),
                    format_func=lambda code: kinds.get(str(code), str(code)),
                    default=SessionKind.collective.value,
                ),
                "phase": st.column_config.SelectboxColumn(
                    t("Phase"),
                    options=list(phases),
                    format_func=lambda code: phases.get(str(code), str(code)),
                ),
                "title": st.column_config.TextColumn(t("Intitulé")),
                "session_date": st.column_config.TextColumn(
                    t("Date"),
                    help=t("Au format jj/mm/aaaa, entre le début et la fin de la cohorte."),
                    default=fmt_date(max(min(clock.today(), cohort.end_date), cohort.start_date)),
                ),
                "host": st.column_config.TextColumn(t("Accueil")),
                "theme": st.column_config.TextColumn(t("Thème")),
            },
        )
        save_sessions = st.form_submit_button(t("Enregistrer les sessions"), disabled=closed)
    if save_sessions:
        rows = admin_forms.rows_from_editor(sessions, st.session_state.get(key))
        if not rows:
            st.info(t("Aucune modification à enregistrer."))
            st.stop()
        try:
            saved = admin_sessions.save_sessions(engine, actor, cohort.id, rows)
        except AppError as error:
            show_error(error)
        else:
            st.session_state["_at_sessions_gen"] = gen + 1
            _done(t("{n} session(s) enregistrée(s).", n=len(saved)))
