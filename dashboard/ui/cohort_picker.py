"""Cohort choice shared by the pages, kept in the URL (``?cohorte=CODE``) so a view can be
shared."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from dashboard.services.reporting import cohorts
from dashboard.services.shared import access
from models.enums import Role


def pick_cohort(engine: Engine, actor: Actor) -> access.CohortInfo | None:
    """The cohort to show: the lead's own; for others, a selector when there are several."""
    available = cohorts.list_cohorts(engine, actor)
    if not available:
        return None
    if actor.role is Role.lead or len(available) == 1:
        return available[0]
    by_code = {c.code: c for c in available}
    wanted = st.query_params.get("cohorte")
    default_id = cohorts.default_cohort_id(engine, actor)
    codes = list(by_code)
    if wanted in by_code:
        index = codes.index(wanted)
    else:
        index = next((i for i, c in enumerate(available) if c.id == default_id), 0)
    code = st.sidebar.selectbox(
        t("Cohorte"),
        codes,
        index=index,
        format_func=lambda c: by_code[c].name,
        key="cohort_picker",
    )
    st.query_params["cohorte"] = code
    return by_code[code]
