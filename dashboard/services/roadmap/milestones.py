"""A network's milestones, edited as a grid and saved in one transaction or not at all.

``save_milestones`` receives what changed in the grid (edited rows with the version the user
saw, added rows, deleted rows with their version), checks every row against the database (it
must belong to the network, still have the version seen), validates every value and only then
writes, with its change-log rows. Any problem: nothing is written, and the errors name the row
(``Ligne 3 (« Titre »)``) and the field.

Rules beyond the types: a done milestone needs its done date, which cannot be in the future,
and its progress becomes 100; a done date is only set on a done milestone; the evidence link is
an http(s) address; the linked objective and alliance belong to the network, the session to its
cohort. "Late" is derived (services.shared.rules): neither done nor cancelled, due before today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from dashboard.core import clock
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from dashboard.core.i18n import fmt_date, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.roadmap.milestone_checks import (
    MilestoneInput,
    link_owners,
    milestone_rules,
    row_prefix,
    stale_conflict,
    stored_values,
)
from dashboard.services.roadmap.milestone_grid import (
    GRID_COLUMNS,
    LABELS,
    DeletedMilestone,
    EditedMilestone,
    MilestoneChanges,
    coerce_changes,
)
from dashboard.services.shared import audit
from dashboard.services.shared.access import readable_network, row_by_id, writable_network
from dashboard.services.shared.forms import (
    clean,
    validate,
)
from dashboard.services.shared.rules import is_late
from models import Alliance, Milestone, Network, Objective, ProgrammeSession
from models.base import by_id, saved_id
from models.enums import Entity, MilestoneStatus


@dataclass(frozen=True)
class SaveResult:
    created: int
    updated: int
    deleted: int


@dataclass(frozen=True)
class MilestoneGrid:
    """What the grid page needs: the rows and the choices of its dropdown columns."""

    rows: pd.DataFrame
    objectives: dict[int, str]
    alliances: dict[int, str]
    sessions: dict[int, str]


# --------------------------------------------------------------------------------------- reads


def _rows(session: Session, network_id: int, as_of: dt.date) -> pd.DataFrame:
    cols = [getattr(Milestone, c) for c in ["id", "version", *GRID_COLUMNS]]
    rows = session.exec(
        select(*cols)
        .where(Milestone.network_id == network_id)
        .order_by(Milestone.due_date, Milestone.id)
    ).all()
    df = pd.DataFrame(rows, columns=["id", "version", *GRID_COLUMNS])
    for name in ("objective_id", "alliance_id", "session_id", "progress", "id", "version"):
        df[name] = df[name].astype("Int64")
    for name in ("title", "owner", "status", "evidence_url", "comment"):
        df[name] = df[name].astype(object)
    df["late"] = [is_late(d, s, as_of) for d, s in zip(df["due_date"], df["status"], strict=True)]
    return df


def list_milestones(
    engine: Engine, actor: Actor, network_id: int, *, as_of: dt.date | None = None
) -> pd.DataFrame:
    """The network's milestones by due date (id, version, grid columns, ``late``)."""
    authorize(actor, "read", "milestone")
    with read_scope(engine) as session:
        readable_network(session, actor, network_id)
        return _rows(session, network_id, as_of or clock.today())


def milestone_grid(
    engine: Engine, actor: Actor, network_id: int, *, as_of: dt.date | None = None
) -> MilestoneGrid:
    """The network's milestones and the objectives / alliances / sessions they can link to."""
    authorize(actor, "read", "milestone")
    with read_scope(engine) as session:
        network = readable_network(session, actor, network_id)
        rows = _rows(session, network_id, as_of or clock.today())
        objectives = by_id(
            (i, f"{title} ({t('archivé')})" if archived else title)
            for i, title, archived in session.exec(
                select(Objective.id, Objective.title, Objective.archived)
                .where(Objective.network_id == network_id)
                .order_by(col(Objective.archived), col(Objective.id))
            )
        )
        alliances = by_id(
            session.exec(
                select(Alliance.id, Alliance.title)
                .where(Alliance.network_id == network_id)
                .order_by(col(Alliance.id))
            ).all()
        )
        sessions = by_id(
            (i, f"{code} — {fmt_date(day)}")
            for i, code, day in session.exec(
                select(
                    col(ProgrammeSession.id),
                    col(ProgrammeSession.code),
                    col(ProgrammeSession.session_date),
                )
                .where(ProgrammeSession.cohort_id == network.cohort_id)
                .order_by(col(ProgrammeSession.session_date))
            )
        )
    return MilestoneGrid(rows, objectives, alliances, sessions)


def get_milestone(engine: Engine, actor: Actor, milestone_id: int) -> dict:
    """One milestone as a dict (with its ``version``), for a read-modify-write."""
    authorize(actor, "read", "milestone")
    with read_scope(engine) as session:
        row = row_by_id(session, Milestone, milestone_id)
        if row is None:
            raise NotFound(t("Ce jalon n'existe pas (ou plus)."))
        readable_network(session, actor, row.network_id)
        return {"id": row.id, "network_id": row.network_id, "version": row.version} | {
            c: getattr(row, c) for c in GRID_COLUMNS
        }


