"""A network's alliances (add, edit, list).

The partner is picked from the shared list or added to it with its family. Le RAMEAU's company
partnership type is required when the partner is a company or a foundation and refused
otherwise. Stage moves are in :mod:`dashboard.services.roadmap.stages`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col

from dashboard.core import clock
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import fmt_date, label_of, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.roadmap.partners import find_or_create_partner
from dashboard.services.roadmap.stages import resume_stages
from dashboard.services.shared import audit
from dashboard.services.shared.access import (
    owned_row,
    readable_network,
    update_owned,
    writable_network,
)
from dashboard.services.shared.fields import EurAmount, MultiLineText, SingleLineText
from dashboard.services.shared.forms import clean, field_error, max_length, parse_date, validate
from models import Alliance, AllianceStageChange, Network, Objective, Partner
from models.base import saved_id
from models.enums import (
    SIGNED_STAGES,
    TERMINAL_STAGES,
    AllianceStage,
    CompanyPartnershipType,
    Entity,
    PartnerFamily,
    RelationLogic,
)

# Partner families for which Le RAMEAU's company partnership type applies.
COMPANY_FAMILIES = {PartnerFamily.company.value, PartnerFamily.foundation.value}


# The form's labels, also the field names of its messages (one wording for both).
ALLIANCE_LABELS = {
    "title": "Intitulé",
    "partner_id": "Partenaire",
    "company_type": "Type de partenariat entreprise (entreprises et fondations)",
    "relation_logic": "Logique de relation",
    "expected_value_eur": "Valeur attendue (€, facultatif)",
    "objective_id": "Objectif de la feuille de route (facultatif)",
    "description": "Description (facultatif)",
    "stage": "Étape actuelle",
    "stage_date": "Depuis le",
}


class AllianceInput(SQLModel):
    title: SingleLineText = Field(min_length=1, max_length=max_length(Alliance, "title"))
    company_type: CompanyPartnershipType | None = None
    relation_logic: RelationLogic = RelationLogic.exchange
    expected_value_eur: EurAmount | None = None
    objective_id: int | None = None
    description: MultiLineText | None = Field(
        default=None, max_length=max_length(Alliance, "description")
    )


def _alliance_input(session: Session, network_id: int, family: str, data: dict) -> AllianceInput:
    """Validate the fields, the company type against the partner family, and the objective."""
    obj, errors = validate(
        AllianceInput,
        {k: clean(v) for k, v in data.items()},
        labels=ALLIANCE_LABELS,
        enums={"company_type": CompanyPartnershipType, "relation_logic": RelationLogic},
    )
    if obj is not None:
        company_label = t(ALLIANCE_LABELS["company_type"])
        if family in COMPANY_FAMILIES and obj.company_type is None:
            errors.append(
                field_error(
                    "",
                    company_label,
                    t(
                        "est obligatoire pour un partenaire de la famille « {family} »",
                        family=label_of(PartnerFamily, family),
                    ),
                )
            )
        if family not in COMPANY_FAMILIES and obj.company_type is not None:
            errors.append(
                field_error(
                    "",
                    company_label,
                    t(
                        "ne s'applique qu'aux entreprises et fondations (partenaire de la "
                        "famille « {family} »)",
                        family=label_of(PartnerFamily, family),
                    ),
                )
            )
        if obj.objective_id is not None:
            objective = session.get(Objective, obj.objective_id)
            if objective is None or objective.network_id != network_id:
                errors.append(
                    field_error(
                        "",
                        t(ALLIANCE_LABELS["objective_id"]),
                        t("désigne un objectif qui n'appartient pas à ce réseau"),
                    )
                )
    if errors:
        raise ValidationFailed(errors)
    return obj


def _resolve_partner(
    session: Session,
    actor: Actor,
    network,
    partner_id: Any,
    new_partner_name: Any,
    new_partner_family: Any,
) -> Partner:
    if clean(new_partner_name) is not None:
        return find_or_create_partner(
            session,
            actor,
            new_partner_name,
            new_partner_family,
            network_id=network.id,
            cohort_id=network.cohort_id,
        )
    partner = None
    if clean(partner_id) is not None:
        try:
            partner = session.get(Partner, int(partner_id))
        except (TypeError, ValueError):
            partner = None
    if partner is None:
        raise ValidationFailed(
            field_error(
                "",
                t(ALLIANCE_LABELS["partner_id"]),
                t("est obligatoire : choisissez un partenaire de la liste ou ajoutez-en un"),
            )
        )
    return partner


# What a new alliance's change-log rows record.
_CREATED_FIELDS = [
    "title",
    "partner_id",
    "objective_id",
    "company_type",
    "relation_logic",
    "stage",
    "signed_on",
    "expected_value_eur",
    "description",
]


def _first_stage(
    stage: str | None, stage_date: dt.date | str | None, today: dt.date
) -> tuple[str, dt.date]:
    """The stage a new alliance starts at (not a terminal one) and its day (typed text or a
    date, default today, never in the future); ValidationFailed otherwise."""
    stage = clean(stage) or AllianceStage.identified.value
    stage_label = t(ALLIANCE_LABELS["stage"])
    if stage not in AllianceStage.__members__ or stage in TERMINAL_STAGES:
        raise ValidationFailed(
            field_error(
                "", stage_label, t("doit être une étape en cours (ni suspendue ni abandonnée)")
            )
        )
    date_label = t(ALLIANCE_LABELS["stage_date"])
    try:
        on = today if stage_date is None else parse_date(stage_date)
    except ValueError as exc:
        raise ValidationFailed(field_error("", date_label, str(exc))) from exc
    if on is None:
        raise ValidationFailed(field_error("", date_label, t("obligatoire")))
    if on > today:
        raise ValidationFailed(
            field_error(
                "",
                date_label,
                t(
                    "le {date} est dans le futur (aujourd'hui : {today})",
                    date=fmt_date(on),
                    today=fmt_date(today),
                ),
            )
        )
    return stage, on


def create_alliance(
    engine: Engine,
    actor: Actor,
    network_id: int,
    *,
    title: str,
    partner_id: int | None = None,
    new_partner_name: str | None = None,
    new_partner_family: str | None = None,
    company_type: str | None = None,
    relation_logic: str = RelationLogic.exchange.value,
    expected_value_eur: float | None = None,
    objective_id: int | None = None,
    description: str | None = None,
    stage: str = AllianceStage.identified.value,
    stage_date: dt.date | str | None = None,
    as_of: dt.date | None = None,
) -> dict:
    """Add an alliance with an existing partner (``partner_id``) or a new one
    (``new_partner_name`` + ``new_partner_family``, added to the shared list).

    The alliance starts at ``stage`` (any non-terminal stage, recorded as its first stage
    change, dated ``stage_date`` or today). Returns ``{"id", "version"}``.
    """
    today = as_of or clock.today()
    with session_scope(engine) as session:
        network = writable_network(session, actor, "alliance", network_id)
        partner = _resolve_partner(
            session, actor, network, partner_id, new_partner_name, new_partner_family
        )
        data = _alliance_input(
            session,
            saved_id(network),
            partner.family,
            {
                "title": title,
                "company_type": company_type,
                "relation_logic": relation_logic,
                "expected_value_eur": expected_value_eur,
                "objective_id": objective_id,
                "description": description,
            },
        )
        stage, on = _first_stage(stage, stage_date, today)
        row = Alliance(
            network_id=saved_id(network),
            partner_id=saved_id(partner),
            objective_id=data.objective_id,
            title=data.title,
            company_type=data.company_type.value if data.company_type else None,
            relation_logic=data.relation_logic.value,
            stage=stage,
            stage_changed_on=on,
            signed_on=on if stage in SIGNED_STAGES else None,
            expected_value_eur=data.expected_value_eur,
            description=data.description,
        )
        session.add(row)
        session.flush()
        session.add(
            AllianceStageChange(
                alliance_id=saved_id(row),
                from_stage=None,
                to_stage=stage,
                changed_on=on,
                changed_by_id=actor.id,
            )
        )
        audit.log_create(
            session,
            actor,
            Entity.alliance,
            row,
            fields=_CREATED_FIELDS,
            network_id=network.id,
            cohort_id=network.cohort_id,
        )
        return {"id": row.id, "version": row.version}


def update_alliance(
    engine: Engine,
    actor: Actor,
    alliance_id: int,
    version: int,
    *,
    title: str,
    partner_id: int | None = None,
    new_partner_name: str | None = None,
    new_partner_family: str | None = None,
    company_type: str | None = None,
    relation_logic: str = RelationLogic.exchange.value,
    expected_value_eur: float | None = None,
    objective_id: int | None = None,
    description: str | None = None,
) -> dict:
    """Edit an alliance's description fields (the stage moves through
    :func:`dashboard.services.roadmap.stages.move_alliance_stage`)."""
    with session_scope(engine) as session:
        row = owned_row(
            session, actor, Alliance, alliance_id, entity=Entity.alliance, what=t("Cette alliance")
        )
        network = session.get(Network, row.network_id)
        assert network is not None  # foreign key
        partner = _resolve_partner(
            session, actor, network, partner_id, new_partner_name, new_partner_family
        )
        data = _alliance_input(
            session,
            saved_id(network),
            partner.family,
            {
                "title": title,
                "company_type": company_type,
                "relation_logic": relation_logic,
                "expected_value_eur": expected_value_eur,
                "objective_id": objective_id,
                "description": description,
            },
        )
        changes = {
            "title": data.title,
            "partner_id": partner.id,
            "objective_id": data.objective_id,
            "company_type": data.company_type.value if data.company_type else None,
            "relation_logic": data.relation_logic.value,
            "expected_value_eur": data.expected_value_eur,
            "description": data.description,
        }
        what = t("L'alliance « {title} »", title=row.title)
        return update_owned(
            session, actor, Alliance, row, version, changes, entity=Entity.alliance, what=what
        )


def list_alliances(engine: Engine, actor: Actor, network_id: int) -> pd.DataFrame:
    """The network's alliances with partner and objective (one grouped query each), plus
    ``resume_stage``: for a suspended alliance, the stage it had before."""
    authorize(actor, "read", "alliance")
    columns = [
        "id",
        "code",
        "title",
        "partner_id",
        "partner_name",
        "partner_family",
        "company_type",
        "relation_logic",
        "stage",
        "stage_changed_on",
        "signed_on",
        "expected_value_eur",
        "objective_id",
        "objective_title",
        "description",
        "version",
    ]
    with read_scope(engine) as session:
        readable_network(session, actor, network_id)
        rows = session.execute(
            sa_select(
                col(Alliance.id),
                col(Alliance.code),
                col(Alliance.title),
                col(Alliance.partner_id),
                col(Partner.name),
                col(Partner.family),
                col(Alliance.company_type),
                col(Alliance.relation_logic),
                col(Alliance.stage),
                col(Alliance.stage_changed_on),
                col(Alliance.signed_on),
                col(Alliance.expected_value_eur),
                col(Alliance.objective_id),
                col(Objective.title),
                col(Alliance.description),
                col(Alliance.version),
            )
            .join(Partner, col(Partner.id) == Alliance.partner_id)
            .outerjoin(Objective, col(Objective.id) == Alliance.objective_id)
            .where(col(Alliance.network_id) == network_id)
            .order_by(col(Alliance.id))
        ).all()
        resume = resume_stages(session, network_id)
    df = pd.DataFrame(rows, columns=columns)
    df["resume_stage"] = [
        resume.get(i) if s == AllianceStage.suspended.value else None
        for i, s in zip(df["id"], df["stage"], strict=True)
    ]
    return df
