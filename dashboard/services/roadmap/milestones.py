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
from pydantic import field_validator
from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Field, Session, SQLModel, col, select

from dashboard.core import clock
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from dashboard.core.i18n import fmt_date, label_of, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.roadmap.milestone_grid import (
    GRID_COLUMNS,
    LABELS,
    DeletedMilestone,
    EditedMilestone,
    MilestoneChanges,
    coerce_changes,
)
from dashboard.services.shared import audit
from dashboard.services.shared.access import readable_network, writable_network
from dashboard.services.shared.fields import MultiLineText, SingleLineText
from dashboard.services.shared.forms import (
    OptionalDate,
    TypedDate,
    clean,
    field_error,
    is_web_link,
    max_length,
    row_where,
    validate,
)
from dashboard.services.shared.rules import is_late
from models import Alliance, Milestone, Network, Objective, ProgrammeSession
from models.base import by_id, saved_id
from models.enums import Entity, MilestoneStatus


class MilestoneInput(SQLModel):
    title: SingleLineText = Field(min_length=1, max_length=max_length(Milestone, "title"))
    owner: SingleLineText | None = Field(default=None, max_length=max_length(Milestone, "owner"))
    due_date: TypedDate  # « jj/mm/aaaa » as typed in the grid, or a date
    status: MilestoneStatus = MilestoneStatus.planned
    progress: int = Field(default=0, ge=0, le=100)
    done_date: OptionalDate = None
    objective_id: int | None = None
    alliance_id: int | None = None
    session_id: int | None = None
    evidence_url: SingleLineText | None = Field(
        default=None, max_length=max_length(Milestone, "evidence_url")
    )
    comment: MultiLineText | None = Field(default=None, max_length=max_length(Milestone, "comment"))

    @field_validator("progress", "objective_id", "alliance_id", "session_id", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(t("nombre entier attendu (saisi : « {v} »)", v=value))
        return value

    @field_validator("evidence_url")
    @classmethod
    def _web_link(cls, value: str | None) -> str | None:
        if value is not None and not is_web_link(value):
            raise ValueError(t("doit être une adresse web commençant par http:// ou https://"))
        return value


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
        row = session.get(Milestone, milestone_id)
        if row is None:
            raise NotFound(t("Ce jalon n'existe pas (ou plus)."))
        readable_network(session, actor, row.network_id)
        return {"id": row.id, "network_id": row.network_id, "version": row.version} | {
            c: getattr(row, c) for c in GRID_COLUMNS
        }


def _prefix(row: int | None, title: Any) -> str:
    title = clean(title)
    if row is None:
        return t("Jalon « {title} »", title=title) if title else t("Jalon sans intitulé")
    return row_where(row, title)


def _rules(
    data: MilestoneInput,
    prefix: str,
    as_of: dt.date,
    network: Network,
    links: dict[str, dict[int, int]],
) -> list[str]:
    errors = []
    done_label = t(LABELS["done_date"])
    if data.status is MilestoneStatus.done and data.done_date is None:
        errors.append(
            field_error(prefix, done_label, t("est obligatoire quand le statut est « Réalisé »"))
        )
    if data.done_date is not None and data.status is not MilestoneStatus.done:
        errors.append(
            field_error(
                prefix,
                done_label,
                t(
                    "ne se renseigne que pour un jalon réalisé (statut choisi : « {s} »)",
                    s=label_of(MilestoneStatus, data.status.value),
                ),
            )
        )
    if data.done_date is not None and data.done_date > as_of:
        errors.append(
            field_error(
                prefix,
                done_label,
                t(
                    "le {date} est dans le futur : un jalon se déclare réalisé une fois fait "
                    "(aujourd'hui : {today})",
                    date=fmt_date(data.done_date),
                    today=fmt_date(as_of),
                ),
            )
        )
    checks = (
        ("objective_id", network.id, t("désigne un objectif qui n'appartient pas à ce réseau")),
        ("alliance_id", network.id, t("désigne une alliance qui n'appartient pas à ce réseau")),
        (
            "session_id",
            network.cohort_id,
            t("désigne une session qui n'appartient pas à la cohorte du réseau"),
        ),
    )
    for name, owner, message in checks:
        value = getattr(data, name)
        if value is not None and links[name].get(value) != owner:
            errors.append(field_error(prefix, t(LABELS[name]), message))
    return errors


def _links(session: Session, candidates: list[dict[str, Any]]) -> dict[str, dict[int, int]]:
    """Owner (network or cohort) of every objective / alliance / session referenced."""
    wanted: dict[str, set[int]] = {"objective_id": set(), "alliance_id": set(), "session_id": set()}
    for values in candidates:
        for name, ids in wanted.items():
            value = values.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                ids.add(value)
    out: dict[str, dict[int, int]] = {}
    for name, model, owner in (
        ("objective_id", Objective, Objective.network_id),
        ("alliance_id", Alliance, Alliance.network_id),
        ("session_id", ProgrammeSession, ProgrammeSession.cohort_id),
    ):
        ids = wanted[name]
        out[name] = (
            by_id(session.exec(select(col(model.id), owner).where(col(model.id).in_(ids))).all())
            if ids
            else {}
        )
    return out


def _conflict(session: Session, stale: list[tuple[Any, Milestone | None]]) -> ConflictError:
    details, messages = [], []
    for item, row in stale:
        title = row.title if row is not None else item.values.get("title", "")
        what = t("Le jalon « {title} » (ligne {n})", title=title, n=item.row or "?")
        if row is None:
            messages.append(
                t(
                    "{what} a été supprimé par une autre personne depuis que vous l'avez "
                    "ouvert. Rien n'a été enregistré : rechargez la grille.",
                    what=what,
                )
            )
            who, when = None, None
        else:
            who, when = audit.last_change(session, Entity.milestone, saved_id(row))
            messages.append(audit.changed_since_message(what, who, when))
        details.append({"id": item.id, "row": item.row, "title": title, "who": who, "when": when})
    message = messages[0]
    if len(messages) > 1:
        message += " " + t("({n} autres lignes sont dans le même cas.)", n=len(messages) - 1)
    return ConflictError(message, details=details)


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
        # Each kind of change needs its own permission: an edit is an "update", never a "create".
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
        targets: list[EditedMilestone | DeletedMilestone] = [*changes.edited, *changes.deleted]
        ids = [item.id for item in targets]
        if len(set(ids)) != len(ids):
            raise ValidationFailed(t("Une même ligne est modifiée ou supprimée deux fois."))
        rows = {
            r.id: r for r in session.exec(select(Milestone).where(col(Milestone.id).in_(ids))).all()
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
            (i, rows.get(i.id))
            for i in targets
            if i.id not in rows or rows[i.id].version != i.version
        ]
        if stale:
            raise _conflict(session, stale)

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
                        prefix=_prefix(item.row, merged["title"]),
                        cols=", ".join(map(str, unknown)),
                    )
                )
            candidates.append((item, merged))
        for added in changes.added:
            candidates.append((added, {c: clean(added.values.get(c)) for c in GRID_COLUMNS}))
        links = _links(session, [values for _, values in candidates])
        valid: list[tuple[Any, MilestoneInput]] = []
        for item, values in candidates:
            prefix = _prefix(item.row, values.get("title"))
            data, problems = validate(
                MilestoneInput,
                {k: v for k, v in values.items() if v is not None},
                labels=LABELS,
                enums={"status": MilestoneStatus},
                prefix=prefix,
            )
            if data is not None:
                problems = _rules(data, prefix, today, network, links)
            errors.extend(problems)
            valid.append((item, data))
        if errors:
            raise ValidationFailed(errors)

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
            values = _stored(data)
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
                audit.log_create(
                    session, actor, Entity.milestone, row, fields=GRID_COLUMNS, **scope
                )
        return SaveResult(
            created=len(changes.added), updated=len(changes.edited), deleted=len(changes.deleted)
        )


def _stored(data: MilestoneInput) -> dict[str, Any]:
    values = data.model_dump()
    values["status"] = data.status.value
    if data.status is MilestoneStatus.done:
        values["progress"] = 100
    return values
