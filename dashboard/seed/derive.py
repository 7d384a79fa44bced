"""From checked seed data to database rows: derived indicators, fixed timestamps, inserts.

:mod:`dashboard.seed` reads and checks the files of ``seed_data/``; this module turns that data
into rows. Four indicators are computed here rather than typed in, so they always agree with the
roadmap (pure functions, also usable elsewhere):

- ``AGREEMENTS_SIGNED``: alliances whose history reached a signed-or-later stage by the day.
- ``ALLIANCES_IN_PIPELINE``: alliances whose stage on the day is ``preparing``.
- ``PARTNERSHIP_FORMS``: distinct forms among active agreements (stage signed-or-later on the
  day): the company partnership type for companies and foundations, ``peer`` and ``public``
  for those families; academic partners add no form. Between 0 and 6.
- ``MATURITY_SCORE``: mean of the seven levels of the latest self-assessment made on or before
  the day, rounded to one decimal; no value before the first assessment.

They are written for every month in which a network reported typed values, with the least
advanced status of that month. Every timestamp is derived from the data, never from the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dashboard.core.clock import month_end
from models.enums import PIPELINE_STAGES, SIGNED_STAGES, MaturityAxis, ValueStatus

AGREEMENTS_SIGNED = "AGREEMENTS_SIGNED"
ALLIANCES_IN_PIPELINE = "ALLIANCES_IN_PIPELINE"
PARTNERSHIP_FORMS = "PARTNERSHIP_FORMS"
MATURITY_SCORE = "MATURITY_SCORE"
DERIVED_CODES = (AGREEMENTS_SIGNED, ALLIANCES_IN_PIPELINE, PARTNERSHIP_FORMS, MATURITY_SCORE)
_FAMILY_FORMS = {"peer", "public"}
_COMPANY_FAMILIES = {"company", "foundation"}
STATUS_RANK = {"draft": 0, "submitted": 1, "validated": 2}
AXES = [a.value for a in MaturityAxis]


@dataclass(frozen=True)
class AllianceFacts:
    """What the derived indicators need to know about one alliance."""

    family: str
    company_type: str | None
    history: tuple[tuple[dt.date, str], ...]  # (date, stage reached), in order


@dataclass(frozen=True)
class SelfAssessment:
    assessed_on: dt.date
    levels: tuple[int, ...]


def stage_on(history: Sequence[tuple[dt.date, str]], day: dt.date) -> str | None:
    """Stage of an alliance at the end of ``day`` (None if not yet identified)."""
    stage = None
    for changed_on, to_stage in history:
        if changed_on > day:
            break
        stage = to_stage
    return stage


def signed_on(history: Sequence[tuple[dt.date, str]]) -> dt.date | None:
    """Date the history first reached a signed-or-later stage."""
    return next((d for d, stage in history if stage in SIGNED_STAGES), None)


def partnership_form(family: str, company_type: str | None) -> str | None:
    if family in _COMPANY_FAMILIES:
        return company_type
    return family if family in _FAMILY_FORMS else None


def maturity_mean(levels: Sequence[int]) -> float:
    return round(sum(levels) / len(levels), 1)


def derived_values(
    alliances: Sequence[AllianceFacts],
    assessments: Sequence[SelfAssessment],
    day: dt.date,
) -> dict[str, float]:
    """The four derived indicators of one network at the end of ``day``."""
    signed = 0
    pipeline = 0
    forms: set[str] = set()
    for alliance in alliances:
        reached = signed_on(alliance.history)
        if reached is not None and reached <= day:
            signed += 1
        stage = stage_on(alliance.history, day)
        if stage in PIPELINE_STAGES:
            pipeline += 1
        if stage in SIGNED_STAGES:
            form = partnership_form(alliance.family, alliance.company_type)
            if form:
                forms.add(form)
    values: dict[str, float] = {
        AGREEMENTS_SIGNED: float(signed),
        ALLIANCES_IN_PIPELINE: float(pipeline),
        PARTNERSHIP_FORMS: float(len(forms)),
    }
    past = [a for a in assessments if a.assessed_on <= day]
    if past:
        latest = max(past, key=lambda a: a.assessed_on)
        values[MATURITY_SCORE] = maturity_mean(latest.levels)
    return values


def alliance_state(history: Sequence[dict], relation_logic: str) -> dict:
    """Current stage, date of the last change, signature date and relation logic of an
    alliance, from its ordered history (a step may switch the logic with ``logic``)."""
    steps = [(h["date"], h["stage"]) for h in history]
    logic = next((h["logic"] for h in reversed(history) if h.get("logic")), relation_logic)
    return {
        "stage": steps[-1][1],
        "stage_changed_on": steps[-1][0],
        "signed_on": signed_on(steps),
        "relation_logic": logic,
    }


def value_timeline(
    period_start: dt.date, status: str, until: dt.date | None = None
) -> tuple[dt.datetime, dt.datetime | None, dt.datetime | None]:
    """(drafted, submitted, validated) times of a monthly value, fixed from its period: drafted
    on the 5th of the next month, submitted on the 8th, validated on the 12th. A value entered
    before that rhythm allows by ``until`` (the seed day) was drafted two days before it and
    submitted the day before: nothing is dated after the seed day."""
    after = month_end(period_start) + dt.timedelta(days=1)
    drafted = at(after + dt.timedelta(days=4), 9)
    submitted = at(after + dt.timedelta(days=7), 17, 30) if status != ValueStatus.draft else None
    validated = at(after + dt.timedelta(days=11), 10) if status == ValueStatus.validated else None
    if until is not None and (validated or submitted or drafted) > at(until):
        drafted = min(drafted, at(until - dt.timedelta(days=2), 9))
        if submitted is not None:
            submitted = min(submitted, at(until - dt.timedelta(days=1), 17, 30))
        if validated is not None:
            validated = min(validated, at(until - dt.timedelta(days=1), 18))
    return drafted, submitted, validated


def value_times(
    period_start: dt.date, status: str, until: dt.date | None = None
) -> tuple[dt.datetime, dt.datetime | None, dt.datetime | None]:
    """(updated_at, submitted_at, validated_at) of a monthly value (see :func:`value_timeline`)."""
    drafted, submitted, validated = value_timeline(period_start, status, until)
    return validated or submitted or drafted, submitted, validated


def month_statuses(values: Iterable[tuple[str, dt.date, str]]) -> dict[tuple[str, dt.date], str]:
    """For each (network, month) with typed values, the least advanced of their statuses:
    derived values of that month share it, and months without any value get none."""
    out: dict[tuple[str, dt.date], str] = {}
    for network, start, status in values:
        known = out.get((network, start), status)
        out[(network, start)] = min(known, status, key=STATUS_RANK.__getitem__)
    return dict(sorted(out.items()))


def at(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A fixed UTC timestamp on ``day`` (aware: the datetime columns store UTC)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)
