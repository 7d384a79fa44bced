"""What a milestone save checks before anything is written: the input model and the rules
beyond the types, the row named in messages, the owners of the linked objectives / alliances / sessions, and the
conflict raised when a row changed or went away since the grid was read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import field_validator
from sqlmodel import Field, Session, SQLModel, col, select

from dashboard.core.errors import ConflictError
from dashboard.core.i18n import fmt_date, label_of, t
from dashboard.services.roadmap.milestone_grid import LABELS
from dashboard.services.shared import audit
from dashboard.services.shared.fields import MultiLineText, SingleLineText
from dashboard.services.shared.forms import (
    OptionalDate,
    TypedDate,
    clean,
    field_error,
    is_web_link,
    max_length,
    parse_number,
    row_where,
)
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

    @field_validator("progress", mode="before")
    @classmethod
    def _typed_progress(cls, value: Any) -> Any:
        """« 60 », « 60 % » or « 60,0 » as typed in the grid; letters are refused, not 0."""
        if isinstance(value, str):
            return parse_number(value.strip().removesuffix("%"))
        return value

    @field_validator("evidence_url")
    @classmethod
    def _web_link(cls, value: str | None) -> str | None:
        if value is not None and not is_web_link(value):
            raise ValueError(t("doit être une adresse web commençant par http:// ou https://"))
        return value


def row_prefix(row: int | None, title: Any) -> str:
    """``Ligne 3 (« Titre »)``, or ``Jalon « Titre »`` for a milestone saved outside a grid."""
    title = clean(title)
    if row is None:
        return t("Jalon « {title} »", title=title) if title else t("Jalon sans intitulé")
    return row_where(row, title)


def link_owners(session: Session, candidates: list[dict[str, Any]]) -> dict[str, dict[int, int]]:
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


def stale_conflict(session: Session, stale: list[tuple[Any, Milestone | None]]) -> ConflictError:
    """One message for rows changed or deleted since the grid was read: who and when."""
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


def milestone_rules(
    data: MilestoneInput,
    prefix: str,
    as_of: dt.date,
    network: Network,
    links: dict[str, dict[int, int]],
) -> list[str]:
    """Rules beyond the types: done date and status agree, no done date in the future, links
    to this network's objectives and alliances and its cohort's sessions."""
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


def stored_values(data: MilestoneInput) -> dict[str, Any]:
    """The row's columns from validated input (a done milestone is at 100 %)."""
    values = data.model_dump()
    values["status"] = data.status.value
    if data.status is MilestoneStatus.done:
        values["progress"] = 100
    return values
