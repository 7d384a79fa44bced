"""THE entry point: page config, database check, login, role-based navigation.

Pages are declared with absolute paths from ``dashboard.ui.navigation``; no ``pages/`` folder
sits beside this script, so Streamlit's legacy router cannot serve a page without this check.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st

from dashboard.auth import accounts as auth
from dashboard.auth import oidc, oidc_routes
from dashboard.core.db import check_schema
from dashboard.core.errors import DatabaseUnavailable
from dashboard.core.i18n import label, t
from dashboard.ui import TOKEN_KEY, get_engine, resolve_actor, session_token
from dashboard.ui.discussion import sidebar_badge
from dashboard.ui.navigation import pages_for, spec_for
from dashboard.ui.unavailable import hidden_pages

FAVICON = Path(__file__).resolve().parent / "ui" / "favicon.svg"

# The icon ships with the app (an SVG is inlined): the browser fetches nothing from elsewhere.
st.set_page_config(page_title=t("Alliances Tracker"), page_icon=str(FAVICON), layout="wide")

if not st.session_state.get("_at_schema_ok"):
    try:
        check_schema(get_engine())
    except DatabaseUnavailable as error:
        st.title(t("Alliances Tracker"))
        st.error(error.message)
        st.stop()
    st.session_state["_at_schema_ok"] = True

actor = resolve_actor()

if actor is None:
    st.title(t("Alliances Tracker"))
    if st.session_state.pop("_at_logged_out", False):
        st.success(t("Vous êtes déconnecté·e. Votre session est fermée sur le serveur."))
    else:
        st.warning(t("Vous n'êtes pas connecté·e, ou votre session a expiré."))
    st.markdown(t("[Se connecter](/auth/login)"))
    st.stop()


def _logout() -> None:
    auth.logout(get_engine(), session_token())
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state["_at_logged_out"] = True


def _provider_logout() -> str | None:
    """For a session opened through the identity provider, the logout address that also ends
    the provider's session; looked up once per login (the state is emptied on a new login)."""
    if not oidc.enabled():
        return None
    if "_at_provider_logout" not in st.session_state:
        path = oidc_routes.provider_logout_path(get_engine(), session_token())
        st.session_state["_at_provider_logout"] = path
    return st.session_state["_at_provider_logout"]


with st.sidebar:
    st.markdown(f"**{t('Alliances Tracker')}**")
    st.text(actor.full_name)
    st.caption(label(actor.role))
    sidebar_badge(get_engine(), actor)
    if provider_logout := _provider_logout():
        # A plain link: the browser itself goes to the logout route (same tab), which then
        # sends it on to the provider's logout. Only our own text and a hex key in it.
        st.html(
            f'''<a id="provider-logout" href="{html.escape(provider_logout)}"
style="display:inline-block;padding:.35rem .8rem;border-radius:.5rem;color:inherit;
border:1px solid rgba(49,51,63,.2);text-decoration:none">{html.escape(t("Se déconnecter"))}</a>'''
        )
    else:
        st.button(
            t("Se déconnecter"), on_click=_logout, key="logout_button", icon=":material/logout:"
        )

if actor.must_change_password:
    specs = [spec_for("pages/account/account.py")]
else:
    specs = pages_for(actor.role)

sections: dict[str, list] = {}
for spec in specs:
    sections.setdefault(t(spec.section), []).append(
        st.Page(
            str(spec.path),
            title=t(spec.title),
            icon=spec.icon,
            url_path=spec.url_path,
            default=spec.default or actor.must_change_password,
        )
    )
if not actor.must_change_password:
    # Pages of other roles answer at their own address with a French refusal.
    next(iter(sections.values())).extend(hidden_pages(actor, specs))
page = st.navigation(sections, expanded=True)
# One title per page in the browser tab (and for screen readers), e.g. « Jalons · Alliances Tracker ».
st.set_page_config(page_title=t("{page} · Alliances Tracker", page=page.title))
page.run()
