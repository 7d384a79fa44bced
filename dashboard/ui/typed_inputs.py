"""Inputs that keep what a person typed, whatever their browser's language: a date typed as
« jj/mm/aaaa » in a text field (a date picker follows the browser's locale and replaces a date
it refuses with today), and the text shown for a number in a grid cell (« 1 234,5 »). The
service parses the text and says in French what is wrong; nothing is turned into 0 or today.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.core.i18n import fmt_date, fmt_number, t
from dashboard.services.shared.forms import clean

DATE_PLACEHOLDER = "jj/mm/aaaa"


def date_field(
    label: str, *, value: dt.date | None = None, key: str | None = None, help: str | None = None
) -> str:
    """A date typed as « jj/mm/aaaa » (prefilled with ``value``); returns the text as typed."""
    return st.text_input(
        t(label),
        value=fmt_date(value, empty=""),
        key=key,
        placeholder=t(DATE_PLACEHOLDER),
        help=help or t("Au format jj/mm/aaaa, par exemple 26/11/2026."),
    )


def number_text(value: Any) -> str | None:
    """The text a number cell shows and the user edits: « 1 234,5 » (None when empty)."""
    value = clean(value)
    return None if value is None else fmt_number(value, 6)


def date_text(value: Any) -> str | None:
    """The text a date cell shows and the user edits: « 26/11/2026 » (None when empty)."""
    value = clean(value)
    return fmt_date(value) if isinstance(value, dt.date) else None


def numbers_as_text(values: pd.Series) -> pd.Series:
    """A number column as the text a grid shows and edits (text dtype, even when empty)."""
    return pd.Series([number_text(v) for v in values], index=values.index, dtype="object")


def dates_as_text(values: pd.Series) -> pd.Series:
    """A date column as « jj/mm/aaaa » text a grid shows and edits (text dtype, even when
    empty)."""
    return pd.Series([date_text(v) for v in values], index=values.index, dtype="object")
