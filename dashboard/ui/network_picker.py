"""Which network a roadmap page works on: the lead's own, or one chosen by the programme team
(or the steering committee, on read-only pages) among the cohort's networks. The choice is kept
in the URL (``?reseau=CODE``) so a view can be shared."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from dashboard.services.reporting import cohorts
from dashboard.ui import escape_markdown
from dashboard.ui.cohort_picker import pick_cohort
from models.enums import Role

NETWORK_PARAM = "reseau"


def pick_network(engine: Engine, actor: Actor) -> int | None:
    """The network id the page acts on (None when there is none to choose from).

    A lead is fixed to ``actor.network_id`` (the network name is shown); other roles get a
    selector over the networks of the chosen cohort.
    """
    if actor.role is Role.lead:
        if actor.network_id is None:
            return None
        mine = cohorts.network_name(engine, actor, actor.network_id)
        st.caption(
            t(
                "Réseau : {code} — {name}",
                code=escape_markdown(mine["code"]),
                name=escape_markdown(mine["name"]),
            )
        )
        return actor.network_id
    cohort = pick_cohort(engine, actor)
    if cohort is None:
        st.info(t("Aucune cohorte n'est encore configurée."))
        return None
    networks = cohorts.cohort_networks(engine, actor, cohort.id)
    if networks.empty:
        st.info(t("Aucun réseau dans cette cohorte."))
        return None
    names = {int(row.id): f"{row.code} — {row.name}" for row in networks.itertuples(index=False)}
    by_code = {str(row.code): int(row.id) for row in networks.itertuples(index=False)}
    ids = list(names)
    wanted = by_code.get(st.query_params.get(NETWORK_PARAM, ""))
    index = ids.index(wanted) if wanted in ids else 0
    chosen = st.selectbox(
        t("Réseau"),
        ids,
        index=index,
        format_func=lambda i: names[i],
        key=f"network_picker_{cohort.id}",
    )
    code = next(c for c, i in by_code.items() if i == chosen)
    st.query_params[NETWORK_PARAM] = code
    return int(chosen)
