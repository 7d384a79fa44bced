"""What every editing page does after a save: keep the outcome for the next run, give the
forms and grids fresh keys (so they start again from the stored data), and reload.

A page calls :func:`show_flash` near its top and :func:`reload_after_save` after a successful save; its
widget keys include :func:`editor_nonce` so that a reload empties them.
"""

from __future__ import annotations

from typing import Any, NoReturn

import streamlit as st

from dashboard.ui import escape_markdown

# Session-state keys no widget writes (widget keys never start with "_at_").
FLASH_KEY = "_at_flash"
NONCE_KEY = "_at_editor_nonce"


def flash(message: str, *, details: Any = None) -> None:
    """Keep ``message`` (and optional ``details`` for the page) for the next run only."""
    st.session_state[FLASH_KEY] = (message, details)


def show_flash() -> Any:
    """Show the message a save left for this run, once; return its details (or None)."""
    kept = st.session_state.pop(FLASH_KEY, None)
    if kept is None:
        return None
    message, details = kept
    st.success(escape_markdown(message))  # messages quote what people typed
    return details


def editor_nonce() -> int:
    """A number that changes after every save: part of the forms' and grids' keys."""
    return int(st.session_state.setdefault(NONCE_KEY, 0))


def reset_editors() -> None:
    """New keys for every form and grid: they show the stored data again on the next run."""
    st.session_state[NONCE_KEY] = editor_nonce() + 1


def reload_after_save(message: str, *, details: Any = None) -> NoReturn:
    """After a save: keep the message, reset the editors and reload the page."""
    flash(message, details=details)
    reset_editors()
    st.rerun()
