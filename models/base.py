"""Helpers shared by the table modules: version columns, code checks, UTC timestamps."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Integer


def utcnow() -> dt.datetime:
    """Timezone-aware UTC timestamp (SQLModel stores aware datetimes and returns them in UTC)."""
    return dt.datetime.now(dt.UTC)


def version_column() -> Column:
    """A fresh ``version`` column, used both as the field and as ``version_id_col``."""
    return Column("version", Integer, nullable=False, server_default="1")


def check_codes(column: str, enum_cls: type[StrEnum], name: str, *, nullable: bool = False):
    allowed = ", ".join(f"'{m.value}'" for m in enum_cls)
    expr = f"{column} IN ({allowed})"
    if nullable:
        expr = f"{column} IS NULL OR {expr}"
    return CheckConstraint(expr, name=name)
