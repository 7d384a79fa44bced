"""The indicator catalogue and each network's targets: code immutability once values exist,
which indicators a network follows, and target revisions that keep the original."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from dashboard.auth import accounts as auth
from dashboard.core.db import session_scope
from dashboard.core.errors import ConflictError, PermissionDenied, ValidationFailed
from dashboard.services.admin import cohorts as admin_cohorts
from dashboard.services.indicators import catalogue
from dashboard.services.indicators import targets as indicator_targets
from dashboard.services.reporting import history
from models import ChangeLog, Indicator, IndicatorTarget, IndicatorValue, Network
from tests.factories import make_cohort, make_network, make_user

START, END = dt.date(2025, 10, 1), dt.date(2026, 6, 30)
BEFORE_START, AFTER_START = dt.date(2025, 9, 15), dt.date(2026, 1, 10)


@pytest.fixture
def admin(engine):
    return make_user(engine, "admin", username="animation")


@pytest.fixture
def network(engine):
    return make_network(engine, make_cohort(engine, start_date=START, end_date=END), code="R01")


def _indicator(engine, admin, code="AGREEMENTS_SIGNED", **kw) -> int:
    return catalogue.create_indicator(
        engine,
        admin,
        code=code,
        label=kw.pop("label", "Conventions signées"),
        unit=kw.pop("unit", "count"),
        accumulation=kw.pop("accumulation", "cumulative"),
        impact_axis=kw.pop("impact_axis", "performance"),
        lever=kw.pop("lever", "alliances"),
        **kw,
    )


def _add_value(engine, network_id, indicator_id, value=1.0):
    with session_scope(engine) as s:
        s.add(
            IndicatorValue(
                network_id=network_id,
                indicator_id=indicator_id,
                period_start=dt.date(2025, 11, 1),
                value=value,
            )
        )


def _target(engine, network_id, indicator_id) -> IndicatorTarget:
    with session_scope(engine) as s:
        return s.exec(
            select(IndicatorTarget).where(
                IndicatorTarget.network_id == network_id,
                IndicatorTarget.indicator_id == indicator_id,
            )
        ).one()


def test_create_and_edit_an_indicator(engine, admin):
    ind = _indicator(engine, admin, code="skills_hours", label="Heures", unit="hours")
    listed = catalogue.list_indicators(engine, admin).set_index("code")
    row = listed.loc["SKILLS_HOURS"]  # codes are upper-case
    assert row["label"] == "Heures" and not row["has_values"] and row["networks"] == 0
    catalogue.update_indicator(
        engine,
        admin,
        ind,
        version=int(row["version"]),
        label="Heures de mécénat de compétences",
        definition="Heures reçues",
        is_key=True,
        direction="higher_is_better",
    )
    with session_scope(engine) as s:
        stored = s.get(Indicator, ind)
        assert stored.label == "Heures de mécénat de compétences" and stored.is_key
        assert stored.unit == "hours"  # fields not given keep their value
    with pytest.raises(ConflictError):
        catalogue.update_indicator(engine, admin, ind, version=int(row["version"]), label="X")


def test_indicator_validation(engine, admin):
    with pytest.raises(ValidationFailed) as err:
        catalogue.create_indicator(
            engine,
            admin,
            code="1 BAD",
            label="",
            unit="litres",
            accumulation="level",
            impact_axis="trust",
            lever="people",
        )
    assert err.value.errors == [
        "« Code » : majuscules, chiffres et « _ », commençant par une lettre.",
        "« Libellé » : obligatoire.",
        "« Unité » : valeur non reconnue.",
    ]
    with pytest.raises(ValidationFailed, match="maximum doit dépasser"):
        _indicator(engine, admin, code="TRUST", unit="score", scale_min=5, scale_max=1)
    _indicator(engine, admin)
    with pytest.raises(ValidationFailed, match="existe déjà"):
        _indicator(engine, admin)


def test_code_is_immutable_once_values_exist(engine, admin, network):
    ind = _indicator(engine, admin, code="AGREMENTS")
    catalogue.update_indicator(engine, admin, ind, version=1, code="AGREEMENTS_SIGNED")
    _add_value(engine, network, ind)
    assert (
        catalogue.list_indicators(engine, admin)
        .set_index("code")
        .loc["AGREEMENTS_SIGNED", "has_values"]
    )
    with pytest.raises(ValidationFailed, match="ne peut plus changer"):
        catalogue.update_indicator(engine, admin, ind, version=2, code="SIGNED")
    # Everything else stays editable.
    catalogue.update_indicator(engine, admin, ind, version=2, label="Accords signés")
    with session_scope(engine) as s:
        stored = s.get(Indicator, ind)
        assert (stored.code, stored.label) == ("AGREEMENTS_SIGNED", "Accords signés")


def test_follow_set_targets_and_unfollow(engine, admin, network):
    a = _indicator(engine, admin, code="A_IND")
    b = _indicator(engine, admin, code="B_IND", unit="percent", accumulation="level")
    indicator_targets.save_network_targets(
        engine,
        admin,
        network,
        [
            {
                "indicator_id": a,
                "followed": True,
                "baseline_value": 0,
                "baseline_date": START,
                "target_value": 4,
                "target_date": END,
            },
            {
                "indicator_id": b,
                "followed": True,
                "baseline_value": 6.0,
                "baseline_date": "2025-10-01",
                "target_value": 10.0,
                "target_date": "2026-06-30",
            },
        ],
        as_of=BEFORE_START,
    )
    targets = indicator_targets.network_targets(engine, admin, network).set_index("code")
    assert targets["followed"].all()
    assert targets.loc["B_IND", "target_value"] == 10.0
    assert targets.loc["B_IND", "target_date"] == END
    # Before the start, targets change freely (no reason, no "initial" kept).
    indicator_targets.set_target(
        engine,
        admin,
        network,
        a,
        version=int(targets.loc["A_IND", "version"]),
        baseline_value=0,
        target_value=5,
        as_of=BEFORE_START,
    )
    assert _target(engine, network, a).initial_target_value is None
    # Unfollowing drops the row while no value exists…
    indicator_targets.save_network_targets(
        engine, admin, network, [{"indicator_id": b, "followed": False}], as_of=BEFORE_START
    )
    assert (
        not indicator_targets.network_targets(engine, admin, network)
        .set_index("code")
        .loc["B_IND", "followed"]
    )
    # …and is refused once values exist.
    _add_value(engine, network, a)
    with pytest.raises(ValidationFailed, match="il reste suivi"):
        indicator_targets.save_network_targets(
            engine, admin, network, [{"indicator_id": a, "followed": False}], as_of=BEFORE_START
        )
    assert _target(engine, network, a).target_value == 5


def test_targets_validated_against_the_scale(engine, admin, network):
    pct = _indicator(
        engine, admin, code="SHARE", label="Part privée", unit="percent", accumulation="level"
    )
    score = _indicator(
        engine, admin, code="TRUST", label="Confiance", unit="score", scale_min=1, scale_max=5
    )
    with pytest.raises(ValidationFailed) as err:
        indicator_targets.save_network_targets(
            engine,
            admin,
            network,
            [
                {"indicator_id": pct, "target_value": 140},
                {"indicator_id": score, "baseline_value": 0, "target_value": 4},
            ],
            as_of=BEFORE_START,
        )
    assert err.value.errors == [
        "Indicateur « Part privée », « Cible » : hors de l'échelle de l'indicateur.",
        "Indicateur « Confiance », « Valeur de départ » : hors de l'échelle de l'indicateur.",
    ]
    with session_scope(engine) as s:
        assert s.exec(select(IndicatorTarget)).all() == []  # all or nothing
    with pytest.raises(ValidationFailed, match="précède la date de départ"):
        indicator_targets.set_target(
            engine,
            admin,
            network,
            score,
            baseline_date=END,
            target_date=START,
            as_of=BEFORE_START,
        )


def test_target_revision_after_start_needs_a_reason_and_keeps_the_original(engine, admin, network):
    ind = _indicator(engine, admin)
    indicator_targets.set_target(
        engine,
        admin,
        network,
        ind,
        baseline_value=0,
        baseline_date=START,
        target_value=4,
        target_date=END,
        as_of=BEFORE_START,
    )
    version = _target(engine, network, ind).version
    with pytest.raises(ValidationFailed, match="« Raison » : obligatoire"):
        indicator_targets.set_target(
            engine,
            admin,
            network,
            ind,
            version=version,
            baseline_value=0,
            baseline_date=START,
            target_value=6,
            target_date=END,
            as_of=AFTER_START,
        )
    assert _target(engine, network, ind).target_value == 4  # nothing changed

    indicator_targets.set_target(
        engine,
        admin,
        network,
        ind,
        version=version,
        baseline_value=0,
        baseline_date=START,
        target_value=6,
        target_date=END,
        reason="Deux conventions de plus en vue",
        as_of=AFTER_START,
    )
    revised = _target(engine, network, ind)
    assert (revised.initial_target_value, revised.target_value) == (4, 6)
    assert revised.revision_reason == "Deux conventions de plus en vue"
    assert revised.revised_by_id == admin.id and revised.revised_at is not None

    # A second revision keeps the very first target as the initial one.
    indicator_targets.set_target(
        engine,
        admin,
        network,
        ind,
        version=revised.version,
        baseline_value=0,
        baseline_date=START,
        target_value=5,
        target_date=END,
        reason="Prudence",
        as_of=AFTER_START,
    )
    again = _target(engine, network, ind)
    assert (again.initial_target_value, again.target_value) == (4, 5)

    # Both steps are in the change log with their reason (what the history page reads).
    with session_scope(engine) as s:
        log = s.exec(
            select(ChangeLog)
            .where(ChangeLog.entity == "indicator_target", ChangeLog.field == "target_value")
            .order_by(ChangeLog.id)
        ).all()
    assert [(r.action, r.before, r.after, r.reason) for r in log] == [
        ("create", None, "4", None),
        ("update", "4", "6", "Deux conventions de plus en vue"),
        ("update", "6", "5", "Prudence"),
    ]
    assert all(r.network_id == network for r in log)
    # The history page's service shows the revisions with their reason.
    shown = history.network_history(engine, admin, network).rows
    revisions = shown[(shown["entity"] == "indicator_target") & (shown["field"] == "target_value")]
    assert revisions[["before", "after", "reason"]].fillna("").values.tolist() == [
        ["6", "5", "Prudence"],
        ["4", "6", "Deux conventions de plus en vue"],
        ["", "4", ""],
    ]
    # …and on the admin's revision list and the network's targets ("cible initiale").
    with session_scope(engine) as s:
        cohort = s.get(Network, network).cohort_id
    revisions = indicator_targets.target_revisions(engine, admin, cohort)
    assert revisions[
        ["indicator_code", "initial_target_value", "target_value"]
    ].values.tolist() == [["AGREEMENTS_SIGNED", 4.0, 5.0]]
    row = (
        indicator_targets.network_targets(engine, admin, network)
        .set_index("code")
        .loc["AGREEMENTS_SIGNED"]
    )
    assert (row["initial_target_value"], row["target_value"], row["revised_by"]) == (
        4,
        5,
        admin.full_name,
    )


def test_first_target_after_start_needs_no_reason(engine, admin, network):
    ind = _indicator(engine, admin)
    indicator_targets.set_target(engine, admin, network, ind, target_value=3, as_of=AFTER_START)
    stored = _target(engine, network, ind)
    assert stored.target_value == 3 and stored.initial_target_value is None


def test_closed_cohort_targets_are_read_only(engine, admin):
    cohort = make_cohort(engine, start_date=START, end_date=END)
    net = make_network(engine, cohort)
    ind = _indicator(engine, admin)
    admin_cohorts.close_cohort(engine, admin, cohort, version=1)
    with pytest.raises(PermissionDenied, match="clôturée"):
        indicator_targets.set_target(engine, admin, net, ind, target_value=3, as_of=AFTER_START)
    assert indicator_targets.network_targets(engine, admin, net)["followed"].sum() == 0


@pytest.mark.parametrize("role", ["lead", "steering", "ministry"])
def test_other_roles_cannot_call_catalogue_services(engine, admin, network, role):
    ind = _indicator(engine, admin)
    indicator_targets.set_target(engine, admin, network, ind, target_value=4, as_of=BEFORE_START)
    actor = make_user(engine, role, network_id=network if role == "lead" else None)
    calls = [
        lambda: _indicator(engine, actor, code="PIRATE"),
        lambda: catalogue.update_indicator(engine, actor, ind, version=1, label="Pirate"),
        lambda: indicator_targets.set_target(
            engine,
            actor,
            network,
            ind,
            version=1,
            target_value=40,
            reason="x",
            as_of=AFTER_START,
        ),
        lambda: indicator_targets.save_network_targets(
            engine, actor, network, [{"indicator_id": ind, "followed": False}]
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    with session_scope(engine) as s:
        assert [i.code for i in s.exec(select(Indicator))] == ["AGREEMENTS_SIGNED"]
        assert s.get(Indicator, ind).label == "Conventions signées"
    assert _target(engine, network, ind).target_value == 4


# ---------------------------------------------------------------- on the demo cohort


def _demo_ids(engine, network_code: str, indicator_code: str) -> tuple[int, int]:
    with session_scope(engine) as s:
        net = s.exec(select(Network.id).where(Network.code == network_code)).one()
        ind = s.exec(select(Indicator.id).where(Indicator.code == indicator_code)).one()
    return net, ind


def test_demo_indicator_with_values_keeps_its_code(demo_engine):
    admin = auth.login(demo_engine, "animation", "demo-animation-2026").actor
    listed = catalogue.list_indicators(demo_engine, admin).set_index("code")
    row = listed.loc["AGREEMENTS_SIGNED"]
    assert row["has_values"] and row["networks"] == 12
    with pytest.raises(ValidationFailed, match="ne peut plus changer"):
        catalogue.update_indicator(
            demo_engine, admin, int(row["id"]), version=int(row["version"]), code="SIGNED"
        )
    catalogue.update_indicator(
        demo_engine, admin, int(row["id"]), version=int(row["version"]), is_key=True
    )
    assert (
        catalogue.list_indicators(demo_engine, admin)
        .set_index("code")
        .loc["AGREEMENTS_SIGNED", "is_key"]
    )


def test_demo_target_revision_mid_cohort(demo_engine):
    admin = auth.login(demo_engine, "animation", "demo-animation-2026").actor
    net, ind = _demo_ids(demo_engine, "R08", "AGREEMENTS_SIGNED")
    before = _target(demo_engine, net, ind)
    new_target = before.target_value + 2
    mid_cohort = dt.date(2026, 2, 1)
    with pytest.raises(ValidationFailed, match="« Raison » : obligatoire"):
        indicator_targets.set_target(
            demo_engine,
            admin,
            net,
            ind,
            version=before.version,
            baseline_value=before.baseline_value,
            baseline_date=before.baseline_date,
            target_value=new_target,
            target_date=before.target_date,
            as_of=mid_cohort,
        )
    indicator_targets.set_target(
        demo_engine,
        admin,
        net,
        ind,
        version=before.version,
        baseline_value=before.baseline_value,
        baseline_date=before.baseline_date,
        target_value=new_target,
        target_date=before.target_date,
        reason="Deux PME supplémentaires",
        as_of=mid_cohort,
    )
    after = _target(demo_engine, net, ind)
    expected_initial = (
        before.initial_target_value
        if before.initial_target_value is not None
        else before.target_value
    )
    assert (after.initial_target_value, after.target_value) == (expected_initial, new_target)
    assert after.revision_reason == "Deux PME supplémentaires"
    # The network's targets (read by the charts) carry both values.
    row = (
        indicator_targets.network_targets(demo_engine, admin, net)
        .set_index("code")
        .loc["AGREEMENTS_SIGNED"]
    )
    assert (row["initial_target_value"], row["target_value"]) == (expected_initial, new_target)
