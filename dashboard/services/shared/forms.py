"""Form and grid input, in one place: the cell cleaner every editor row goes through, the
parsers of what a person types (French numbers « 1 234,5 », dates « jj/mm/aaaa »), the web-link
check, a field's length limit read from its model, and the one translator of validation errors
into French (« Ligne 3 (« Titre »), « Échéance » : obligatoire. »). Also code formats.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlparse

import pandas as pd
from annotated_types import MaxLen
from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic_core import ErrorDetails

from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import fmt_date, fmt_number, labels_for, t

# Codes of cohorts, networks and sessions: letters, digits, « - », « _ », « . ».
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
DATE_FORMAT = "jj/mm/aaaa"

# ------------------------------------------------------------------------------ cells


def clean(value: Any) -> Any:
    """The one cleaner of what a grid cell or a form field sends: NaN, NA, NaT and blank text
    become None, text is stripped, a pandas Timestamp becomes a date (or a datetime when it
    has a time of day), a numpy scalar a plain Python value. Anything else is kept as sent."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):  # lists, arrays: not a missing scalar
        return value
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def is_web_link(value: str) -> bool:
    """True for an absolute http(s) address with a host and no spaces."""
    if any(ch.isspace() for ch in value):
        return False
    parsed = urlparse(value)
    return parsed.scheme.lower() in {"http", "https"} and bool(parsed.netloc)


def max_length(model: type[BaseModel], field: str) -> int | None:
    """The length limit declared on a model's field (the one place it is written)."""
    info = model.model_fields[field]
    return next((m.max_length for m in info.metadata if isinstance(m, MaxLen)), None)


def limit_help(model: type[BaseModel], field: str) -> str:
    """« 4 000 caractères au plus. » — what a page shows next to a limited text field."""
    return t("{n} caractères au plus.", n=fmt_number(max_length(model, field)))


# ----------------------------------------------------------------- what a person typed

_SPACES = re.compile(r"[\s\u00a0\u202f]")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_FRENCH_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")


