"""Snapshots: a frozen copy of a cohort's state at a session, and "what changed" since.

A snapshot's payload holds, for every network of the cohort: milestones (due date, status, done
date, derived status), alliances (stage, relation logic, partner family), every indicator's
current value, baseline and target (per accumulation rule, see ``indicators_progress``), and the
latest maturity levels. It is immutable: this module offers no update or delete, and a label can
be used only once per cohort. Comparing two snapshots, or a snapshot and now, goes through the
same state builder, so both sides are computed alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from dashboard.core import clock
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import NotFound, ValidationFailed
from dashboard.core.i18n import fmt_date, fmt_datetime, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.indicators.progress import cohort_of, network_frame, progress_frame
from dashboard.services.reporting import maturity_state
from dashboard.services.reporting import state_at_date as roadmap_state
from dashboard.services.reporting.snapshot_diff import SnapshotDiff, diff_states
from dashboard.services.shared import audit
from dashboard.services.shared.fields import SingleLineText
from dashboard.services.shared.forms import french_errors, max_length
from dashboard.services.shared.rules import derived_milestone_status
from models import Cohort, Network, Objective, ProgrammeSession, Snapshot, User
from models.base import saved_id
from models.enums import Entity

PAYLOAD_SCHEMA = 1
MILESTONE_KEYS = ["id", "network_id", "title", "due_date", "done_date", "status", "derived_status"]
ALLIANCE_KEYS = [
    "id",
    "network_id",
    "title",
    "partner_name",
    "family",
    "stage",
    "relation_logic",
    "company_type",
]
INDICATOR_KEYS = [
    "network_id",
    "indicator_code",
    "indicator_label",
    "unit",
    "accumulation",
    "baseline",
    "target",
    "initial_target",
    "current",
    "last_period",
    "progress",
]
MATURITY_KEYS = ["network_id", "assessor", "axis", "latest_session", "latest_level"]
OBJECTIVE_KEYS = ["id", "network_id", "title", "motivation", "archived"]


class SnapshotInput(SQLModel):
    label: SingleLineText = Field(min_length=1, max_length=max_length(Snapshot, "label"))
    session_id: int | None = None


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    label: str
    session_id: int | None
    taken_at: dt.datetime


def _plain(value):
    """A JSON-ready scalar: None for any missing value, ISO text for dates."""
    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _records(frame: pd.DataFrame, keys: list[str]) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame[keys].to_dict("records")]


def _objective_rows(session: Session, ids: list[int], *, day: dt.date | None = None):
    """The networks' objectives (those created by the end of ``day`` when given)."""
    stmt = sa_select(
        col(Objective.id),
        col(Objective.network_id),
        col(Objective.title),
        col(Objective.motivation),
        col(Objective.archived),
    ).where(col(Objective.network_id).in_(ids))
    if day is not None:
        stmt = stmt.where(
            col(Objective.created_at) <= dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
        )
    rows = session.execute(stmt.order_by(col(Objective.network_id), col(Objective.id))).all()
    return pd.DataFrame(rows, columns=OBJECTIVE_KEYS)


def build_state(session: Session, cohort_id: int, *, as_of: dt.date) -> dict:
    """The cohort's state as JSON-ready data (a fixed number of grouped queries)."""
    networks = pd.DataFrame(
        session.exec(
            select(Network.id, Network.code, Network.name).where(Network.cohort_id == cohort_id)
        ).all(),
        columns=["id", "code", "name"],
    )
    ids = [int(i) for i in networks["id"]]
    milestones = roadmap_state.milestone_rows(session, ids, as_of=as_of)
    alliances = roadmap_state.alliance_rows(session, ids)
    indicators = progress_frame(session, networks, key_only=False, as_of=as_of)
    maturity = maturity_state.maturity_first_latest(session, ids)
    objectives = _objective_rows(session, ids)
    return {
        "schema": PAYLOAD_SCHEMA,
        "as_of": as_of.isoformat(),
        "networks": _records(networks, ["id", "code", "name"]),
        "objectives": _records(objectives, OBJECTIVE_KEYS),
        "milestones": _records(milestones, MILESTONE_KEYS),
        "alliances": _records(alliances, ALLIANCE_KEYS),
        "indicators": _records(indicators, INDICATOR_KEYS),
        "maturity": _records(maturity, MATURITY_KEYS),
    }


