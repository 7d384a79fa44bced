"""Programme administration: a cohort's sessions (planned, numbered, rescheduled).

Session dates stay within the cohort; a closed cohort's sessions are read-only.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, field_validator
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.core.db import session_scope
from dashboard.core.errors import NotFound, ValidationFailed
from dashboard.core.i18n import fmt_date, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.shared import access, audit
from dashboard.services.shared.fields import SingleLineText, WholeNumber
from dashboard.services.shared.forms import (
    CODE,
    TypedDate,
    check,
    max_length,
    parse_number,
    strip_blank,
)
from models import Cohort, ProgrammeSession
from models.base import saved_id
from models.enums import Entity, Phase, SessionKind

SESSION_LABELS = {
    "code": "Code",
    "number": "Numéro",
    "kind": "Type",
    "phase": "Phase",
    "title": "Intitulé",
    "session_date": "Date",
    "host": "Accueil",
    "theme": "Thème",
}


class SessionInput(BaseModel):
    code: SingleLineText = Field(max_length=max_length(ProgrammeSession, "code"))
    number: Annotated[WholeNumber | None, BeforeValidator(parse_number)] = None
    kind: SessionKind
    phase: Phase | None = None
    title: SingleLineText = Field(max_length=max_length(ProgrammeSession, "title"))
    session_date: TypedDate  # a date, or « jj/mm/aaaa » as typed in the grid
    host: SingleLineText | None = Field(
        default=None, max_length=max_length(ProgrammeSession, "host")
    )
    theme: SingleLineText | None = Field(
        default=None, max_length=max_length(ProgrammeSession, "theme")
    )

    strip_text = field_validator("code", "title", "host", "theme", "phase", mode="before")(
        strip_blank
    )

    @field_validator("code")
    @classmethod
    def check_code(cls, v: str) -> str:
        if len(v) > 10 or not CODE.match(v):
            raise ValueError(t("lettres et chiffres, 10 caractères au plus (ex. S1, W1)"))
        return v.upper()

    @field_validator("number")
    @classmethod
    def check_number(cls, v: int | None) -> int | None:
        if v is not None and v < 1:
            raise ValueError(t("entier à partir de 1"))
        return v


def _session_where(row: dict, index: int) -> str:
    return t("Session {code}", code=row.get("code") or f"n° {index + 1}")


def save_sessions(engine: Engine, actor: Actor, cohort_id: int, rows: list[dict]) -> list[int]:
    """Plan sessions (rows without ``id``) and edit or reschedule planned ones (``id`` +
    ``version`` seen), all or nothing. Dates must fall within the cohort; a missing number
    follows the last one. Returns the ids, in the order of ``rows``."""
    authorize(actor, "create" if any(not r.get("id") for r in rows) else "update", "session")
    checked = _checked_rows(rows)
    ids: list[int] = []
    errors: list[str] = []
    with session_scope(engine) as session:
        cohort = access.writable_cohort(session, cohort_id)
        taken = dict(
            session.exec(
                select(ProgrammeSession.code, ProgrammeSession.id).where(
                    ProgrammeSession.cohort_id == cohort_id
                )
            ).all()
        )
        last_number = session.exec(
            select(func.coalesce(func.max(ProgrammeSession.number), 0)).where(
                ProgrammeSession.cohort_id == cohort_id
            )
        ).one()
        for i, (row, data) in enumerate(zip(rows, checked, strict=True)):
            session_id = int(row["id"]) if row.get("id") else None
            errors += _row_problems(_session_where(row, i), data, session_id, taken, cohort)
            if errors:
                continue  # still checking the rows below; nothing more is written
            values = data.model_dump()
            values["kind"] = data.kind.value
            values["phase"] = data.phase.value if data.phase else None
            if session_id is None:
                if values["number"] is None:
                    last_number += 1
                    values["number"] = last_number
                ids.append(_plan(session, actor, cohort_id, values))
            else:
                ids.append(_reschedule(session, actor, cohort_id, session_id, row, values))
            last_number = max(last_number, values["number"])
            taken[data.code] = ids[-1]
        if errors:
            raise ValidationFailed(errors)
    return ids


def _checked_rows(rows: list[dict]) -> list[SessionInput]:
    """Every row through the input model; every problem of every row at once."""
    errors: list[str] = []
    checked = []
    for i, row in enumerate(rows):
        try:
            checked.append(check(SessionInput, row, SESSION_LABELS, _session_where(row, i)))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return checked


def _row_problems(
    where: str, data: SessionInput, session_id: int | None, taken: dict, cohort: Cohort
) -> list[str]:
    """A code another session of the cohort has, a date outside the cohort."""
    errors = []
    if taken.get(data.code) not in (None, session_id):
        errors.append(f"{where} — " + t("Code : déjà utilisé dans la cohorte"))
    if not cohort.start_date <= data.session_date <= cohort.end_date:
        errors.append(
            f"{where} — "
            + t(
                "Date : en dehors de la cohorte (du {start} au {end})",
                start=fmt_date(cohort.start_date),
                end=fmt_date(cohort.end_date),
            )
        )
    return errors


def _plan(session: Session, actor: Actor, cohort_id: int, values: dict[str, Any]) -> int:
    ps = ProgrammeSession(cohort_id=cohort_id, **values)
    session.add(ps)
    session.flush()
    audit.log_create(
        session, actor, Entity.session, ps, fields=list(SESSION_LABELS), cohort_id=cohort_id
    )
    return saved_id(ps)


def _reschedule(
    session: Session,
    actor: Actor,
    cohort_id: int,
    session_id: int,
    row: dict,
    values: dict[str, Any],
) -> int:
    """A planned session edited from the version the user saw (a blank number kept)."""
    existing = session.get(ProgrammeSession, session_id)
    if existing is None or existing.cohort_id != cohort_id:
        raise NotFound(t("Cette session n'existe pas."))
    if values["number"] is None:
        values["number"] = existing.number
    audit.update_versioned(
        session,
        actor,
        ProgrammeSession,
        session_id,
        int(row["version"]) if row.get("version") is not None else None,
        values,
        entity=Entity.session,
        what=t("La session {code}", code=existing.code),
        cohort_id=cohort_id,
    )
    return session_id


def plan_session(engine: Engine, actor: Actor, cohort_id: int, **fields: Any) -> int:
    """Plan one session (code, kind, phase, title, session_date, host, theme); returns its id."""
    return save_sessions(engine, actor, cohort_id, [fields])[0]


def reschedule_session(
    engine: Engine, actor: Actor, session_id: int, *, version: int, session_date: dt.date
) -> None:
    """Move a session to another date (given the version the user saw)."""
    authorize(actor, "update", "session")
    with session_scope(engine) as session:
        ps = session.get(ProgrammeSession, session_id)
        if ps is None:
            raise NotFound(t("Cette session n'existe pas."))
        current = {k: getattr(ps, k) for k in SESSION_LABELS}
        cohort_id = ps.cohort_id
    save_sessions(
        engine,
        actor,
        cohort_id,
        [current | {"session_date": session_date, "id": session_id, "version": version}],
    )
