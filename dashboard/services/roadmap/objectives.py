"""A network's roadmap: objectives, and (re-exported from their modules) the shared partner
list, alliances and their stage moves.

Every write checks the permission from the row's own network (a forged id of another network is
refused), validates through non-table input models, and writes its change-log rows in the same
transaction as the change.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, col

from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.shared import audit
from dashboard.services.shared.access import (
    owned_row,
    readable_network,
    update_owned,
    writable_network,
)
from dashboard.services.shared.fields import MultiLineText, SingleLineText
from dashboard.services.shared.forms import clean, field_error, max_length, validated
from models import Objective
from models.base import saved_id
from models.enums import Entity, Motivation

# ---------------------------------------------------------------------------------- objectives

# The form's labels, also the field names of its messages (one wording for both).
OBJECTIVE_LABELS = {
    "title": "Intitulé",
    "motivation": "Motivation",
    "description": "Description (facultatif)",
}


class ObjectiveInput(SQLModel):
    title: SingleLineText = Field(min_length=1, max_length=max_length(Objective, "title"))
    motivation: Motivation
    description: MultiLineText | None = Field(
        default=None, max_length=max_length(Objective, "description")
    )


def list_objectives(engine: Engine, actor: Actor, network_id: int) -> pd.DataFrame:
    """The network's objectives, active first (id, code, title, motivation, description,
    archived, version, updated_at)."""
    authorize(actor, "read", "objective")
    with read_scope(engine) as session:
        readable_network(session, actor, network_id)
        rows = session.execute(
            sa_select(
                col(Objective.id),
                col(Objective.code),
                col(Objective.title),
                col(Objective.motivation),
                col(Objective.description),
                col(Objective.archived),
                col(Objective.version),
                col(Objective.updated_at),
            )
            .where(col(Objective.network_id) == network_id)
            .order_by(col(Objective.archived), col(Objective.id))
        ).all()
    columns = ["id", "code", "title", "motivation", "description", "archived", "version"]
    return pd.DataFrame(rows, columns=[*columns, "updated_at"])


def _objective_fields(title: Any, motivation: Any, description: Any) -> ObjectiveInput:
    data = {"title": clean(title), "motivation": clean(motivation)}
    data["description"] = clean(description)
    return validated(
        ObjectiveInput, data, labels=OBJECTIVE_LABELS, enums={"motivation": Motivation}
    )


def create_objective(
    engine: Engine,
    actor: Actor,
    network_id: int,
    *,
    title: str,
    motivation: str,
    description: str | None = None,
) -> dict:
    """Add an objective to the network's roadmap. Returns ``{"id", "version"}``."""
    with session_scope(engine) as session:
        network = writable_network(session, actor, "objective", network_id)
        data = _objective_fields(title, motivation, description)
        row = Objective(
            network_id=saved_id(network),
            title=data.title,
            motivation=data.motivation.value,
            description=data.description,
        )
        session.add(row)
        session.flush()
        audit.log_create(
            session,
            actor,
            "objective",
            row,
            fields=["title", "motivation", "description"],
            network_id=network.id,
            cohort_id=network.cohort_id,
        )
        return {"id": row.id, "version": row.version}


def update_objective(
    engine: Engine,
    actor: Actor,
    objective_id: int,
    version: int,
    *,
    title: str,
    motivation: str,
    description: str | None = None,
) -> dict:
    """Edit an objective the user saw at ``version`` (ConflictError if changed since)."""
    with session_scope(engine) as session:
        row = owned_row(
            session, actor, Objective, objective_id, entity=Entity.objective, what=t("Cet objectif")
        )
        data = _objective_fields(title, motivation, description)
        changes = {
            "title": data.title,
            "motivation": data.motivation.value,
            "description": data.description,
        }
        what = t("L'objectif « {title} »", title=row.title)
        return update_owned(
            session, actor, Objective, row, version, changes, entity=Entity.objective, what=what
        )


def set_objective_archived(
    engine: Engine, actor: Actor, objective_id: int, version: int, *, archived: bool
) -> dict:
    """Archive (or bring back) an objective; its alliances and milestones keep their link."""
    if not isinstance(archived, bool):
        raise ValidationFailed(field_error("", t("Archivé"), t("doit valoir oui ou non")))
    with session_scope(engine) as session:
        row = owned_row(
            session, actor, Objective, objective_id, entity=Entity.objective, what=t("Cet objectif")
        )
        what = t("L'objectif « {title} »", title=row.title)
        return update_owned(
            session,
            actor,
            Objective,
            row,
            version,
            {"archived": archived},
            entity=Entity.objective,
            what=what,
        )