def build_state_at(session: Session, cohort_id: int, *, day: dt.date) -> dict:
    """The cohort's state as it stood at the end of ``day``, read back from the history: a
    snapshot of a past session, shaped like :func:`build_state`.

    Alliances take their stage and relation logic on that day (stage history, change log) and
    those not yet identified are left out; a milestone done later is shown under way (late if
    it was already due); indicators count the values submitted by then; maturity is the latest
    assessment made by then.
    """
    networks = pd.DataFrame(
        session.exec(
            select(Network.id, Network.code, Network.name).where(Network.cohort_id == cohort_id)
        ).all(),
        columns=["id", "code", "name"],
    )
    ids = [int(i) for i in networks["id"]]
    milestones = roadmap_state.milestone_rows(session, ids, as_of=day)
    later = milestones["done_date"].notna() & (milestones["done_date"] > day)
    milestones["status"] = milestones["status"].where(~later, "in_progress")
    milestones["done_date"] = milestones["done_date"].where(~later, None)
    milestones["derived_status"] = [
        derived_milestone_status(st, due, day)
        for st, due in zip(milestones["status"], milestones["due_date"], strict=True)
    ]
    alliances = roadmap_state.alliance_rows(session, ids, day=day)
    if not alliances.empty:
        logic = roadmap_state.logic_at(session, ids, day)
        if not logic.empty and "relation_logic" in logic.columns:
            then = dict(zip(logic["alliance_id"], logic["relation_logic"], strict=True))
            alliances["relation_logic"] = [
                then.get(i, current)
                for i, current in zip(alliances["id"], alliances["relation_logic"], strict=True)
            ]
    known_at = dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
    indicators = progress_frame(session, networks, key_only=False, as_of=day, known_at=known_at)
    maturity = maturity_state.maturity_first_latest(session, ids, until=day)
    objectives = _objective_rows(session, ids, day=day)
    return {
        "schema": PAYLOAD_SCHEMA,
        "as_of": day.isoformat(),
        "networks": _records(networks, ["id", "code", "name"]),
        "objectives": _records(objectives, OBJECTIVE_KEYS),
        "milestones": _records(milestones, MILESTONE_KEYS),
        "alliances": _records(alliances, ALLIANCE_KEYS),
        "indicators": _records(indicators, INDICATOR_KEYS),
        "maturity": _records(maturity, MATURITY_KEYS),
    }


def take_snapshot(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    label: str,
    session_id: int | None = None,
    as_of: dt.date | None = None,
) -> SnapshotInfo:
    """Freeze the cohort's current state under ``label`` (unique within the cohort)."""
    authorize(actor, "create", "snapshot")
    try:
        data = SnapshotInput(label=(label or "").strip(), session_id=session_id)
    except ValidationError as exc:
        raise ValidationFailed(
            french_errors(
                exc, {"label": "Libellé (unique dans la cohorte)", "session_id": "Session"}
            )
        ) from None
    as_of = as_of or clock.today()
    with session_scope(engine) as session:
        # Lock the cohort row (PostgreSQL; SQLite writes are serialised already) so that two
        # snapshots with one label cannot race past the check below.
        cohort = session.exec(
            select(Cohort).where(Cohort.id == cohort_id).with_for_update()
        ).first()
        if cohort is None:
            raise NotFound(t("Cette cohorte n'existe pas."))
        if data.session_id is not None:
            ps = session.get(ProgrammeSession, data.session_id)
            if ps is None or ps.cohort_id != cohort_id:
                raise ValidationFailed([t("Session : elle n'appartient pas à cette cohorte.")])
        taken = session.exec(
            select(Snapshot.id, Snapshot.taken_at).where(
                Snapshot.cohort_id == cohort_id, Snapshot.label == data.label
            )
        ).first()
        if taken is not None:
            raise ValidationFailed(
                [
                    t(
                        "Libellé : un instantané « {label} » existe déjà (pris le {when}) ; "
                        "un instantané ne se remplace pas, choisissez un autre libellé.",
                        label=data.label,
                        when=fmt_datetime(taken[1]),
                    )
                ]
            )
        row = Snapshot(
            cohort_id=cohort_id,
            session_id=data.session_id,
            label=data.label,
            taken_by_id=actor.id,
            payload=build_state(session, cohort_id, as_of=as_of),
        )
        session.add(row)
        session.flush()
        audit.log_create(
            session,
            actor,
            Entity.snapshot,
            row,
            fields=["label", "session_id"],
            cohort_id=cohort_id,
        )
        return SnapshotInfo(saved_id(row), row.label, row.session_id, row.taken_at)


def _sessions_to_freeze(session: Session, as_of: dt.date, cohort_id: int | None) -> list[tuple]:
    """Sessions held before ``as_of`` that have no snapshot yet, neither taken by hand for
    them nor automatic: (id, cohort_id, code, title, session_date). One query."""
    frozen = sa_select(col(Snapshot.session_id)).where(col(Snapshot.session_id).is_not(None))
    auto = sa_select(col(Snapshot.auto_session_id)).where(
        col(Snapshot.auto_session_id).is_not(None)
    )
    stmt = sa_select(
        col(ProgrammeSession.id),
        col(ProgrammeSession.cohort_id),
        col(ProgrammeSession.code),
        col(ProgrammeSession.title),
        col(ProgrammeSession.session_date),
    ).where(
        col(ProgrammeSession.session_date) < as_of,
        col(ProgrammeSession.id).not_in(frozen),
        col(ProgrammeSession.id).not_in(auto),
    )
    if cohort_id is not None:
        stmt = stmt.where(col(ProgrammeSession.cohort_id) == cohort_id)
    stmt = stmt.order_by(col(ProgrammeSession.session_date), col(ProgrammeSession.id))
    return [tuple(row) for row in session.execute(stmt).all()]


