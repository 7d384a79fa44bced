"""The cohort dashboard's « Dossier du comité de pilotage (PDF) » box: pick the session, prepare
the pack (the service builds the bytes), download it. Shown to the steering committee and the
programme team."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_date, fmt_number, t
from dashboard.core.permissions import Actor
from dashboard.services.pack import build_pack, pick_session
from dashboard.ui import show_error
from models.enums import Role

PACK_ROLES = (Role.steering, Role.admin)
READY_KEY = "_pack_ready"  # (cohort id, session code, file name, bytes, pages) of the last pack


def pack_download(
    engine: Engine, actor: Actor, cohort_id: int, sessions: pd.DataFrame, today: dt.date
) -> None:
    """The box (nothing for other roles: the pack is the committee's document)."""
    if actor.role not in PACK_ROLES or sessions.empty:
        return
    codes = list(sessions["code"])
    default = pick_session(sessions, None, today)
    labels = dict(zip(sessions["code"], sessions["session_date"], strict=True))
    with st.expander(t("Dossier du comité de pilotage (PDF)")):
        st.caption(
            t(
                "Chiffres clés, graphiques du tableau de bord, ce qui a changé depuis la session "
                "précédente et une page par réseau, pour la réunion."
            )
        )
        code = st.selectbox(
            t("Session"),
            codes,
            index=codes.index(default["code"]) if default else len(codes) - 1,
            format_func=lambda c: f"{c} — {fmt_date(labels[c])}",
            key="pack_session",
        )
        if st.button(t("Préparer le dossier PDF"), key="pack_build"):
            with st.spinner(t("Préparation du dossier : graphiques et pages des réseaux…")):
                try:
                    pack = build_pack(engine, actor, cohort_id, session_code=code, as_of=today)
                except AppError as error:
                    show_error(error)
                else:
                    st.session_state[READY_KEY] = (
                        cohort_id, code, pack.file_name, pack.pdf, pack.pages,
                    )  # fmt: skip
        ready = st.session_state.get(READY_KEY)
        if ready and ready[0] == cohort_id and ready[1] == code:
            st.download_button(
                t("Télécharger le dossier ({pages} pages)", pages=fmt_number(ready[4])),
                data=ready[3],
                file_name=ready[2],
                mime="application/pdf",
                on_click="ignore",
                key="pack_download",
            )
