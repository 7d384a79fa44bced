"""Home: the cohort at a glance, and for a lead, their own network first."""

import streamlit as st

from dashboard.core import clock
from dashboard.core.i18n import fmt_date, fmt_datetime, fmt_number, fmt_percent, label_of, t
from dashboard.services.reporting import cohorts
from dashboard.ui import escape_markdown, get_engine, link_to, page_setup
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.discussion import unread_panel
from models.enums import CohortStatus, Phase, Role, SessionKind

actor = page_setup("Accueil")
engine = get_engine()
if welcome := st.session_state.pop("_at_welcome_flash", None):  # set by pages/account
    st.success(welcome)
today = clock.today()

cohort = pick_cohort(engine, actor)
if cohort is None:
    st.info(t("Aucune cohorte n'est encore configurée. L'équipe d'animation peut en créer une."))
    st.stop()

st.subheader(escape_markdown(cohort.name))
st.caption(
    t(
        "Du {start} au {end} · {status}",
        start=fmt_date(cohort.start_date),
        end=fmt_date(cohort.end_date),
        status=label_of(CohortStatus, cohort.status),
    )
)

unread_panel(engine, actor, cohort.id)

sessions = cohorts.cohort_sessions(engine, actor, cohort.id)
upcoming = cohorts.next_session(sessions, today)


def _headline_metrics(figures: dict) -> None:
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric(
        t("Alliances signées"),
        fmt_number(figures["alliances_signed"]),
        help=t(
            "Sur {n} alliances en cours ou passées (hors abandons).",
            n=fmt_number(figures["alliances"]),
        ),
    )
    c2.metric(t("En logique contrat-alliance"), fmt_percent(figures["alliance_logic_share"]))
    c3.metric(
        t("Jalons réalisés"),
        f"{fmt_number(figures['milestones_done'])} / {fmt_number(figures['milestones'])}",
    )
    c4.metric(t("Jalons en retard"), fmt_number(figures["milestones_late"]))
    c5.metric(t("Valeurs à valider"), fmt_number(figures["values_awaiting_validation"]))


if actor.role is Role.lead and actor.network_id is not None:
    mine = cohorts.network_name(engine, actor, actor.network_id)
    with st.container(border=True):
        st.markdown(f"#### {t('Mon réseau')}")
        st.text(f"{mine['code']} — {mine['name']}")
        own = cohorts.headline(engine, actor, cohort.id, as_of=today, network_id=actor.network_id)
        _headline_metrics(own)
        st.caption(
            t("Dernière saisie d'indicateur : {when}", when=fmt_datetime(own["last_value_update"]))
        )
        cols = st.columns(3)
        link_to("pages/lead/before_session.py", "Avant la prochaine session", container=cols[0])
        link_to("pages/lead/milestones.py", "Mettre à jour mes jalons", container=cols[1])
        link_to("pages/lead/indicators.py", "Saisir mes indicateurs", container=cols[2])

st.markdown(f"#### {t('La cohorte en bref')}")
figures = cohorts.headline(engine, actor, cohort.id, as_of=today)
st.metric(t("Réseaux accompagnés"), fmt_number(figures["networks"]))
_headline_metrics(figures)

st.markdown(f"#### {t('Sessions du parcours')}")
if upcoming is None:
    st.info(t("Toutes les sessions de la cohorte ont eu lieu."))
else:
    st.info(
        t(
            "Prochaine session : {code} — {title}, le {date}{host}",
            code=escape_markdown(upcoming["code"]),
            title=escape_markdown(upcoming["title"]),
            date=fmt_date(upcoming["session_date"]),
            host=(
                t(", accueillie par {host}", host=escape_markdown(upcoming["host"]))
                if upcoming["host"]
                else ""
            ),
        ),
        icon=":material/event_upcoming:",
    )
if sessions.empty:
    st.caption(t("Aucune session planifiée."))
else:
    table = sessions.assign(
        Session=sessions["code"],
        Date=sessions["session_date"].map(fmt_date),
        Type=sessions["kind"].map(lambda k: label_of(SessionKind, k)),
        Phase=sessions["phase"].map(lambda p: label_of(Phase, p)),
        Intitulé=sessions["title"],
        Accueil=sessions["host"].fillna(""),
        État=[
            t("Prochaine")
            if upcoming is not None and c == upcoming["code"]
            else (t("Passée") if d < today else t("À venir"))
            for c, d in zip(sessions["code"], sessions["session_date"], strict=True)
        ],
    )[["Session", "Date", "Type", "Phase", "Intitulé", "Accueil", "État"]]
    table.columns = [t(c) for c in table.columns]
    next_code = upcoming["code"] if upcoming is not None else None

    def _highlight(row):
        style = "background-color: #fff4ce; font-weight: 600" if row.iloc[0] == next_code else ""
        return [style] * len(row)

    st.dataframe(
        table.style.apply(_highlight, axis=1), hide_index=True, width="stretch", placeholder="—"
    )

st.markdown(f"#### {t('Réseaux de la cohorte')}")
networks = cohorts.cohort_networks(engine, actor, cohort.id)
if networks.empty:
    st.caption(t("Aucun réseau dans cette cohorte."))
else:
    shown = networks[["code", "name", "sector", "region_code", "member_count"]].copy()
    shown["member_count"] = shown["member_count"].map(fmt_number)
    shown.columns = [
        t("Code"),
        t("Réseau"),
        t("Secteur"),
        t("Région (code INSEE)"),
        t("Associations membres"),
    ]
    st.dataframe(shown, hide_index=True, width="stretch", placeholder="—")
    if networks["is_fictional"].all():
        st.caption(t("Données de démonstration : ces réseaux sont fictifs."))
