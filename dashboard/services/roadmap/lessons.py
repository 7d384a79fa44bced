"""Lessons learnt (enseignements) written by a network: category, statement, the session and
alliance they come from, who may see them, and how far they have been capitalised.

Capitalisation is the programme's collective work: a lead records what they *observed* and may
mark it *modelled* once they have turned it into a reusable method; *capitalised* and
*published* are set by the programme team only. Once the programme team has capitalised or
published a lesson, its text is part of the cohort's shared material: a lead can no longer edit
it (they ask the programme team). Visibility (network, cohort, public) is the lead's choice: it
is their consent to share. Collective lessons (no network) are the programme team's.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from dashboard.core.i18n import fmt_date, label_of, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.shared import access, audit
from dashboard.services.shared.access import (
    lesson_visibility,
    readable_network,
    update_owned,
    writable_network,
)
from dashboard.services.shared.fields import MultiLineText
from dashboard.services.shared.forms import clean, field_error, max_length, validated
from models import Alliance, Lesson, Network, ProgrammeSession, User
from models.base import by_id
from models.enums import CapitalisationStatus, Entity, LessonCategory, Role, Visibility

LABELS = {
    "category": "Catégorie",
    "statement": "Enseignement",
    "session_id": "Session (facultatif)",
    "alliance_id": "Alliance (facultatif)",
    "visibility": "Visibilité",
    "capitalisation": "Capitalisation",
}
LEAD_CAPITALISATION = [CapitalisationStatus.observed.value, CapitalisationStatus.modelled.value]
_FIELDS = ["category", "statement", "session_id", "alliance_id", "visibility", "capitalisation"]


class LessonInput(SQLModel):
    category: LessonCategory
    statement: MultiLineText = Field(min_length=1, max_length=max_length(Lesson, "statement"))
    session_id: int | None = None
    alliance_id: int | None = None
    visibility: Visibility = Visibility.cohort
    capitalisation: CapitalisationStatus = CapitalisationStatus.observed


def capitalisation_choices(actor: Actor) -> list[str]:
    """The capitalisation statuses ``actor`` may set."""
    if actor.role is Role.admin:
        return [c.value for c in CapitalisationStatus]
    return list(LEAD_CAPITALISATION)


def list_lessons(engine: Engine, actor: Actor, network_id: int) -> pd.DataFrame:
    """The network's lessons the actor may read (see :func:`lesson_visibility`), most recent
    first, with session code, alliance title, author."""
    authorize(actor, "read", "lesson")
    with read_scope(engine) as session:
        readable_network(session, actor, network_id)
        rows = session.execute(
            sa_select(
                col(Lesson.id),
                col(Lesson.code),
                col(Lesson.category),
                col(Lesson.statement),
                col(Lesson.session_id),
                col(ProgrammeSession.code),
                col(Lesson.alliance_id),
                col(Alliance.title),
                col(Lesson.visibility),
                col(Lesson.capitalisation),
                col(User.full_name),
                col(Lesson.updated_at),
                col(Lesson.version),
            )
            .outerjoin(ProgrammeSession, col(ProgrammeSession.id) == Lesson.session_id)
            .outerjoin(Alliance, col(Alliance.id) == Lesson.alliance_id)
            .outerjoin(User, col(User.id) == Lesson.author_id)
            .where(col(Lesson.network_id) == network_id, lesson_visibility(actor))
            .order_by(col(Lesson.id).desc())
        ).all()
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "code",
            "category",
            "statement",
            "session_id",
            "session_code",
            "alliance_id",
            "alliance_title",
            "visibility",
            "capitalisation",
            "author",
            "updated_at",
            "version",
        ],
    )


def lesson_choices(engine: Engine, actor: Actor, network_id: int) -> dict[str, dict[int, str]]:
    """Sessions of the network's cohort and the network's alliances, ``{id: label}``."""
    authorize(actor, "read", "lesson")
    with read_scope(engine) as session:
        network = readable_network(session, actor, network_id)
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
        alliances = by_id(
            session.exec(
                select(Alliance.id, Alliance.title)
                .where(Alliance.network_id == network_id)
                .order_by(col(Alliance.id))
            ).all()
        )
    return {"sessions": sessions, "alliances": alliances}


def _validated(session: Session, actor: Actor, network: Network, data: dict[str, Any]):
    obj = validated(
        LessonInput,
        {k: v for k, v in ((k, clean(v)) for k, v in data.items()) if v is not None},
        labels=LABELS,
        enums={
            "category": LessonCategory,
            "visibility": Visibility,
            "capitalisation": CapitalisationStatus,
        },
    )
    errors = []
    if obj.capitalisation.value not in capitalisation_choices(actor):
        errors.append(
            field_error(
                "",
                t(LABELS["capitalisation"]),
                t(
                    "ne peut être « {status} » que par l'équipe d'animation",
                    status=label_of(CapitalisationStatus, obj.capitalisation.value),
                ),
            )
        )
    if obj.session_id is not None:
        ps = session.get(ProgrammeSession, obj.session_id)
        if ps is None or ps.cohort_id != network.cohort_id:
            errors.append(
                field_error(
                    "",
                    t(LABELS["session_id"]),
                    t("désigne une session qui n'appartient pas à la cohorte du réseau"),
                )
            )
    if obj.alliance_id is not None:
        alliance = session.get(Alliance, obj.alliance_id)
        if alliance is None or alliance.network_id != network.id:
            errors.append(
                field_error(
                    "",
                    t(LABELS["alliance_id"]),
                    t("désigne une alliance qui n'appartient pas à ce réseau"),
                )
            )
    if errors:
        raise ValidationFailed(errors)
    return obj


def _stored(obj: LessonInput) -> dict[str, Any]:
    values = obj.model_dump()
    for name in ("category", "visibility", "capitalisation"):
        values[name] = getattr(obj, name).value
    return values


def create_lesson(
    engine: Engine,
    actor: Actor,
    network_id: int,
    *,
    category: str,
    statement: str,
    session_id: int | None = None,
    alliance_id: int | None = None,
    visibility: str = Visibility.cohort.value,
    capitalisation: str = CapitalisationStatus.observed.value,
) -> dict:
    """Record a lesson of the network. Returns ``{"id", "version"}``."""
    with session_scope(engine) as session:
        network = writable_network(session, actor, "lesson", network_id)
        obj = _validated(
            session,
            actor,
            network,
            {
                "category": category,
                "statement": statement,
                "session_id": session_id,
                "alliance_id": alliance_id,
                "visibility": visibility,
                "capitalisation": capitalisation,
            },
        )
        row = Lesson(
            cohort_id=network.cohort_id, network_id=network.id, author_id=actor.id, **_stored(obj)
        )
        session.add(row)
        session.flush()
        audit.log_create(
            session,
            actor,
            "lesson",
            row,
            fields=_FIELDS,
            network_id=network.id,
            cohort_id=network.cohort_id,
        )
        return {"id": row.id, "version": row.version}


def update_lesson(
    engine: Engine,
    actor: Actor,
    lesson_id: int,
    version: int,
    *,
    category: str,
    statement: str,
    session_id: int | None = None,
    alliance_id: int | None = None,
    visibility: str = Visibility.cohort.value,
    capitalisation: str = CapitalisationStatus.observed.value,
) -> dict:
    """Edit a lesson the user saw at ``version`` (see the module notes for who may edit what)."""
    with session_scope(engine) as session:
        try:
            row = session.get(Lesson, int(lesson_id))
        except (TypeError, ValueError):
            row = None
        if row is None:
            raise NotFound(t("Cet enseignement n'existe pas (ou plus)."))
        if row.network_id is None:  # a collective lesson: not part of a network's roadmap
            raise PermissionDenied(
                t(
                    "Cet enseignement collectif n'appartient à aucun réseau : il ne se modifie pas ici."
                )
            )
        network = access.ensure_network_writable(session, actor, "update", "lesson", row.network_id)
        if actor.role is not Role.admin and row.capitalisation not in LEAD_CAPITALISATION:
            raise PermissionDenied(
                t(
                    "Cet enseignement a été « {status} » par l'équipe d'animation : "
                    "demandez-lui de le modifier.",
                    status=label_of(CapitalisationStatus, row.capitalisation),
                )
            )
        obj = _validated(
            session,
            actor,
            network,
            {
                "category": category,
                "statement": statement,
                "session_id": session_id,
                "alliance_id": alliance_id,
                "visibility": visibility,
                "capitalisation": capitalisation,
            },
        )
        what = t("L'enseignement « {text} »", text=_short(row.statement))
        return update_owned(
            session, actor, Lesson, row, version, _stored(obj), entity=Entity.lesson, what=what
        )


def _short(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
