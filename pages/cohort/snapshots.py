"""Compare sessions: freeze a snapshot at a session (programme team), then compare two
snapshots, or a snapshot and now — per network and for the cohort."""

import pandas as pd
import streamlit as st

from dashboard.charts import base as charts
from dashboard.charts import followup as charts_followup
from dashboard.core import clock
from dashboard.core.errors import AppError
from dashboard.core.i18n import (
    fmt_date,
    fmt_datetime,
    fmt_number,
    fmt_percent,
    fmt_value,
    label_of,
    t,
)
from dashboard.core.permissions import can
from dashboard.services.reporting import cohort_dashboard, cohorts, snapshots
from dashboard.services.shared.forms import limit_help
from dashboard.ui import escape_markdown, get_engine, page_setup, show_error
from dashboard.ui.charts import show_chart
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.flash import flash, show_flash
from models import Snapshot
from models.enums import AllianceStage, Assessor, MaturityAxis

actor = page_setup(
    "Comparer les sessions",
    caption="Instantanés pris aux sessions : ce qui a changé entre deux sessions, ou depuis.",
)
engine = get_engine()
today = clock.today()
NOW = 0
CHANGE = {
    "added": "Ajouté",
    "done": "Réalisé",
    "slipped": "Repoussé",
    "late": "Passé en retard",
    "cancelled": "Annulé",
    "removed": "Supprimé",
    "new": "Nouvelle",
    "moved": "Changement d'étape",
}


@st.cache_data(show_spinner=False, max_entries=32)
def _compare(cohort_id, before_id, after_id, version, role, network_id, as_of, _actor):
    # Permission checked outside (data_version); names depend on role and own network.
    return snapshots.compare_snapshots(
        get_engine(), _actor, cohort_id, before_id=before_id, after_id=after_id, as_of=as_of
    )


def _day(value) -> str:
    return fmt_date(None if value is None or pd.isna(value) else value)


cohort = pick_cohort(engine, actor)
if cohort is None:
    st.info(t("Aucune cohorte n'est encore configurée."))
    st.stop()
show_flash()

if can(actor, "create", "snapshot"):
    sessions = cohorts.cohort_sessions(engine, actor, cohort.id)
    held = sessions[sessions["session_date"] <= today]
    default = held.iloc[-1] if not held.empty else None
    with st.expander(t("Prendre un instantané"), icon=":material/photo_camera:"):
        with st.form("take_snapshot"):
            options = [None, *sessions["id"].tolist()]
            codes = dict(zip(sessions["id"], sessions["code"], strict=True))
            session_id = st.selectbox(
                t("Session"),
                options,
                index=options.index(default["id"]) if default is not None else 0,
                format_func=lambda i: t("Hors session") if i is None else codes[i],
                key="snapshot_session",
            )
            label = st.text_input(
                t("Libellé (unique dans la cohorte)"),
                value=f"{default['code']} — {fmt_date(today)}" if default is not None else "",
                help=limit_help(Snapshot, "label"),
                key="snapshot_label",
            )
            st.caption(t("Un instantané ne se modifie ni ne se supprime une fois pris."))
            if st.form_submit_button(t("Figer l'état de la cohorte"), type="primary"):
                try:
                    taken = snapshots.take_snapshot(
                        engine, actor, cohort.id, label=label, session_id=session_id
                    )
                except AppError as error:
                    show_error(error)
                else:
                    flash(t("Instantané « {l} » pris.", l=taken.label))
                    st.rerun()

try:
    listed = snapshots.list_snapshots(engine, actor, cohort.id)
    version = cohort_dashboard.data_version(engine, actor, cohort.id)
except AppError as error:
    show_error(error)
    st.stop()
if listed.empty:
    st.info(t("Aucun instantané n'a encore été pris pour cette cohorte."))
    st.stop()

