"""Numbers are finite and within their unit's range; texts carry no control characters.
Each refusal is a French message and leaves nothing written — on SQLite and on PostgreSQL
(where a NUL byte or a 1e30 used to end in a database error or a page that no longer renders).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from dashboard.core.db import session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import fmt_number
from dashboard.services import roadmap
from dashboard.services.admin import cohorts as admin_cohorts
from dashboard.services.admin import networks as admin_networks
from dashboard.services.indicators import catalogue, review, targets
from dashboard.services.indicators import values as iv
from dashboard.services.reporting import history
from dashboard.services.reporting.snapshots import take_snapshot
from dashboard.services.roadmap import lessons, maturity, objectives, stages
from dashboard.services.roadmap.milestone_grid import AddedMilestone, MilestoneChanges
from dashboard.services.roadmap.milestones import save_milestones
from models import (
    Alliance,
    ChangeLog,
    Cohort,
    IndicatorTarget,
    IndicatorValue,
    Lesson,
    MaturityAssessment,
    Milestone,
    Network,
    Objective,
    Partner,
    Snapshot,
)
from tests.unit.roadmap_world import AS_OF, count, make_world

NUL = "\x00"
NOV = dt.date(2025, 11, 1)


def _changes(engine) -> int:
    return count(engine, ChangeLog)


def _alliance(engine, w, **kw) -> dict:
    partner = roadmap.create_partner(engine, w.admin, name="Pair associatif", family="peer")
    return roadmap.create_alliance(
        engine,
        w.lead_a,
        w.net_a,
        **({"title": "Alliance entre pairs", "partner_id": partner["id"], "as_of": AS_OF} | kw),
    )


# ------------------------------------------------------------------------------------ numbers


def test_every_unit_has_one_declared_range():
    from models.enums import UNIT_RANGES, Unit

    assert set(UNIT_RANGES) == {u.value for u in Unit}
    assert (UNIT_RANGES["percent"].low, UNIT_RANGES["percent"].high) == (0, 100)
    assert UNIT_RANGES["eur"].high == 1e12
    assert UNIT_RANGES["count"].whole and UNIT_RANGES["persons"].whole


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (1e30, "» : doit être inférieur ou égal à 1\u202f000\u202f000"),
        (1e13, "» : doit être inférieur ou égal à 1\u202f000\u202f000"),
        (float("inf"), "» : nombre fini attendu"),
        ("1e400", "» : nombre fini attendu"),
    ],
    ids=["1e30", "1e13", "inf", "text-overflow"],
)
def test_alliance_amount_outside_the_eur_range_is_refused(engine, w, amount, message):
    before = _changes(engine)
    with pytest.raises(ValidationFailed) as err:
        _alliance(engine, w, expected_value_eur=amount)
    assert any("« Valeur attendue" in m and message in m for m in err.value.errors), (
        err.value.errors
    )
    assert count(engine, Alliance) == 0
    assert _changes(engine) == before + 2  # the partner created first, nothing of the alliance


def test_alliance_amount_at_the_top_of_the_range_is_kept_and_shown(engine, w):
    created = _alliance(engine, w, expected_value_eur=1e12)
    listed = roadmap.list_alliances(engine, w.lead_a, w.net_a)
    assert listed.set_index("id").loc[created["id"], "expected_value_eur"] == 1e12
    shown = history.network_history(engine, w.lead_a, w.net_a).rows
    assert "1 000 000 000 000" in " ".join(map(str, shown.to_numpy().ravel())).replace(
        "\u202f", " "
    )


def test_huge_numbers_are_formatted_not_crashing():
    # A figure beyond Babel's 28 digits is shown in scientific notation, never an exception.
    assert fmt_number(1e30, 2) == "1,0e+30"
    assert fmt_number(1e12, 2) == "1\u202f000\u202f000\u202f000\u202f000"


@pytest.fixture
def indicators(engine):
    cohort = make_world(engine)
    admin = cohort.admin
    ids = {}
    for code, unit, scale in [
        ("EUR", "eur", {}),
        ("CNT", "count", {}),
        ("PCT", "percent", {}),
        ("HRS", "hours", {}),
        ("SCORE", "score", {"scale_min": 1, "scale_max": 5}),
    ]:
        ids[code] = catalogue.create_indicator(
            engine,
            admin,
            code=code,
            label=f"Indicateur {code}",
            unit=unit,
            accumulation="level",
            impact_axis="performance",
            lever="money",
            **scale,
        )
        targets.set_target(
            engine, admin, cohort.net_a, ids[code], target_value=1, as_of=dt.date(2025, 9, 1)
        )
    return cohort, ids


@pytest.mark.parametrize(
    ("code", "value", "problem"),
    [
        ("EUR", 1e26, "comprise entre 0 et 1\u202f000\u202f000\u202f000\u202f000"),
        ("EUR", 1e308, "comprise entre 0 et 1\u202f000\u202f000\u202f000\u202f000"),
        ("CNT", 1e10, "comprise entre 0 et 1\u202f000\u202f000\u202f000"),
        ("HRS", 5e9, "comprise entre 0 et 1\u202f000\u202f000\u202f000"),
        ("PCT", 1e30, "un pourcentage est compris entre 0 et 100"),
        ("EUR", float("inf"), "fini"),
        ("EUR", "-inf", "n'est pas un nombre"),
    ],
)
def test_indicator_values_outside_their_unit_range_are_refused(
    engine, indicators, code, value, problem
):
    w, ids = indicators
    before = _changes(engine)
    with pytest.raises(ValidationFailed) as err:
        iv.save_values(
            engine,
            w.lead_a,
            w.net_a,
            [{"indicator_id": ids[code], "period_start": NOV, "value": value}],
            as_of=AS_OF,
        )
    assert any(problem in m for m in err.value.errors), err.value.errors
    assert count(engine, IndicatorValue) == 0
    assert _changes(engine) == before


def test_indicator_value_at_the_top_of_its_range_is_stored(engine, indicators):
    w, ids = indicators
    iv.save_values(
        engine,
        w.lead_a,
        w.net_a,
        [{"indicator_id": ids["EUR"], "period_start": NOV, "value": 1e12}],
        as_of=AS_OF,
    )
    with session_scope(engine) as s:
        assert s.exec(select(IndicatorValue.value)).one() == 1e12


def _target(engine, network_id, indicator_id):
    with session_scope(engine) as s:
        row = s.exec(
            select(IndicatorTarget).where(
                IndicatorTarget.network_id == network_id,
                IndicatorTarget.indicator_id == indicator_id,
            )
        ).one()
        return row.baseline_value, row.target_value


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("target_value", float("inf"), "nombre fini"),
        ("target_value", float("-inf"), "nombre fini"),
        ("target_value", float("nan"), "nombre fini"),
        ("baseline_value", float("nan"), "nombre fini"),
        ("target_value", 1e308, "hors de l'échelle"),
        ("target_value", 2e12, "hors de l'échelle"),
    ],
)
def test_set_target_refuses_non_finite_and_out_of_range(engine, indicators, field, value, problem):
    w, ids = indicators
    before = _target(engine, w.net_a, ids["EUR"])
    with pytest.raises(ValidationFailed) as err:
        targets.set_target(
            engine, w.admin, w.net_a, ids["EUR"], as_of=dt.date(2025, 9, 1), **{field: value}
        )
    assert any(problem in m for m in err.value.errors), err.value.errors
    # « not a number » never clears the stored target.
    assert _target(engine, w.net_a, ids["EUR"]) == before == (None, 1)


def test_catalogue_scale_stays_within_the_unit_range(engine, w):
    with pytest.raises(ValidationFailed) as err:
        catalogue.create_indicator(
            engine,
            w.admin,
            code="SHARE_X",
            label="Part",
            unit="percent",
            accumulation="level",
            impact_axis="performance",
            lever="money",
            scale_max=1e30,
        )
    assert any("Échelle" in m and "100" in m for m in err.value.errors), err.value.errors


def test_network_member_count_fits_an_integer_column(engine, w):
    with pytest.raises(ValidationFailed) as err:
        admin_networks.add_network(
            engine, w.admin, w.cohort, code="R99", name="Réseau énorme", member_count=10**12
        )
    assert any("inférieur ou égal à 1\u202f000\u202f000\u202f000" in m for m in err.value.errors)
    assert count(engine, Network, Network.code == "R99") == 0


# ------------------------------------------------------------------------- control characters


def test_control_character_finder():
    from dashboard.services.shared.fields import control_character

    assert control_character("Titre\x00") == "U+0000"
    assert control_character("a\tb") == "U+0009"
    assert control_character("a\tb\nc\r\n", multiline=True) is None
    assert control_character("a\x1bb", multiline=True) == "U+001B"
    assert control_character("\ud800", multiline=True) == "U+D800"
    assert control_character("Émilie — œuvre « 1 234,5 » 🤝") is None


def _milestone(engine, w, **values):
    row = {"title": "Jalon", "due_date": "2026-03-01", "status": "planned", "progress": 0}
    changes = MilestoneChanges(added=[AddedMilestone(row | values, row=1)])
    save_milestones(engine, w.lead_a, w.net_a, changes, as_of=AS_OF)


def _maturity(engine, w, comment=None, evidence=None):
    scores = [
        {"axis": axis, "level": 2, "evidence": evidence}
        for axis in (
            "vision",
            "ecosystem",
            "diversity",
            "governance",
            "member_mobilisation",
            "evaluation",
            "economic_model",
        )
    ]
    maturity.save_assessment(
        engine, w.lead_a, w.net_a, w.s1, "self", scores, comment=comment, as_of=AS_OF
    )


def _stage(engine, w, comment):
    alliance = _alliance(engine, w)
    stages.move_alliance_stage(
        engine,
        w.lead_a,
        alliance["id"],
        alliance["version"],
        to_stage="contacted",
        comment=comment,
        as_of=AS_OF,
    )


# (what, call with the text in one field, table that must stay without the text)
TEXT_FIELDS = {
    "objective.title": (
        lambda e, w, x: objectives.create_objective(
            e, w.lead_a, w.net_a, title=x, motivation="other"
        ),
        Objective,
    ),
    "objective.description": (
        lambda e, w, x: objectives.create_objective(
            e, w.lead_a, w.net_a, title="Objectif", motivation="other", description=x
        ),
        Objective,
    ),
    "alliance.title": (lambda e, w, x: _alliance(e, w, title=x), Alliance),
    "alliance.description": (lambda e, w, x: _alliance(e, w, description=x), Alliance),
    "partner.name": (
        lambda e, w, x: roadmap.create_partner(e, w.admin, name=x, family="peer"),
        Partner,
    ),
    "lesson.statement": (
        lambda e, w, x: lessons.create_lesson(e, w.lead_a, w.net_a, category="lever", statement=x),
        Lesson,
    ),
    "milestone.title": (lambda e, w, x: _milestone(e, w, title=x), Milestone),
    "milestone.owner": (lambda e, w, x: _milestone(e, w, owner=x), Milestone),
    "milestone.comment": (lambda e, w, x: _milestone(e, w, comment=x), Milestone),
    "maturity.comment": (lambda e, w, x: _maturity(e, w, comment=x), MaturityAssessment),
    "maturity.evidence": (lambda e, w, x: _maturity(e, w, evidence=x), MaturityAssessment),
    "stage.comment": (lambda e, w, x: _stage(e, w, x), None),
    "snapshot.label": (
        lambda e, w, x: take_snapshot(e, w.admin, w.cohort, label=x, as_of=AS_OF),
        Snapshot,
    ),
    "cohort.name": (
        lambda e, w, x: admin_cohorts.create_cohort(
            e,
            w.admin,
            code="C-NUL",
            name=x,
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 9, 30),
        ),
        Cohort,
    ),
    "network.name": (
        lambda e, w, x: admin_networks.add_network(e, w.admin, w.cohort, code="R77", name=x),
        Network,
    ),
}


@pytest.mark.parametrize("where", sorted(TEXT_FIELDS))
@pytest.mark.parametrize(
    "bad", ["avant\x00après", "bip\x07", "échap\x1b[31m", "\x7fsuppr"], ids=repr
)
def test_control_characters_are_refused_in_every_free_text(engine, w, where, bad):
    call, table = TEXT_FIELDS[where]
    rows_before = count(engine, table) if table is not None else None
    with pytest.raises(ValidationFailed) as err:
        call(engine, w, bad)
    assert any("caractère de contrôle invisible" in m for m in err.value.errors), err.value.errors
    with session_scope(engine) as s:
        logged = s.exec(select(ChangeLog.after).where(ChangeLog.after.is_not(None))).all()
    assert not any(bad in text for text in logged)
    if table is not None:
        assert count(engine, table) == rows_before


@pytest.mark.parametrize("where", ["objective.description", "lesson.statement", "stage.comment"])
def test_multi_line_texts_keep_line_breaks_and_tabs(engine, w, where):
    typed = "Première ligne\n\tdétail en retrait\nDernière ligne"
    call, _ = TEXT_FIELDS[where]
    call(engine, w, typed)
    with session_scope(engine) as s:
        logged = s.exec(select(ChangeLog.after)).all() + s.exec(select(ChangeLog.reason)).all()
    assert typed in logged


@pytest.mark.parametrize("where", ["objective.title", "alliance.title", "network.name"])
def test_one_line_texts_refuse_line_breaks(engine, w, where):
    call, _ = TEXT_FIELDS[where]
    with pytest.raises(ValidationFailed, match="une seule ligne"):
        call(engine, w, "Première\nseconde")


def test_review_reason_refuses_control_characters(engine, indicators):
    w, ids = indicators
    iv.save_values(
        engine,
        w.lead_a,
        w.net_a,
        [{"indicator_id": ids["CNT"], "period_start": NOV, "value": 3}],
        submit=True,
        as_of=AS_OF,
    )
    with session_scope(engine) as s:
        row = s.exec(select(IndicatorValue)).one()
        value_id, version = row.id, row.version
    with pytest.raises(ValidationFailed, match="caractère de contrôle invisible"):
        review.return_value(engine, w.admin, value_id, version, "à revoir\x00")
    with session_scope(engine) as s:
        row = s.get(IndicatorValue, value_id)
        assert (row.status, row.return_reason) == ("submitted", None)


def test_value_comment_refuses_control_characters(engine, indicators):
    w, ids = indicators
    with pytest.raises(ValidationFailed) as err:
        iv.save_values(
            engine,
            w.lead_a,
            w.net_a,
            [{"indicator_id": ids["CNT"], "period_start": NOV, "value": 3, "comment": "x\x00"}],
            as_of=AS_OF,
        )
    assert any("caractère de contrôle invisible" in m for m in err.value.errors)
    assert count(engine, IndicatorValue) == 0


def test_exports_run_after_an_infinite_target_was_refused(engine, tmp_path):
    """An infinite target used to be stored, and then every export profile failed."""
    from dashboard.services.exports import runner as exports
    from dashboard.services.exports.runner import ExportFilters, ExportRequest
    from models import Indicator
    from tests.unit.test_exports_fixture import build_export_fixture

    data = build_export_fixture(engine)
    with session_scope(engine) as s:
        indicator = s.exec(select(Indicator.id).where(Indicator.code == "FORMULA_LABEL")).one()
    for refused in (float("inf"), 1e308):
        with pytest.raises(ValidationFailed):
            targets.set_target(
                engine, data["admin"], data["r02"], indicator, target_value=refused,
                as_of=dt.date(2025, 9, 1),
            )  # fmt: skip
    targets.set_target(
        engine, data["admin"], data["r02"], indicator, target_value=1e9, as_of=dt.date(2025, 9, 1)
    )
    for profile in ("excel_fr", "opendata", "xlsx", "json"):
        out = tmp_path / profile
        out.mkdir()
        request = ExportRequest(profile=profile, filters=ExportFilters(cohort="C-EXP"))
        exports.export_to_directory(engine, data["ministry"], request, out)
        written = [p for p in out.rglob("*") if p.is_file()]
        assert written and all(p.stat().st_size > 0 for p in written), profile
