"""Small builders for dashboard tests: indicators, targets, values, alliances with their stage
history, milestones, maturity assessments and lessons, on top of ``tests.factories``."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.engine import Engine

from dashboard.core.db import session_scope
from models import (
    Alliance,
    AllianceStageChange,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Lesson,
    MaturityAssessment,
    MaturityScore,
    Milestone,
    Partner,
)

_n = itertools.count(1)


def make_indicator(
    engine: Engine,
    *,
    code: str | None = None,
    unit: str = "count",
    accumulation: str = "cumulative",
    direction: str = "higher_is_better",
    is_key: bool = True,
    label: str | None = None,
    position: int = 0,
    scale_min: float | None = None,
    scale_max: float | None = None,
) -> int:
    n = next(_n)
    with session_scope(engine) as s:
        ind = Indicator(
            code=code or f"IND_{n}",
            label=label or f"Indicateur {n}",
            unit=unit,
            direction=direction,
            accumulation=accumulation,
            is_key=is_key,
            impact_axis="performance",
            lever="alliances",
            position=position or n,
            scale_min=scale_min,
            scale_max=scale_max,
        )
        s.add(ind)
        s.flush()
        return ind.id


def make_target(
    engine: Engine,
    network_id: int,
    indicator_id: int,
    *,
    baseline: float | None = 0,
    target: float | None = None,
    initial_target: float | None = None,
) -> int:
    with session_scope(engine) as s:
        row = IndicatorTarget(
            network_id=network_id,
            indicator_id=indicator_id,
            baseline_value=baseline,
            baseline_date=dt.date(2025, 10, 1),
            target_value=target,
            target_date=dt.date(2026, 6, 30),
            initial_target_value=initial_target,
        )
        s.add(row)
        s.flush()
        return row.id


def add_values(
    engine: Engine,
    network_id: int,
    indicator_id: int,
    values: dict[dt.date, float],
    *,
    status: str = "validated",
    updated_at: dt.datetime | None = None,
) -> None:
    with session_scope(engine) as s:
        for month, value in values.items():
            row = IndicatorValue(
                network_id=network_id,
                indicator_id=indicator_id,
                period_start=month,
                value=value,
                status=status,
            )
            if updated_at:
                row.updated_at = updated_at
            s.add(row)


def make_partner(engine: Engine, *, family: str = "company", name: str | None = None) -> int:
    n = next(_n)
    with session_scope(engine) as s:
        p = Partner(name=name or f"Partenaire {n}", family=family, is_fictional=True)
        s.add(p)
        s.flush()
        return p.id


def make_alliance(
    engine: Engine,
    network_id: int,
    partner_id: int,
    *,
    stages: list[tuple[str, dt.date]] | None = None,
    relation_logic: str = "exchange",
    company_type: str | None = None,
    title: str | None = None,
) -> int:
    """An alliance whose stage history is ``stages`` (stage, date); its stage is the last one."""
    stages = stages or [("identified", dt.date(2025, 10, 15))]
    n = next(_n)
    with session_scope(engine) as s:
        a = Alliance(
            network_id=network_id,
            partner_id=partner_id,
            title=title or f"Alliance {n}",
            company_type=company_type,
            relation_logic=relation_logic,
            stage=stages[-1][0],
            stage_changed_on=stages[-1][1],
        )
        s.add(a)
        s.flush()
        previous = None
        for stage, day in stages:
            s.add(
                AllianceStageChange(
                    alliance_id=a.id, from_stage=previous, to_stage=stage, changed_on=day
                )
            )
            previous = stage
        return a.id


def make_milestone(
    engine: Engine,
    network_id: int,
    *,
    due: dt.date,
    status: str = "planned",
    done: dt.date | None = None,
    title: str | None = None,
    session_id: int | None = None,
) -> int:
    n = next(_n)
    with session_scope(engine) as s:
        m = Milestone(
            network_id=network_id,
            title=title or f"Jalon {n}",
            due_date=due,
            done_date=done,
            status=status,
            progress=100 if status == "done" else 0,
            session_id=session_id,
        )
        s.add(m)
        s.flush()
        return m.id


def make_assessment(
    engine: Engine,
    network_id: int,
    session_id: int,
    levels: dict[str, int],
    *,
    assessor: str = "self",
    on: dt.date = dt.date(2025, 10, 14),
) -> int:
    with session_scope(engine) as s:
        a = MaturityAssessment(
            network_id=network_id, session_id=session_id, assessor=assessor, assessed_on=on
        )
        s.add(a)
        s.flush()
        for axis, level in levels.items():
            s.add(MaturityScore(assessment_id=a.id, axis=axis, level=level))
        return a.id


def make_lesson(
    engine: Engine,
    cohort_id: int,
    *,
    network_id: int | None,
    visibility: str = "cohort",
    category: str = "lever",
    capitalisation: str = "observed",
    statement: str | None = None,
) -> int:
    n = next(_n)
    with session_scope(engine) as s:
        lesson = Lesson(
            cohort_id=cohort_id,
            network_id=network_id,
            category=category,
            capitalisation=capitalisation,
            visibility=visibility,
            statement=statement or f"Enseignement {n}",
        )
        s.add(lesson)
        s.flush()
        return lesson.id
