"""Cohort dashboard: who is progressing, who is late, what changed since the last session."""

import pandas as pd
import streamlit as st

from dashboard.charts import scale
from dashboard.core import clock
from dashboard.core.config import get_settings
from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_date, fmt_month, fmt_number, fmt_percent, labels_for, t
from dashboard.services.reporting import cohort_dashboard, cohorts, snapshots
from dashboard.ui import escape_markdown, get_engine, link_to, page_setup, show_error
from dashboard.ui.charts import show_chart
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.filters import dashboard_filters, describe
from dashboard.ui.navigation import spec_for
from models.enums import MaturityAxis

actor = page_setup(
    "Tableau de bord",
    caption="Qui avance, qui est en retard, ce qui a changé depuis la dernière session.",
)
engine = get_engine()
today = clock.today()
DETAIL = "pages/cohort/network_detail.py"
TABLE_PAGE = 50  # networks per page of the full table (summarised dashboards)


@st.cache_data(show_spinner=False, max_entries=64)
def _dashboard(cohort_id, filters, shift, version, role, network_id, as_of, _actor):
    # Keyed by cohort, filters, data version and what the result depends on (role, network);
    # the permission check ran outside, in data_version().
    return cohort_dashboard.cohort_dashboard(
        get_engine(), _actor, cohort_id, filters=filters, shift_from=shift[0], shift_to=shift[1],
        as_of=as_of,
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=32)
def _figures(cohort_id, filters, shift, version, role, network_id, as_of, sort, picked, _actor):
    # The built figures, not only the data: a rerun with the same data version, filters, sort
    # and picked networks draws from here without rebuilding any chart.
    data = _dashboard(cohort_id, filters, shift, version, role, network_id, as_of, _actor)
    built = scale.dashboard_figures(
        data, as_of, sort_by=sort, picked=picked, summary_from=get_settings().dashboard_summary_from
    )
    return data, built


@st.cache_data(show_spinner=False, max_entries=64)
def _since_last_snapshot(cohort_id, version, role, network_id, as_of, _actor):
    listed = snapshots.list_snapshots(get_engine(), _actor, cohort_id)
    if listed.empty:
        return None
    latest = listed.iloc[0]
    diff = snapshots.compare_snapshots(
        get_engine(), _actor, cohort_id, before_id=int(latest["id"]), as_of=as_of
    )
    return latest["label"], latest["taken_at"], diff.cohort


def _open_network(event, networks: pd.DataFrame) -> None:
    """Drill-down: a click on a network's bar or cell opens its page."""
    points = event["selection"]["points"] if event and event.get("selection") else []
    if not points:
        return
    by_name = dict(zip(networks["name"], networks["code"], strict=True))
    code = by_name.get(points[0].get("y"))
    if code:
        st.switch_page(str(spec_for(DETAIL).path), query_params={"reseau": code})


cohort = pick_cohort(engine, actor)
if cohort is None:
    st.info(t("Aucune cohorte n'est encore configurée."))
    st.stop()

try:
    # Once a session's date has passed, its snapshot is taken here on the first load (one read
    # when there is nothing to do), so "what changed since the last session" has a reference.
    snapshots.freeze_past_sessions(engine, cohort_id=cohort.id)
    networks = cohorts.cohort_networks(engine, actor, cohort.id)
    filters = dashboard_filters(cohort, networks)
    version = cohort_dashboard.data_version(engine, actor, cohort.id)
    sessions = cohorts.cohort_sessions(engine, actor, cohort.id)
except AppError as error:
    show_error(error)
    st.stop()

headline_box = st.container()
tabs = st.tabs(
    [t("Vue d'ensemble"), t("Jalons"), t("Indicateurs"), t("Alliances"), t("Maturité"),
     t("Fraîcheur des données")]
)  # fmt: skip
held = sessions[sessions["session_date"] <= today]
with tabs[3]:
    shift = (None, None)
    if len(held) >= 2:
        codes = list(held["code"])
        dates = dict(zip(held["code"], held["session_date"], strict=True))
        c1, c2 = st.columns(2)
        a = c1.selectbox(t("Logique d'alliance : de la session"), codes, index=0, key="shift_a")
        b = c2.selectbox(t("à la session"), codes, index=len(codes) - 1, key="shift_b")
        shift = (dates[a], dates[b])

sort = st.session_state.get("milestone_sort") or "late"
picked = tuple(sorted(int(i) for i in st.session_state.get("dashboard_picked", ())))
try:
    data, built = _figures(
        cohort.id, filters, shift, version, actor.role.value, actor.network_id, today, sort,
        picked, actor,
    )  # fmt: skip
