"""Property tests over every service input: whatever arrives in one field — control
characters, over-long text, infinities, « not a number », huge or negative numbers — the
service either stores it as typed or refuses it with French messages (``ValidationFailed``).
Never a database error, a formatting crash or a half-written row; on SQLite and PostgreSQL.

Each target is one field of one service call. What must be refused is stated independently of
the code under test: a control character (other than tab and line breaks in multi-line texts),
text longer than its database column, a non-finite number, or a number outside its unit's
range as the catalogue documents it (percent 0–100, eur 0–10¹², counts 0–10⁹ whole…).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from dashboard.core.db import session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.services import roadmap
from dashboard.services.admin import cohorts as admin_cohorts
from dashboard.services.admin import networks as admin_networks
from dashboard.services.admin import sessions as admin_sessions
from dashboard.services.indicators import catalogue, targets
from dashboard.services.indicators import values as iv
from dashboard.services.reporting.snapshots import take_snapshot
from dashboard.services.roadmap import lessons, maturity, objectives, stages
from dashboard.services.roadmap.milestone_grid import AddedMilestone, MilestoneChanges
from dashboard.services.roadmap.milestones import save_milestones
from dashboard.services.shared.forms import max_length
from models import (
    Alliance,
    AllianceStageChange,
    ChangeLog,
    Cohort,
    Indicator,
    IndicatorValue,
    MaturityAssessment,
    Milestone,
    Network,
    Objective,
    Partner,
    ProgrammeSession,
    Snapshot,
)
from tests.unit.roadmap_world import AS_OF, count, make_world

_n = itertools.count(1)
NOV = dt.date(2025, 11, 1)
AXES = ["vision", "ecosystem", "diversity", "governance", "member_mobilisation", "evaluation",
        "economic_model"]  # fmt: skip

# The ranges as README "How figures are computed" states them (written here independently).
RANGES = {"count": (0, 1e9, True), "persons": (0, 1e9, True), "hours": (0, 1e9, False),
          "eur": (0, 1e12, False), "percent": (0, 100, False)}  # fmt: skip
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


# ------------------------------------------------------------------------------ the world


@dataclass
class World:
    engine: object
    w: object
    indicators: dict[str, int]
    partner: int


@pytest.fixture
def world(engine) -> World:
    w = make_world(engine)
    partner = roadmap.create_partner(engine, w.admin, name="Pair de référence", family="peer")
    ids = {}
    for unit in RANGES:
        ids[unit] = catalogue.create_indicator(
            engine,
            w.admin,
            code=f"IND_{unit.upper()}",
            label=f"Indicateur {unit}",
            unit=unit,
            accumulation="level",
            impact_axis="performance",
            lever="money",
        )
        targets.set_target(
            engine, w.admin, w.net_a, ids[unit], target_value=1, as_of=dt.date(2025, 9, 1)
        )
    return World(engine, w, ids, partner["id"])


# ----------------------------------------------------------------------------- text targets


def _unique(prefix: str) -> str:
    return f"{prefix} {next(_n)}"


def _alliance(x: World, **kw):
    args = {"title": _unique("Alliance"), "partner_id": x.partner, "as_of": AS_OF} | kw
    return roadmap.create_alliance(x.engine, x.w.lead_a, x.w.net_a, **args)


def _milestone(x: World, **values):
    row = {"title": _unique("Jalon"), "due_date": "2026-03-01", "status": "planned", "progress": 0}
    changes = MilestoneChanges(added=[AddedMilestone(row | values, row=1)])
    return save_milestones(x.engine, x.w.lead_a, x.w.net_a, changes, as_of=AS_OF)


def _stage(x: World, comment, *, alliance: dict):
    return stages.move_alliance_stage(
        x.engine, x.w.lead_a, alliance["id"], alliance["version"], to_stage="contacted",
        comment=comment, as_of=AS_OF,
    )  # fmt: skip


def _maturity(x: World, *, comment=None, evidence=None):
    scores = [{"axis": a, "level": 2, "evidence": evidence} for a in AXES]
    with session_scope(x.engine) as s:  # the version the user saw, as the page passes it
        seen = s.exec(
            select(MaturityAssessment.version).where(
                MaturityAssessment.network_id == x.w.net_a,
                MaturityAssessment.session_id == x.w.s1,
            )
        ).first()
    return maturity.save_assessment(
        x.engine, x.w.lead_a, x.w.net_a, x.w.s1, "self", scores, comment=comment, version=seen,
        as_of=AS_OF,
    )  # fmt: skip


def _value(x: World, unit: str, value, comment=None):
    with session_scope(x.engine) as s:  # the version the user saw, as the page passes it
        seen = s.exec(
            select(IndicatorValue.version).where(
                IndicatorValue.network_id == x.w.net_a,
                IndicatorValue.indicator_id == x.indicators[unit],
            )
        ).first()
    entry = {"indicator_id": x.indicators[unit], "period_start": NOV, "value": value,
             "comment": comment, "version": seen}  # fmt: skip
    return iv.save_values(x.engine, x.w.lead_a, x.w.net_a, [entry], as_of=AS_OF)


@dataclass(frozen=True)
class TextTarget:
    call: Callable[..., object]
    column_limit: int | None  # the database column's length (None: unlimited text)
    multiline: bool
    setup: Callable[[World], dict] | None = None  # what exists before the user types


TEXTS = {
    "objective.title": TextTarget(
        lambda x, v: objectives.create_objective(
            x.engine, x.w.lead_a, x.w.net_a, title=v, motivation="other"
        ),
        max_length(Objective, "title"),
        False,
    ),
    "objective.description": TextTarget(
        lambda x, v: objectives.create_objective(
            x.engine, x.w.lead_a, x.w.net_a, title="Objectif", motivation="other", description=v
        ),
        None,
        True,
    ),
    "alliance.title": TextTarget(
        lambda x, v: _alliance(x, title=v), max_length(Alliance, "title"), False
    ),  # fmt: skip
    "alliance.description": TextTarget(lambda x, v: _alliance(x, description=v), None, True),
    "partner.name": TextTarget(
        lambda x, v: roadmap.create_partner(x.engine, x.w.admin, name=v, family="company"),
        max_length(Partner, "name"),
        False,
    ),
    "lesson.statement": TextTarget(
        lambda x, v: lessons.create_lesson(
            x.engine, x.w.lead_a, x.w.net_a, category="method", statement=v
        ),
        None,
        True,
    ),
    "milestone.title": TextTarget(
        lambda x, v: _milestone(x, title=v), max_length(Milestone, "title"), False
    ),  # fmt: skip
    "milestone.owner": TextTarget(
        lambda x, v: _milestone(x, owner=v), max_length(Milestone, "owner"), False
    ),  # fmt: skip
    "milestone.comment": TextTarget(lambda x, v: _milestone(x, comment=v), None, True),
    "stage.comment": TextTarget(
        _stage,
        max_length(AllianceStageChange, "comment"),
        True,
        setup=lambda x: {"alliance": _alliance(x)},
    ),
    "maturity.comment": TextTarget(lambda x, v: _maturity(x, comment=v), None, True),
    "maturity.evidence": TextTarget(lambda x, v: _maturity(x, evidence=v), None, True),
    "value.comment": TextTarget(lambda x, v: _value(x, "count", 3, comment=v), 2000, True),
    "snapshot.label": TextTarget(
        lambda x, v: take_snapshot(x.engine, x.w.admin, x.w.cohort, label=v, as_of=AS_OF),
        max_length(Snapshot, "label"),
        False,
    ),
    "cohort.name": TextTarget(
        lambda x, v: admin_cohorts.create_cohort(
            x.engine,
            x.w.admin,
            code=f"C{next(_n)}",
            name=v,
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 9, 30),
        ),
        max_length(Cohort, "name"),
        False,
    ),  # fmt: skip
    "session.title": TextTarget(
        lambda x, v: admin_sessions.save_sessions(
            x.engine,
            x.w.admin,
            x.w.cohort,
            [
                {
                    "code": f"T{next(_n)}",
                    "kind": "webinar",
                    "title": v,
                    "session_date": dt.date(2026, 4, 2),
                }
            ],
        ),
        max_length(ProgrammeSession, "title"),
        False,
    ),  # fmt: skip
    "indicator.label": TextTarget(
        lambda x, v: catalogue.create_indicator(
            x.engine,
            x.w.admin,
            code=f"PROP_{next(_n)}",
            label=v,
            unit="count",
            accumulation="level",
            impact_axis="trust",
            lever="people",
        ),
        max_length(Indicator, "label"),
        False,
    ),  # fmt: skip
    "indicator.definition": TextTarget(
        lambda x, v: catalogue.create_indicator(
            x.engine,
            x.w.admin,
            code=f"PROP_{next(_n)}",
            label="Libellé",
            definition=v,
            unit="count",
            accumulation="level",
            impact_axis="trust",
            lever="people",
        ),
        None,
        True,
    ),  # fmt: skip
    "network.name": TextTarget(
        lambda x, v: admin_networks.add_network(
            x.engine, x.w.admin, x.w.cohort, code=f"R{next(_n)}", name=v
        ),
        max_length(Network, "name"),
        False,
    ),
    "network.sector": TextTarget(
        lambda x, v: admin_networks.add_network(
            x.engine, x.w.admin, x.w.cohort, code=f"R{next(_n)}", name="Réseau", sector=v
        ),
        max_length(Network, "sector"),
        False,
    ),
}

_printable = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
TEXT_VALUES = st.one_of(
    st.text(_printable, max_size=40),
    st.builds(
        lambda a, c, b: a + c + b,
        st.text(_printable, min_size=1, max_size=10),
        st.characters(categories=("Cc",)),
        st.text(_printable, min_size=1, max_size=10),
    ),
    st.integers(min_value=150, max_value=6000).map(lambda n: "é" * n),
    st.sampled_from(["a\x00b", "\x00", "ligne 1\nligne 2", "col\tcol", "x\r\ny", "\x1b[31mrouge"]),
)


def _bad_text(value: str, target: TextTarget) -> bool:
    typed = value.strip()
    allowed = "\t\n\r" if target.multiline else ""
    has_control = any(ord(c) < 32 or 127 <= ord(c) < 160 for c in typed if c not in allowed)
    too_long = target.column_limit is not None and len(typed) > target.column_limit
    return has_control or too_long


def _no_partial_write(engine, logged_before: int) -> None:
    assert count(engine, ChangeLog) == logged_before


def _refused_in_french(err: ValidationFailed) -> None:
    assert err.errors and all(isinstance(m, str) and m.strip() for m in err.errors)
    for english in ("Input should", "Value error", "validation error", "Traceback", "DataError"):
        assert english not in str(err), str(err)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_text_fields_store_as_typed_or_refuse_in_french(world, name):
    target = TEXTS[name]

    @SETTINGS
    @given(value=TEXT_VALUES)
    def check(value):
        ready = target.setup(world) if target.setup else {}
        before = count(world.engine, ChangeLog)
        try:
            target.call(world, value, **ready)
        except ValidationFailed as err:
            _refused_in_french(err)
            _no_partial_write(world.engine, before)
            return
        assert not _bad_text(value, target), f"accepted {value!r}"

    check()


# --------------------------------------------------------------------------- number targets

NUMBER_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([1e308, -1e308, 1e26, 1e30, 1e12, 1e12 + 1, 1e9, 1e9 + 1, 100.5, -0.5]),
)


def _outside(unit: str, value) -> bool:
    value = float(value) if not isinstance(value, int) or abs(value) < 10**300 else math.inf
    if not math.isfinite(value):
        return True
    low, high, whole = RANGES[unit]
    return not low <= value <= high or (whole and not value.is_integer())


NUMBERS = {
    **{f"value.{unit}": (lambda x, v, unit=unit: _value(x, unit, v), unit) for unit in RANGES},
    **{
        f"target.{unit}": (
            lambda x, v, unit=unit: targets.set_target(
                x.engine,
                x.w.admin,
                x.w.net_a,
                x.indicators[unit],
                target_value=v,
                as_of=dt.date(2025, 9, 1),
            ),
            unit,
        )
        for unit in RANGES
    },  # fmt: skip
    "alliance.expected_value_eur": (lambda x, v: _alliance(x, expected_value_eur=v), "eur"),
    "network.member_count": (
        lambda x, v: admin_networks.add_network(
            x.engine, x.w.admin, x.w.cohort, code=f"R{next(_n)}", name="R", member_count=v
        ),
        "count",
    ),
}


@pytest.mark.parametrize("name", sorted(NUMBERS))
def test_number_fields_store_within_range_or_refuse_in_french(world, name):
    call, unit = NUMBERS[name]

    @SETTINGS
    @given(value=NUMBER_VALUES)
    def check(value):
        if isinstance(value, float) and math.isnan(value) and not name.startswith("target."):
            return  # an empty grid cell or form field arrives as NaN: it means « empty »
        before = count(world.engine, ChangeLog)
        try:
            call(world, value)
        except ValidationFailed as err:
            _refused_in_french(err)
            _no_partial_write(world.engine, before)
            return
        # A count target may be a decimal (an average aimed at); only the range binds it.
        whole_matters = not name.startswith("target.")
        outside = _outside(unit, value) if whole_matters else _outside_range(unit, value)
        assert not outside, f"accepted {value!r}"

    check()


def _outside_range(unit: str, value) -> bool:
    value = float(value) if not isinstance(value, int) or abs(value) < 10**300 else math.inf
    low, high, _ = RANGES[unit]
    return not (math.isfinite(value) and low <= value <= high)
