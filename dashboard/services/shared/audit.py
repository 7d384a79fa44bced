"""Change-log rows and optimistic locking, shared by every write path."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol, TypedDict, TypeVar

from sqlalchemy import func
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from dashboard.core.errors import ConflictError, NotFound
from dashboard.core.i18n import fmt_datetime, t
from dashboard.core.permissions import Actor
from models import ChangeLog, User
from models.base import saved_id, utcnow


class Identified(Protocol):
    """A table row; its id is set once the row is flushed."""

    id: int | None


class Versioned(Identified, Protocol):
    """A table row under optimistic locking (``version`` is its ``version_id_col``)."""

    version: int


_Row = TypeVar("_Row", bound=Versioned)


class LogScope(TypedDict):
    """Where change-log rows belong: the changed row's network and cohort."""

    network_id: int | None
    cohort_id: int | None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def log_create(
    session: Session,
    actor: Actor | None,
    entity: str,
    row: Identified,
    *,
    fields: list[str],
    network_id: int | None = None,
    cohort_id: int | None = None,
    reason: str | None = None,
) -> None:
    """One change-log row per non-empty field of a new row (``before`` empty)."""
    for name in fields:
        value = getattr(row, name)
        if value is None or value == "":
            continue
        session.add(
            _log_row(actor, entity, row.id, "create", name, None, _text(value),
                     network_id=network_id, cohort_id=cohort_id, reason=reason)
        )  # fmt: skip


def log_delete(
    session: Session,
    actor: Actor | None,
    entity: str,
    row: Identified,
    *,
    summary_field: str,
    network_id: int | None = None,
    cohort_id: int | None = None,
    reason: str | None = None,
) -> None:
    before = _text(getattr(row, summary_field))
    session.add(
        _log_row(actor, entity, row.id, "delete", summary_field, before, None,
                 network_id=network_id, cohort_id=cohort_id, reason=reason)
    )  # fmt: skip


def _log_row(
    actor: Actor | None,
    entity: str,
    entity_id: int | None,
    action: str,
    field: str,
    before: str | None,
    after: str | None,
    *,
    network_id: int | None,
    cohort_id: int | None,
    reason: str | None,
) -> ChangeLog:
    """The one shape of a change-log row."""
    return ChangeLog(
        user_id=actor.id if actor else None,
        cohort_id=cohort_id,
        network_id=network_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        field=field,
        before=before,
        after=after,
        reason=reason,
    )


def last_change(
    session: Session, entity: str, entity_id: int
) -> tuple[str | None, dt.datetime | None]:
    """Who last changed a row and when (for conflict messages)."""
    row = session.exec(
        select(ChangeLog.user_id, ChangeLog.changed_at)
        .where(ChangeLog.entity == entity, ChangeLog.entity_id == entity_id)
        .order_by(col(ChangeLog.id).desc())
        .limit(1)
    ).first()
    if row is None:
        return None, None
    user = session.get(User, row[0]) if row[0] else None
    return (user.full_name if user else None), row[1]


def conflict_message(session: Session, entity: str, entity_id: int, what: str) -> str:
    """The one "changed since you opened it" message, naming who last changed the row."""
    who, when = last_change(session, entity, entity_id)
    return changed_since_message(what, who, when)


def changed_since_message(what: str, who: str | None, when: dt.datetime | None) -> str:
    """:func:`conflict_message` when the caller already knows who changed the row and when."""
    return t(
        "{what} a été modifié par {who} le {when} depuis que vous l'avez ouvert. "
        "Rien n'a été écrasé : rechargez pour voir sa version, puis réappliquez vos changements.",
        what=what,
        who=who or t("un autre utilisateur"),
        when=fmt_datetime(when) if when else t("entre-temps"),
    )


def update_versioned(
    session: Session,
    actor: Actor | None,
    model: type[_Row],
    row_id: int,
    expected_version: int | None,
    changes: dict[str, Any],
    *,
    entity: str,
    what: str,
    network_id: int | None = None,
    cohort_id: int | None = None,
    reason: str | None = None,
) -> _Row:
    """Apply ``changes`` to a row only if it still has the version the user saw.

    Writes one change-log row per changed field. ``UPDATE … WHERE id = ? AND version = ?`` is
    issued by the mapper's ``version_id_col``; a row changed in between raises ConflictError.
    """
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(t("{what} n'existe plus (supprimé entre-temps ?).", what=what))
    check_version(session, row, expected_version, entity=entity, what=what)
    apply_changes(
        session, actor, row, changes, entity=entity, what=what,
        network_id=network_id, cohort_id=cohort_id, reason=reason,
    )  # fmt: skip
    return row


def check_version(
    session: Session, row: Versioned, expected_version: int | None, *, entity: str, what: str
) -> None:
    """The one check of the version the user saw (None: the caller saw no version): a row
    changed since raises ConflictError with :func:`conflict_message`."""
    conflict = stale_message(session, row, expected_version, entity=entity, what=what)
    if conflict:
        raise ConflictError(conflict)


def stale_message(
    session: Session, row: Versioned, expected_version: int | None, *, entity: str, what: str
) -> str | None:
    """:func:`check_version` for a caller collecting its refusals: the conflict message when
    the row changed since the user saw it, else None."""
    if expected_version is None or row.version == expected_version:
        return None
    return conflict_message(session, entity, saved_id(row), what)


def flush_versioned(session: Session, row: Versioned, *, entity: str, what: str) -> None:
    """Flush a versioned row: a write by someone else between the read and this flush (the
    mapper's ``UPDATE … WHERE version = ?`` matching nothing) becomes the conflict message."""
    row_id = saved_id(row)
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(conflict_message(session, entity, row_id, what)) from exc


def apply_changes(
    session: Session,
    actor: Actor | None,
    row: Versioned,
    changes: dict[str, Any],
    *,
    entity: str,
    what: str,
    network_id: int | None = None,
    cohort_id: int | None = None,
    reason: str | None = None,
) -> None:
    """Set ``changes`` on a row whose version was checked, one change-log row per changed
    field, and flush (the version column refuses a write made in between)."""
    row_id = saved_id(row)
    changed = False
    for name, new in changes.items():
        old = getattr(row, name)
        if _text(old) == _text(new):
            continue
        setattr(row, name, new)
        changed = True
        session.add(
            _log_row(actor, entity, row_id, "update", name, _text(old), _text(new),
                     network_id=network_id, cohort_id=cohort_id, reason=reason)
        )  # fmt: skip
    if changed:
        if hasattr(row, "updated_at"):
            row.updated_at = utcnow()
        flush_versioned(session, row, entity=entity, what=what)


def data_version(session: Session, cohort_id: int | None = None) -> int:
    """A number that grows with every logged write: cache keys use it to see fresh data,
    also across server processes."""
    stmt = select(func.coalesce(func.max(ChangeLog.id), 0))
    if cohort_id is not None:
        stmt = stmt.where(
            (col(ChangeLog.cohort_id) == cohort_id) | (col(ChangeLog.cohort_id).is_(None))
        )
    return int(session.exec(stmt).one() or 0)  # coalesce: never NULL
