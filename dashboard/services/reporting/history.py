"""What changed in a network or a whole cohort, by whom and when, read from the append-only
change log.

A lead reads their own network's history only; the steering committee and the programme team
any network's, and the whole cohort's ("Toute la cohorte": also the programme team's changes to
the cohort, its sessions, targets, snapshots and the indicator catalogue). Changes to accounts
are people management: only the programme team sees them. "Since the last session" means the change-log rows written from the day of the
cohort's last session strictly before today (Paris time), so what was updated during the
session itself counts as new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, and_, col, func, or_, select

from dashboard.core import clock
from dashboard.core.db import read_scope
from dashboard.core.errors import NotFound, PermissionDenied
from dashboard.core.i18n import fmt_month_long, label_of, t
from dashboard.core.permissions import Actor, authorize, can
from dashboard.services.discussion.threads import comment_log_condition
from dashboard.services.reporting.history_labels import (
    ENTITY_LABELS,
    FIELD_LABELS,
    RowNames,
    entity_label,
    field_label,
    shown_value,
)
from dashboard.services.shared import access
from models import (
    Alliance,
    ChangeLog,
    Cohort,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Lesson,
    MaturityAssessment,
    Milestone,
    Network,
    Objective,
    Partner,
    ProgrammeSession,
    Snapshot,
    User,
)
from models.enums import Assessor, ChangeAction, Entity

__all__ = [
    "ENTITY_LABELS",
    "FIELD_LABELS",
    "HistoryView",
    "cohort_history",
    "field_label",
    "network_history",
    "shown_value",
]
# Fields holding the id of another row: shown by that row's name.
_REFERENCES = {
    "objective_id": (Objective.id, Objective.title),
    "alliance_id": (Alliance.id, Alliance.title),
    "partner_id": (Partner.id, Partner.name),
    "session_id": (ProgrammeSession.id, ProgrammeSession.code),
    "indicator_id": (Indicator.id, Indicator.label),
    "network_id": (Network.id, Network.code),
    "cohort_id": (Cohort.id, Cohort.name),
    "author_id": (User.id, User.full_name),
    "revised_by_id": (User.id, User.full_name),
    "updated_by_id": (User.id, User.full_name),
    "validated_by_id": (User.id, User.full_name),
    "taken_by_id": (User.id, User.full_name),
}
_TITLES = {
    "objective": (Objective.id, Objective.title),
    "alliance": (Alliance.id, Alliance.title),
    "milestone": (Milestone.id, Milestone.title),
    "lesson": (Lesson.id, Lesson.statement),
    "cohort": (Cohort.id, Cohort.name),
    "indicator": (Indicator.id, Indicator.label),
    "partner": (Partner.id, Partner.name),
    "snapshot": (Snapshot.id, Snapshot.label),
    "user": (User.id, User.full_name),
}
# Programme-wide lists (no cohort) every reader of the cohort's history may see changes of.
SHARED_ENTITIES = ("indicator", "partner")
COLUMNS = [
    "changed_at",
    "user_id",
    "user_name",
    "network",
    "entity",
    "entity_label",
    "entity_id",
    "item",
    "action",
    "action_label",
    "field",
    "field_label",
    "before",
    "after",
    "reason",
]


@dataclass(frozen=True)
class HistoryView:
    """Change-log rows (newest first, values shown in French) and what the filters offer."""

    rows: pd.DataFrame
    people: dict[int, str]
    entities: dict[str, str]
    last_session: dict | None  # {"code", "date"} of the last session before today
    truncated: bool


def _utc_start(day: dt.date) -> dt.datetime:
    """Midnight (programme time) of ``day``, in UTC like the change log's timestamps."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.programme_zone()).astimezone(dt.UTC)


