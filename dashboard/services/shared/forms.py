"""Shared helpers of the administration services: rows from a data editor, validation through
non-table models with one French message per problem (naming the row and the field), code
formats, and the "closed cohort is read-only" check.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from dashboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from dashboard.core.i18n import t
from models import Cohort
from models.enums import CohortStatus

# Codes of cohorts, networks and sessions: letters, digits, « - », « _ », « . ».
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def plain(value: Any) -> Any:
    """Editor/DataFrame cell → plain Python (NaN, NA, NaT and blank text become None)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
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
        rows.append({k: plain(v) for k, v in row.items()})
    for added in state.get("added_rows") or []:
        if any(plain(v) is not None for v in added.values()):
            rows.append({k: plain(v) for k, v in added.items()})
    return rows


def check(model: type[BaseModel], data: dict, labels: dict[str, str], where: str = ""):
    """Validate ``data`` through a non-table model; French messages naming row and field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(french_errors(exc, labels, where)) from exc


def french_errors(exc: ValidationError, labels: dict[str, str], where: str = "") -> list[str]:
    """One French message per pydantic error: « where — Field : problem »."""
    out = []
    prefix = f"{where} — " if where else ""
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        name = t(labels[field]) if field in labels else field
        if err["type"] == "value_error":
            message = str(err.get("ctx", {}).get("error", err["msg"]))
        elif err["type"] == "missing" or err.get("input", "") is None:
            message = t("valeur obligatoire")
        elif err["type"] == "enum":
            message = t("valeur non autorisée")
        else:
            message = t("valeur invalide")
        out.append(f"{prefix}{name} : {message}" if name else f"{prefix}{message}")
    return out


def strip_blank(value: Any) -> Any:
    """Text stripped, blank text → None (a ``field_validator(mode="before")``)."""
    return value.strip() or None if isinstance(value, str) else value


def writable_cohort(session: Session, cohort_id: int) -> Cohort:
    """The cohort, refused when it does not exist or is closed (read-only)."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound(t("Cette cohorte n'existe pas."))
    if cohort.status == CohortStatus.closed:
        raise PermissionDenied(
            t(
                "La cohorte « {name} » est clôturée : ses données ne sont plus modifiables.",
                name=cohort.name,
            )
        )
    return cohort
