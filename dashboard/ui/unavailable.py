"""What a person sees at the address of a page their role may not open (a link shared by a
colleague, a bookmark): a French explanation, never Streamlit's English « Page not found »."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard.core.i18n import label, t
from dashboard.core.permissions import Actor
from dashboard.ui.navigation import PAGES, PageSpec


def _not_available(spec: PageSpec, actor: Actor) -> None:
    st.title(t(spec.title))
    st.error(t("Cette page n'est pas accessible avec votre rôle ({role}).", role=label(actor.role)))
    st.markdown(f"[{t('Retour à l’accueil')}](/)")


def hidden_pages(actor: Actor, visible: list[PageSpec]) -> list:
    """One hidden page per page of the app missing from ``visible``, at the same address."""
    shown = {spec.file for spec in visible}
    return [
        st.Page(
            partial(_not_available, spec, actor),
            title=t(spec.title),
            url_path=spec.url_path,
            visibility="hidden",
        )
        for spec in PAGES
        if spec.file not in shown and not spec.default and spec.path.exists()
    ]
