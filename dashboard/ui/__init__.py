"""The only Streamlit code outside ``pages/``: the cached engine, the current user,
``page_setup()`` / ``require_role()`` and small shared widgets."""

from __future__ import annotations

import hashlib
import re
from collections.abc import MutableMapping

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard.auth import accounts as auth
from dashboard.core.config import get_settings
from dashboard.core.db import shared_engine
from dashboard.core.errors import AppError, ConflictError, ValidationFailed
from dashboard.core.i18n import label, t
from dashboard.core.permissions import Actor
from models.enums import Role

# Session-state keys that no widget writes (widget keys never start with "_at_").
TOKEN_KEY = "_at_auth_token"
ACTOR_KEY = "_at_actor"
BINDING_KEY = "_at_login_binding"  # sha256 of the login session id this state belongs to


@st.cache_resource(show_spinner=False)
def _cached_engine(url: str) -> Engine:
    return shared_engine(url)


def get_engine() -> Engine:
    """The process's one engine (``db.shared_engine``, also used by the login routes)."""
    return _cached_engine(get_settings().database_url)


def session_token() -> str | None:
    """The login session id: the HttpOnly cookie the login route set, as sent by the browser
    connection that asks for this rerun; without a browser (tests), the id kept in
    session state at login."""
    try:
        value = st.context.cookies.get(auth.SESSION_COOKIE)
    except Exception:  # no browser context, e.g. a bare script run
        value = None
    if isinstance(value, str) and value:
        return value
    token = st.session_state.get(TOKEN_KEY)
    return token if isinstance(token, str) and token else None


def bind_to_login_session(state: MutableMapping, token: str | None) -> bool:
    """Tie a Streamlit session to the login session that first used it.

    A Streamlit session can be resumed by another connection that knows its id; that
    connection brings its own cookie. When the login session differs from the one the
    Streamlit session is bound to, nothing of the previous state survives (selections,
    flash messages, anything a page kept): the state is emptied and bound to the new login.
    Returns True when it was emptied."""
    if not token:
        return False
    fingerprint = hashlib.sha256(token.encode()).hexdigest()
    bound = state.get(BINDING_KEY)
    reset = bound is not None and bound != fingerprint
    if reset:
        kept_token = state.get(TOKEN_KEY) == token
        state.clear()
        if kept_token:
            state[TOKEN_KEY] = token
    state[BINDING_KEY] = fingerprint
    return reset


def resolve_actor() -> Actor | None:
    """Look the session up in the database on every rerun (revocation applies at once)."""
    token = session_token()
    bind_to_login_session(st.session_state, token)
    actor = auth.resolve_session(get_engine(), token)
    if actor is None:
        st.session_state.pop(ACTOR_KEY, None)
    else:
        st.session_state[ACTOR_KEY] = actor
    return actor


def current_actor() -> Actor | None:
    """The actor resolved by the entry point for this rerun."""
    return st.session_state.get(ACTOR_KEY)


def require_role(*roles: Role) -> Actor:
    """Second lock after the navigation: stop the page unless the user has one of ``roles``."""
    actor = current_actor()
    if actor is None:
        st.error(t("Votre session a expiré. Rechargez la page pour vous reconnecter."))
        st.stop()
    if roles and actor.role not in roles:
        st.error(
            t("Cette page n'est pas accessible avec votre rôle ({role}).", role=label(actor.role))
        )
        st.stop()
    return actor


def page_setup(title: str, *roles: Role, caption: str | None = None) -> Actor:
    """Start every page: check the role, then show the French title."""
    actor = require_role(*roles)
    st.title(t(title))
    if caption:
        st.caption(t(caption))
    return actor


# Enough to neutralise links, emphasis, code, HTML, tables and Streamlit's :color[...] syntax,
# while ordinary punctuation ("Ligne 3 (« … ») : …") stays readable as it is.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*{}\[\]<>#|~$])")


def escape_markdown(text: str) -> str:
    """Messages may quote what users typed (a title, a name): shown literally, never as
    markdown, links or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def show_error(error: Exception) -> None:
    """Show a service error in French: every validation message, or the conflict."""
    if isinstance(error, ValidationFailed):
        lines = "\n".join(f"- {escape_markdown(m)}" for m in error.errors)
        st.error(t("Rien n'a été enregistré :") + "\n\n" + lines)
    elif isinstance(error, ConflictError):
        st.warning(escape_markdown(error.message))
    elif isinstance(error, AppError):
        st.error(escape_markdown(error.message))
    else:
        raise error


def select_from(
    label_text: str, options: dict, *, key: str, index: int = 0, help: str | None = None
):
    """A selectbox over ``{value: French label}``; returns the chosen value."""
    keys = list(options)
    if not keys:
        return None
    return st.selectbox(
        t(label_text),
        keys,
        index=min(index, len(keys) - 1),
        format_func=lambda k: options[k],
        key=key,
        help=help,
    )


def link_to(
    file: str,
    text: str,
    *,
    icon: str | None = None,
    container=None,
    query_params: dict[str, str] | None = None,
) -> None:
    """A link to another page of the app, shown only when the current user may open it
    (``query_params`` preselect a choice on the target page, e.g. ``{"mois": "2026-03"}``)."""
    from dashboard.ui.navigation import pages_for, spec_for

    spec_for(file)  # an unknown page is a programming error, not a hidden link
    actor = current_actor()
    if actor is None:
        return
    for spec in pages_for(actor.role):
        if spec.file == file:
            (container or st).page_link(
                str(spec.path), label=t(text), icon=icon or spec.icon, query_params=query_params
            )
            return
