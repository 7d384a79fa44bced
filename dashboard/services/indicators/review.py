"""The programme team's review of indicator values: the validation queue (submitted values by
network and month, with the previous value and the target for context), bulk validation,
returning a value to its network with a reason, and reopening a validated value with a reason.

Only roles with the ``validate`` / ``reopen`` right on ``indicator_value`` (the programme team)
get past the first check; a lead, the steering committee or the ministry are refused.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import ScalarSelect, Select, and_, func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import fmt_month_long, label_of, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services import discussion
from dashboard.services.indicators.value_rules import ENTITY
from dashboard.services.shared import access, audit
from dashboard.services.shared.fields import control_problem
from dashboard.services.shared.forms import max_length
from models import Indicator, IndicatorTarget, IndicatorValue, Network, User
from models.base import saved_id, utcnow
from models.enums import CommentVisibility, Entity, ValueStatus

QUEUE_COLUMNS = [
    "id",
    "version",
    "network_id",
    "network_code",
    "network_name",
    "indicator_id",
    "indicator_code",
    "indicator_label",
    "unit",
    "period_start",
    "value",
    "previous_value",
    "baseline_value",
    "target_value",
    "status",
    "comment",
    "evidence_url",
    "return_reason",
    "submitted_at",
    "updated_by",
]
_REASON_MAX = max_length(IndicatorValue, "return_reason")


def _previous_value() -> ScalarSelect:
    """The network's value of the same indicator for the latest earlier month (correlated)."""
    prev = aliased(IndicatorValue)
    return (
        select(prev.value)
        .where(
            prev.network_id == IndicatorValue.network_id,
            prev.indicator_id == IndicatorValue.indicator_id,
            prev.period_start < IndicatorValue.period_start,
        )
        .order_by(col(prev.period_start).desc())
        .limit(1)
        .correlate(IndicatorValue)
        .scalar_subquery()
    )


def _queue_statement(cohort_id: int, status: str) -> Select:
    """The cohort's values in ``status`` with what the queue shows beside them
    (QUEUE_COLUMNS), in the queue's order: network, month, indicator."""
    return (
        sa_select(
            col(IndicatorValue.id),
            col(IndicatorValue.version),
            col(Network.id),
            col(Network.code),
            col(Network.name),
            col(Indicator.id),
            col(Indicator.code),
            col(Indicator.label),
            col(Indicator.unit),
            col(IndicatorValue.period_start),
            col(IndicatorValue.value),
            _previous_value(),
            col(IndicatorTarget.baseline_value),
            col(IndicatorTarget.target_value),
            col(IndicatorValue.status),
            col(IndicatorValue.comment),
            col(IndicatorValue.evidence_url),
            col(IndicatorValue.return_reason),
            col(IndicatorValue.submitted_at),
            col(User.full_name),
        )
        .join(Network, col(Network.id) == IndicatorValue.network_id)
        .join(Indicator, col(Indicator.id) == IndicatorValue.indicator_id)
        .join(
            IndicatorTarget,
            and_(
                col(IndicatorTarget.network_id) == IndicatorValue.network_id,
                col(IndicatorTarget.indicator_id) == IndicatorValue.indicator_id,
            ),
            isouter=True,
        )
        .join(User, col(User.id) == IndicatorValue.updated_by_id, isouter=True)
        .where(col(Network.cohort_id) == cohort_id, col(IndicatorValue.status) == status)
        .order_by(
            col(Network.code),
            col(IndicatorValue.period_start),
            col(Indicator.position),
            col(Indicator.code),
            col(IndicatorValue.id),
        )
    )


