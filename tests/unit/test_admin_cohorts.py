"""Cohort administration: cohorts, networks (RNA and SIREN checks), sessions, closing — and
a new cohort set up from scratch through the services showing on the dashboard."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import select

from dashboard.auth import accounts as auth
from dashboard.core.db import session_scope
from dashboard.core.errors import ConflictError, PermissionDenied, ValidationFailed
from dashboard.services.admin import cohorts as admin_cohorts
from dashboard.services.admin import networks as admin_networks
from dashboard.services.admin import sessions as admin_sessions
from dashboard.services.admin import users as admin_users
from dashboard.services.exports import runner as exports
from dashboard.services.indicators import catalogue
from dashboard.services.indicators import targets as indicator_targets
from dashboard.services.reporting import cohorts
from models import ChangeLog, Cohort, Network, ProgrammeSession
from tests.factories import make_cohort, make_network, make_user

START, END = dt.date(2026, 10, 1), dt.date(2027, 6, 30)


@pytest.fixture
def admin(engine):
    return make_user(engine, "admin", username="animation")


def _new_cohort(engine, admin, **kw) -> int:
    return admin_cohorts.create_cohort(
        engine,
        admin,
        code=kw.pop("code", "AI-2027"),
        name=kw.pop("name", "Alliances innovantes 2027"),
        start_date=kw.pop("start_date", START),
        end_date=kw.pop("end_date", END),
        **kw,
    )


def _cohort(engine, cohort_id) -> Cohort:
    with session_scope(engine) as s:
        return s.get(Cohort, cohort_id)


def test_siren_luhn_check():
    assert admin_networks.siren_is_valid("732829320")
    assert not admin_networks.siren_is_valid("732829321")
    assert not admin_networks.siren_is_valid("73282932")
    assert not admin_networks.siren_is_valid("73282932A")


def test_rna_and_siren_validation_names_row_and_field(engine, admin):
    cohort_id = _new_cohort(engine, admin)
    with pytest.raises(ValidationFailed) as err:
        admin_networks.save_networks(
            engine,
            admin,
            cohort_id,
            [
                {"code": "R01", "name": "Un", "rna": "W12345678", "siren": "732829321"},
                {"code": "R02", "name": "Deux", "rna": "X123456789"},
            ],
        )
    assert err.value.errors == [
        "Réseau R01, « RNA » : « W » suivi de 9 chiffres attendu (ex. W751234567).",
        "Réseau R01, « SIREN » : 9 chiffres avec une clé de contrôle valide attendus.",
        "Réseau R02, « RNA » : « W » suivi de 9 chiffres attendu (ex. W751234567).",
    ]
    assert admin_networks.network_rows(engine, admin, cohort_id).empty  # all or nothing
    admin_networks.add_network(
        engine,
        admin,
        cohort_id,
        code="r01",
        name="Un",
        rna="W123456789",
        siren="732 829 320",
        region_code="84",
    )
    # RNA is optional: Alsace-Moselle associations have none.
    admin_networks.add_network(engine, admin, cohort_id, code="R02", name="Deux", region_code="44")
    rows = admin_networks.network_rows(engine, admin, cohort_id).set_index("code")
    assert rows.loc["R01", "siren"] == "732829320" and rows.loc["R01", "rna"] == "W123456789"
    assert pd.isna(rows.loc["R02", "rna"])


def test_duplicate_network_code_refused(engine, admin):
    cohort_id = _new_cohort(engine, admin)
    admin_networks.add_network(engine, admin, cohort_id, code="R01", name="Un")
    with pytest.raises(ValidationFailed, match="déjà utilisé"):
        admin_networks.add_network(engine, admin, cohort_id, code="r01", name="Doublon")
    with pytest.raises(ValidationFailed, match="en double"):
        admin_networks.save_networks(
            engine, admin, cohort_id, [{"code": "R5", "name": "A"}, {"code": "R5", "name": "B"}]
        )


def test_cohort_dates_and_code_validated(engine, admin):
    with pytest.raises(ValidationFailed, match="fin précède"):
        _new_cohort(engine, admin, start_date=END, end_date=START)
    _new_cohort(engine, admin)
    with pytest.raises(ValidationFailed, match="existe déjà"):
        _new_cohort(engine, admin)


def test_sessions_planned_numbered_and_rescheduled(engine, admin):
    cohort_id = _new_cohort(engine, admin)
    ids = admin_sessions.save_sessions(
        engine,
        admin,
        cohort_id,
        [
            {
                "code": "S1",
                "kind": "collective",
                "phase": "understand",
                "title": "Lancement",
                "session_date": "2026-10-13",
            },
            {
                "code": "W1",
                "kind": "webinar",
                "phase": "deepen",
                "title": "Évaluer",
                "session_date": dt.date(2027, 1, 26),
                "host": "Le RAMEAU",
            },
        ],
    )
    sessions = cohorts.cohort_sessions(engine, admin, cohort_id).set_index("code")
    assert list(sessions["number"]) == [1, 2]
    with pytest.raises(ValidationFailed, match="en dehors de la cohorte"):
        admin_sessions.plan_session(
            engine,
            admin,
            cohort_id,
            code="S9",
            kind="collective",
            title="Trop tard",
            session_date=dt.date(2027, 9, 1),
        )
    version = int(sessions.loc["W1", "version"])
    admin_sessions.reschedule_session(
        engine, admin, ids[1], version=version, session_date=dt.date(2027, 2, 2)
    )
    with pytest.raises(ConflictError):
        admin_sessions.reschedule_session(
            engine, admin, ids[1], version=version, session_date=dt.date(2027, 2, 9)
        )
    moved = cohorts.cohort_sessions(engine, admin, cohort_id).set_index("code").loc["W1"]
    assert moved["session_date"] == dt.date(2027, 2, 2) and moved["host"] == "Le RAMEAU"
    with session_scope(engine) as s:
        log = s.exec(
            select(ChangeLog).where(ChangeLog.entity == "session", ChangeLog.action == "update")
        ).one()
    assert (log.field, log.before, log.after) == ("session_date", "2027-01-26", "2027-02-02")


def test_cohort_dates_cannot_leave_sessions_outside(engine, admin):
    cohort_id = _new_cohort(engine, admin)
    admin_sessions.plan_session(
        engine,
        admin,
        cohort_id,
        code="S1",
        kind="collective",
        title="S1",
        session_date=dt.date(2026, 10, 13),
    )
    with pytest.raises(ValidationFailed, match="hors des nouvelles dates"):
        admin_cohorts.update_cohort(
            engine,
            admin,
            cohort_id,
            version=1,
            name="X",
            start_date=dt.date(2026, 11, 1),
            end_date=END,
            anonymise_for_leads=False,
        )


def test_anonymise_for_leads_setting(engine, admin):
    cohort_id = _new_cohort(engine, admin)
    admin_networks.add_network(engine, admin, cohort_id, code="R01", name="Réseau Un")
    other = admin_networks.add_network(engine, admin, cohort_id, code="R02", name="Réseau Deux")
    lead = make_user(engine, "lead", network_id=other)
    version = admin_cohorts.update_cohort(
        engine,
        admin,
        cohort_id,
        version=_cohort(engine, cohort_id).version,
        name="Alliances innovantes 2027",
        start_date=START,
        end_date=END,
        anonymise_for_leads=True,
    )
    assert _cohort(engine, cohort_id).anonymise_for_leads and version == 2
    seen_by_lead = cohorts.cohort_networks(engine, lead, cohort_id)
    assert "Réseau Un" not in set(seen_by_lead["name"])  # anonymised for a lead…
    assert "Réseau Un" in set(cohorts.cohort_networks(engine, admin, cohort_id)["name"])


def test_closed_cohort_is_read_only(engine, admin):
    cohort_id = _new_cohort(engine, admin)
    net = admin_networks.add_network(engine, admin, cohort_id, code="R01", name="Un")
    ind = catalogue.create_indicator(
        engine,
        admin,
        code="AGREEMENTS_SIGNED",
        label="Conventions",
        unit="count",
        accumulation="cumulative",
        impact_axis="performance",
        lever="alliances",
    )
    indicator_targets.set_target(engine, admin, net, ind, target_value=4, as_of=START)
    admin_cohorts.close_cohort(engine, admin, cohort_id, version=_cohort(engine, cohort_id).version)
    assert _cohort(engine, cohort_id).status == "closed"
    with session_scope(engine) as s:
        net_version = s.get(Network, net).version
    refused = [
        lambda: admin_networks.add_network(engine, admin, cohort_id, code="R02", name="Deux"),
        lambda: admin_networks.update_network(engine, admin, net, version=net_version, name="X"),
        lambda: admin_sessions.plan_session(
            engine,
            admin,
            cohort_id,
            code="S1",
            kind="collective",
            title="S1",
            session_date=START,
        ),
        lambda: admin_cohorts.update_cohort(
            engine,
            admin,
            cohort_id,
            version=_cohort(engine, cohort_id).version,
            name="X",
            start_date=START,
            end_date=END,
            anonymise_for_leads=True,
        ),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied, match="clôturée"):
            call()
    with session_scope(engine) as s:
        assert s.get(Network, net).name == "Un"
        assert s.exec(select(ProgrammeSession)).all() == []
    # Still readable, and still exportable.
    assert len(cohorts.cohort_networks(engine, admin, cohort_id)) == 1
    preview = exports.preview_export(
        engine,
        make_user(engine, "ministry"),
        exports.ExportRequest(
            profile="excel_fr",
            filters=exports.ExportFilters(cohort="AI-2027"),
            tables=("indicator_targets",),
        ),
    )
    assert preview[0].rows == 1 and preview[0].head["target_value"].tolist() == [4]
    with pytest.raises(ValidationFailed, match="raison"):
        admin_cohorts.reopen_cohort(
            engine, admin, cohort_id, version=_cohort(engine, cohort_id).version, reason=" "
        )
    admin_cohorts.reopen_cohort(
        engine,
        admin,
        cohort_id,
        version=_cohort(engine, cohort_id).version,
        reason="Correction tardive",
    )
    admin_networks.update_network(engine, admin, net, version=net_version, name="Réseau Un")


@pytest.mark.parametrize("role", ["lead", "steering", "ministry"])
def test_other_roles_cannot_call_cohort_services(engine, role):
    cohort_id = make_cohort(engine, start_date=START, end_date=END)
    net = make_network(engine, cohort_id, code="R01", name="Un")
    actor = make_user(engine, role, network_id=net if role == "lead" else None)
    calls = [
        lambda: admin_cohorts.create_cohort(
            engine, actor, code="X", name="X", start_date=START, end_date=END
        ),
        lambda: admin_cohorts.update_cohort(
            engine,
            actor,
            cohort_id,
            version=1,
            name="X",
            start_date=START,
            end_date=END,
            anonymise_for_leads=True,
        ),
        lambda: admin_cohorts.close_cohort(engine, actor, cohort_id, version=1),
        lambda: admin_cohorts.reopen_cohort(engine, actor, cohort_id, version=1, reason="x"),
        lambda: admin_networks.network_rows(engine, actor, cohort_id),
        lambda: admin_networks.add_network(engine, actor, cohort_id, code="R02", name="Deux"),
        lambda: admin_networks.update_network(engine, actor, net, version=1, name="Pirate"),
        lambda: admin_sessions.plan_session(
            engine,
            actor,
            cohort_id,
            code="S1",
            kind="collective",
            title="S1",
            session_date=START,
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    with session_scope(engine) as s:
        assert s.get(Network, net).name == "Un"
        assert len(s.exec(select(Network)).all()) == 1
        assert len(s.exec(select(Cohort)).all()) == 1
        assert s.exec(select(ChangeLog)).all() == []


def test_new_cohort_from_scratch_shows_on_the_dashboard(engine, admin):
    """The programme team sets up a whole cohort through the services alone."""
    cohort_id = _new_cohort(engine, admin, code="AI-2027")
    networks = admin_networks.save_networks(
        engine,
        admin,
        cohort_id,
        [
            {
                "code": "N1",
                "name": "Réseau Nord",
                "region_code": "32",
                "member_count": 40,
                "siren": "732829320",
            },
            {"code": "N2", "name": "Réseau Ouest", "region_code": "53", "rna": "W531000001"},
            {"code": "N3", "name": "Réseau Sud", "region_code": "93", "member_count": 12},
        ],
    )
    admin_sessions.save_sessions(
        engine,
        admin,
        cohort_id,
        [
            {
                "code": "S1",
                "kind": "collective",
                "phase": "understand",
                "title": "Lancement",
                "session_date": dt.date(2026, 10, 13),
            },
            {
                "code": "S2",
                "kind": "collective",
                "phase": "implement",
                "title": "Feuilles",
                "session_date": dt.date(2026, 12, 8),
            },
            {
                "code": "COPIL",
                "kind": "steering",
                "phase": "perspective",
                "title": "Bilan",
                "session_date": dt.date(2027, 6, 15),
            },
        ],
    )
    first = catalogue.create_indicator(
        engine,
        admin,
        code="AGREEMENTS_SIGNED",
        label="Conventions signées",
        unit="count",
        accumulation="cumulative",
        impact_axis="performance",
        lever="alliances",
        is_key=True,
    )
    second = catalogue.create_indicator(
        engine,
        admin,
        code="TRUST_SCORE",
        label="Confiance",
        unit="score",
        accumulation="level",
        impact_axis="trust",
        lever="people",
        scale_min=1,
        scale_max=5,
    )
    for i, net in enumerate(networks):
        indicator_targets.save_network_targets(
            engine,
            admin,
            net,
            [
                {
                    "indicator_id": first,
                    "followed": True,
                    "baseline_value": 0,
                    "baseline_date": START,
                    "target_value": 3 + i,
                    "target_date": END,
                },
                {
                    "indicator_id": second,
                    "followed": True,
                    "baseline_value": 2,
                    "baseline_date": START,
                    "target_value": 4,
                    "target_date": END,
                },
            ],
            as_of=dt.date(2026, 9, 1),
        )
    invites = [
        admin_users.invite_user(
            engine,
            admin,
            full_name=f"Référente {i}",
            email=f"ref{i}@exemple.fr",
            role="lead",
            network_id=net,
        )
        for i, net in enumerate(networks, start=1)
    ]

    figures = cohorts.headline(engine, admin, cohort_id, as_of=dt.date(2026, 11, 1))
    assert figures["networks"] == 3
    assert figures["milestones"] == 0 and figures["values_awaiting_validation"] == 0
    assert list(cohorts.cohort_networks(engine, admin, cohort_id)["code"]) == ["N1", "N2", "N3"]
    assert cohorts.cohort_sessions(engine, admin, cohort_id)["code"].tolist() == [
        "S1",
        "S2",
        "COPIL",
    ]
    assert cohorts.default_cohort_id(engine, admin) == cohort_id
    targets = indicator_targets.network_targets(engine, admin, networks[2]).set_index("code")
    assert targets.loc["AGREEMENTS_SIGNED", "target_value"] == 5
    assert targets["followed"].all()

    # The ministry finds the new cohort's networks and targets in its export.
    ministry = make_user(engine, "ministry")
    preview = exports.preview_export(
        engine,
        ministry,
        exports.ExportRequest(
            profile="opendata",
            filters=exports.ExportFilters(cohort="AI-2027"),
            tables=("indicator_targets",),
        ),
        limit=10,
    )
    assert preview[0].rows == 3 * 2
    assert sorted(set(preview[0].head["network_code"])) == ["N1", "N2", "N3"]
    assert sorted(
        preview[0].head.loc[
            preview[0].head["indicator_code"] == "AGREEMENTS_SIGNED", "target_value"
        ]
    ) == [3, 4, 5]

    # The leads can log in and land in their own network of the new cohort.
    for invite, net in zip(invites, networks, strict=True):
        result = auth.login(engine, invite.username, invite.secret)
        assert result.ok and result.actor.network_id == net
        assert result.actor.cohort_id == cohort_id
        auth.change_password(engine, result.actor, None, "mon-mot-de-passe-a-moi")
        lead = auth.resolve_session(engine, result.token)
        assert not lead.must_change_password
        assert [c.id for c in cohorts.list_cohorts(engine, lead)] == [cohort_id]


def test_new_cohort_next_to_the_demo_one(demo_engine):
    admin = auth.login(demo_engine, "animation", "demo-animation-2026").actor
    demo_id = cohorts.default_cohort_id(demo_engine, admin)
    demo_before = cohorts.headline(demo_engine, admin, demo_id, as_of=dt.date(2026, 3, 1))
    cohort_id = _new_cohort(demo_engine, admin, code="AI-2027")
    # Network codes are unique within a cohort, so R01 can start again.
    admin_networks.save_networks(
        demo_engine,
        admin,
        cohort_id,
        [{"code": f"R0{i}", "name": f"Nouveau réseau {i}"} for i in (1, 2, 3)],
    )
    assert cohorts.headline(demo_engine, admin, cohort_id)["networks"] == 3
    assert cohorts.headline(demo_engine, admin, demo_id, as_of=dt.date(2026, 3, 1)) == demo_before
    assert {c.code for c in cohorts.list_cohorts(demo_engine, admin)} == {"AI-2026", "AI-2027"}
    # The demo's leads still see only their own cohort.
    lead = auth.login(demo_engine, "lead.r01", "demo-referent-2026").actor
    assert [c.code for c in cohorts.list_cohorts(demo_engine, lead)] == ["AI-2026"]
