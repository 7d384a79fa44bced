"""The one translation function and French number/date formatting.

User-facing strings are written in French in the code and always go through :func:`t`.
The French text is the message id: an English catalogue maps it to its translation, so a
missing entry falls back to French rather than showing a key.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from enum import Enum

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal, format_percent

from dashboard.core import clock
from models.enums import Unit

LOCALE = "fr_FR"
_CATALOGUES: dict[str, dict[str, str]] = {"fr": {}, "en": {}}
_LANGUAGE = "fr"


def t(message: str, /, **values: object) -> str:
    """Translate ``message`` (French source text) and fill its ``{placeholders}``."""
    text = _CATALOGUES.get(_LANGUAGE, {}).get(message, message)
    return text.format(**values) if values else text


def fmt_number(value: float | int | None, decimals: int = 0, *, empty: str = "—") -> str:
    """``1234.5`` → ``1 234,5`` (narrow no-break space as thousands separator)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return empty
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    try:
        return format_decimal(value, format=pattern, locale=LOCALE)
    except decimal.InvalidOperation:  # beyond Babel's 28 digits (a refused 1e30): « 1,0e+30 »
        return f"{value:.1e}".replace(".", ",")


def fmt_percent(ratio: float | None, decimals: int = 0, *, empty: str = "—") -> str:
    """``0.425`` → ``42 %`` (French spacing before the sign)."""
    if ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
        return empty
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "\u00a0%"
    return format_percent(ratio, format=pattern, locale=LOCALE)


def fmt_date(value: dt.date | dt.datetime | None, *, empty: str = "—") -> str:
    """``2026-11-26`` → ``26/11/2026``."""
    if value is None:
        return empty
    if isinstance(value, dt.datetime):
        value = value.date()
    return _babel_date(value, format="dd/MM/yyyy", locale=LOCALE)


def fmt_datetime(value: dt.datetime | None, *, empty: str = "—") -> str:
    """``2026-11-26 13:05 UTC`` → ``26/11/2026 14:05`` (shown in the programme's time zone)."""
    if value is None:
        return empty
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return _babel_datetime(
        value, format="dd/MM/yyyy HH:mm", tzinfo=clock.programme_zone(), locale=LOCALE
    )


def fmt_month(value: dt.date | None, *, empty: str = "—") -> str:
    """``2026-11-01`` → ``nov. 2026``."""
    if value is None:
        return empty
    return _babel_date(value, format="MMM yyyy", locale=LOCALE)


def fmt_month_long(value: dt.date | None, *, empty: str = "—") -> str:
    """``2026-11-01`` → ``novembre 2026``."""
    if value is None:
        return empty
    return _babel_date(value, format="MMMM yyyy", locale=LOCALE)


UNIT_SUFFIX = {
    "count": "",
    "percent": "\u00a0%",
    "eur": "\u00a0€",
    "hours": "\u00a0h",
    "persons": "\u00a0pers.",
    "score": "",
}


def fmt_value(value: float | None, unit: str, *, empty: str = "—") -> str:
    """Format an indicator value with its unit, French style."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return empty
    decimals = 1 if unit in {Unit.percent, Unit.score} else 0
    return fmt_number(value, decimals) + t(UNIT_SUFFIX.get(unit, ""))


def label(member: Enum | None, *, empty: str = "—") -> str:
    """French label of an enum member (through :func:`t`)."""
    if member is None:
        return empty
    from models.enums import LABELS

    return t(LABELS[type(member)].get(member.value, member.value))


def label_of(enum_cls: type[Enum], code: str | None, *, empty: str = "—") -> str:
    """French label of an enum *code* (as stored in the database or a DataFrame)."""
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return empty
    from models.enums import LABELS

    return t(LABELS[enum_cls].get(str(code), str(code)))


def labels_for(enum_cls: type[Enum]) -> dict[str, str]:
    """``{code: French label}`` for every member, in declaration order."""
    return {m.value: label(m) for m in enum_cls}