labels = dict(zip(listed["id"], listed["label"], strict=True))
ids = list(labels)
c1, c2 = st.columns(2)
before_id = c1.selectbox(
    t("Avant"), ids, index=0, format_func=labels.__getitem__, key=f"compare_before_{cohort.id}"
)
after_id = c2.selectbox(
    t("Après"),
    [NOW, *ids],
    index=0,
    format_func=lambda i: t("Aujourd'hui") if i == NOW else labels[i],
    key=f"compare_after_{cohort.id}",
)
taken = listed.set_index("id")
st.caption(
    t(
        "« {l} » pris le {when} par {who}.",
        l=escape_markdown(labels[before_id]),
        when=fmt_datetime(taken.loc[before_id, "taken_at"]),
        who=escape_markdown(taken.loc[before_id, "taken_by"] or "—"),
    )
)
try:
    diff = _compare(
        cohort.id,
        int(before_id),
        None if after_id == NOW else int(after_id),
        version,
        actor.role.value,
        actor.network_id,
        today,
        actor,
    )
except AppError as error:
    show_error(error)
    st.stop()

total = diff.cohort
m = st.columns(6)
m[0].metric(t("Jalons réalisés"), fmt_number(total["milestones_done"]))
m[1].metric(t("Jalons ajoutés"), fmt_number(total["milestones_added"]))
m[2].metric(t("Jalons repoussés"), fmt_number(total["milestones_slipped"]))
m[3].metric(t("Jalons passés en retard"), fmt_number(total["milestones_late"]))
m[4].metric(t("Changements d'étape"), fmt_number(total["stage_changes"]))
m[5].metric(t("Indicateurs en progrès"), fmt_number(total["indicators_improved"]))
show_chart(
    charts_followup.changes_by_network(diff.per_network, (diff.before_label, diff.after_label)),
)

tabs = st.tabs([t("Jalons"), t("Étapes des alliances"), t("Indicateurs"), t("Maturité")])
with tabs[0]:
    ms = diff.milestones
    if ms.empty:
        st.caption(t("Aucun changement de jalon."))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    t("Réseau"): ms["network_name"],
                    t("Jalon"): ms["title"].fillna("—"),
                    t("Changement"): ms["change"].map(lambda c: t(CHANGE[c])),
                    t("Échéance avant"): ms["due_before"].map(_day),
                    t("Échéance après"): ms["due_after"].map(_day),
                    t("Statut après"): ms["status_after"].map(
                        lambda s: charts.status_label(s) if isinstance(s, str) else "—"
                    ),
                }
            ).sort_values(t("Réseau")),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )
with tabs[1]:
    sg = diff.stages
    if sg.empty:
        st.caption(t("Aucun changement d'étape."))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    t("Réseau"): sg["network_name"],
                    t("Alliance"): sg["title"].fillna("—"),
                    t("Changement"): sg["change"].map(lambda c: t(CHANGE[c])),
                    t("Étape avant"): sg["from_stage"].map(lambda s: label_of(AllianceStage, s)),
                    t("Étape après"): sg["to_stage"].map(lambda s: label_of(AllianceStage, s)),
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )
with tabs[2]:
    ind = diff.indicators
    if ind.empty:
        st.caption(t("Aucun changement d'indicateur."))
    else:

        def _values(column: str) -> list[str]:
            return [
                fmt_value(None if pd.isna(v) else float(v), u)
                for v, u in zip(ind[column], ind["unit"], strict=True)
            ]

        st.dataframe(
            pd.DataFrame(
                {
                    t("Réseau"): ind["network_name"],
                    t("Indicateur"): ind["indicator_label"],
                    t("Avant"): _values("current_before"),
                    t("Après"): _values("current_after"),
                    t("Écart"): _values("delta"),
                    t("Avancement avant"): ind["progress_before"].map(
                        lambda p: fmt_percent(None if pd.isna(p) else p)
                    ),
                    t("Avancement après"): ind["progress_after"].map(
                        lambda p: fmt_percent(None if pd.isna(p) else p)
                    ),
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )
with tabs[3]:
    mat = diff.maturity
    if mat.empty:
        st.caption(t("Aucun changement de maturité."))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    t("Réseau"): mat["network_name"],
                    t("Regard"): mat["assessor"].map(lambda a: label_of(Assessor, a)),
                    t("Axe"): mat["axis"].map(lambda a: label_of(MaturityAxis, a)),
                    t("Avant"): mat["before"].map(lambda v: fmt_number(None if pd.isna(v) else v)),
                    t("Après"): mat["after"].map(lambda v: fmt_number(None if pd.isna(v) else v)),
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )
