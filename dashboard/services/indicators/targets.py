"""Programme administration: which catalogue indicators each network follows, with its
baseline and target.

Once the cohort has started, changing a target value needs a reason; the first value is kept
as ``initial_target_value`` ("cible initiale") beside the revised one, and the change log keeps
every step with its reason.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from sqlalchemy import func, true
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from dashboard.core import clock
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import NotFound, ValidationFailed
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.indicators.target_store import TARGET_LABELS, TargetInput, save_target
from dashboard.services.shared import access
from dashboard.services.shared.forms import (
    check,
    clean,
    field_error,
)
from models import Cohort, Indicator, IndicatorTarget, IndicatorValue, Network, User
from models.enums import Role

TARGET_COLUMNS = [
    "indicator_id",
    "code",
    "label",
    "unit",
    "followed",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
    "initial_target_value",
    "revision_reason",
    "revised_at",
    "revised_by",
    "has_values",
    "target_id",
    "version",
]


def network_targets(engine: Engine, actor: Actor, network_id: int) -> pd.DataFrame:
    """One row per catalogue indicator for a network: whether it follows it, baseline and
    target (with any revision: initial value, reason, when, by whom), ``has_values``, and the
    target row's ``version`` (None when not followed)."""
    authorize(actor, "read", "indicator_target", network_id=network_id)
    if actor.role is Role.lead and network_id != actor.network_id:
        raise NotFound(t("Ce réseau n'existe pas ou ne vous est pas accessible."))
    with read_scope(engine) as session:
        if access.row_by_id(session, Network, network_id) is None:
            raise NotFound(t("Ce réseau n'existe pas."))
        values = (
            select(IndicatorValue.indicator_id, func.count().label("n"))
            .where(IndicatorValue.network_id == network_id)
            .group_by(col(IndicatorValue.indicator_id))
            .subquery()
        )
        rows = session.execute(
            sa_select(
                col(Indicator.id),
                col(Indicator.code),
                col(Indicator.label),
                col(Indicator.unit),
                col(IndicatorTarget.id).is_not(None),
                col(IndicatorTarget.baseline_value),
                col(IndicatorTarget.baseline_date),
                col(IndicatorTarget.target_value),
                col(IndicatorTarget.target_date),
                col(IndicatorTarget.initial_target_value),
                col(IndicatorTarget.revision_reason),
                col(IndicatorTarget.revised_at),
                col(User.full_name),
                func.coalesce(values.c.n, 0) > 0,
                col(IndicatorTarget.id),
                col(IndicatorTarget.version),
            )
            .outerjoin(
                IndicatorTarget,
                (col(IndicatorTarget.indicator_id) == Indicator.id)
                & (IndicatorTarget.network_id == network_id),
            )
            .outerjoin(User, col(User.id) == IndicatorTarget.revised_by_id)
            .outerjoin(values, values.c.indicator_id == Indicator.id)
            .order_by(col(Indicator.position), col(Indicator.code))
        ).all()
    df = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    df["followed"] = df["followed"].astype(bool)
    df["has_values"] = df["has_values"].astype(bool)
    df["version"] = df["version"].astype("Int64")
    df["target_id"] = df["target_id"].astype("Int64")
    return df


def save_network_targets(
    engine: Engine,
    actor: Actor,
    network_id: int,
    rows: list[dict],
    *,
    as_of: dt.date | None = None,
) -> None:
    """Save which indicators a network follows and their baseline and target, all or nothing.

    Each row: ``indicator_id``, ``followed``, ``baseline_value``, ``baseline_date``,
    ``target_value``, ``target_date``, ``reason``, and the target's ``version`` seen. Once the
    cohort has started (``as_of`` ≥ its start date) a changed target value needs a reason and
    the original is kept. An indicator with values stays followed.
    """
    as_of = as_of or clock.today()
    authorize(actor, "update", "indicator_target", network_id=network_id)
    errors: list[str] = []
    checked: list[TargetInput] = []
    for row in rows:
        row = {k: clean(v) for k, v in row.items() if k in TargetInput.model_fields}
        row["followed"] = bool(row.get("followed", True))
        try:
            checked.append(
                check(
                    TargetInput,
                    row,
                    TARGET_LABELS,
                    t("Indicateur n° {id}", id=row.get("indicator_id")),
                )
            )
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    with session_scope(engine) as session:
        network = access.ensure_network_writable(
            session, actor, "update", "indicator_target", network_id
        )
        cohort = session.get(Cohort, network.cohort_id)
        assert cohort is not None  # foreign key
        started = as_of >= cohort.start_date
        ids = [d.indicator_id for d in checked]
        indicators = {
            i.id: i for i in session.exec(select(Indicator).where(col(Indicator.id).in_(ids)))
        }
        for data in checked:
            indicator = indicators.get(data.indicator_id)
            if indicator is None:
                errors.append(t("Indicateur n° {id} : inconnu", id=data.indicator_id))
                continue
            errors += save_target(session, actor, network, cohort, indicator, data, started)
        if errors:
            raise ValidationFailed(errors)


def set_target(
    engine: Engine,
    actor: Actor,
    network_id: int,
    indicator_id: int,
    *,
    version: int | None = None,
    baseline_value: float | None = None,
    baseline_date: dt.date | None = None,
    target_value: float | None = None,
    target_date: dt.date | None = None,
    reason: str | None = None,
    as_of: dt.date | None = None,
) -> None:
    """Follow one indicator for a network and set its baseline and target (see
    :func:`save_network_targets` for the revision rule). Here a number is a number: « not a
    number » is refused, never read as an empty target."""
    not_numbers = [
        field_error(t("Indicateur n° {id}", id=indicator_id), t(TARGET_LABELS[name]),
                    t("doit être un nombre fini"))
        for name, value in (("baseline_value", baseline_value), ("target_value", target_value))
        if isinstance(value, float) and not math.isfinite(value)
    ]  # fmt: skip
    if not_numbers:
        raise ValidationFailed(not_numbers)
    save_network_targets(
        engine,
        actor,
        network_id,
        [
            {
                "indicator_id": indicator_id,
                "followed": True,
                "baseline_value": baseline_value,
                "baseline_date": baseline_date,
                "target_value": target_value,
                "target_date": target_date,
                "reason": reason,
                "version": version,
            }
        ],
        as_of=as_of,
    )


def target_revisions(engine: Engine, actor: Actor, cohort_id: int) -> pd.DataFrame:
    """Targets revised after their cohort started: network, indicator, initial and current
    target, reason, when and by whom (a lead: their own network only)."""
    authorize(actor, "read", "indicator_target")
    with read_scope(engine) as session:
        rows = session.execute(
            sa_select(
                col(Network.code),
                col(Network.name),
                col(Indicator.code),
                col(Indicator.label),
                col(Indicator.unit),
                col(IndicatorTarget.initial_target_value),
                col(IndicatorTarget.target_value),
                col(IndicatorTarget.revision_reason),
                col(IndicatorTarget.revised_at),
                col(User.full_name),
            )
            .join(Network, col(Network.id) == IndicatorTarget.network_id)
            .join(Indicator, col(Indicator.id) == IndicatorTarget.indicator_id)
            .outerjoin(User, col(User.id) == IndicatorTarget.revised_by_id)
            .where(
                col(Network.cohort_id) == cohort_id,
                col(IndicatorTarget.revised_at).is_not(None),
                # A lead sees only their own network's revisions (reasons are internal).
                (col(Network.id) == actor.network_id) if actor.role is Role.lead else true(),
            )
            .order_by(col(IndicatorTarget.revised_at).desc())
        ).all()
    return pd.DataFrame(
        rows,
        columns=[
            "network_code",
            "network_name",
            "indicator_code",
            "indicator_label",
            "unit",
            "initial_target_value",
            "target_value",
            "revision_reason",
            "revised_at",
            "revised_by",
        ],
    )