def _quoted(value: Any, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_number(value: Any) -> float | None:
    """A typed number as a float: « 1 234,5 », « 1234.5 », « -3 » (French or English decimal
    mark, spaces between thousands). Blank → None. Anything else raises ValueError with a
    French message quoting what was typed — never 0."""
    value = clean(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(t("« {v} » n'est pas un nombre.", v=_quoted(value)))
    if isinstance(value, int | float):
        return float(value)
    text = _SPACES.sub("", str(value)).replace("\u2212", "-")
    if not _NUMBER.match(text):
        raise ValueError(
            t(
                "« {v} » n'est pas un nombre (exemples : 1 234,5 ou 12.5).",
                v=_quoted(str(value).strip()),
            )
        )
    return float(text.replace(",", "."))


def parse_date(value: Any) -> dt.date | None:
    """A typed date: « jj/mm/aaaa » (also « j/m/aaaa », « jj-mm-aaaa », « jj.mm.aaaa ») or the
    ISO form « aaaa-mm-jj » programs send. Blank → None. Anything else — a date that does not
    exist included — raises ValueError with a French message quoting what was typed."""
    value = clean(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise ValueError(
                t("« {v} » n'est pas une date ({f}).", v=_quoted(value), f=DATE_FORMAT)
            )
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if m := _FRENCH_DATE.match(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise ValueError(t("« {v} » n'est pas une date ({f}).", v=_quoted(text), f=DATE_FORMAT))
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(t("« {v} » n'existe pas dans le calendrier.", v=_quoted(text))) from None


# Field types for input models: what a person typed, parsed with a French message.
TypedNumber = Annotated[float, BeforeValidator(parse_number)]
OptionalNumber = Annotated[float | None, BeforeValidator(parse_number)]
TypedDate = Annotated[dt.date, BeforeValidator(parse_date)]
OptionalDate = Annotated[dt.date | None, BeforeValidator(parse_date)]


# --------------------------------------------------------------------- French messages


def row_where(row: int | None, name: Any = None) -> str:
    """How a message names a grid line: « Ligne 3 (« Titre ») », « Ligne 3 » or nothing."""
    if row is None:
        return ""
    name = clean(name)
    if name is None:
        return t("Ligne {n}", n=row)
    return t("Ligne {n} (« {name} »)", n=row, name=_quoted(name))


def field_error(where: str, label: str, message: str) -> str:
    """The one shape of an input message: « Ligne 3 (« Titre »), « Échéance » : obligatoire. »
    (without ``where`` on a form: « « Échéance » : obligatoire. »). ``label`` is the field's name
    exactly as the user sees it (grid header or form label)."""
    message = message.rstrip(". ")
    if where:
        return t("{where}, « {label} » : {message}.", where=where, label=label, message=message)
    return t("« {label} » : {message}.", label=label, message=message)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return fmt_number(value, 6)
    if isinstance(value, dt.date):
        return fmt_date(value)
    return _quoted(value)


def too_long(text: Any, limit: Any) -> str:
    """« texte trop long : 5 000 caractères pour 4 000 au plus » (what was typed is kept)."""
    return t(
        "texte trop long : {count} caractères pour {n} au plus",
        count=fmt_number(len(text)) if isinstance(text, str) else "?",
        n=fmt_number(limit),
    )


def pydantic_problem(error: ErrorDetails, enums: dict[str, type[StrEnum]]) -> str:
    """What is wrong with one value, as a French phrase (no field name)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    field = str(error["loc"][0]) if error.get("loc") else ""
    given = error.get("input")
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    if kind in {"missing", "string_too_short"} or given is None:
        return t("obligatoire")
    if kind in {"string_too_long", "too_long"}:  # "too_long": limit checked after a validator
        return too_long(given, ctx.get("max_length"))
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return t("nombre entier attendu (saisi : « {v} »)", v=_shown(given))
    if kind in {"float_parsing", "float_type"}:
        return t("nombre attendu (saisi : « {v} »)", v=_shown(given))
    if kind == "finite_number":
        return t("nombre fini attendu")
    if kind in {"greater_than_equal", "greater_than"}:
        bound = ctx.get("ge", ctx.get("gt"))
        return t("doit être supérieur ou égal à {n}", n=_shown(bound))
    if kind in {"less_than_equal", "less_than"}:
        bound = ctx.get("le", ctx.get("lt"))
        return t("doit être inférieur ou égal à {n}", n=_shown(bound))
    if kind.startswith("date") or kind.startswith("datetime"):
        return t("« {v} » n'est pas une date ({f})", v=_shown(given), f=DATE_FORMAT)
    if kind in {"enum", "literal_error"}:
        if field in enums:
            choices = ", ".join(labels_for(enums[field]).values())
            return t("valeur non reconnue (choix possibles : {c})", c=choices)
        return t("valeur non reconnue")
    if kind in {"bool_type", "bool_parsing"}:
        return t("oui ou non attendu")
    return t("valeur non valide")


def french_errors(
    exc: ValidationError,
    labels: dict[str, str],
    where: str = "",
    enums: dict[str, type[StrEnum]] | None = None,
) -> list[str]:
    """The one translator of pydantic errors: one French message per problem, in the shape of
    :func:`field_error`, naming the field by its label in ``labels`` (translated here)."""
    out = []
    for error in exc.errors(include_url=False):
        field = str(error["loc"][0]) if error.get("loc") else ""
        problem = pydantic_problem(error, enums or {})
        if field:
            out.append(field_error(where, t(labels.get(field, field)), problem))
        else:
            out.append(t("{where} : {message}", where=where, message=problem) if where else problem)
    return out


def validate(
    model: type[BaseModel],
    data: dict[str, Any],
    *,
    labels: dict[str, str],
    enums: dict[str, type[StrEnum]] | None = None,
    prefix: str = "",
) -> tuple[Any, list[str]]:
    """Validate ``data`` through a non-table model: ``(model, [])`` or ``(None, messages)``."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, french_errors(exc, labels, prefix, enums)


def validated(
    model: type[BaseModel],
    data: dict[str, Any],
    *,
    labels: dict[str, str],
    enums: dict[str, type[StrEnum]] | None = None,
) -> Any:
    """Like :func:`validate`, raising :class:`ValidationFailed` on any error."""
    obj, errors = validate(model, data, labels=labels, enums=enums)
    if errors:
        raise ValidationFailed(errors)
    return obj


def rows_from_editor(original: pd.DataFrame, state: dict | None) -> list[dict]:
    """Rows a data editor changed: edited rows (whole row, with their hidden id and version)
    followed by added rows. ``state`` is the editor's ``{"edited_rows", "added_rows"}``."""
    state = state or {}
    rows = []
    for position, edits in sorted(
        (state.get("edited_rows") or {}).items(), key=lambda kv: int(kv[0])
    ):
        row = original.iloc[int(position)].to_dict()
        row.update(edits)
        rows.append({k: clean(v) for k, v in row.items()})
    for added in state.get("added_rows") or []:
        if any(clean(v) is not None for v in added.values()):
            rows.append({k: clean(v) for k, v in added.items()})
    return rows


def check(model: type[BaseModel], data: dict, labels: dict[str, str], where: str = ""):
    """Validate ``data`` through a non-table model; French messages naming row and field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(french_errors(exc, labels, where)) from exc


def strip_blank(value: Any) -> Any:
    """Text stripped, blank text → None (a ``field_validator(mode="before")``)."""
    return value.strip() or None if isinstance(value, str) else value