def _names(session: Session, rows: list) -> RowNames:
    """Names of the rows that ``…_id`` values point to (one query per kind of reference)."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.field in _REFERENCES:
            for value in (row.before, row.after):
                if value and value.isdigit():
                    wanted.setdefault(row.field, set()).add(int(value))
    out: RowNames = {}
    for field, ids in wanted.items():
        id_col, column = _REFERENCES[field]
        for i, name in session.exec(select(col(id_col), col(column)).where(col(id_col).in_(ids))):
            out[(field, i)] = name
    return out


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:79] + "…"


def _titles(session: Session, rows: list) -> RowNames:
    """What each changed row is, for a reader (one query per kind of object)."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.entity_id is not None:
            wanted.setdefault(row.entity, set()).add(row.entity_id)
    out: RowNames = {}
    for entity, (id_col, column) in _TITLES.items():
        if ids := wanted.get(entity):
            for i, title in session.exec(
                select(col(id_col), col(column)).where(col(id_col).in_(ids))
            ):
                out[(entity, i)] = _short(title)
    if ids := wanted.get("indicator_value"):
        for i, name, month in session.exec(
            select(col(IndicatorValue.id), col(Indicator.label), col(IndicatorValue.period_start))
            .join(Indicator, col(Indicator.id) == IndicatorValue.indicator_id)
            .where(col(IndicatorValue.id).in_(ids))
        ):
            out[("indicator_value", i)] = f"{name} — {fmt_month_long(month)}"
    if ids := wanted.get("indicator_target"):
        for i, name in session.exec(
            select(IndicatorTarget.id, Indicator.label)
            .join(Indicator, col(Indicator.id) == IndicatorTarget.indicator_id)
            .where(col(IndicatorTarget.id).in_(ids))
        ):
            out[("indicator_target", i)] = name
    if ids := wanted.get("maturity_assessment"):
        for i, code, assessor in session.exec(
            select(MaturityAssessment.id, ProgrammeSession.code, MaturityAssessment.assessor)
            .join(ProgrammeSession, col(ProgrammeSession.id) == MaturityAssessment.session_id)
            .where(col(MaturityAssessment.id).in_(ids))
        ):
            out[("maturity_assessment", i)] = f"{code} — {label_of(Assessor, assessor)}"
    if ids := wanted.get("network"):
        for i, code, name in session.exec(
            select(Network.id, Network.code, Network.name).where(col(Network.id).in_(ids))
        ):
            out[("network", i)] = _short(f"{code} — {name}")
    if ids := wanted.get("session"):
        for i, code, title in session.exec(
            select(ProgrammeSession.id, ProgrammeSession.code, ProgrammeSession.title).where(
                col(ProgrammeSession.id).in_(ids)
            )
        ):
            out[("session", i)] = _short(f"{code} — {title}")
    # Deleted objects keep the summary written by the delete row.
    for row in rows:
        if row.action == ChangeAction.delete and (row.entity, row.entity_id) not in out:
            out[(row.entity, row.entity_id)] = row.before or ""
    return out


def _last_session(session: Session, cohort_id: int, today: dt.date) -> dict | None:
    last = session.exec(
        select(col(ProgrammeSession.code), col(ProgrammeSession.session_date))
        .where(
            ProgrammeSession.cohort_id == cohort_id,
            ProgrammeSession.session_date < today,
        )
        .order_by(col(ProgrammeSession.session_date).desc())
        .limit(1)
    ).first()
    return {"code": last[0], "date": last[1]} if last else None


def _visible(actor: Actor, where: Any) -> Any:
    """Accounts' rows (people management) only for those who may read accounts; comments'
    rows only for those who read the comment."""
    where = and_(where, comment_log_condition(actor))
    if can(actor, "read", "user"):
        return where
    return and_(where, ChangeLog.entity != Entity.user)


