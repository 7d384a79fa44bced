"""Objectives, partners, alliances and stage moves: rules, permissions, locking, change log."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import select

from dashboard.core.db import session_scope
from dashboard.core.errors import ConflictError, PermissionDenied, ValidationFailed
from dashboard.services import roadmap
from models import Alliance, AllianceStageChange, ChangeLog, Cohort, Objective, Partner
from tests.unit.roadmap_world import AS_OF, count, log_rows


def _plain(df: pd.DataFrame) -> list[list]:
    return [[None if pd.isna(v) else v for v in row] for row in df.values.tolist()]


def _partner(engine, w, name="Épicerie Durable SAS", family="company"):
    return roadmap.create_partner(engine, w.admin, name=name, family=family)["id"]


def _alliance(engine, w, actor=None, network=None, **kw):
    partner = kw.pop("partner_id", None) or _partner(
        engine, w, name="Mairie de Test", family="public"
    )
    return roadmap.create_alliance(
        engine,
        actor or w.lead_a,
        network or w.net_a,
        title=kw.pop("title", "Convention avec la mairie"),
        partner_id=partner,
        as_of=AS_OF,
        **kw,
    )


# ---------------------------------------------------------------------------------- objectives


def test_objective_create_edit_archive_with_change_log(engine, w):
    created = roadmap.create_objective(
        engine,
        w.lead_a,
        w.net_a,
        title="  Diversifier nos ressources  ",
        motivation="resource_diversification",
    )
    listed = roadmap.list_objectives(engine, w.lead_a, w.net_a)
    assert listed["title"].tolist() == ["Diversifier nos ressources"]
    assert listed["motivation"].tolist() == ["resource_diversification"]
    logged = log_rows(engine, ChangeLog.entity == "objective")
    assert [(r.action, r.field, r.after) for r in logged] == [
        ("create", "title", "Diversifier nos ressources"),
        ("create", "motivation", "resource_diversification"),
    ]
    assert {r.network_id for r in logged} == {w.net_a} and {r.user_id for r in logged} == {
        w.lead_a.id
    }

    edited = roadmap.update_objective(
        engine,
        w.lead_a,
        created["id"],
        created["version"],
        title="Diversifier nos ressources privées",
        motivation="resource_diversification",
        description="Mécénat et coopération économique",
    )
    assert edited["version"] == created["version"] + 1
    updates = log_rows(engine, ChangeLog.entity == "objective", ChangeLog.action == "update")
    assert [(r.field, r.before, r.after) for r in updates] == [
        ("title", "Diversifier nos ressources", "Diversifier nos ressources privées"),
        ("description", None, "Mécénat et coopération économique"),
    ]

    archived = roadmap.set_objective_archived(
        engine, w.lead_a, created["id"], edited["version"], archived=True
    )
    assert roadmap.list_objectives(engine, w.lead_a, w.net_a)["archived"].tolist() == [True]
    roadmap.set_objective_archived(
        engine, w.lead_a, created["id"], archived["version"], archived=False
    )
    assert roadmap.list_objectives(engine, w.lead_a, w.net_a)["archived"].tolist() == [False]


@pytest.mark.parametrize(
    ("title", "motivation", "expected"),
    [
        ("   ", "peer_scaling", "« Intitulé » : obligatoire."),
        (
            "x" * 201,
            "peer_scaling",
            "« Intitulé » : texte trop long : 201 caractères pour 200 au plus.",
        ),
        ("Un objectif", "money", "« Motivation » : valeur non reconnue"),
        ("Un objectif", None, "« Motivation » : obligatoire."),
    ],
)
def test_objective_validation_writes_nothing(engine, w, title, motivation, expected):
    with pytest.raises(ValidationFailed) as err:
        roadmap.create_objective(engine, w.lead_a, w.net_a, title=title, motivation=motivation)
    assert any(m.startswith(expected) for m in err.value.errors), err.value.errors
    assert count(engine, Objective) == 0
    assert count(engine, ChangeLog) == 0


def test_objective_forged_cross_network_writes_are_refused(engine, w):
    theirs = roadmap.create_objective(
        engine, w.lead_b, w.net_b, title="Objectif de B", motivation="other"
    )
    with pytest.raises(PermissionDenied):
        roadmap.create_objective(engine, w.lead_a, w.net_b, title="Intrus", motivation="other")
    with pytest.raises(PermissionDenied):
        roadmap.update_objective(
            engine, w.lead_a, theirs["id"], theirs["version"], title="Piraté", motivation="other"
        )
    with pytest.raises(PermissionDenied):
        roadmap.set_objective_archived(
            engine, w.lead_a, theirs["id"], theirs["version"], archived=True
        )
    with pytest.raises(PermissionDenied):
        roadmap.create_objective(engine, w.steering, w.net_a, title="Copil", motivation="other")
    listed = roadmap.list_objectives(engine, w.admin, w.net_b)
    assert listed["title"].tolist() == ["Objectif de B"]
    assert listed["archived"].tolist() == [False]
    assert count(engine, ChangeLog, ChangeLog.user_id == w.lead_a.id) == 0


def test_admin_writes_for_any_network_but_not_in_a_closed_cohort(engine, w):
    roadmap.create_objective(engine, w.admin, w.net_b, title="Par l'animation", motivation="other")
    assert roadmap.list_objectives(engine, w.lead_b, w.net_b)["title"].tolist() == [
        "Par l'animation"
    ]
    with session_scope(engine) as s:
        s.get(Cohort, w.cohort).status = "closed"
    with pytest.raises(PermissionDenied, match="clôturée"):
        roadmap.create_objective(engine, w.admin, w.net_b, title="Trop tard", motivation="other")


def test_objective_stale_version_conflict_names_who_and_keeps_their_change(engine, w):
    created = roadmap.create_objective(engine, w.lead_a, w.net_a, title="V1", motivation="other")
    roadmap.update_objective(
        engine,
        w.admin,
        created["id"],
        created["version"],
        title="V2 (animation)",
        motivation="other",
    )
    with pytest.raises(ConflictError) as err:
        roadmap.update_objective(
            engine,
            w.lead_a,
            created["id"],
            created["version"],
            title="V2 (lead)",
            motivation="other",
        )
    assert "Claire Animation" in err.value.message
    assert "Rien n'a été écrasé" in err.value.message
    assert roadmap.list_objectives(engine, w.lead_a, w.net_a)["title"].tolist() == [
        "V2 (animation)"
    ]
    assert (
        count(engine, ChangeLog, ChangeLog.user_id == w.lead_a.id, ChangeLog.action == "update")
        == 0
    )


# ------------------------------------------------------------------------------------ alliances


def test_alliance_with_new_company_partner_records_first_stage(engine, w):
    objective = roadmap.create_objective(
        engine, w.lead_a, w.net_a, title="Ressources privées", motivation="resource_diversification"
    )
    created = roadmap.create_alliance(
        engine,
        w.lead_a,
        w.net_a,
        title="Coopération avec une enseigne",
        new_partner_name="Enseigne Fictive SA",
        new_partner_family="company",
        company_type="economic_cooperation",
        relation_logic="alliance",
        expected_value_eur=12000,
        objective_id=objective["id"],
        stage="contacted",
        stage_date=dt.date(2026, 1, 10),
        as_of=AS_OF,
    )
    listed = roadmap.list_alliances(engine, w.lead_a, w.net_a)
    row = listed.iloc[0]
    assert (row["title"], row["partner_name"], row["partner_family"]) == (
        "Coopération avec une enseigne",
        "Enseigne Fictive SA",
        "company",
    )
    assert (row["company_type"], row["relation_logic"], row["stage"]) == (
        "economic_cooperation",
        "alliance",
        "contacted",
    )
    assert row["objective_title"] == "Ressources privées"
    assert row["expected_value_eur"] == 12000
    assert row["stage_changed_on"] == dt.date(2026, 1, 10) and row["signed_on"] is None
    history = roadmap.alliance_stage_history(engine, w.lead_a, created["id"])
    assert _plain(history[["from_stage", "to_stage", "changed_by"]]) == [
        [None, "contacted", "Alice Martin"]
    ]
    partner_logs = log_rows(engine, ChangeLog.entity == "partner")
    assert {(r.field, r.after) for r in partner_logs} == {
        ("name", "Enseigne Fictive SA"),
        ("family", "company"),
    }
    assert {r.network_id for r in partner_logs} == {w.net_a}
    assert {r.field for r in log_rows(engine, ChangeLog.entity == "alliance")} >= {
        "title",
        "partner_id",
        "stage",
        "company_type",
        "expected_value_eur",
    }


@pytest.mark.parametrize(
    ("family", "company_type", "expected"),
    [
        (
            "company",
            None,
            "« Type de partenariat entreprise (entreprises et fondations) » : est obligatoire pour un partenaire de la famille « Entreprise »",
        ),
        (
            "foundation",
            None,
            "« Type de partenariat entreprise (entreprises et fondations) » : est obligatoire pour un partenaire de la famille « Fondation »",
        ),
        (
            "peer",
            "philanthropy",
            "« Type de partenariat entreprise (entreprises et fondations) » : ne s'applique qu'aux entreprises et fondations",
        ),
        (
            "public",
            "philanthropy",
            "« Type de partenariat entreprise (entreprises et fondations) » : ne s'applique qu'aux entreprises et fondations",
        ),
        (
            "company",
            "charity",
            "« Type de partenariat entreprise (entreprises et fondations) » : valeur non reconnue",
        ),
    ],
)
def test_company_type_follows_partner_family(engine, w, family, company_type, expected):
    partner = _partner(engine, w, name=f"Partenaire {family}", family=family)
    with pytest.raises(ValidationFailed) as err:
        roadmap.create_alliance(
            engine,
            w.lead_a,
            w.net_a,
            title="Alliance",
            partner_id=partner,
            company_type=company_type,
            as_of=AS_OF,
        )
    assert any(expected in m for m in err.value.errors), err.value.errors
    assert count(engine, Alliance) == 0


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"title": ""}, "« Intitulé » : obligatoire."),
        (
            {"expected_value_eur": -1},
            "« Valeur attendue (€, facultatif) » : doit être supérieur ou égal à 0",
        ),
        ({"expected_value_eur": float("inf")}, "« Valeur attendue (€, facultatif) » : nombre"),
        ({"expected_value_eur": "beaucoup"}, "« Valeur attendue (€, facultatif) » : nombre"),
        ({"relation_logic": "fusion"}, "« Logique de relation » : valeur non reconnue"),
        ({"stage": "abandoned"}, "« Étape actuelle » : doit être une étape en cours"),
        ({"stage_date": dt.date(2026, 3, 1)}, "« Depuis le » : le 01/03/2026 est dans le futur"),
        ({"stage_date": "hier"}, "« Depuis le » : « hier » n'est pas une date (jj/mm/aaaa)"),
        ({"partner_id": None}, "« Partenaire » : est obligatoire"),
    ],
)
def test_alliance_validation(engine, w, kwargs, expected):
    partner = _partner(engine, w, name="Pair associatif", family="peer")
    args = {"title": "Alliance entre pairs", "partner_id": partner} | kwargs
    with pytest.raises(ValidationFailed) as err:
        roadmap.create_alliance(engine, w.lead_a, w.net_a, as_of=AS_OF, **args)
    assert any(expected in m for m in err.value.errors), err.value.errors
    assert count(engine, Alliance) == 0
    assert count(engine, ChangeLog, ChangeLog.entity == "alliance") == 0


def test_alliance_objective_must_be_of_the_same_network(engine, w):
    theirs = roadmap.create_objective(engine, w.lead_b, w.net_b, title="De B", motivation="other")
    with pytest.raises(ValidationFailed, match="n'appartient pas à ce réseau"):
        _alliance(engine, w, objective_id=theirs["id"])
    assert count(engine, Alliance) == 0


def test_new_partner_is_rolled_back_with_an_invalid_alliance(engine, w):
    with pytest.raises(ValidationFailed):
        roadmap.create_alliance(
            engine,
            w.lead_a,
            w.net_a,
            title="Mécénat",
            new_partner_name="Fondation Nouvelle",
            new_partner_family="foundation",
            company_type=None,
            as_of=AS_OF,
        )
    assert count(engine, Partner) == 0
    assert count(engine, ChangeLog) == 0


def test_existing_partner_name_with_another_family_is_refused(engine, w):
    _partner(engine, w, name="Ville de Test", family="public")
    with pytest.raises(ValidationFailed, match="existe déjà"):
        roadmap.create_alliance(
            engine,
            w.lead_a,
            w.net_a,
            title="X",
            new_partner_name="ville de test",
            new_partner_family="company",
            company_type="philanthropy",
            as_of=AS_OF,
        )
    reused = roadmap.create_alliance(
        engine,
        w.lead_a,
        w.net_a,
        title="X",
        new_partner_name="VILLE DE TEST",
        new_partner_family="public",
        as_of=AS_OF,
    )
    assert count(engine, Partner) == 1
    assert roadmap.list_alliances(engine, w.lead_a, w.net_a)["id"].tolist() == [reused["id"]]


def test_alliance_update_conflict_and_forgery(engine, w):
    created = _alliance(engine, w)
    mine = roadmap.list_alliances(engine, w.lead_a, w.net_a).iloc[0]
    updated = roadmap.update_alliance(
        engine,
        w.lead_a,
        created["id"],
        created["version"],
        title="Convention cadre",
        partner_id=int(mine["partner_id"]),
        relation_logic="alliance",
        expected_value_eur=5000,
    )
    row = roadmap.list_alliances(engine, w.lead_a, w.net_a).iloc[0]
    assert (row["title"], row["relation_logic"], row["expected_value_eur"]) == (
        "Convention cadre",
        "alliance",
        5000,
    )
    with pytest.raises(ConflictError, match="Alice Martin"):
        roadmap.update_alliance(
            engine,
            w.admin,
            created["id"],
            created["version"],
            title="Vieille version",
            partner_id=int(mine["partner_id"]),
        )
    with pytest.raises(PermissionDenied):
        roadmap.update_alliance(
            engine,
            w.lead_b,
            created["id"],
            updated["version"],
            title="Piratée",
            partner_id=int(mine["partner_id"]),
        )
    with pytest.raises(PermissionDenied):
        _alliance(engine, w, actor=w.lead_b, network=w.net_a)
    assert roadmap.list_alliances(engine, w.admin, w.net_a)["title"].tolist() == [
        "Convention cadre"
    ]


# ---------------------------------------------------------------------------------- stages


def test_allowed_transitions():
    assert roadmap.allowed_transitions("contacted") == [
        "scoping",
        "preparing",
        "signed",
        "running",
        "evaluating",
        "renewed",
        "suspended",
        "abandoned",
    ]
    assert roadmap.allowed_transitions("renewed") == ["suspended", "abandoned"]
    assert roadmap.allowed_transitions("suspended", "scoping") == ["scoping", "abandoned"]
    assert roadmap.allowed_transitions("abandoned") == []


def _stage_changes(engine, alliance_id):
    with session_scope(engine) as s:
        return s.exec(
            select(AllianceStageChange.from_stage, AllianceStageChange.to_stage)
            .where(AllianceStageChange.alliance_id == alliance_id)
            .order_by(AllianceStageChange.id)
        ).all()


def test_forward_move_skipping_steps_sets_signed_on_and_logs(engine, w):
    created = _alliance(engine, w, stage="contacted", stage_date=dt.date(2026, 1, 5))
    moved = roadmap.move_alliance_stage(
        engine,
        w.lead_a,
        created["id"],
        created["version"],
        to_stage="signed",
        changed_on=dt.date(2026, 2, 1),
        comment="Convention signée en conseil",
        as_of=AS_OF,
    )
    assert moved["stage"] == "signed"
    row = roadmap.list_alliances(engine, w.lead_a, w.net_a).iloc[0]
    assert (row["stage"], row["stage_changed_on"], row["signed_on"]) == (
        "signed",
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 1),
    )
    assert _stage_changes(engine, created["id"]) == [(None, "contacted"), ("contacted", "signed")]
    logs = log_rows(engine, ChangeLog.entity == "alliance", ChangeLog.action == "update")
    assert [(r.field, r.before, r.after, r.reason) for r in logs] == [
        ("stage", "contacted", "signed", "Convention signée en conseil"),
        ("stage_changed_on", "2026-01-05", "2026-02-01", "Convention signée en conseil"),
        ("signed_on", None, "2026-02-01", "Convention signée en conseil"),
    ]
    # signed_on keeps the first signature date
    again = roadmap.move_alliance_stage(
        engine, w.lead_a, created["id"], moved["version"], to_stage="running", as_of=AS_OF
    )
    assert again["stage"] == "running"
    assert roadmap.list_alliances(engine, w.lead_a, w.net_a).iloc[0]["signed_on"] == dt.date(
        2026, 2, 1
    )


def test_backward_move_is_refused(engine, w):
    created = _alliance(engine, w, stage="preparing")
    with pytest.raises(ValidationFailed, match="ne revient pas à une étape antérieure"):
        roadmap.move_alliance_stage(
            engine, w.lead_a, created["id"], created["version"], to_stage="contacted", as_of=AS_OF
        )
    with pytest.raises(ValidationFailed, match="déjà à l'étape"):
        roadmap.move_alliance_stage(
            engine, w.lead_a, created["id"], created["version"], to_stage="preparing", as_of=AS_OF
        )
    with pytest.raises(ValidationFailed, match="non reconnue"):
        roadmap.move_alliance_stage(
            engine, w.lead_a, created["id"], created["version"], to_stage="finished", as_of=AS_OF
        )
    assert _stage_changes(engine, created["id"]) == [(None, "preparing")]
    assert count(engine, ChangeLog, ChangeLog.action == "update") == 0


def test_suspend_resume_abandon(engine, w):
    created = _alliance(engine, w, stage="scoping", stage_date=dt.date(2026, 1, 5))
    with pytest.raises(ValidationFailed, match="« Motif / commentaire » : est obligatoire"):
        roadmap.move_alliance_stage(
            engine,
            w.lead_a,
            created["id"],
            created["version"],
            to_stage="suspended",
            comment="  ",
            as_of=AS_OF,
        )
    suspended = roadmap.move_alliance_stage(
        engine,
        w.lead_a,
        created["id"],
        created["version"],
        to_stage="suspended",
        comment="Changement de gouvernance du partenaire",
        as_of=AS_OF,
    )
    row = roadmap.list_alliances(engine, w.lead_a, w.net_a).iloc[0]
    assert (row["stage"], row["resume_stage"]) == ("suspended", "scoping")
    with pytest.raises(ValidationFailed, match="reprend à l'étape où elle était"):
        roadmap.move_alliance_stage(
            engine,
            w.lead_a,
            created["id"],
            suspended["version"],
            to_stage="signed",
            comment="On signe",
            as_of=AS_OF,
        )
    with pytest.raises(ValidationFailed, match="obligatoire"):
        roadmap.move_alliance_stage(
            engine, w.lead_a, created["id"], suspended["version"], to_stage="scoping", as_of=AS_OF
        )
    resumed = roadmap.move_alliance_stage(
        engine,
        w.lead_a,
        created["id"],
        suspended["version"],
        to_stage="scoping",
        comment="Nouvelle direction rencontrée",
        as_of=AS_OF,
    )
    with pytest.raises(ValidationFailed, match="obligatoire"):
        roadmap.move_alliance_stage(
            engine, w.lead_a, created["id"], resumed["version"], to_stage="abandoned", as_of=AS_OF
        )
    abandoned = roadmap.move_alliance_stage(
        engine,
        w.lead_a,
        created["id"],
        resumed["version"],
        to_stage="abandoned",
        comment="Pas de budget",
        as_of=AS_OF,
    )
    with pytest.raises(ValidationFailed, match="abandonnée ne change plus"):
        roadmap.move_alliance_stage(
            engine,
            w.lead_a,
            created["id"],
            abandoned["version"],
            to_stage="scoping",
            comment="On réessaie",
            as_of=AS_OF,
        )
    history = roadmap.alliance_stage_history(engine, w.lead_a, created["id"])
    assert _plain(history[["from_stage", "to_stage", "comment"]]) == [
        [None, "scoping", None],
        ["scoping", "suspended", "Changement de gouvernance du partenaire"],
        ["suspended", "scoping", "Nouvelle direction rencontrée"],
        ["scoping", "abandoned", "Pas de budget"],
    ]


def test_stage_dates_are_checked(engine, w):
    created = _alliance(engine, w, stage="contacted", stage_date=dt.date(2026, 1, 20))
    with pytest.raises(ValidationFailed, match="est dans le futur"):
        roadmap.move_alliance_stage(
            engine,
            w.lead_a,
            created["id"],
            created["version"],
            to_stage="scoping",
            changed_on=AS_OF + dt.timedelta(days=1),
            as_of=AS_OF,
        )
    with pytest.raises(
        ValidationFailed, match="ne peut pas précéder le dernier changement d'étape"
    ):
        roadmap.move_alliance_stage(
            engine,
            w.lead_a,
            created["id"],
            created["version"],
            to_stage="scoping",
            changed_on=dt.date(2026, 1, 19),
            as_of=AS_OF,
        )
    assert len(_stage_changes(engine, created["id"])) == 1


def test_stage_move_conflict_and_forgery_change_nothing(engine, w):
    created = _alliance(engine, w, stage="contacted")
    roadmap.move_alliance_stage(
        engine, w.admin, created["id"], created["version"], to_stage="scoping", as_of=AS_OF
    )
    with pytest.raises(ConflictError, match="Claire Animation"):
        roadmap.move_alliance_stage(
            engine, w.lead_a, created["id"], created["version"], to_stage="preparing", as_of=AS_OF
        )
    current = roadmap.list_alliances(engine, w.lead_a, w.net_a).iloc[0]
    with pytest.raises(PermissionDenied):
        roadmap.move_alliance_stage(
            engine,
            w.lead_b,
            created["id"],
            int(current["version"]),
            to_stage="abandoned",
            comment="Sabotage",
            as_of=AS_OF,
        )
    assert roadmap.list_alliances(engine, w.admin, w.net_a).iloc[0]["stage"] == "scoping"
    assert _stage_changes(engine, created["id"]) == [(None, "contacted"), ("contacted", "scoping")]


def test_partner_added_twice_at_once_is_a_conflict_not_a_crash(engine, w, monkeypatch):
    roadmap.create_partner(engine, w.admin, name="Fondation Jumelle", family="foundation")
    from dashboard.services.roadmap import partners

    # The other person's insert lands between our look-up and our insert.
    monkeypatch.setattr(partners, "_named", lambda session, name: None)
    with pytest.raises(ConflictError, match="vient d'être ajouté"):
        roadmap.create_partner(engine, w.lead_a, name="Fondation Jumelle", family="foundation")
    assert count(engine, Partner) == 1
