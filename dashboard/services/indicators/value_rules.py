"""Checks every indicator value goes through, whatever the page allowed: a typed number,
the bounds its unit implies (percent 0–100, counts as non-negative integers, scores within
their scale, amounts non-negative), a safe evidence link, and a cumulative total that only goes
down with a comment confirming it. Messages are French and name the row and the field."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dashboard.core import clock
from dashboard.core.i18n import fmt_month_long, fmt_number, t
from dashboard.services.shared.fields import MultiLineText, SingleLineText
from dashboard.services.shared.forms import (
    clean,
    field_error,
    french_errors,
    is_web_link,
    max_length,
    parse_number,
)
from models import IndicatorValue
from models.enums import UNIT_RANGES, Accumulation, Entity, Unit

ENTITY = Entity.indicator_value
FIELD_LABELS = {  # the field names the messages use (also the import preview's)
    "indicator_id": "Indicateur",
    "period_start": "Mois",
    "value": "Valeur",
    "comment": "Commentaire",
    "evidence_url": "Lien de preuve",
    "version": "Version",
}


class ValueEntry(BaseModel):
    """One value as a user sent it (validated here: a table model would skip validation)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    indicator_id: int
    period_start: dt.date
    value: float | None = None  # typed text is parsed: « 1 234,5 », « 1234.5 »
    comment: MultiLineText | None = Field(
        default=None, max_length=max_length(IndicatorValue, "comment")
    )
    evidence_url: SingleLineText | None = Field(
        default=None, max_length=max_length(IndicatorValue, "evidence_url")
    )
    version: int | None = None  # the version of the value the user saw (None: none shown)

    @field_validator("value", mode="before")
    @classmethod
    def _typed_number(cls, v: Any) -> Any:
        return parse_number(v)

    @field_validator("comment", "evidence_url", "version", mode="before")
    @classmethod
    def _empty_is_none(cls, v: Any) -> Any:
        return clean(v)

    @field_validator("period_start")
    @classmethod
    def _first_of_month(cls, v: dt.date) -> dt.date:
        return clock.month_start(v)


def row_label(
    indicators: pd.DataFrame, indicator_id: Any, period: Any, position: int | None
) -> str:
    """How messages name a row: « Ligne 2 (« label », mars 2026) » in a grid (``position``),
    « label », month otherwise — or its position alone when the indicator is unknown."""
    try:
        ind = indicators.loc[int(indicator_id)]
    except (KeyError, TypeError, ValueError):
        return t("Ligne {n}", n=position) if position else t("Valeur")
    month = fmt_month_long(period) if isinstance(period, dt.date) else ""
    if position:
        return t("Ligne {n} (« {label} », {month})", n=position, label=ind["label"], month=month)
    # The label people know, never the catalogue's internal code.
    return t("« {label} », {month}", label=ind["label"], month=month)


def parse_entry(
    raw: Mapping[str, Any], position: int, indicators: pd.DataFrame
) -> tuple[ValueEntry | None, list[str]]:
    """The entry as a validated model, or None with French messages naming the row."""
    where = row_label(indicators, raw.get("indicator_id"), raw.get("period_start"), position)
    try:
        entry = ValueEntry.model_validate(dict(raw))
    except ValidationError as exc:
        return None, french_errors(exc, FIELD_LABELS, where)
    where = row_label(indicators, entry.indicator_id, entry.period_start, position)
    errors = []
    if entry.value is not None and not math.isfinite(entry.value):
        errors.append(field_error(where, t("Valeur"), t("saisissez un nombre fini")))
    if entry.evidence_url and not is_web_link(entry.evidence_url):
        errors.append(
            field_error(
                where,
                t("Lien de preuve"),
                t("l'adresse doit commencer par https:// ou http://"),
            )
        )
    return (None, errors) if errors else (entry, [])


def _bound(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def unit_problem(ind: Mapping[str, Any], value: float) -> str | None:
    """Why ``value`` is impossible for the indicator's unit (its range in
    ``models.enums.UNIT_RANGES``) and scale (None when it is fine)."""
    if not math.isfinite(value):
        return t("saisissez un nombre fini.")
    unit, shown = ind["unit"], fmt_number(value, 2)
    low, high = _bound(ind["scale_min"]), _bound(ind["scale_max"])
    if unit == Unit.percent and not 0 <= value <= 100:
        return t("un pourcentage est compris entre 0 et 100 (saisi : {v}).", v=shown)
    if unit in (Unit.count, Unit.persons) and (value < 0 or not float(value).is_integer()):
        return t("un nombre entier positif ou nul est attendu (saisi : {v}).", v=shown)
    if unit in (Unit.eur, Unit.hours) and value < 0:
        return t("la valeur ne peut pas être négative (saisi : {v}).", v=shown)
    bounds = UNIT_RANGES.get(str(unit))
    if bounds and not bounds.low <= value <= bounds.high:
        return t(
            "la valeur doit être comprise entre {low} et {high} pour cette unité (saisi : {v}).",
            low=fmt_number(bounds.low, 2),
            high=fmt_number(bounds.high, 2),
            v=shown,
        )
    if (low is not None and value < low) or (high is not None and value > high):
        return t(
            "la valeur doit être comprise entre {low} et {high} (saisi : {v}).",
            low=fmt_number(low, 2, empty="−∞"),
            high=fmt_number(high, 2, empty="+∞"),
            v=shown,
        )
    return None


def cumulative_problem(
    ind: Mapping[str, Any], entry: ValueEntry, previous: float | None
) -> str | None:
    """A cumulative total lower than the previous month needs a comment confirming it."""
    if ind["accumulation"] != Accumulation.cumulative or previous is None or entry.value is None:
        return None
    if entry.value >= previous or entry.comment:
        return None
    return t(
        "cet indicateur est un cumul depuis le début : {v} est inférieur au mois précédent "
        "({prev}). Ajoutez un commentaire qui confirme cette baisse.",
        v=fmt_number(entry.value, 2),
        prev=fmt_number(previous, 2),
    )
