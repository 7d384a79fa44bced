"""A small, hand-checkable data set for the export tests (built on the empty ``engine``);
each export test module wraps :func:`build_export_fixture` in its own fixture.

One cohort ``C-EXP`` with one network ``R01``, two indicators and four monthly values (one
negative, one decimal, one on an indicator whose label starts with ``=``), a target, an
objective, an alliance, a milestone with an owner, a maturity assessment and three lessons
(one per visibility level). A second network ``R02`` has a single value, for the filters.
"""

from __future__ import annotations

import datetime as dt

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
    Objective,
    Partner,
)
from tests.factories import make_cohort, make_network, make_session, make_user

D = dt.date


def build_export_fixture(engine) -> dict:
    cohort_id = make_cohort(
        engine,
        code="C-EXP",
        name="Cohorte export",
        start_date=D(2025, 10, 1),
        end_date=D(2026, 6, 30),
    )
    r01 = make_network(engine, cohort_id, code="R01", name="Réseau Trame")
    r02 = make_network(engine, cohort_id, code="R02", name="Union Sillons")
    s1 = make_session(engine, cohort_id, code="S1", number=1, date=D(2025, 10, 14))
    lead = make_user(
        engine,
        "lead",
        network_id=r01,
        username="lead.exp",
        full_name="Camille Ménard",
        email="camille.menard@example.org",
    )
    admin = make_user(
        engine,
        "admin",
        username="animation.exp",
        full_name="Dominique Arnaud",
        email="dominique.arnaud@example.org",
    )
    with session_scope(engine) as s:
        share = Indicator(
            code="PRIVATE_SHARE",
            label="Part des ressources privées",
            unit="percent",
            accumulation="level",
            impact_axis="performance",
            lever="money",
            position=1,
        )
        formula = Indicator(
            code="FORMULA_LABEL",
            label="=1+1 contributions",
            unit="count",
            accumulation="cumulative",
            impact_axis="innovation",
            lever="alliances",
            position=2,
        )
        s.add_all([share, formula])
        s.flush()
        s.add_all(
            [
                IndicatorValue(
                    network_id=r01,
                    indicator_id=share.id,
                    period_start=D(2025, 10, 1),
                    value=6.5,
                    status="validated",
                    updated_by_id=lead.id,
                    validated_by_id=admin.id,
                    comment="Camille Ménard a saisi",
                ),
                IndicatorValue(
                    network_id=r01,
                    indicator_id=share.id,
                    period_start=D(2025, 11, 1),
                    value=-2.25,
                    status="submitted",
                    updated_by_id=lead.id,
                ),
                IndicatorValue(
                    network_id=r01,
                    indicator_id=formula.id,
                    period_start=D(2025, 10, 1),
                    value=3.0,
                    status="validated",
                    updated_by_id=lead.id,
                ),
                IndicatorValue(
                    network_id=r01,
                    indicator_id=formula.id,
                    period_start=D(2026, 2, 1),
                    value=1234567.125,
                    status="draft",
                    updated_by_id=lead.id,
                ),
                IndicatorValue(
                    network_id=r02,
                    indicator_id=share.id,
                    period_start=D(2025, 12, 1),
                    value=12.0,
                    status="validated",
                ),
                IndicatorTarget(
                    network_id=r01,
                    indicator_id=share.id,
                    baseline_value=6.0,
                    baseline_date=D(2025, 9, 30),
                    target_value=10.0,
                    target_date=D(2026, 6, 30),
                    initial_target_value=12.0,
                    revision_reason="Révisée par Dominique Arnaud",
                    revised_at=dt.datetime(2026, 1, 15, 10, 30, tzinfo=dt.UTC),
                    revised_by_id=admin.id,
                ),
            ]
        )
        objective = Objective(
            network_id=r01,
            code="R01-O1",
            title='Diversifier les ressources, "privées"',
            motivation="resource_diversification",
            description="@contact: ressources privées",
        )
        partner = Partner(name="Distribution Exemple", family="company", is_fictional=True)
        s.add_all([objective, partner])
        s.flush()
        alliance = Alliance(
            network_id=r01,
            partner_id=partner.id,
            objective_id=objective.id,
            code="R01-A1",
            title="Coopération économique",
            stage="signed",
            company_type="economic_cooperation",
            relation_logic="alliance",
            stage_changed_on=D(2026, 1, 20),
            signed_on=D(2026, 1, 20),
            expected_value_eur=15000.0,
        )
        s.add(alliance)
        s.flush()
        s.add_all(
            [
                AllianceStageChange(
                    alliance_id=alliance.id,
                    to_stage="identified",
                    changed_on=D(2025, 10, 2),
                    changed_by_id=lead.id,
                ),
                AllianceStageChange(
                    alliance_id=alliance.id,
                    from_stage="identified",
                    to_stage="signed",
                    changed_on=D(2026, 1, 20),
                ),
                Milestone(
                    network_id=r01,
                    objective_id=objective.id,
                    alliance_id=alliance.id,
                    session_id=s1,
                    code="R01-J1",
                    title="Signer la convention",
                    owner="Camille Ménard",
                    due_date=D(2026, 1, 31),
                    done_date=D(2026, 1, 20),
                    status="done",
                    progress=100,
                    comment="Fait par Camille Ménard",
                ),
                Lesson(
                    cohort_id=cohort_id,
                    network_id=r01,
                    session_id=s1,
                    alliance_id=alliance.id,
                    code="L1",
                    category="lever",
                    statement="-Public : co-construire tôt",
                    capitalisation="published",
                    visibility="public",
                    author_id=lead.id,
                ),
                Lesson(
                    cohort_id=cohort_id,
                    network_id=None,
                    code="L2",
                    category="method",
                    statement="Enseignement de la cohorte",
                    visibility="cohort",
                ),
                Lesson(
                    cohort_id=cohort_id,
                    network_id=r01,
                    code="L3",
                    category="obstacle",
                    statement="Note interne du réseau",
                    visibility="network",
                ),
            ]
        )
        assessment = MaturityAssessment(
            network_id=r01,
            session_id=s1,
            assessor="self",
            assessed_on=D(2025, 10, 14),
            created_by_id=lead.id,
        )
        s.add(assessment)
        s.flush()
        s.add_all(
            [
                MaturityScore(assessment_id=assessment.id, axis="vision", level=2),
                MaturityScore(
                    assessment_id=assessment.id,
                    axis="evaluation",
                    level=1,
                    evidence="Selon Camille Ménard",
                ),
            ]
        )
        ids = {"objective": objective.id, "alliance": alliance.id}
    ministry = make_user(engine, "ministry", username="ministere.exp")
    return {
        "cohort_id": cohort_id,
        "ministry": ministry,
        "r01": r01,
        "r02": r02,
        "lead": lead,
        "admin": admin,
        "people": [
            "Camille Ménard",
            "camille.menard@example.org",
            "lead.exp",
            "Dominique Arnaud",
            "dominique.arnaud@example.org",
            "animation.exp",
        ],
        **ids,
    }
