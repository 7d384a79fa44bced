"""Helpers shared by the table modules: version columns, code checks, UTC timestamps, ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol, TypeVar

from sqlalchemy import CheckConstraint, Column, Integer, Table, inspect


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def saved_id(row: _Row) -> int:
    """The id of a row that is in the database. Tables type ``id`` as optional because it is
    empty until the INSERT; past a flush or a load it is always set."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush the session first")
    return row.id


_Value = TypeVar("_Value")


def by_id(rows: Iterable[tuple[int | None, _Value]]) -> dict[int, _Value]:
    """``{id: value}`` from ``(id, value)`` rows selected with a primary key (never NULL)."""
    return {row_id: value for row_id, value in rows if row_id is not None}


def table_of(model: type) -> Table:
    """The Core table of a table model, for UPDATEs that bypass the ORM (no version check)."""
    table: object = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


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