def _read(
    session: Session,
    where: Any,
    *,
    entity: str | None,
    user_id: int | None,
    start: dt.date | None,
    end: dt.date | None,
    since: dt.date | None,
    last_session: dict | None,
    limit: int,
) -> HistoryView:
    """The change-log rows matching ``where`` and the filters, shown in French."""
    stmt = select(ChangeLog, User.full_name, Network.code).outerjoin(
        User, col(User.id) == ChangeLog.user_id
    )
    stmt = stmt.outerjoin(Network, col(Network.id) == ChangeLog.network_id).where(where)
    if entity:
        stmt = stmt.where(ChangeLog.entity == entity)
    if user_id is not None:
        stmt = stmt.where(ChangeLog.user_id == user_id)
    if start is not None:
        stmt = stmt.where(ChangeLog.changed_at >= _utc_start(start))
    if end is not None:
        stmt = stmt.where(ChangeLog.changed_at < _utc_start(end + dt.timedelta(days=1)))
    if since is not None:
        stmt = stmt.where(ChangeLog.changed_at >= _utc_start(since))
    found = session.exec(
        stmt.order_by(col(ChangeLog.changed_at).desc(), col(ChangeLog.id).desc()).limit(limit + 1)
    ).all()
    truncated = len(found) > limit
    found = found[:limit]
    logs = [log for log, _, _ in found]
    titles = _titles(session, logs)
    names = _names(session, logs)
    people = {
        user_id: full_name
        for user_id, full_name in session.exec(
            select(User.id, User.full_name)
            .where(col(User.id).in_(select(ChangeLog.user_id).where(where).distinct()))
            .order_by(User.full_name)
        ).all()
        if user_id is not None  # a primary key: never NULL
    }
    entities = list(
        session.exec(
            select(ChangeLog.entity)
            .where(where)
            .group_by(ChangeLog.entity)
            .order_by(func.min(ChangeLog.id))
        ).all()
    )
    records = [
        (
            log.changed_at,
            log.user_id,
            name or t("Système"),
            network or "",
            log.entity,
            entity_label(log.entity),
            log.entity_id,
            titles.get((log.entity, log.entity_id), f"#{log.entity_id}"),
            log.action,
            label_of(ChangeAction, log.action),
            log.field,
            field_label(log.field, log.entity),
            shown_value(log.entity, log.field, log.before, names),
            shown_value(log.entity, log.field, log.after, names),
            log.reason,
        )
        for log, name, network in found
    ]
    return HistoryView(
        rows=pd.DataFrame(records, columns=COLUMNS),
        people=people,
        entities={e: entity_label(e) for e in entities},
        last_session=last_session,
        truncated=truncated,
    )


def network_history(
    engine: Engine,
    actor: Actor,
    network_id: int,
    *,
    entity: str | None = None,
    user_id: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    since_last_session: bool = False,
    as_of: dt.date | None = None,
    limit: int = 1000,
) -> HistoryView:
    """The network's change log, newest first, filtered by kind of object, person and period
    (``start``/``end`` inclusive, Paris days), or since the last session before ``as_of``.
    Changes to accounts are left out unless the actor may manage accounts."""
    authorize(actor, "read", "change_log", network_id=network_id)
    today = as_of or clock.today()
    with read_scope(engine) as session:
        network = access.row_by_id(session, Network, network_id)
        if network is None:
            raise NotFound(t("Ce réseau n'existe pas."))
        last_session = _last_session(session, network.cohort_id, today)
        return _read(
            session,
            _visible(actor, ChangeLog.network_id == network_id),
            entity=entity,
            user_id=user_id,
            start=start,
            end=end,
            since=last_session["date"] if since_last_session and last_session else None,
            last_session=last_session,
            limit=limit,
        )


def cohort_history(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    entity: str | None = None,
    user_id: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    since_last_session: bool = False,
    as_of: dt.date | None = None,
    limit: int = 1000,
) -> HistoryView:
    """The whole cohort's change log ("Toute la cohorte"), newest first, with the same filters
    as :func:`network_history`; ``rows["network"]`` is the code of the network concerned
    (blank for cohort-level changes).

    Lists every network's changes and the cohort-level ones (settings, sessions, targets,
    snapshots), plus changes to the programme-wide lists (indicator catalogue, partners).
    Changes to accounts (people management) are listed for the programme team only, whatever
    cohort they belong to; the steering committee never sees them. Leads, who only read their
    own network's history, are refused.
    """
    if not can(actor, "read", "change_log"):
        if actor is None:
            authorize(actor, "read", "change_log")
        raise PermissionDenied(
            t(
                "L'historique de toute la cohorte est réservé à l'équipe d'animation et au "
                "comité de pilotage."
            )
        )
    today = as_of or clock.today()
    with read_scope(engine) as session:
        if session.get(Cohort, cohort_id) is None:
            raise NotFound(t("Cette cohorte n'existe pas."))
        last_session = _last_session(session, cohort_id, today)
        outside = col(ChangeLog.cohort_id).is_(None) & col(ChangeLog.entity).in_(SHARED_ENTITIES)
        if can(actor, "read", "user"):
            outside = outside | (
                col(ChangeLog.cohort_id).is_(None) & (ChangeLog.entity == Entity.user)
            )
        return _read(
            session,
            _visible(actor, or_(ChangeLog.cohort_id == cohort_id, outside)),
            entity=entity,
            user_id=user_id,
            start=start,
            end=end,
            since=last_session["date"] if since_last_session and last_session else None,
            last_session=last_session,
            limit=limit,
        )
