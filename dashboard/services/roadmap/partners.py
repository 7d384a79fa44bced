"""The partner list shared by every network: picked from, or added to with its family."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import ConflictError, ValidationFailed
from dashboard.core.i18n import label_of, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.shared import audit
from dashboard.services.shared.fields import SingleLineText
from dashboard.services.shared.forms import clean, validated
from models import Partner
from models.enums import PartnerFamily

PARTNER_LABELS = {"name": "Nom du partenaire", "family": "Famille de partenaire"}


class PartnerInput(SQLModel):
    name: SingleLineText = Field(min_length=1, max_length=200)
    family: PartnerFamily


def list_partners(engine: Engine, actor: Actor) -> pd.DataFrame:
    """The shared partner list (id, name, family), by name."""
    authorize(actor, "read", "partner")
    with read_scope(engine) as session:
        rows = session.exec(
            select(Partner.id, Partner.name, Partner.family).order_by(func.lower(Partner.name))
        ).all()
    return pd.DataFrame(rows, columns=["id", "name", "family"])


def _named(session: Session, name: str) -> Partner | None:
    return session.exec(select(Partner).where(func.lower(Partner.name) == name.lower())).first()


def find_or_create_partner(
    session: Session,
    actor: Actor,
    name: Any,
    family: Any,
    *,
    network_id: int | None = None,
    cohort_id: int | None = None,
) -> Partner:
    """The partner called ``name`` (case-insensitive), created when new."""
    authorize(actor, "create", "partner")
    data = validated(
        PartnerInput,
        {"name": clean(name), "family": clean(family)},
        labels=PARTNER_LABELS,
        enums={"family": PartnerFamily},
    )
    existing = _named(session, data.name)
    if existing is not None:
        if existing.family != data.family.value:
            raise ValidationFailed(
                t(
                    "Le partenaire « {name} » existe déjà dans la famille « {family} » : "
                    "choisissez-le dans la liste.",
                    name=existing.name,
                    family=label_of(PartnerFamily, existing.family),
                )
            )
        return existing
    row = Partner(name=data.name, family=data.family.value)
    try:
        with session.begin_nested():  # someone may add the same name at the same moment
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise ConflictError(
            t(
                "Le partenaire « {name} » vient d'être ajouté par une autre personne : "
                "rechargez la page et choisissez-le dans la liste.",
                name=data.name,
            )
        ) from exc
    audit.log_create(
        session,
        actor,
        "partner",
        row,
        fields=["name", "family"],
        network_id=network_id,
        cohort_id=cohort_id,
    )
    return row


def create_partner(engine: Engine, actor: Actor, *, name: str, family: str) -> dict:
    """Add a partner to the shared list (or return the existing one of the same name)."""
    with session_scope(engine) as session:
        row = find_or_create_partner(session, actor, name, family)
        return {"id": row.id, "name": row.name, "family": row.family}
