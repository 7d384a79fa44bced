"""Network page (drill-down): roadmap, alliances with their stage history, indicator trends
against baseline and target, maturity and lessons. ``?reseau=R05`` selects the network."""

import pandas as pd
import streamlit as st

from dashboard.charts import (
    alliances as charts_alliances,
)
from dashboard.charts import (
    base as charts,
)
from dashboard.charts import (
    indicators as charts_indicators,
)
from dashboard.charts import (
    maturity as charts_maturity,
)
from dashboard.charts import milestones as charts_milestones
from dashboard.core import clock
from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_date, fmt_number, fmt_percent, fmt_value, label_of, t
from dashboard.services import discussion
from dashboard.services.reporting import cohort_dashboard, network_detail
from dashboard.ui import escape_markdown, get_engine, page_setup, show_error
from dashboard.ui.charts import show_chart
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.discussion import item_thread
from models.enums import (
    AllianceStage,
    CapitalisationStatus,
    CompanyPartnershipType,
    LessonCategory,
    Motivation,
    PartnerFamily,
    RelationLogic,
    Visibility,
)

actor = page_setup("Fiche réseau")
engine = get_engine()
today = clock.today()
PARAM = "reseau"


@st.cache_data(show_spinner=False, max_entries=64)
def _detail(cohort_id, code, version, role, network_id, as_of, _actor):
    # Permission checked outside (data_version); the result depends on role and own network.
    return network_detail.network_detail(get_engine(), _actor, cohort_id, code, as_of=as_of)


cohort = pick_cohort(engine, actor)
if cohort is None:
    st.info(t("Aucune cohorte n'est encore configurée."))
    st.stop()
cohort_id = cohort.id
try:
    choices = network_detail.network_choices(engine, actor, cohort.id)
    version = cohort_dashboard.data_version(engine, actor, cohort.id)
except AppError as error:
    show_error(error)
    st.stop()
if choices.empty:
    st.info(t("Aucun réseau dans cette cohorte."))
    st.stop()

codes = list(choices["code"])
names = dict(zip(choices["code"], choices["name"], strict=True))
hidden = set(choices.loc[choices["anonymised"], "code"])
wanted = st.query_params.get(PARAM)
code = st.selectbox(
    t("Réseau"),
    codes,
    index=codes.index(wanted) if wanted in codes else 0,
    format_func=lambda c: names[c] if c in hidden else f"{c} — {names[c]}",
    key=f"detail_network_{cohort.id}",
)
if st.query_params.get(PARAM) != code:
    st.query_params[PARAM] = code

try:
    d = _detail(cohort.id, code, version, actor.role.value, actor.network_id, today, actor)
except AppError as error:
    show_error(error)
    st.stop()

net, head = d.network, d.headline
st.text(net["name"] if d.anonymised else f"{net['code']} — {net['name']}")
if d.anonymised:
    st.info(
        t(
            "La cohorte est en mode anonymisé : pour les autres réseaux, seuls des chiffres "
            "agrégés sont affichés."
        ),
        icon=":material/visibility_off:",
    )
else:
    details = [net.get("sector"), net.get("region_code") and t("région {r}", r=net["region_code"])]
    if net.get("member_count") is not None:
        details.append(t("{n} associations membres", n=fmt_number(net["member_count"])))
    st.caption(escape_markdown(" · ".join(x for x in details if x)))

known = d.progress.dropna(subset=["progress"]) if not d.progress.empty else d.progress
m = st.columns(5)
m[0].metric(
    t("Jalons réalisés"),
    f"{fmt_number(head['milestones_done'])} / {fmt_number(head['milestones'])}",
)
m[1].metric(t("Jalons en retard"), fmt_number(head["milestones_late"]))
m[2].metric(t("Alliances contractualisées"), fmt_number(head["alliances_signed"]))
m[3].metric(t("En logique contrat-alliance"), fmt_percent(head["alliance_logic_share"]))
m[4].metric(
    t("Avancement médian des indicateurs"),
    fmt_percent(known["progress"].median() if not known.empty else None),
)


def _commented_thread(kind: str, label: str, key: str) -> None:
    """The discussion of one of the network's items of ``kind`` that has comments the reader
    may read (read-only for the steering committee and the ministry)."""
    try:
        items = discussion.commented_items(engine, actor, kind, cohort_id, network_code=code)
    except AppError as error:
        show_error(error)
        return
    if not items:
        st.caption(t("Aucune discussion visible sur ces éléments."))
        return
    item_thread(engine, actor, kind, items, key=f"detail_{key}_thread_{code}", label=label)


tabs = st.tabs(
    [t("Feuille de route"), t("Alliances"), t("Indicateurs"), t("Maturité"), t("Enseignements")]
)

