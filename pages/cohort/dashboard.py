"""Cohort dashboard: who is progressing, who is late, what changed since the last session."""

import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import streamlit as st

from dashboard.charts import scale
from dashboard.charts.sections import Section
from dashboard.core import clock
from dashboard.core.config import get_settings
from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_date, fmt_month, fmt_number, fmt_percent, labels_for, t
from dashboard.services.reporting import cohorts, snapshots
from dashboard.services.reporting.dashboard_versions import SINCE_SNAPSHOT, section_version
from dashboard.ui import escape_markdown, get_engine, link_to, page_setup, show_error
from dashboard.ui.charts import show_chart
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.dashboard_cache import DashboardView, current_versions, dashboard_section
from dashboard.ui.filters import dashboard_filters, describe
from dashboard.ui.navigation import spec_for
from dashboard.ui.pack_download import pack_download
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
    versions = current_versions(engine, actor, cohort.id)
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
shown_count = (
    len(networks)
    if filters.network_ids is None
    else int(networks["id"].isin(filters.network_ids).sum())
)
view = DashboardView(
    cohort.id, filters, shift, today, shown_count, get_settings().dashboard_summary_from,
    sort_by=sort, picked=picked,
)  # fmt: skip


def section(name: str) -> Section:
    """One section of the page, from the cache unless what it reads changed."""
    return dashboard_section(engine, actor, versions, name, view)


try:
    overview = section("overview")
except AppError as error:
    show_error(error)
    st.stop()
summarised = overview.facts["summarised"]

with headline_box:
    head = overview.facts["headline"]
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
    upcoming = overview.facts["next_session"]
    m[6].metric(
        t("Prochaine session"),
        upcoming["code"] if upcoming else "—",
        help=fmt_date(upcoming["session_date"])
        if upcoming
        else t("Toutes les sessions ont eu lieu."),
    )

shown = overview.facts["shown"]
with tabs[0]:
    if summarised:
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
            format_func=lambda i: names.get(i, str(i)),
            key="dashboard_picked",
            placeholder=t("Rechercher un réseau"),
        )
        left, right = st.columns(2)
        show_chart(overview.charts["progress_histogram"], container=left)
        show_chart(overview.charts["late_histogram"], container=right)
    indicators = section("indicators")
    milestones = section("milestones")
    event = show_chart(
        indicators.charts["heatmap"], key="overview_heatmap", on_select="rerun",
        selection_mode="points",
    )  # fmt: skip
    _open_network(event, networks)
    left, right = st.columns([3, 2])
    with left:
        event = show_chart(
            milestones.charts["milestone_bars"], key="overview_bars", on_select="rerun",
            selection_mode="points",
        )  # fmt: skip
        _open_network(event, networks)
    right_box = right.container()
with right_box:
    st.markdown(f"#### {t('Ce qui a changé depuis le dernier instantané')}")
    try:
        since = _since_last_snapshot(
            cohort.id, section_version(versions, SINCE_SNAPSHOT), actor.role.value,
            actor.network_id, today, actor,
        )  # fmt: skip
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
    network_names = dict(zip(shown["code"], shown["name"], strict=True))
    pick = st.selectbox(
        t("Ouvrir la fiche d'un réseau"),
        list(shown["code"]),
        format_func=lambda code: network_names.get(code, code),
        key="open_network",
    )
    if pick:
        link_to(DETAIL, "Voir la fiche du réseau", query_params={"reseau": pick})

if summarised:
    with tabs[0]:
        st.markdown(f"#### {t('Tous les réseaux')}")
        table = overview.tables["overview"]
        pages = max(1, -(-len(table) // TABLE_PAGE))
        number = st.number_input(
            t("Page du tableau"), min_value=1, max_value=pages, step=1, key="overview_page",
            help=t("{n} réseaux par page, {p} pages.", n=TABLE_PAGE, p=fmt_number(pages)),
        )  # fmt: skip
        first = (int(number) - 1) * TABLE_PAGE
        part = (
            table.slice(first, TABLE_PAGE)
            if isinstance(table, pa.Table)
            else table.iloc[first : first + TABLE_PAGE]
        )
        st.dataframe(part, hide_index=True, width="stretch", placeholder="—")

with tabs[1]:
    sort = st.segmented_control(
        t("Trier par"),
        ["late", "done", "total", "name"],
        default="late",
        format_func=lambda key: {
            "late": t("Retards"), "done": t("Jalons réalisés"), "total": t("Nombre de jalons"),
            "name": t("Nom"),
        }.get(key, key),
        key="milestone_sort",
    )  # fmt: skip
    show_chart(milestones.charts["milestone_bars_sorted"])
    show_chart(milestones.charts["timeline"])
    st.markdown(f"#### {t('Jalons en retard')}")
    if len(milestones.tables["late"]) == 0:
        st.caption(t("Aucun jalon en retard sur la période."))
    else:
        st.dataframe(milestones.tables["late"], hide_index=True, width="stretch", placeholder="—")

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
    show_chart(indicators.charts["heatmap"])
    show_chart(indicators.charts["benchmark"])

with tabs[3]:
    alliances = section("alliances")
    if alliances.facts["pipeline_day"]:
        st.caption(
            t(
                "Étapes au {date}, d'après l'historique.",
                date=fmt_date(alliances.facts["pipeline_day"]),
            )
        )
    left, right = st.columns([3, 2])
    show_chart(alliances.charts["pipeline"], container=left)
    show_chart(alliances.charts["company_types"], container=right)
    show_chart(alliances.charts["logic_shift"])

with tabs[4]:
    st.caption(
        t(
            "Axes dans le sens des aiguilles d'une montre, en partant du haut : {axes}. "
            "Niveaux de 1 (découverte) à 4 (alliance stratégique).",
            axes=", ".join(labels_for(MaturityAxis).values()),
        )
    )
    maturity = section("maturity")
    for name in ("radars", "maturity_distribution", "self_vs_facilitator"):
        if name in maturity.charts:
            show_chart(maturity.charts[name])

with tabs[5]:
    freshness = section("freshness")
    if summarised:
        show_chart(overview.charts["freshness_histogram"])
    show_chart(freshness.charts["freshness"])
    expected = freshness.facts["expected_last_month"]
    if expected is not None:
        st.caption(
            t(
                "Mois attendus jusqu'à {m}. Un mois est saisi quand ses valeurs sont soumises "
                "ou validées (les brouillons ne comptent pas). « À relancer » : au moins deux "
                "mois de retard ou deux mois incomplets.",
                m=fmt_month(expected),
            )
        )
        st.dataframe(
            freshness.tables["freshness"], hide_index=True, width="stretch", placeholder="—"
        )

with headline_box:  # after the headline figures: the steering committee's printed pack
    pack_download(engine, actor, cohort.id, sessions, today)