except AppError as error:
    show_error(error)
    st.stop()
figures = built.figures

with headline_box:
    head = data.headline
    st.caption(
        t(
            "Chiffres clés de toute la cohorte au {date}. Les graphiques suivent les filtres : {f}.",
            date=fmt_date(today),
            f=escape_markdown(describe(filters, networks)),
        )
    )
    m = st.columns(7)
    m[0].metric(t("Réseaux"), fmt_number(head["networks"]))
    m[1].metric(
        t("Jalons réalisés"),
        f"{fmt_number(head['milestones_done'])} / {fmt_number(head['milestones'])}",
    )
    m[2].metric(t("Jalons en retard"), fmt_number(head["milestones_late"]))
    m[3].metric(
        t("Alliances signées"),
        fmt_number(head["alliances_signed"]),
        help=t(
            "Contractualisées ou au-delà, sur {n} alliances hors abandons.", n=head["alliances"]
        ),
    )
    m[4].metric(
        t("Contrat-alliance"),
        fmt_percent(head["alliance_logic_share"]),
        help=t("Part des alliances (hors abandons) en logique de contrat-alliance."),
    )
    m[5].metric(t("Valeurs à valider"), fmt_number(head["values_awaiting_validation"]))
    upcoming = data.next_session
    m[6].metric(
        t("Prochaine session"),
        upcoming["code"] if upcoming else "—",
        help=fmt_date(upcoming["session_date"])
        if upcoming
        else t("Toutes les sessions ont eu lieu."),
    )

shown = networks[networks["id"].isin(data.shown_network_ids)]
with tabs[0]:
    if built.summarised:
        st.info(
            t(
                "{n} réseaux : les graphiques résument la cohorte (répartitions) et montrent "
                "réseau par réseau les {top} plus avancés, les {top} moins avancés et ceux que "
                "vous choisissez ci-dessous. Le tableau complet est plus bas, page par page.",
                n=fmt_number(len(shown)),
                top=scale.TOP,
            )
        )
        names = dict(zip(shown["id"], shown["code"] + " — " + shown["name"], strict=True))
        st.multiselect(
            t("Réseaux à montrer en plus"),
            list(names),
            format_func=names.get,
            key="dashboard_picked",
            placeholder=t("Rechercher un réseau"),
        )
        left, right = st.columns(2)
        show_chart(figures["progress_histogram"], container=left)
        show_chart(figures["late_histogram"], container=right)
    event = show_chart(
        figures["heatmap"], key="overview_heatmap", on_select="rerun", selection_mode="points"
    )
    _open_network(event, networks)
    left, right = st.columns([3, 2])
    with left:
        event = show_chart(
            figures["milestone_bars"], key="overview_bars", on_select="rerun",
            selection_mode="points",
        )  # fmt: skip
        _open_network(event, networks)
    right_box = right.container()
with right_box:
    st.markdown(f"#### {t('Ce qui a changé depuis le dernier instantané')}")
    try:
        since = _since_last_snapshot(
            cohort.id, version, actor.role.value, actor.network_id, today, actor
        )
    except AppError as error:
        since = None
        show_error(error)
    if since is None:
        st.caption(t("Aucun instantané pris pour l'instant."))
    else:
        label, taken_at, totals = since
        st.caption(
            t("Depuis « {label} » ({when})", label=escape_markdown(label), when=fmt_date(taken_at))
        )
        c = st.columns(3)
        c[0].metric(t("Jalons : réalisés"), fmt_number(totals["milestones_done"]))
        c[1].metric(t("Jalons : ajoutés"), fmt_number(totals["milestones_added"]))
        c[2].metric(
            t("Jalons : repoussés ou en retard"),
            fmt_number(totals["milestones_slipped"] + totals["milestones_late"]),
        )
        c = st.columns(3)
        c[0].metric(t("Alliances : contractualisées"), fmt_number(totals["alliances_signed"]))
        c[1].metric(t("Alliances : changements d'étape"), fmt_number(totals["stage_changes"]))
        c[2].metric(t("Indicateurs en progrès"), fmt_number(totals["indicators_improved"]))
    link_to("pages/cohort/snapshots.py", "Comparer les sessions en détail")
    pick = st.selectbox(
        t("Ouvrir la fiche d'un réseau"),
        list(shown["code"]),
        format_func=dict(zip(shown["code"], shown["name"], strict=True)).get,
        key="open_network",
    )
    if pick:
        link_to(DETAIL, "Voir la fiche du réseau", query_params={"reseau": pick})

if built.summarised:
    with tabs[0]:
        st.markdown(f"#### {t('Tous les réseaux')}")
        overview = built.overview.sort_values("network_name")
        pages = max(1, -(-len(overview) // TABLE_PAGE))
        number = st.number_input(
            t("Page du tableau"), min_value=1, max_value=pages, step=1, key="overview_page",
            help=t("{n} réseaux par page, {p} pages.", n=TABLE_PAGE, p=fmt_number(pages)),
        )  # fmt: skip
        part = overview.iloc[(int(number) - 1) * TABLE_PAGE : int(number) * TABLE_PAGE]
        st.dataframe(
            pd.DataFrame(
                {
                    t("Réseau"): part["network_name"],
                    t("Avancement moyen"): part["progress"].map(
                        lambda p: fmt_percent(None if pd.isna(p) else p)
                    ),
                    t("Jalons en retard"): part["milestones_late"],
                    t("Jalons réalisés"): part["milestones_done"],
                    t("Mois incomplets"): part["months_missing"],
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )

with tabs[1]:
    sort = st.segmented_control(
        t("Trier par"),
        ["late", "done", "total", "name"],
        default="late",
        format_func={
            "late": t("Retards"), "done": t("Jalons réalisés"), "total": t("Nombre de jalons"),
            "name": t("Nom"),
        }.get,
        key="milestone_sort",
    )  # fmt: skip
    show_chart(figures["milestone_bars_sorted"])
    show_chart(figures["timeline"])
    late = data.timeline[data.timeline["derived_status"] == "late"].sort_values(
        "days_late", ascending=False
    )
    st.markdown(f"#### {t('Jalons en retard')}")
    if late.empty:
        st.caption(t("Aucun jalon en retard sur la période."))
    else:
        table = pd.DataFrame(
            {
                t("Réseau"): late["network_name"],
                t("Jalon"): late["title"].fillna("—"),
                t("Échéance"): late["due_date"].map(fmt_date),
                t("Retard (jours)"): late["days_late"],
                t("Session"): late["session_code"].fillna("—"),
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", placeholder="—")

with tabs[2]:
    st.caption(
        t(
            "Avancement = (valeur actuelle − référence) / (cible − référence), borné entre 0 et "
            "100 %. La période choisit ce qui est affiché ; l'avancement est mesuré du début "
            "de la cohorte à la fin de la période. Cumul : dernière valeur ; flux mensuel : "
            "somme des mois depuis le début de la cohorte ; niveau : dernière valeur. Sans "
            "cible ou sans base de référence, la case reste vide. Valeurs soumises et "
            "validées seulement."
        )
    )
    show_chart(figures["heatmap"])
    show_chart(figures["benchmark"])

with tabs[3]:
    if data.pipeline_day:
        st.caption(t("Étapes au {date}, d'après l'historique.", date=fmt_date(data.pipeline_day)))
    left, right = st.columns([3, 2])
    show_chart(figures["pipeline"], container=left)
    show_chart(figures["company_types"], container=right)
    show_chart(figures["logic_shift"])

with tabs[4]:
    st.caption(
        t(
            "Axes dans le sens des aiguilles d'une montre, en partant du haut : {axes}. "
            "Niveaux de 1 (découverte) à 4 (alliance stratégique).",
            axes=", ".join(labels_for(MaturityAxis).values()),
        )
    )
    show_chart(figures["radars"])
    for name in ("maturity_distribution", "self_vs_facilitator"):
        if name in figures:
            show_chart(figures[name])

with tabs[5]:
    fresh = data.freshness
    if built.summarised:
        show_chart(figures["freshness_histogram"])
    show_chart(figures["freshness"])
    if not fresh.empty:
        expected = fresh["expected_last_month"].iloc[0]
        st.caption(
            t(
                "Mois attendus jusqu'à {m}. Un mois est saisi quand ses valeurs sont soumises "
                "ou validées (les brouillons ne comptent pas). « À relancer » : au moins deux "
                "mois de retard ou deux mois incomplets.",
                m=fmt_month(expected),
            )
        )
        table = pd.DataFrame(
            {
                t("Réseau"): fresh["network_name"],
                t("Dernière mise à jour"): fresh["last_update"].map(
                    lambda d: fmt_date(None if pd.isna(d) else d)
                ),
                t("Dernier mois saisi"): fresh["last_period"].map(
                    lambda d: fmt_month(None if pd.isna(d) else d)
                ),
                t("Mois incomplets"): fresh["months_missing"],
                t("État"): fresh["stale"].map(lambda s: t("À relancer") if s else t("À jour")),
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", placeholder="—")
