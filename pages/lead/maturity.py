"""Maturité: the network's self-assessment for a session (seven axes, level 1–4 and a short
justification each), the programme team's facilitator assessment beside it, and the previous
assessment for comparison."""

import pandas as pd
import streamlit as st

from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_date, fmt_number, label_of, t
from dashboard.services.roadmap import maturity
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.flash import flash, show_flash
from dashboard.ui.network_picker import pick_network
from models.enums import MATURITY_LEVELS, Assessor, MaturityAxis, Role

actor = page_setup(
    "Maturité",
    Role.lead,
    Role.admin,
    caption="Auto-diagnostic « maturité à faire alliance » : un niveau de 1 à 4 sur chacun des "
    "sept axes, avec une courte justification.",
)
engine = get_engine()
network_id = pick_network(engine, actor)
if network_id is None:
    st.stop()
network: int = network_id  # narrowed for the form function below

show_flash()

session_key = f"maturity_session_{network_id}"
try:
    data = maturity.maturity_form(
        engine, actor, network_id, session_id=st.session_state.get(session_key)
    )
except AppError as error:
    show_error(error)
    st.stop()

sessions = data["sessions"]
if sessions.empty or data["session_id"] is None:
    st.info(t("Aucune session n'est planifiée pour cette cohorte."))
    st.stop()

labels = {
    int(r.id): f"{r.code} — {r.title} ({fmt_date(r.session_date)})"
    for r in sessions.itertuples(index=False)
}
ids = list(labels)
st.session_state.setdefault(session_key, data["session_id"])
session_id = st.selectbox(t("Session"), ids, format_func=labels.__getitem__, key=session_key)

LEVEL_LABELS = {k: f"{k} — {t(v)}" for k, v in MATURITY_LEVELS.items()}


def _level(assessment: dict | None, axis: str) -> str:
    if not assessment or axis not in assessment["scores"]:
        return "—"
    return LEVEL_LABELS[assessment["scores"][axis]["level"]]


def _assessment_form(assessor: str, assessment: dict | None, *, editable: bool) -> None:
    """Seven level pickers and justifications; saves through one service call."""
    title = label_of(Assessor, assessor)
    st.markdown(f"#### {title}")
    if assessment:
        st.caption(t("Saisi le {date}", date=fmt_date(assessment["assessed_on"])))
    if not editable:
        if not assessment:
            st.caption(t("Pas encore saisi par l'équipe d'animation."))
            return
        for axis in MaturityAxis:
            st.markdown(f"**{label_of(MaturityAxis, axis.value)}** : {_level(assessment, axis)}")
            st.text(assessment["scores"].get(axis.value, {}).get("evidence") or "")
        return
    nonce = st.session_state.get(f"_at_maturity_nonce_{assessor}", 0)
    prefix = f"maturity_{assessor}_{network_id}_{session_id}_{nonce}"
    # The version the user saw when the form was first shown (checked when saving).
    seen = st.session_state.setdefault(
        f"_at_seen_{prefix}", assessment["version"] if assessment else None
    )
    with st.form(prefix):
        rows = []
        for axis in MaturityAxis:
            current = (assessment or {}).get("scores", {}).get(axis.value, {})
            level = st.selectbox(
                label_of(MaturityAxis, axis.value),
                list(LEVEL_LABELS),
                index=(current["level"] - 1) if current else None,
                format_func=LEVEL_LABELS.__getitem__,
                placeholder=t("Choisir un niveau"),
                key=f"{prefix}_{axis.value}_level",
            )
            evidence = st.text_input(
                t("Justification"),
                value=current.get("evidence") or "",
                help=t("{n} caractères au plus.", n=fmt_number(maturity.EVIDENCE_MAX)),
                key=f"{prefix}_{axis.value}_evidence",
                label_visibility="collapsed",
                placeholder=t("Une phrase qui justifie ce niveau"),
            )
            rows.append({"axis": axis.value, "level": level, "evidence": evidence})
        comment = st.text_area(
            t("Commentaire général"),
            value=(assessment or {}).get("comment") or "",
            help=t("{n} caractères au plus.", n=fmt_number(maturity.COMMENT_MAX)),
            key=f"{prefix}_comment",
        )
        saved = st.form_submit_button(t("Enregistrer : {what}", what=title), type="primary")
    if saved:
        try:
            maturity.save_assessment(
                engine,
                actor,
                network,
                session_id,
                assessor,
                rows,
                comment=comment,
                version=seen,
            )
        except AppError as error:
            show_error(error)
        else:
            st.session_state[f"_at_maturity_nonce_{assessor}"] = nonce + 1
            flash(t("{what} enregistré.", what=title))
            st.rerun()
    if st.button(
        t("Recharger (abandonner les modifications non enregistrées)"),
        key=f"{prefix}_reload",
        icon=":material/refresh:",
    ):
        st.session_state[f"_at_maturity_nonce_{assessor}"] = nonce + 1
        st.rerun()


left, right = st.columns(2)
with left:
    _assessment_form(Assessor.self.value, data["self"], editable=True)
with right:
    _assessment_form(
        Assessor.facilitator.value, data["facilitator"], editable=actor.role is Role.admin
    )

st.markdown(f"#### {t('Comparaison')}")
previous = data["previous_self"]
columns = {t("Axe"): [label_of(MaturityAxis, a.value) for a in MaturityAxis]}
if previous:
    header = t("Auto-diagnostic précédent ({code})", code=previous["session_code"])
    columns[header] = [_level(previous, a.value) for a in MaturityAxis]
columns[t("Auto-diagnostic")] = [_level(data["self"], a.value) for a in MaturityAxis]
columns[t("Regard de l'équipe d'animation")] = [
    _level(data["facilitator"], a.value) for a in MaturityAxis
]
st.dataframe(pd.DataFrame(columns), hide_index=True, width="stretch", placeholder="—")
if previous is None:
    st.caption(t("Pas d'auto-diagnostic à une session précédente."))