def auto_label(title: str, day: dt.date | None = None) -> str:
    """An automatic snapshot's label: the session's name (and its date if that is taken)."""
    return (f"{title} — {fmt_date(day)}" if day else title)[:200]


def freeze_past_sessions(
    engine: Engine, *, cohort_id: int | None = None, as_of: dt.date | None = None
) -> list[SnapshotInfo]:
    """Once a session's date has passed, freeze the cohort as it stood that day under the
    session's name — exactly once per session.

    Cheap when there is nothing to do (one read). The snapshot row carries the session in
    ``auto_session_id``, which is unique: a second process doing the same at the same moment
    fails on the constraint and takes nothing. A session already frozen by hand is left alone.
    """
    as_of = as_of or clock.today()
    with read_scope(engine) as session:
        pending = _sessions_to_freeze(session, as_of, cohort_id)
    taken: list[SnapshotInfo] = []
    for session_id, cohort, _code, title, day in pending:
        try:
            with session_scope(engine) as session:
                # Checked again inside the write: another process may have frozen it since.
                if session_id not in {r[0] for r in _sessions_to_freeze(session, as_of, cohort)}:
                    continue
                label = auto_label(title)
                clash = session.exec(
                    select(Snapshot.id).where(Snapshot.cohort_id == cohort, Snapshot.label == label)
                ).first()
                if clash is not None:
                    label = auto_label(title, day)
                row = Snapshot(
                    cohort_id=cohort,
                    session_id=session_id,
                    auto_session_id=session_id,
                    label=label,
                    taken_by_id=None,
                    payload=build_state_at(session, cohort, day=day),
                )
                session.add(row)
                session.flush()
                audit.log_create(
                    session,
                    None,
                    Entity.snapshot,
                    row,
                    fields=["label", "session_id"],
                    cohort_id=cohort,
                )
                info = SnapshotInfo(saved_id(row), row.label, row.session_id, row.taken_at)
        except IntegrityError:  # another process froze this session first
            continue
        taken.append(info)
    return taken


def list_snapshots(engine: Engine, actor: Actor, cohort_id: int) -> pd.DataFrame:
    """The cohort's snapshots, most recent first: id, label, session, taken_at, taken_by."""
    with read_scope(engine) as session:
        cohort_of(session, actor, cohort_id)
        authorize(actor, "read", "snapshot")
        rows = session.execute(
            sa_select(
                col(Snapshot.id),
                col(Snapshot.label),
                col(ProgrammeSession.code),
                col(ProgrammeSession.session_date),
                col(Snapshot.taken_at),
                col(User.full_name),
            )
            .outerjoin(ProgrammeSession, col(ProgrammeSession.id) == Snapshot.session_id)
            .outerjoin(User, col(User.id) == Snapshot.taken_by_id)
            .where(col(Snapshot.cohort_id) == cohort_id)
            .order_by(col(Snapshot.taken_at).desc(), col(Snapshot.id).desc())
        ).all()
    return pd.DataFrame(
        rows, columns=["id", "label", "session_code", "session_date", "taken_at", "taken_by"]
    )


def _load(session: Session, cohort_id: int, snapshot_id: int) -> Snapshot:
    row = session.get(Snapshot, snapshot_id)
    if row is None or row.cohort_id != cohort_id:
        raise NotFound(t("Cet instantané n'existe pas dans cette cohorte."))
    return row


def compare_snapshots(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    before_id: int,
    after_id: int | None = None,
    as_of: dt.date | None = None,
) -> SnapshotDiff:
    """What changed from snapshot ``before_id`` to snapshot ``after_id`` (None: to now).

    Milestones added / done / slipped (due date pushed back) / newly late / cancelled /
    removed; alliance stage changes (new alliances included); indicator deltas (current value,
    target and progress); maturity deltas; and a summary per network and for the cohort.
    Network names are anonymised for leads when the cohort says so, and the titles of other
    networks' milestones and alliances are then left out.
    """
    as_of = as_of or clock.today()
    with read_scope(engine) as session:
        cohort = cohort_of(session, actor, cohort_id)
        authorize(actor, "read", "snapshot")
        before = _load(session, cohort_id, before_id)
        before_payload, before_label = before.payload, before.label
        if after_id is None:
            after_payload = build_state(session, cohort_id, as_of=as_of)
            after_label = t("Aujourd'hui")
        else:
            after = _load(session, cohort_id, after_id)
            after_payload, after_label = after.payload, after.label
        networks = network_frame(session, actor, cohort)
    return diff_states(
        before_payload, after_payload, networks, before_label=before_label, after_label=after_label
    )
