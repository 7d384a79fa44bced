"""Programme administration: the indicator catalogue, which indicators each network follows,
and each network's baseline and target (the latter in :mod:`catalogue_targets`, re-exported
here).

A code is immutable once values exist.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from pydantic import BaseModel, field_validator, model_validator
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import NotFound, ValidationFailed
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.shared import audit
from dashboard.services.shared.fields import (
    FiniteNumber,
    MultiLineText,
    SingleLineText,
    WholeNumber,
    range_problem,
)
from dashboard.services.shared.forms import check
from models import Indicator, IndicatorTarget, IndicatorValue
from models.base import saved_id
from models.enums import Accumulation, Direction, Entity, ImpactAxis, Lever, Unit

__all__ = [
    "INDICATOR_COLUMNS",
    "INDICATOR_LABELS",
    "IndicatorInput",
    "create_indicator",
    "list_indicators",
    "update_indicator",
]

INDICATOR_LABELS = {
    "code": "Code",
    "label": "Libellé",
    "definition": "Définition",
    "unit": "Unité",
    "direction": "Sens",
    "accumulation": "Cumul",
    "is_key": "Indicateur clé",
    "impact_axis": "Axe d'impact",
    "lever": "Levier",
    "scale_min": "Échelle min.",
    "scale_max": "Échelle max.",
    "position": "Ordre",
}
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,59}$")


class IndicatorInput(BaseModel):
    code: SingleLineText
    label: SingleLineText
    definition: MultiLineText | None = None
    unit: Unit
    direction: Direction = Direction.higher_is_better
    accumulation: Accumulation
    is_key: bool = False
    impact_axis: ImpactAxis
    lever: Lever
    scale_min: FiniteNumber | None = None
    scale_max: FiniteNumber | None = None
    position: WholeNumber | None = None

    @field_validator("code", "label", "definition", mode="before")
    @classmethod
    def strip_text(cls, v):
        return (v.strip() or None) if isinstance(v, str) else v

    @field_validator("code")
    @classmethod
    def check_code(cls, v: str) -> str:
        v = v.upper()
        if not _CODE.match(v):
            raise ValueError(t("majuscules, chiffres et « _ », commençant par une lettre"))
        return v

    @field_validator("label")
    @classmethod
    def check_label(cls, v: str) -> str:
        if len(v) > 200:
            raise ValueError(t("200 caractères au plus"))
        return v

    @model_validator(mode="after")
    def check_scale(self):
        if (
            self.scale_min is not None
            and self.scale_max is not None
            and self.scale_max <= self.scale_min
        ):
            raise ValueError(t("Échelle : le maximum doit dépasser le minimum"))
        for bound in (self.scale_min, self.scale_max):
            problem = None if bound is None else range_problem(self.unit, bound)
            if problem:
                raise ValueError(t("Échelle : chaque borne {problem}", problem=problem))
        return self


# ---------------------------------------------------------------- catalogue

INDICATOR_COLUMNS = list(INDICATOR_LABELS)


def list_indicators(engine: Engine, actor: Actor) -> pd.DataFrame:
    """The catalogue in display order, with ``has_values`` (code locked), ``networks``
    (how many follow it) and ``version``."""
    authorize(actor, "read", "indicator")
    with read_scope(engine) as session:
        values = (
            select(IndicatorValue.indicator_id, func.count().label("n"))
            .group_by(col(IndicatorValue.indicator_id))
            .subquery()
        )
        follows = (
            select(IndicatorTarget.indicator_id, func.count().label("n"))
            .group_by(col(IndicatorTarget.indicator_id))
            .subquery()
        )
        rows = session.execute(
            sa_select(
                col(Indicator.id),
                *(getattr(Indicator, c) for c in INDICATOR_COLUMNS),
                func.coalesce(values.c.n, 0) > 0,
                func.coalesce(follows.c.n, 0),
                col(Indicator.version),
            )
            .outerjoin(values, values.c.indicator_id == Indicator.id)
            .outerjoin(follows, follows.c.indicator_id == Indicator.id)
            .order_by(col(Indicator.position), col(Indicator.code))
        ).all()
    return pd.DataFrame(
        rows, columns=["id", *INDICATOR_COLUMNS, "has_values", "networks", "version"]
    )


def _indicator_values(data: IndicatorInput) -> dict[str, Any]:
    values = data.model_dump()
    for name in ("unit", "direction", "accumulation", "impact_axis", "lever"):
        values[name] = values[name].value
    return values


def create_indicator(engine: Engine, actor: Actor, **fields: Any) -> int:
    """Add an indicator to the catalogue (code, label, definition, unit, direction,
    accumulation, is_key, impact_axis, lever, scale_min, scale_max); returns its id."""
    authorize(actor, "create", "indicator")
    data = check(IndicatorInput, fields, INDICATOR_LABELS)
    with session_scope(engine) as session:
        if session.exec(select(Indicator.id).where(Indicator.code == data.code)).first():
            raise ValidationFailed(t("Code : « {code} » existe déjà.", code=data.code))
        values = _indicator_values(data)
        if values["position"] is None:
            values["position"] = (
                session.exec(select(func.coalesce(func.max(Indicator.position), 0))).one() + 1
            )
        indicator = Indicator(**values)
        session.add(indicator)
        session.flush()
        audit.log_create(session, actor, Entity.indicator, indicator, fields=INDICATOR_COLUMNS)
        return saved_id(indicator)


def update_indicator(
    engine: Engine, actor: Actor, indicator_id: int, *, version: int, **fields: Any
) -> int:
    """Edit an indicator, given the version the user saw (fields not given keep their value).
    The code cannot change once values exist. Returns the new version."""
    authorize(actor, "update", "indicator")
    with session_scope(engine) as session:
        indicator = session.get(Indicator, indicator_id)
        if indicator is None:
            raise NotFound(t("Cet indicateur n'existe pas."))
        current = {c: getattr(indicator, c) for c in INDICATOR_COLUMNS}
        data = check(IndicatorInput, current | fields, INDICATOR_LABELS)
        values = _indicator_values(data)
        if values["position"] is None:
            values["position"] = indicator.position
        if data.code != indicator.code:
            has_values = session.exec(
                select(IndicatorValue.id).where(IndicatorValue.indicator_id == indicator_id)
            ).first()
            if has_values:
                raise ValidationFailed(
                    t(
                        "Code : « {code} » ne peut plus changer, des valeurs sont déjà saisies "
                        "pour cet indicateur.",
                        code=indicator.code,
                    )
                )
            if session.exec(select(Indicator.id).where(Indicator.code == data.code)).first():
                raise ValidationFailed(t("Code : « {code} » existe déjà.", code=data.code))
        row = audit.update_versioned(
            session,
            actor,
            Indicator,
            indicator_id,
            version,
            values,
            entity=Entity.indicator,
            what=t("L'indicateur {code}", code=indicator.code),
        )
        return row.version
