"""What every import plan is made of: an :class:`Issue` (where, the value read, a stable code, a
French message), a :class:`RowChange` (before → after as shown), the :class:`ImportPlan` holding
them, and the cell shapes and error translations the values and milestones sheets share."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from dashboard.core.i18n import fmt_date, fmt_number, t
from dashboard.services.imports.layout import Code
from dashboard.services.roadmap.milestone_grid import MilestoneChanges
from dashboard.services.shared.forms import clean, french_errors, row_where


@dataclass(frozen=True)
class Issue:
    """One problem: where (sheet, spreadsheet row, column header), the value as read, a stable
    code and the French message saying what to fix."""

    sheet: str
    row: int | None
    column: str
    value: str
    code: str
    message: str


@dataclass(frozen=True)
class RowChange:
    sheet: str
    row: int
    what: str  # « Jalon « Titre » », « « Indicateur », novembre 2026 »
    action: str  # create, update, delete
    fields: tuple[tuple[str, str, str], ...]  # (column, before, after) as shown


@dataclass
class ImportPlan:
    file_name: str
    digest: str
    network_id: int | None = None
    network_code: str = ""
    network_name: str = ""
    changes: list[RowChange] = field(default_factory=list)
    unchanged: list[tuple[str, int, str]] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    milestone_changes: MilestoneChanges = field(default_factory=MilestoneChanges)
    value_entries: list[dict[str, Any]] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def file_error(self, code: str, message: str) -> None:
        self.errors.append(Issue("", None, "", self.file_name, code, message))


def digest_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def shown(value: Any) -> str:
    """A cell as the preview and the error list show it (French formats)."""
    value = clean(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return fmt_number(value, 6)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return fmt_date(value)
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"


def as_text(value: Any) -> Any:
    """A text column's cell as text (a spreadsheet may store « 12 » as a number)."""
    value = clean(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return fmt_date(value)
    return str(value)


def code_of(error_type: str, message: str) -> str:
    if error_type in {"missing", "string_too_short"}:
        return Code.required
    if error_type in {"string_too_long", "too_long"}:
        return Code.too_long
    if error_type.startswith("int_"):
        return Code.not_an_integer
    if error_type.startswith("float_") or error_type == "finite_number":
        return Code.not_a_number
    if error_type.startswith("date") or error_type.startswith("datetime"):
        return Code.not_a_date
    if error_type in {"enum", "literal_error"}:
        return Code.invalid_choice
    if error_type.startswith(("greater", "less")):
        return Code.out_of_range
    lowered = message.lower()
    if "n'est pas un nombre" in lowered or "nombre fini" in lowered:
        return Code.not_a_number
    if "date" in lowered or "calendrier" in lowered:
        return Code.not_a_date
    if "caractère de contrôle" in lowered:
        return Code.control_character
    if "adresse" in lowered or "http" in lowered:
        return Code.invalid_link
    if "obligatoire" in lowered:
        return Code.required
    return Code.invalid


def pydantic_issues(
    exc: ValidationError,
    labels: Mapping[str, str],
    headers: Mapping[str, str],
    sheet: str,
    number: int,
    record: Mapping[str, Any],
    enums: dict | None = None,
) -> list[Issue]:
    messages = french_errors(exc, dict(labels), row_where(number), enums)
    out = []
    for error, message in zip(exc.errors(include_url=False), messages, strict=True):
        name = str(error["loc"][0]) if error.get("loc") else ""
        column = headers.get(name, name)
        raw = record.get(name, error.get("input"))
        out.append(
            Issue(sheet, number, column, shown(raw), code_of(error["type"], message), message)
        )
    return out


def column_in(message: str, headers: Iterable[str]) -> str:
    """The column a rule's message names (« … « Réalisé le » : … »)."""
    for header in headers:
        if f"« {header} »" in message:
            return header
    return ""


def conflict_issue(sheet: str, number: int, message: str) -> Issue:
    """A row changed in the application since the template was downloaded (nothing overwritten)."""
    return Issue(
        sheet, number, "Version", "", Code.conflict,
        t("{where} : {message}", where=row_where(number), message=message),
    )  # fmt: skip