def save_milestones(
    engine: Engine,
    actor: Actor,
    network_id: int,
    changes: MilestoneChanges | dict,
    *,
    as_of: dt.date | None = None,
) -> SaveResult:
    """Apply a grid's edits, additions and deletions in ONE transaction, or nothing.

    Raises PermissionDenied (another network's milestone or network), ConflictError (a row
    changed or deleted since the user read it; who and when), ValidationFailed (every problem,
    named by row and field).
    """
    today = as_of or clock.today()
    changes = coerce_changes(changes)
    with session_scope(engine) as session:
        network = _writable_network(session, actor, network_id, changes)
        rows = _checked_rows(session, network, changes)
        valid = _validated(session, network, changes, rows, today)
        _write(session, actor, network, changes, rows, valid)
        return SaveResult(
            created=len(changes.added), updated=len(changes.edited), deleted=len(changes.deleted)
        )


def _writable_network(
    session: Session, actor: Actor, network_id: int, changes: MilestoneChanges
) -> Network:
    """The network, once the actor may make each kind of change in it (an edit is an
    "update", never a "create") and its cohort is open."""
    needed = [
        action
        for action, items in (
            ("update", changes.edited),
            ("create", changes.added),
            ("delete", changes.deleted),
        )
        if items
    ] or ["update"]
    network = writable_network(session, actor, "milestone", network_id, action=needed[0])
    for action in needed[1:]:
        authorize(actor, action, "milestone", network_id=network.id)
    return network


def _checked_rows(
    session: Session, network: Network, changes: MilestoneChanges
) -> dict[int, Milestone]:
    """The edited and deleted rows: each once, of this network, still at the version seen."""
    targets: list[EditedMilestone | DeletedMilestone] = [*changes.edited, *changes.deleted]
    ids = [item.id for item in targets]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(t("Une même ligne est modifiée ou supprimée deux fois."))
    rows = {
        saved_id(r): r
        for r in session.exec(select(Milestone).where(col(Milestone.id).in_(ids))).all()
    }
    for item in targets:
        row = rows.get(item.id)
        if row is not None and row.network_id != network.id:
            raise PermissionDenied(
                t(
                    "Ligne {n} : ce jalon n'appartient pas au réseau « {name} ».",
                    n=item.row or "?",
                    name=network.name,
                )
            )
    stale = [
        (i, rows.get(i.id)) for i in targets if i.id not in rows or rows[i.id].version != i.version
    ]
    if stale:
        raise stale_conflict(session, stale)
    return rows


def _validated(
    session: Session,
    network: Network,
    changes: MilestoneChanges,
    rows: dict[int, Milestone],
    today: dt.date,
) -> list[tuple[Any, MilestoneInput]]:
    """Every edited row (merged with what is stored) and added row, validated; all the
    problems at once, named by row and field."""
    candidates: list[tuple[Any, dict[str, Any]]] = []
    errors: list[str] = []
    for item in changes.edited:
        unknown = [c for c in item.values if c not in GRID_COLUMNS]
        row = rows[item.id]
        merged = {c: getattr(row, c) for c in GRID_COLUMNS}
        merged.update({c: clean(v) for c, v in item.values.items() if c in GRID_COLUMNS})
        if unknown:
            errors.append(
                t(
                    "{prefix} : colonne non modifiable ({cols}).",
                    prefix=row_prefix(item.row, merged["title"]),
                    cols=", ".join(map(str, unknown)),
                )
            )
        candidates.append((item, merged))
    for added in changes.added:
        candidates.append((added, {c: clean(added.values.get(c)) for c in GRID_COLUMNS}))
    links = link_owners(session, [values for _, values in candidates])
    valid: list[tuple[Any, MilestoneInput]] = []
    for item, values in candidates:
        prefix = row_prefix(item.row, values.get("title"))
        data, problems = validate(
            MilestoneInput,
            {k: v for k, v in values.items() if v is not None},
            labels=LABELS,
            enums={"status": MilestoneStatus},
            prefix=prefix,
        )
        if data is not None:
            problems = milestone_rules(data, prefix, today, network, links)
        errors.extend(problems)
        valid.append((item, data))
    if errors:
        raise ValidationFailed(errors)
    return valid


def _write(
    session: Session,
    actor: Actor,
    network: Network,
    changes: MilestoneChanges,
    rows: dict[int, Milestone],
    valid: list[tuple[Any, MilestoneInput]],
) -> None:
    """Deletions, edits (version checked by the mapper) and additions, each change-logged."""
    scope: audit.LogScope = {"network_id": network.id, "cohort_id": network.cohort_id}
    for item in changes.deleted:
        row = rows[item.id]
        audit.log_delete(session, actor, Entity.milestone, row, summary_field="title", **scope)
        session.delete(row)
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(
            t("Un jalon supprimé a été modifié entre-temps : rechargez la grille.")
        ) from exc
    for item, data in valid:
        values = stored_values(data)
        if isinstance(item, EditedMilestone):
            audit.update_versioned(
                session,
                actor,
                Milestone,
                item.id,
                item.version,
                values,
                entity=Entity.milestone,
                what=t("Le jalon « {title} » (ligne {n})", title=data.title, n=item.row or "?"),
                **scope,
            )
        else:
            row = Milestone(network_id=saved_id(network), **values)
            session.add(row)
            session.flush()
            audit.log_create(session, actor, Entity.milestone, row, fields=GRID_COLUMNS, **scope)
