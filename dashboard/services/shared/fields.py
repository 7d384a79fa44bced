"""Field types every input model uses, so a rule on what a person may type lives in one place:
texts carry no control characters (a NUL byte is refused by PostgreSQL and would be stored by
SQLite; other control characters are invisible on screen), and numbers are finite and within
the range of their unit (``models.enums.UNIT_RANGES``).

A refusal is a ``ValueError`` whose message is French and names no field: the translators of
pydantic errors put it after the field's label (« Le champ « Titre » contient… »).
"""

from __future__ import annotations

import math
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from dashboard.core.i18n import fmt_number, t
from models.enums import MAX_WHOLE, UNIT_RANGES

# Line breaks and tabs are part of a multi-line text (a description, a comment).
_MULTILINE_ALLOWED = frozenset("\t\n\r")


def control_character(value: str, *, multiline: bool = False) -> str | None:
    """The first control character of ``value`` (as ``U+0000``), or None when there is none.
    Lone surrogates count too: they cannot be stored as UTF-8."""
    allowed = _MULTILINE_ALLOWED if multiline else frozenset()
    for ch in value:
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cs"):
            return f"U+{ord(ch):04X}"
    return None


def control_problem(value: str | None, *, multiline: bool = False) -> str | None:
    """Why ``value`` is refused for its control characters, in French (None when it is fine)."""
    found = control_character(value, multiline=multiline) if value else None
    if not found:
        return None
    if multiline:
        return t(
            "contient un caractère de contrôle invisible ({code}) : seuls les retours "
            "à la ligne et les tabulations sont acceptés",
            code=found,
        )
    return t(
        "contient un caractère de contrôle invisible ({code}) : une seule ligne, sans tabulation",
        code=found,
    )


def _refuse_control(value: str, multiline: bool) -> str:
    problem = control_problem(value, multiline=multiline)
    if problem:
        raise ValueError(problem)
    return value


def single_line(value: str) -> str:
    """A one-line text (name, title, label): no control character at all."""
    return _refuse_control(value, multiline=False)


def multi_line(value: str) -> str:
    """A multi-line text (description, comment): line breaks and tabs only."""
    return _refuse_control(value, multiline=True)


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(t("doit être un nombre"))
    return value


def range_problem(unit: str, value: float) -> str | None:
    """Why ``value`` is outside its unit's range (None when it is inside), in French."""
    if not math.isfinite(value):
        return t("nombre fini attendu")
    bounds = UNIT_RANGES[str(unit)]
    if not bounds.low <= value <= bounds.high:
        return t(
            "doit être compris entre {low} et {high}",
            low=fmt_number(bounds.low, 2),
            high=fmt_number(bounds.high, 2),
        )
    if bounds.whole and not float(value).is_integer():
        return t("doit être un nombre entier")
    return None


_EUR = UNIT_RANGES["eur"]


def _eur_range(value: float) -> float:
    if value < _EUR.low:
        raise ValueError(t("doit être supérieur ou égal à {n}", n=fmt_number(_EUR.low)))
    if value > _EUR.high:
        raise ValueError(t("doit être inférieur ou égal à {n}", n=fmt_number(_EUR.high)))
    return value


# A one-line text and a multi-line text, as typed (length limits stay on each field).
SingleLineText = Annotated[str, AfterValidator(single_line)]
MultiLineText = Annotated[str, AfterValidator(multi_line)]
# Any finite number (the unit's range is checked where the unit is known). The bounds are
# pydantic constraints, so the one translator of pydantic errors words them.
FiniteNumber = Annotated[float, BeforeValidator(_no_bool), Field(allow_inf_nan=False)]
# A whole number stored in an integer column: 0 to MAX_WHOLE.
WholeNumber = Annotated[int, BeforeValidator(_no_bool), Field(ge=0, le=MAX_WHOLE)]
# An amount in euros (an alliance's expected value…), within the eur range.
EurAmount = Annotated[
    float, BeforeValidator(_no_bool), Field(allow_inf_nan=False), AfterValidator(_eur_range)
]