def validation_queue(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    status: str = ValueStatus.submitted.value,
    network_id: int | None = None,
    month: dt.date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """Values of the cohort in ``status`` (submitted: the queue; validated: what may be
    reopened), ordered by network, month and indicator, with the network's previous value of
    the same indicator and its baseline and target (QUEUE_COLUMNS). ``month`` keeps one month;
    ``limit`` / ``offset`` cut one page out of that order (see :func:`queue_page`)."""
    authorize(actor, "validate" if status != ValueStatus.validated else "reopen", ENTITY)
    stmt = _queue_statement(cohort_id, status)
    if network_id is not None:
        stmt = stmt.where(col(IndicatorValue.network_id) == network_id)
    if month is not None:
        stmt = stmt.where(col(IndicatorValue.period_start) == month)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    with read_scope(engine) as session:
        rows = [tuple(r) for r in session.execute(stmt)]
    return pd.DataFrame(rows, columns=QUEUE_COLUMNS)


PAGE_SIZE = 100


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue and what the page needs around it."""

    rows: pd.DataFrame  # QUEUE_COLUMNS, at most ``page_size`` rows
    total: int  # values matching the filters, all pages together
    groups: int  # network × month groups among them
    months: list[dt.date]  # months holding values (network filter applied), for the filter
    page: int  # 1-based, clamped to the last page
    pages: int
    page_size: int


def queue_page(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    status: str = ValueStatus.submitted.value,
    network_id: int | None = None,
    month: dt.date | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> QueuePage:
    """The queue one page at a time (a large cohort holds thousands of submitted values):
    one grouped count per month, then only the rows of the page asked for."""
    authorize(actor, "validate" if status != ValueStatus.validated else "reopen", ENTITY)
    if page_size < 1:
        raise ValidationFailed(t("Une page contient au moins une valeur."))
    stmt = (
        sa_select(
            col(IndicatorValue.period_start),
            func.count(),
            func.count(func.distinct(IndicatorValue.network_id)),
        )
        .join(Network, col(Network.id) == IndicatorValue.network_id)
        .where(col(Network.cohort_id) == cohort_id, col(IndicatorValue.status) == status)
        .group_by(col(IndicatorValue.period_start))
        .order_by(col(IndicatorValue.period_start))
    )
    if network_id is not None:
        stmt = stmt.where(col(IndicatorValue.network_id) == network_id)
    with read_scope(engine) as session:
        per_month = [tuple(r) for r in session.execute(stmt)]
    kept = [r for r in per_month if month is None or r[0] == month]
    total = sum(int(r[1]) for r in kept)
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, int(page)), pages)
    rows = validation_queue(
        engine,
        actor,
        cohort_id,
        status=status,
        network_id=network_id,
        month=month,
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    return QueuePage(
        rows=rows,
        total=total,
        groups=sum(int(r[2]) for r in kept),
        months=[r[0] for r in per_month],
        page=page,
        pages=pages,
        page_size=page_size,
    )


def _what(session: Session, row: IndicatorValue) -> str:
    network = session.get(Network, row.network_id)
    assert network is not None  # foreign key
    indicator = session.get(Indicator, row.indicator_id)
    assert indicator is not None  # foreign key
    return t(
        "{network} — « {label} », {month}",
        network=network.code,
        label=indicator.label,
        month=fmt_month_long(row.period_start),
    )


def _checked_reason(reason: str | None, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(t("{what} — Motif : indiquez un motif (obligatoire).", what=what))
    if _REASON_MAX is not None and len(reason) > _REASON_MAX:
        raise ValidationFailed(
            t("{what} — Motif : {n} caractères au plus.", what=what, n=_REASON_MAX)
        )
    control = control_problem(reason, multiline=True)
    if control:
        raise ValidationFailed(t("{what} — Motif : {problem}.", what=what, problem=control))
    return reason


def _load(
    session: Session, actor: Actor, action: str, items: list[Mapping[str, Any]], expected: str
) -> list[tuple[IndicatorValue, int, str]]:
    """The rows named by ``items`` (id + version seen), each writable by the actor and in the
    ``expected`` status; every problem is reported at once."""
    ids = [int(i["id"]) for i in items]
    found = {
        saved_id(r): r
        for r in session.exec(select(IndicatorValue).where(col(IndicatorValue.id).in_(ids)))
    }
    errors, out, checked = [], [], set()
    for item in items:
        row = found.get(int(item["id"]))
        if row is None:
            errors.append(t("Valeur n° {id} : elle n'existe plus.", id=item["id"]))
            continue
        if row.network_id not in checked:
            access.ensure_network_writable(session, actor, action, ENTITY, row.network_id)
            checked.add(row.network_id)
        what = _what(session, row)
        if row.status != expected:
            errors.append(
                t(
                    "{what} : la valeur est « {status} », pas « {expected} ».",
                    what=what,
                    status=label_of(ValueStatus, row.status),
                    expected=label_of(ValueStatus, expected),
                )
            )
            continue
        out.append((row, int(item["version"]), what))
    if errors:
        raise ValidationFailed(errors)
    return out


def _apply(
    session: Session,
    actor: Actor,
    row: IndicatorValue,
    version: int,
    what: str,
    changes: dict[str, Any],
    reason: str | None = None,
    *,
    silent: dict[str, Any] | None = None,
) -> None:
    """Versioned update with change-log rows for ``changes``; ``silent`` bookkeeping fields
    (who validated, when) ride along in the same UPDATE without their own log rows."""
    network = session.get(Network, row.network_id)
    assert network is not None  # foreign key
    with session.no_autoflush:  # no early flush: the version check must see the row as read
        for name, value in (silent or {}).items():
            setattr(row, name, value)
        audit.update_versioned(
            session,
            actor,
            IndicatorValue,
            saved_id(row),
            version,
            changes,
            entity=ENTITY,
            what=what,
            network_id=network.id,
            cohort_id=network.cohort_id,
            reason=reason,
        )


def validate_values(engine: Engine, actor: Actor, items: Iterable[Mapping[str, Any]]) -> int:
    """Validate submitted values in bulk (each ``{"id", "version"}``), all or nothing.

    Returns how many were validated. A value changed since it was shown raises ConflictError.
    """
    items = list(items)
    authorize(actor, "validate", ENTITY)
    if not items:
        raise ValidationFailed(t("Sélectionnez au moins une valeur à valider."))
    with session_scope(engine) as session:
        now = utcnow()
        for row, version, what in _load(session, actor, "validate", items, "submitted"):
            changes = {"status": ValueStatus.validated.value}
            silent = {"validated_by_id": actor.id, "validated_at": now}
            _apply(session, actor, row, version, what, changes, silent=silent)
        return len(items)


def return_value(
    engine: Engine, actor: Actor, value_id: int, version: int, reason: str | None
) -> None:
    """Send a submitted value back to its network as a draft; the lead sees ``reason``, which
    also opens the value's discussion thread (visible to the network and the programme team),
    in the same transaction."""
    authorize(actor, "validate", ENTITY)
    with session_scope(engine) as session:
        ((row, seen, what),) = _load(
            session, actor, "validate", [{"id": value_id, "version": version}], "submitted"
        )
        reason = _checked_reason(reason, what)
        changes = {"status": ValueStatus.draft.value, "return_reason": reason}
        _apply(session, actor, row, seen, what, changes, reason)
        thread = discussion.writable_thread(session, actor, Entity.indicator_value, saved_id(row))
        discussion.add_comment(session, actor, thread, reason, CommentVisibility.team.value)


def reopen_value(
    engine: Engine,
    actor: Actor,
    value_id: int,
    version: int,
    reason: str | None,
    *,
    to_status: str = ValueStatus.draft.value,
) -> None:
    """Unlock a validated value (back to draft, or to submitted), with a required reason kept in
    the change log; reopened as a draft, the lead also sees the reason on their pages."""
    authorize(actor, "reopen", ENTITY)
    if to_status not in (ValueStatus.draft, ValueStatus.submitted):
        raise ValidationFailed(t("Une valeur rouverte redevient brouillon ou soumise."))
    with session_scope(engine) as session:
        ((row, seen, what),) = _load(
            session, actor, "reopen", [{"id": value_id, "version": version}], "validated"
        )
        reason = _checked_reason(reason, what)
        changes: dict[str, Any] = {"status": to_status}
        if to_status == ValueStatus.draft:
            changes["return_reason"] = reason
        silent = {"validated_by_id": None, "validated_at": None}
        _apply(session, actor, row, seen, what, changes, reason, silent=silent)