with tabs[0]:
    counts = d.milestone_counts.assign(network_name=net["name"])
    show_chart(charts_milestones.milestone_status_bars(counts, title=t("Jalons par statut")))
    if not d.anonymised:
        st.subheader(t("Objectifs"))
        if d.objectives.empty:
            st.caption(t("Aucun objectif inscrit dans la feuille de route."))
        else:
            ob = d.objectives
            st.dataframe(
                pd.DataFrame(
                    {
                        t("Objectif"): ob["title"],
                        t("Motivation"): ob["motivation"].map(lambda m: label_of(Motivation, m)),
                        t("Description"): ob["description"].fillna("—"),
                        t("État"): ob["archived"].map(
                            lambda a: t("Archivé") if a else t("En cours")
                        ),
                    }
                ),
                hide_index=True,
                width="stretch",
                placeholder="—",
            )
        show_chart(
            charts_milestones.milestone_timeline(
                d.milestones, d.sessions, today, y="title", title=t("Jalons de la feuille de route")
            ),
        )
        ms = d.milestones
        st.dataframe(
            pd.DataFrame(
                {
                    t("Jalon"): ms["title"],
                    t("Échéance"): ms["due_date"].map(fmt_date),
                    t("Réalisé le"): ms["done_date"].map(
                        lambda x: fmt_date(None if pd.isna(x) else x)
                    ),
                    t("Statut"): ms["derived_status"].map(charts.status_label),
                    t("Session"): ms["session_code"].fillna("—"),
                    t("Responsable"): ms["owner"].fillna("—"),
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )
        item_thread(
            engine,
            actor,
            "milestone",
            {int(i): str(title) for i, title in zip(ms["id"], ms["title"], strict=True)},
            key=f"detail_milestone_thread_{code}",
            label="Discussion sur un jalon",
        )

with tabs[1]:
    show_chart(
        charts_alliances.pipeline_chart(d.pipeline, title=t("Alliances par étape")),
    )
    if not d.anonymised and not d.alliances.empty:
        al = d.alliances
        st.dataframe(
            pd.DataFrame(
                {
                    t("Alliance"): al["title"],
                    t("Partenaire"): al["partner_name"],
                    t("Famille"): al["family"].map(lambda f: label_of(PartnerFamily, f)),
                    t("Type"): al["company_type"].map(
                        lambda c: label_of(CompanyPartnershipType, c)
                    ),
                    t("Logique"): al["relation_logic"].map(lambda r: label_of(RelationLogic, r)),
                    t("Étape"): al["stage"].map(lambda s: label_of(AllianceStage, s)),
                    t("Signée le"): al["signed_on"].map(
                        lambda x: fmt_date(None if pd.isna(x) else x)
                    ),
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )
        show_chart(charts_alliances.stage_history_chart(d.stage_history, al, today))
        item_thread(
            engine,
            actor,
            "alliance",
            {int(i): str(title) for i, title in zip(al["id"], al["title"], strict=True)},
            key=f"detail_alliance_thread_{code}",
            label="Discussion sur une alliance",
        )

with tabs[2]:
    if d.progress.empty:
        st.caption(t("Aucun indicateur suivi."))
    else:
        pr = d.progress
        table = {
            t("Indicateur"): pr["indicator_label"],
            t("Avancement"): pr["progress"].map(lambda p: fmt_percent(None if pd.isna(p) else p)),
        }
        if not d.anonymised:
            for column, heading in (
                ("baseline", t("Référence")),
                ("current", t("Valeur actuelle")),
                ("target", t("Cible")),
                ("initial_target", t("Cible initiale")),
            ):
                table[heading] = [
                    fmt_value(None if pd.isna(v) else float(v), u)
                    for v, u in zip(pr[column], pr["unit"], strict=True)
                ]
            table[t("Remarque")] = [
                t("base de référence manquante") if missing else ""
                for missing in pr["baseline_missing"]
            ]
        st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", placeholder="—")
    if not d.anonymised and not d.progress.empty:
        labels = dict(zip(d.progress["indicator_code"], d.progress["indicator_label"], strict=True))
        chosen = st.multiselect(
            t("Tendances à afficher"),
            list(labels),
            default=list(labels)[:4],
            format_func=labels.__getitem__,
            placeholder=t("Choisir des indicateurs"),
            key="detail_trends",
        )
        cols = st.columns(2)
        for i, ind in enumerate(chosen):
            info = d.progress[d.progress["indicator_code"] == ind].iloc[0].to_dict()
            values = d.values[d.values["indicator_code"] == ind]
            show_chart(charts_indicators.indicator_trend(values, info), container=cols[i % 2])
    if not d.anonymised:
        _commented_thread("indicator_value", "Discussion sur une valeur d'indicateur", "value")

with tabs[3]:
    show_chart(charts_maturity.maturity_radar(d.maturity, net["name"]))

with tabs[4]:
    if d.anonymised:
        st.caption(t("Les enseignements des autres réseaux sont sur le tableau des enseignements."))
    elif d.lessons.empty:
        st.caption(t("Aucun enseignement visible pour ce réseau."))
    else:
        le = d.lessons
        st.dataframe(
            pd.DataFrame(
                {
                    t("Catégorie"): le["category"].map(lambda c: label_of(LessonCategory, c)),
                    t("Enseignement"): le["statement"],
                    t("Session"): le["session_code"].fillna("—"),
                    t("Capitalisation"): le["capitalisation"].map(
                        lambda c: label_of(CapitalisationStatus, c)
                    ),
                    t("Visibilité"): le["visibility"].map(lambda v: label_of(Visibility, v)),
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )
        _commented_thread("lesson", "Discussion sur un enseignement", "lesson")
