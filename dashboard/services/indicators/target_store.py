"""Saving one network's target for one indicator: the input model, the scale check, and the
revision rule (a target changed once the cohort started keeps its first value and needs a
reason), with the change-log rows. Used by :mod:`dashboard.services.indicators.targets`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, field_validator, model_validator
from sqlmodel import Session, select

from dashboard.core.i18n import fmt_number, t
from dashboard.core.permissions import Actor
from dashboard.services.indicators import totals
from dashboard.services.shared import audit
from dashboard.services.shared.fields import FiniteNumber, MultiLineText
from dashboard.services.shared.forms import OptionalDate, field_error, parse_number
from models import Cohort, Indicator, IndicatorTarget, IndicatorValue, Network
from models.base import saved_id, utcnow
from models.enums import UNIT_RANGES, Entity

TARGET_LABELS = {
    "indicator_id": "Indicateur",
    "followed": "Suivi",
    "baseline_value": "Valeur de départ",
    "baseline_date": "Date de départ",
    "target_value": "Cible",
    "target_date": "Date de la cible",
    "reason": "Raison",
}


class TargetInput(BaseModel):
    indicator_id: int
    followed: bool = True
    # Typed text is parsed (« 1 234,5 », « jj/mm/aaaa »), never turned into 0 or today.
    baseline_value: Annotated[FiniteNumber | None, BeforeValidator(parse_number)] = None
    baseline_date: OptionalDate = None
    target_value: Annotated[FiniteNumber | None, BeforeValidator(parse_number)] = None
    target_date: OptionalDate = None
    reason: MultiLineText | None = None
    version: int | None = None

    @field_validator("reason", mode="before")
    @classmethod
    def strip_reason(cls, v):
        return (v.strip() or None) if isinstance(v, str) else v

    @model_validator(mode="after")
    def check_dates(self):
        if self.baseline_date and self.target_date and self.target_date < self.baseline_date:
            raise ValueError(t("la date de la cible précède la date de départ"))
        return self


def out_of_scale(indicator: Indicator, value: float | None) -> bool:
    """Outside the indicator's scale, or outside its unit's range (``UNIT_RANGES``)."""
    if value is None:
        return False
    bounds = UNIT_RANGES[indicator.unit]
    low = bounds.low if indicator.scale_min is None else max(bounds.low, indicator.scale_min)
    high = bounds.high if indicator.scale_max is None else min(bounds.high, indicator.scale_max)
    return not low <= value <= high


def save_target(
    session: Session,
    actor: Actor,
    network: Network,
    cohort: Cohort,
    indicator: Indicator,
    data: TargetInput,
    started: bool,
) -> list[str]:
    """Create, update or drop one target row; returns French errors (nothing written then)."""
    where = t("Indicateur « {label} »", label=indicator.label)
    target = session.exec(
        select(IndicatorTarget).where(
            IndicatorTarget.network_id == network.id,
            IndicatorTarget.indicator_id == indicator.id,
        )
    ).first()
    scope: audit.LogScope = {"network_id": network.id, "cohort_id": cohort.id}
    what = t("La cible {code} du réseau {network}", code=indicator.code, network=network.code)
    if not data.followed:
        return _unfollow(session, actor, network, indicator, target, data.version, where, what)
    errors = [
        field_error(where, t(TARGET_LABELS[name]), t("hors de l'échelle de l'indicateur"))
        for name in ("baseline_value", "target_value")
        if out_of_scale(indicator, getattr(data, name))
    ]
    if errors:
        return errors
    changes: dict[str, Any] = {
        "baseline_value": data.baseline_value,
        "baseline_date": data.baseline_date,
        "target_value": data.target_value,
        "target_date": data.target_date,
    }
    if target is None:
        target = IndicatorTarget(
            network_id=saved_id(network), indicator_id=saved_id(indicator), **changes
        )
        session.add(target)
        session.flush()
        totals.followed_changed(session, saved_id(network), saved_id(indicator))
        audit.log_create(
            session,
            actor,
            Entity.indicator_target,
            target,
            fields=["indicator_id", *changes],
            reason=data.reason,
            **scope,
        )
        return []
    problem = _revision(target, data, started, actor, changes)
    if problem:
        return [field_error(where, t(TARGET_LABELS["reason"]), problem)]
    audit.update_versioned(
        session,
        actor,
        IndicatorTarget,
        saved_id(target),
        data.version,
        changes,
        entity=Entity.indicator_target,
        what=what,
        reason=data.reason,
        **scope,
    )
    return []


def _unfollow(
    session: Session,
    actor: Actor,
    network: Network,
    indicator: Indicator,
    target: IndicatorTarget | None,
    version: int | None,
    where: str,
    what: str,
) -> list[str]:
    """Drop the target of an indicator the network no longer follows (refused once it has
    values); returns French errors."""
    if target is None:
        return []
    if session.exec(
        select(IndicatorValue.id).where(
            IndicatorValue.network_id == network.id,
            IndicatorValue.indicator_id == indicator.id,
        )
    ).first():
        return [field_error(where, t("Suivi"), t("des valeurs sont saisies, il reste suivi"))]
    conflict = audit.stale_message(
        session, target, version, entity=Entity.indicator_target, what=what
    )
    if conflict:
        return [conflict]
    audit.log_delete(
        session,
        actor,
        Entity.indicator_target,
        target,
        summary_field="indicator_id",
        network_id=network.id,
        cohort_id=network.cohort_id,
    )
    session.delete(target)  # refused above while values are stored: no total changes
    return []


def _revision(
    target: IndicatorTarget,
    data: TargetInput,
    started: bool,
    actor: Actor,
    changes: dict[str, Any],
) -> str | None:
    """A target changed once the cohort started keeps its first value and needs a reason:
    adds the revision fields to ``changes``, or says why the change is refused."""
    revised = (
        started
        and target.target_value is not None
        and (data.target_value is None or float(data.target_value) != target.target_value)
    )
    if not revised:
        return None
    if not data.reason:
        return t(
            "obligatoire pour changer une cible une fois la cohorte commencée "
            "(cible actuelle {old})",
            old=fmt_number(target.target_value, 2),
        )
    changes["initial_target_value"] = (
        target.initial_target_value
        if target.initial_target_value is not None
        else target.target_value
    )
    changes["revision_reason"] = data.reason
    changes["revised_at"] = utcnow()
    changes["revised_by_id"] = actor.id
    return None
