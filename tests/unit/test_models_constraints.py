"""Each structural rule of the schema rejects what it should, on every backend."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from dashboard.core.db import session_scope
from models import (
    Alliance,
    Cohort,
    Indicator,
    IndicatorValue,
    MaturityAssessment,
    MaturityScore,
    Milestone,
    Network,
    Partner,
    User,
)
from tests.factories import make_cohort, make_network, make_session


def _insert(engine, *rows):
    with session_scope(engine) as s:
        for row in rows:
            s.add(row)
            s.flush()


def _indicator(code="X", **kw):
    return Indicator(
        code=code,
        label="Libellé",
        unit=kw.pop("unit", "count"),
        accumulation="level",
        impact_axis="performance",
        lever="people",
        **kw,
    )


def test_duplicate_cohort_code_rejected(engine):
    make_cohort(engine, code="AI")
    with pytest.raises(IntegrityError):
        make_cohort(engine, code="AI")


def test_cohort_end_before_start_rejected(engine):
    with pytest.raises(IntegrityError):
        make_cohort(engine, start_date=dt.date(2026, 1, 1), end_date=dt.date(2025, 1, 1))


def test_unknown_cohort_status_rejected(engine):
    with pytest.raises(IntegrityError):
        make_cohort(engine, status="archived")


def test_network_code_unique_within_cohort_only(engine):
    c1, c2 = make_cohort(engine), make_cohort(engine)
    make_network(engine, c1, code="R01")
    make_network(engine, c2, code="R01")  # another cohort: allowed
    with pytest.raises(IntegrityError):
        make_network(engine, c1, code="R01")


@pytest.mark.parametrize(
    "field,value", [("rna", "X000000001"), ("rna", "W1"), ("siren", "123"), ("member_count", -1)]
)
def test_network_identifier_checks(engine, field, value):
    cohort = make_cohort(engine)
    with pytest.raises(IntegrityError):
        make_network(engine, cohort, **{field: value})


def test_network_needs_existing_cohort(engine):
    with pytest.raises(IntegrityError):
        _insert(engine, Network(cohort_id=999, code="R01", name="Orphelin"))


def test_lead_needs_a_network_and_others_none(engine):
    cohort = make_cohort(engine)
    net = make_network(engine, cohort)
    with pytest.raises(IntegrityError):
        _insert(engine, User(username="l", full_name="L", role="lead"))
    with pytest.raises(IntegrityError):
        _insert(engine, User(username="s", full_name="S", role="steering", network_id=net))
    with pytest.raises(IntegrityError):
        _insert(engine, User(username="x", full_name="X", role="superuser"))
    _insert(engine, User(username="ok", full_name="OK", role="lead", network_id=net))


def test_duplicate_username_rejected(engine):
    _insert(engine, User(username="a", full_name="A", role="admin"))
    with pytest.raises(IntegrityError):
        _insert(engine, User(username="a", full_name="B", role="admin"))


def test_alliance_codes_checked(engine):
    cohort = make_cohort(engine)
    net = make_network(engine, cohort)
    _insert(engine, Partner(name="P", family="company"))
    with session_scope(engine) as s:
        partner_id = s.exec(__import__("sqlmodel").select(Partner.id)).one()
    for bad in (
        {"stage": "won"},
        {"relation_logic": "merger"},
        {"company_type": "sponsoring"},
        {"expected_value_eur": -1.0},
    ):
        with pytest.raises(IntegrityError):
            _insert(engine, Alliance(network_id=net, partner_id=partner_id, title="A", **bad))
    with pytest.raises(IntegrityError):
        _insert(engine, Partner(name="Q", family="bank"))


@pytest.mark.parametrize("progress", [-1, 101])
def test_milestone_progress_range(engine, progress):
    cohort = make_cohort(engine)
    net = make_network(engine, cohort)
    with pytest.raises(IntegrityError):
        _insert(
            engine,
            Milestone(network_id=net, title="J", due_date=dt.date(2026, 1, 1), progress=progress),
        )


def test_milestone_status_code(engine):
    net = make_network(engine, make_cohort(engine))
    with pytest.raises(IntegrityError):
        _insert(
            engine,
            Milestone(network_id=net, title="J", due_date=dt.date(2026, 1, 1), status="late"),
        )


def test_indicator_codes_and_uniqueness(engine):
    _insert(engine, _indicator("A"))
    with pytest.raises(IntegrityError):
        _insert(engine, _indicator("A"))
    with pytest.raises(IntegrityError):
        _insert(engine, _indicator("B", unit="kg"))
    with pytest.raises(IntegrityError):
        _insert(engine, _indicator("C", scale_min=5, scale_max=1))


def test_one_value_per_network_indicator_month(engine):
    net = make_network(engine, make_cohort(engine))
    _insert(engine, _indicator("A"))
    with session_scope(engine) as s:
        ind = s.exec(__import__("sqlmodel").select(Indicator.id)).one()
    month = dt.date(2026, 1, 1)
    _insert(engine, IndicatorValue(network_id=net, indicator_id=ind, period_start=month, value=1))
    with pytest.raises(IntegrityError):
        _insert(
            engine, IndicatorValue(network_id=net, indicator_id=ind, period_start=month, value=2)
        )
    with pytest.raises(IntegrityError):
        _insert(
            engine,
            IndicatorValue(
                network_id=net,
                indicator_id=ind,
                period_start=dt.date(2026, 2, 1),
                value=1,
                status="approved",
            ),
        )


def test_maturity_level_and_axis(engine):
    cohort = make_cohort(engine)
    net = make_network(engine, cohort)
    sess = make_session(engine, cohort, code="S1", number=1, date=dt.date(2025, 10, 14))
    a = MaturityAssessment(
        network_id=net, session_id=sess, assessor="self", assessed_on=dt.date(2025, 10, 14)
    )
    _insert(engine, a)
    with session_scope(engine) as s:
        aid = s.exec(__import__("sqlmodel").select(MaturityAssessment.id)).one()
    for bad in (
        {"axis": "vision", "level": 5},
        {"axis": "vision", "level": 0},
        {"axis": "luck", "level": 2},
    ):
        with pytest.raises(IntegrityError):
            _insert(engine, MaturityScore(assessment_id=aid, **bad))
    _insert(engine, MaturityScore(assessment_id=aid, axis="vision", level=4))
    with pytest.raises(IntegrityError):
        _insert(engine, MaturityScore(assessment_id=aid, axis="vision", level=3))
    with pytest.raises(IntegrityError):  # one self-assessment per network and session
        _insert(
            engine,
            MaturityAssessment(
                network_id=net, session_id=sess, assessor="self", assessed_on=dt.date(2025, 10, 15)
            ),
        )


def test_version_column_increments_on_update(engine):
    cid = make_cohort(engine)
    with session_scope(engine) as s:
        c = s.get(Cohort, cid)
        assert c.version == 1
        c.name = "Nouveau nom"
    with session_scope(engine) as s:
        assert s.get(Cohort, cid).version == 2
