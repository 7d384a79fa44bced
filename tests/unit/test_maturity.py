"""Maturity assessments: seven axes × levels 1–4, self vs facilitator, locking and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import func, select

from dashboard.core.db import session_scope
from dashboard.core.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from dashboard.services.roadmap import maturity
from models import ChangeLog, MaturityAssessment, MaturityScore
from models.enums import MaturityAxis
from tests.factories import make_cohort, make_network, make_session, make_user

AXES = [a.value for a in MaturityAxis]


@pytest.fixture
def world(engine):
    cohort = make_cohort(engine)
    other_cohort = make_cohort(engine)
    net_a = make_network(engine, cohort)
    net_b = make_network(engine, cohort)
    return {
        "engine": engine,
        "a": net_a,
        "b": net_b,
        "s1": make_session(engine, cohort, code="S1", number=1, date=dt.date(2025, 10, 14)),
        "s2": make_session(engine, cohort, code="S2", number=2, date=dt.date(2025, 12, 9)),
        "s3": make_session(engine, cohort, code="S3", number=3, date=dt.date(2026, 3, 17)),
        "elsewhere": make_session(
            engine, other_cohort, code="S1", number=1, date=dt.date(2025, 10, 14)
        ),
        "lead_a": make_user(engine, "lead", network_id=net_a, full_name="Alice Référente"),
        "admin": make_user(engine, "admin", full_name="Anne Animation"),
        "steering": make_user(engine, "steering"),
        "ministry": make_user(engine, "ministry"),
    }


def scores(levels: dict[str, int] | int = 2, **evidence: str) -> list[dict]:
    if isinstance(levels, int):
        levels = dict.fromkeys(AXES, levels)
    return [{"axis": a, "level": levels[a], "evidence": evidence.get(a)} for a in levels]


def save(w, who, session_key, assessor="self", rows=None, *, network="a", version=None):
    return maturity.save_assessment(
        w["engine"],
        w[who],
        w[network],
        w[session_key],
        assessor,
        rows if rows is not None else scores(),
        version=version,
        as_of=dt.date(2026, 1, 10),
    )


def counts(engine):
    with session_scope(engine) as s:
        return (
            s.exec(select(func.count()).select_from(MaturityAssessment)).one(),
            s.exec(select(func.count()).select_from(MaturityScore)).one(),
            s.exec(select(func.count()).select_from(ChangeLog)).one(),
        )


def test_self_assessment_saved_and_shown_with_the_previous_one(world):
    w = world
    first = save(w, "lead_a", "s1", rows=scores(1, vision="Projet stratégique voté en AG"))
    levels = {"vision": 3, "ecosystem": 2, "diversity": 2, "governance": 3,
              "member_mobilisation": 2, "evaluation": 1, "economic_model": 2}  # fmt: skip
    save(w, "lead_a", "s2", rows=scores(levels))
    form = maturity.maturity_form(w["engine"], w["lead_a"], w["a"], as_of=dt.date(2026, 1, 10))
    assert form["session_id"] == w["s2"]  # the latest session on or before the day
    assert {a: s["level"] for a, s in form["self"]["scores"].items()} == levels
    assert form["previous_self"]["id"] == first["id"]
    assert form["previous_self"]["scores"]["vision"] == {
        "level": 1,
        "evidence": "Projet stratégique voté en AG",
    }
    assert form["facilitator"] is None
    assert list(form["sessions"]["code"]) == ["S1", "S2", "S3"]
    chosen = maturity.maturity_form(w["engine"], w["lead_a"], w["a"], session_id=w["s1"])
    assert chosen["self"]["id"] == first["id"] and chosen["previous_self"] is None
    with session_scope(w["engine"]) as s:
        fields = s.exec(
            select(ChangeLog.field).where(ChangeLog.entity_id == first["id"],
                                          ChangeLog.entity == "maturity_assessment")
        ).all()  # fmt: skip
    assert {f"{a}.level" for a in AXES} <= set(fields) and "vision.evidence" in fields


def test_update_bumps_the_version_and_logs_the_axis(world):
    w = world
    created = save(w, "lead_a", "s2")
    rows = scores(2)
    rows[0]["level"] = 4
    updated = save(w, "lead_a", "s2", rows=rows, version=created["version"])
    assert updated["id"] == created["id"] and updated["version"] == created["version"] + 1
    with session_scope(w["engine"]) as s:
        change = s.exec(
            select(ChangeLog).where(ChangeLog.field == "vision.level", ChangeLog.before == "2")
        ).one()
        assert (change.after, change.user_id) == ("4", w["lead_a"].id)
    before = counts(w["engine"])
    with pytest.raises(ConflictError) as err:  # someone saved since version 1 was shown
        save(w, "lead_a", "s2", rows=scores(3), version=created["version"])
    assert "Alice Référente" in err.value.message
    assert counts(w["engine"]) == before


@pytest.mark.parametrize("bad", [0, 5, 2.5, "trois", None, True])
def test_levels_are_1_to_4_only(world, bad):
    rows = scores(2)
    rows[5]["level"] = bad  # evaluation
    with pytest.raises(ValidationFailed) as err:
        save(world, "lead_a", "s1", rows=rows)
    assert err.value.errors == [err.value.errors[0]] and "Évaluation" in err.value.errors[0]
    assert "« Niveau » : choisissez un niveau parmi 1 (" in err.value.errors[0]
    assert counts(world["engine"]) == (0, 0, 0)


def test_all_seven_axes_are_required(world):
    rows = [r for r in scores(2) if r["axis"] != "economic_model"]
    with pytest.raises(ValidationFailed) as err:
        save(world, "lead_a", "s1", rows=rows)
    assert any("Modèle socio-économique" in e for e in err.value.errors)
    with pytest.raises(ValidationFailed) as err:
        save(world, "lead_a", "s1", rows=scores(2) + [{"axis": "charisma", "level": 2}])
    assert any("charisma" in e for e in err.value.errors)
    with pytest.raises(ValidationFailed):
        save(world, "lead_a", "s1", rows=scores(2) + [{"axis": "vision", "level": 3}])
    with pytest.raises(ValidationFailed) as err:
        save(world, "lead_a", "s1", rows=scores(2, governance="x" * 501))
    assert err.value.errors[0].endswith(
        "« Justification » : texte trop long : 501 caractères pour 500 au plus."
    )
    assert counts(world["engine"]) == (0, 0, 0)


def test_facilitator_assessment_is_for_the_programme_team(world):
    w = world
    with pytest.raises(PermissionDenied):
        save(w, "lead_a", "s2", "facilitator")
    assert counts(w["engine"]) == (0, 0, 0)
    save(w, "lead_a", "s2", "self", rows=scores(3))
    save(w, "admin", "s2", "facilitator", rows=scores(2))
    form = maturity.maturity_form(w["engine"], w["lead_a"], w["a"], session_id=w["s2"])
    assert {s["level"] for s in form["self"]["scores"].values()} == {3}
    assert {s["level"] for s in form["facilitator"]["scores"].values()} == {2}
    with pytest.raises(ValidationFailed):
        save(w, "admin", "s2", "mentor")


def test_forged_network_session_or_role_is_refused(world):
    w = world
    for who, network in (("lead_a", "b"), ("steering", "a"), ("ministry", "a")):
        with pytest.raises(PermissionDenied):
            save(w, who, "s1", network=network)
    with pytest.raises(PermissionDenied):
        maturity.maturity_form(w["engine"], w["lead_a"], w["b"])
    with pytest.raises(NotFound):
        save(w, "lead_a", "elsewhere")
    assert counts(w["engine"]) == (0, 0, 0)
