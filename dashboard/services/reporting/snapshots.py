"""Snapshots: a frozen copy of a cohort's state at a session, and "what changed" since.

A snapshot's payload is the cohort's state (:mod:`.snapshot_state`), stored compressed. It is
immutable: this module offers no update or delete, and a label can be used only once per
cohort. Comparing two snapshots, or a snapshot and now, goes through the same state builder, so
both sides are computed alike.

Because a snapshot never changes, what changed between two of them is worked out once per
process (:data:`FROZEN_CACHE` pairs of ids) and each stored state is decoded once: a comparison
asked again, by anyone, only attaches the network names that person may see.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
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
from dashboard.services.indicators.progress import cohort_of, network_frame
from dashboard.services.reporting.snapshot_diff import (
    SnapshotChanges,
    SnapshotDiff,
    named_diff,
    snapshot_changes,
)
from dashboard.services.reporting.snapshot_state import (
    ALLIANCE_KEYS,
    INDICATOR_KEYS,
    MATURITY_KEYS,
    MILESTONE_KEYS,
    OBJECTIVE_KEYS,
    PAYLOAD_SCHEMA,
    build_state,
    build_state_at,
    pack_payload,
    read_payload,
)
from dashboard.services.shared import audit
from dashboard.services.shared.fields import SingleLineText
from dashboard.services.shared.forms import french_errors, max_length
from models import Cohort, ProgrammeSession, Snapshot, User
from models.base import saved_id
from models.enums import Entity

__all__ = [
    "ALLIANCE_KEYS",
    "INDICATOR_KEYS",
    "MATURITY_KEYS",
    "MILESTONE_KEYS",
    "OBJECTIVE_KEYS",
    "PAYLOAD_SCHEMA",
    "SnapshotInfo",
    "SnapshotInput",
    "build_state",
    "build_state_at",
    "compare_snapshots",
    "freeze_past_sessions",
    "list_snapshots",
    "take_snapshot",
]

FROZEN_CACHE = 32  # pairs of snapshots (and decoded states) kept per process


class SnapshotInput(SQLModel):
    label: SingleLineText = Field(min_length=1, max_length=max_length(Snapshot, "label"))
    session_id: int | None = None


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    label: str
    session_id: int | None
    taken_at: dt.datetime


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
            payload=pack_payload(build_state(session, cohort_id, as_of=as_of)),
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
                    payload=pack_payload(build_state_at(session, cohort, day=day)),
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


class _Frozen:
    """What never changes once stored, kept per process: decoded states by snapshot and the
    changes between two snapshots, by database and ids (oldest dropped past ``size``)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> object | None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
            return self.items.get(key)

    def put(self, key: tuple, value: object) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_frozen = _Frozen(FROZEN_CACHE * 3)


def _labels(session: Session, cohort_id: int, ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each snapshot's label and the moment it was taken (part of the cache keys: ids alone
    could repeat in another database at the same address), after checking each one is of this
    cohort. The payloads are not read."""
    rows = session.execute(
        sa_select(col(Snapshot.id), col(Snapshot.label), col(Snapshot.taken_at)).where(
            col(Snapshot.id).in_(ids), col(Snapshot.cohort_id) == cohort_id
        )
    ).all()
    found = {int(i): (str(label), str(taken)) for i, label, taken in rows}
    if any(i not in found for i in ids):
        raise NotFound(t("Cet instantané n'existe pas dans cette cohorte."))
    return found


def _state(session: Session, where: tuple, snapshot_id: int) -> dict:
    key = ("state", *where, snapshot_id)
    state = _frozen.get(key)
    if state is None:
        stored = session.execute(
            sa_select(col(Snapshot.payload)).where(col(Snapshot.id) == snapshot_id)
        ).scalar_one()
        state = read_payload(stored)
        _frozen.put(key, state)
    return state  # type: ignore[return-value]


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

    Between two snapshots the changes are worked out once per process (snapshots never
    change); against now, the stored state is decoded once and only today's is built.
    """
    as_of = as_of or clock.today()
    url = engine.url.render_as_string(hide_password=True)
    with read_scope(engine) as session:
        cohort = cohort_of(session, actor, cohort_id)
        authorize(actor, "read", "snapshot")
        ids = [before_id] if after_id is None else [before_id, after_id]
        labels = _labels(session, cohort_id, ids)
        networks = network_frame(session, actor, cohort)
        before = (url, labels[before_id][1])
        if after_id is None:
            changes = snapshot_changes(
                _state(session, before, before_id), build_state(session, cohort_id, as_of=as_of)
            )
            after_label = t("Aujourd'hui")
        else:
            key = ("changes", url, before_id, labels[before_id][1], after_id, labels[after_id][1])
            cached = _frozen.get(key)
            if cached is None:
                after = (url, labels[after_id][1])
                cached = snapshot_changes(
                    _state(session, before, before_id), _state(session, after, after_id)
                )
                _frozen.put(key, cached)
            changes = cached  # type: ignore[assignment]
            after_label = labels[after_id][0]
    assert isinstance(changes, SnapshotChanges)
    return named_diff(changes, networks, before_label=labels[before_id][0], after_label=after_label)
