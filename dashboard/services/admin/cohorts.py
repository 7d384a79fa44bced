"""Programme administration: cohorts (dates, draft/active, anonymisation, closing and
reopening). Their networks and sessions are in :mod:`dashboard.services.admin.networks` and :mod:`dashboard.services.admin.sessions`,
re-exported here.

A closed cohort is read-only: every write on it, its networks or its sessions is refused
(exports still read it).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from dashboard.core.db import session_scope
from dashboard.core.errors import NotFound, ValidationFailed
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.shared import access, audit
from dashboard.services.shared.fields import SingleLineText
from dashboard.services.shared.forms import (
    CODE,
    TypedDate,
    check,
    max_length,
    strip_blank,
)
from models import Cohort, ProgrammeSession
from models.base import saved_id
from models.enums import CohortStatus, Entity

__all__ = [
    "COHORT_LABELS",
    "CohortInput",
    "close_cohort",
    "create_cohort",
    "reopen_cohort",
    "update_cohort",
]

COHORT_LABELS = {
    "code": "Code",
    "name": "Nom",
    "start_date": "Début",
    "end_date": "Fin",
    "status": "État",
    "anonymise_for_leads": "Anonymisation",
}


class CohortInput(BaseModel):
    code: SingleLineText = Field(max_length=max_length(Cohort, "code"))
    name: SingleLineText = Field(max_length=max_length(Cohort, "name"))
    start_date: TypedDate  # a date, or « jj/mm/aaaa » as typed
    end_date: TypedDate
    status: CohortStatus = CohortStatus.active
    anonymise_for_leads: bool = False

    strip_text = field_validator("code", "name", mode="before")(strip_blank)

    @field_validator("code")
    @classmethod
    def check_code(cls, v: str) -> str:
        if len(v) > 40 or not CODE.match(v):
            raise ValueError(t("lettres, chiffres, « - », « _ » ou « . », 40 caractères au plus"))
        return v

    @field_validator("name")
    @classmethod
    def check_name(cls, v: str) -> str:
        if len(v) > 200:
            raise ValueError(t("200 caractères au plus"))
        return v

    @model_validator(mode="after")
    def check_dates(self):
        if self.end_date < self.start_date:
            raise ValueError(t("la date de fin précède la date de début"))
        return self


# ---------------------------------------------------------------- cohorts


def create_cohort(
    engine: Engine,
    actor: Actor,
    *,
    code: str,
    name: str,
    start_date: dt.date | str,
    end_date: dt.date | str,
    status: str = CohortStatus.active,
    anonymise_for_leads: bool = False,
) -> int:
    """Create a cohort (draft or active); returns its id."""
    authorize(actor, "create", "cohort")
    data = check(
        CohortInput,
        {
            "code": code,
            "name": name,
            "start_date": start_date,
            "end_date": end_date,
            "status": status,
            "anonymise_for_leads": anonymise_for_leads,
        },
        COHORT_LABELS,
    )
    if data.status is CohortStatus.closed:
        raise ValidationFailed(t("Une nouvelle cohorte ne peut pas être créée clôturée."))
    with session_scope(engine) as session:
        if session.exec(select(Cohort.id).where(Cohort.code == data.code)).first():
            raise ValidationFailed(t("Le code de cohorte « {code} » existe déjà.", code=data.code))
        cohort = Cohort(**data.model_dump() | {"status": data.status.value})
        session.add(cohort)
        session.flush()
        audit.log_create(
            session, actor, Entity.cohort, cohort, fields=list(COHORT_LABELS), cohort_id=cohort.id
        )
        return saved_id(cohort)


def update_cohort(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    version: int,
    name: str,
    start_date: dt.date | str,
    end_date: dt.date | str,
    anonymise_for_leads: bool,
    status: str | None = None,
) -> int:
    """Edit a cohort (name, dates, draft/active, how leads see other networks). Returns the
    new version. A closed cohort is refused; closing goes through :func:`close_cohort`."""
    authorize(actor, "update", "cohort")
    with session_scope(engine) as session:
        cohort = access.writable_cohort(session, cohort_id)
        status = status or cohort.status
        data = check(
            CohortInput,
            {
                "code": cohort.code,
                "name": name,
                "start_date": start_date,
                "end_date": end_date,
                "status": status,
                "anonymise_for_leads": anonymise_for_leads,
            },
            COHORT_LABELS,
        )
        if data.status is CohortStatus.closed:
            raise ValidationFailed(t("Pour clôturer une cohorte, utilisez « Clôturer »."))
        outside = session.exec(
            select(func.count())
            .select_from(ProgrammeSession)
            .where(
                ProgrammeSession.cohort_id == cohort_id,
                (ProgrammeSession.session_date < data.start_date)
                | (ProgrammeSession.session_date > data.end_date),
            )
        ).one()
        if outside:
            raise ValidationFailed(
                t("{n} session(s) tomberaient hors des nouvelles dates de la cohorte.", n=outside)
            )
        row = audit.update_versioned(
            session,
            actor,
            Cohort,
            cohort_id,
            version,
            {
                "name": data.name,
                "start_date": data.start_date,
                "end_date": data.end_date,
                "status": data.status.value,
                "anonymise_for_leads": data.anonymise_for_leads,
            },
            entity=Entity.cohort,
            what=t("La cohorte « {name} »", name=cohort.name),
            cohort_id=cohort_id,
        )
        return row.version


def close_cohort(engine: Engine, actor: Actor, cohort_id: int, *, version: int) -> None:
    """Close a cohort: its data becomes read-only (still readable and exportable)."""
    authorize(actor, "update", "cohort")
    with session_scope(engine) as session:
        cohort = access.writable_cohort(session, cohort_id)
        audit.update_versioned(
            session,
            actor,
            Cohort,
            cohort_id,
            version,
            {"status": CohortStatus.closed.value},
            entity=Entity.cohort,
            what=t("La cohorte « {name} »", name=cohort.name),
            cohort_id=cohort_id,
        )


def reopen_cohort(
    engine: Engine, actor: Actor, cohort_id: int, *, version: int, reason: str
) -> None:
    """Reopen a closed cohort (a mistake, a late correction); the reason is logged."""
    authorize(actor, "update", "cohort")
    if not (reason or "").strip():
        raise ValidationFailed(t("Indiquez la raison de la réouverture."))
    with session_scope(engine) as session:
        cohort = session.get(Cohort, cohort_id)
        if cohort is None:
            raise NotFound(t("Cette cohorte n'existe pas."))
        audit.update_versioned(
            session,
            actor,
            Cohort,
            cohort_id,
            version,
            {"status": CohortStatus.active.value},
            entity=Entity.cohort,
            what=t("La cohorte « {name} »", name=cohort.name),
            cohort_id=cohort_id,
            reason=reason.strip(),
        )
