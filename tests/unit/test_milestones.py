"""Milestones grid: one transaction or nothing, row-named French errors, locking, forgery."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.core.errors import ConflictError, PermissionDenied, ValidationFailed
from dashboard.services import roadmap
from dashboard.services.roadmap import milestone_grid, milestones
from dashboard.services.roadmap.milestone_grid import (
    AddedMilestone,
    DeletedMilestone,
    EditedMilestone,
    MilestoneChanges,
)
from models import ChangeLog, Milestone
from tests.unit.roadmap_world import AS_OF, count, log_rows


def _add(engine, w, *rows, actor=None, network=None):
    changes = MilestoneChanges(
        added=[AddedMilestone(values, row=i + 1) for i, values in enumerate(rows)]
    )
    milestones.save_milestones(engine, actor or w.lead_a, network or w.net_a, changes, as_of=AS_OF)
    return milestones.list_milestones(engine, w.admin, network or w.net_a, as_of=AS_OF)


def _row(title="Rencontre des partenaires", due="2026-03-01", **kw):
    return {"title": title, "due_date": due, "status": "planned", "progress": 0} | kw


def test_add_edit_delete_in_one_save_with_change_log(engine, w):
    grid = _add(engine, w, _row("Premier jalon"), _row("Deuxième jalon", due="2026-04-01"))
    assert grid["title"].tolist() == ["Premier jalon", "Deuxième jalon"]
    created = log_rows(engine, ChangeLog.entity == "milestone", ChangeLog.action == "create")
    assert {(r.field, r.after) for r in created if r.entity_id == grid["id"][0]} == {
        ("title", "Premier jalon"),
        ("due_date", "2026-03-01"),
        ("status", "planned"),
        ("progress", "0"),
    }
    first, second = grid.iloc[0], grid.iloc[1]
    result = milestones.save_milestones(
        engine,
        w.lead_a,
        w.net_a,
        MilestoneChanges(
            edited=[
                EditedMilestone(
                    int(first["id"]),
                    int(first["version"]),
                    {"status": "in_progress", "progress": 40, "comment": "Relance faite"},
                    row=1,
                )
            ],
            deleted=[DeletedMilestone(int(second["id"]), int(second["version"]), row=2)],
            added=[AddedMilestone(_row("Troisième jalon", owner="Alice"), row=3)],
        ),
        as_of=AS_OF,
    )
    assert (result.created, result.updated, result.deleted) == (1, 1, 1)
    after = milestones.list_milestones(engine, w.lead_a, w.net_a, as_of=AS_OF)
    assert after["title"].tolist() == ["Premier jalon", "Troisième jalon"]
    assert after.iloc[0][["status", "progress", "comment"]].tolist() == [
        "in_progress",
        40,
        "Relance faite",
    ]
    assert int(after.iloc[0]["version"]) == int(first["version"]) + 1
    updates = log_rows(engine, ChangeLog.entity == "milestone", ChangeLog.action == "update")
    assert [(r.field, r.before, r.after) for r in updates] == [
        ("status", "planned", "in_progress"),
        ("progress", "0", "40"),
        ("comment", None, "Relance faite"),
    ]
    deleted = log_rows(engine, ChangeLog.entity == "milestone", ChangeLog.action == "delete")
    assert [(r.entity_id, r.field, r.before, r.user_id) for r in deleted] == [
        (int(second["id"]), "title", "Deuxième jalon", w.lead_a.id)
    ]


def test_done_needs_a_date_and_sets_progress_to_100(engine, w):
    grid = _add(engine, w, _row(due="2026-02-01", status="done", done_date="2026-02-10"))
    assert grid.iloc[0][["status", "progress"]].tolist() == ["done", 100]
    assert grid.iloc[0]["done_date"] == dt.date(2026, 2, 10)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"title": "  "}, "Ligne 1, « Intitulé » : obligatoire."),
        ({"title": "x" * 201}, "« Intitulé » : texte trop long : 201 caractères pour 200 au plus."),
        ({"due_date": None}, "Ligne 1 (« Jalon test »), « Échéance » : obligatoire."),
        (
            {"due_date": "2026-02-30"},
            "« Échéance » : « 2026-02-30 » n'existe pas dans le calendrier",
        ),
        ({"progress": 101}, "« Avancement (%) » : doit être inférieur ou égal à 100."),
        ({"progress": -5}, "« Avancement (%) » : doit être supérieur ou égal à 0."),
        ({"progress": 12.5}, "« Avancement (%) » : nombre entier attendu (saisi : « 12,5 »)."),
        (
            {"progress": "beaucoup"},
            "« Avancement (%) » : « beaucoup » n'est pas un nombre",
        ),
        ({"progress": True}, "« Avancement (%) » : nombre entier attendu"),
        ({"status": "finished"}, "« Statut » : valeur non reconnue (choix possibles"),
        ({"status": "done"}, "« Réalisé le » : est obligatoire quand le statut est"),
        (
            {"status": "in_progress", "done_date": "2026-02-01"},
            "« Réalisé le » : ne se renseigne que pour un jalon réalisé",
        ),
        (
            {"status": "done", "done_date": "2026-02-16"},
            "« Réalisé le » : le 16/02/2026 est dans le futur",
        ),
        ({"evidence_url": "javascript:alert(1)"}, "« Preuve (lien) » : doit être une adresse"),
        (
            {"evidence_url": "www.exemple.fr/preuve"},
            "« Preuve (lien) » : doit être une adresse",
        ),
        ({"evidence_url": "ftp://exemple.fr/x"}, "« Preuve (lien) » : doit être une adresse"),
        (
            {"owner": "y" * 121},
            "« Responsable » : texte trop long : 121 caractères pour 120 au plus.",
        ),
    ],
)
def test_each_validation_rule_names_row_and_field(engine, w, values, expected):
    row = _row("Jalon test") | values
    with pytest.raises(ValidationFailed) as err:
        _add(engine, w, row)
    assert any(expected in m for m in err.value.errors), err.value.errors
    assert all(m.startswith("Ligne 1") for m in err.value.errors)
    assert count(engine, Milestone) == 0
    assert count(engine, ChangeLog) == 0


def test_links_must_belong_to_the_network_and_its_cohort(engine, w):
    theirs = roadmap.create_objective(engine, w.lead_b, w.net_b, title="De B", motivation="other")
    partner = roadmap.create_partner(engine, w.admin, name="Pair", family="peer")["id"]
    their_alliance = roadmap.create_alliance(
        engine, w.lead_b, w.net_b, title="Alliance de B", partner_id=partner, as_of=AS_OF
    )
    mine = roadmap.create_objective(engine, w.lead_a, w.net_a, title="De A", motivation="other")
    before = count(engine, ChangeLog)
    with pytest.raises(ValidationFailed) as err:
        _add(
            engine,
            w,
            _row("Lien objectif", objective_id=theirs["id"]),
            _row("Lien alliance", alliance_id=their_alliance["id"]),
            _row("Lien session", session_id=w.other_session),
            _row("Lien inexistant", objective_id=99999),
        )
    assert err.value.errors == [
        "Ligne 1 (« Lien objectif »), « Objectif » : désigne un objectif qui "
        "n'appartient pas à ce réseau.",
        "Ligne 2 (« Lien alliance »), « Alliance » : désigne une alliance qui "
        "n'appartient pas à ce réseau.",
        "Ligne 3 (« Lien session »), « Session » : désigne une session qui "
        "n'appartient pas à la cohorte du réseau.",
        "Ligne 4 (« Lien inexistant »), « Objectif » : désigne un objectif qui "
        "n'appartient pas à ce réseau.",
    ]
    assert count(engine, Milestone) == 0 and count(engine, ChangeLog) == before
    grid = _add(engine, w, _row("Bien lié", objective_id=mine["id"], session_id=w.s3))
    assert grid.iloc[0][["objective_id", "session_id"]].tolist() == [mine["id"], w.s3]


def test_invalid_row_2_rolls_back_row_1_and_its_change_log(engine, w):
    grid = _add(engine, w, _row("Un"), _row("Deux"))
    logged = count(engine, ChangeLog)
    one, two = grid.iloc[0], grid.iloc[1]
    with pytest.raises(ValidationFailed) as err:
        milestones.save_milestones(
            engine,
            w.lead_a,
            w.net_a,
            MilestoneChanges(
                edited=[
                    EditedMilestone(int(one["id"]), int(one["version"]), {"progress": 50}, row=1),
                    EditedMilestone(int(two["id"]), int(two["version"]), {"progress": 500}, row=2),
                ],
                added=[AddedMilestone(_row("Trois"), row=3)],
            ),
            as_of=AS_OF,
        )
    assert err.value.errors == [
        "Ligne 2 (« Deux »), « Avancement (%) » : doit être inférieur ou égal à 100."
    ]
    after = milestones.list_milestones(engine, w.lead_a, w.net_a, as_of=AS_OF)
    assert after["progress"].tolist() == [0, 0]
    assert after["version"].tolist() == grid["version"].tolist()
    assert count(engine, ChangeLog) == logged


def test_stale_version_conflict_names_who_and_writes_nothing(engine, w):
    grid = _add(engine, w, _row("Un"), _row("Deux"))
    one, two = grid.iloc[0], grid.iloc[1]
    milestones.save_milestones(
        engine,
        w.admin,
        w.net_a,
        {
            "edited": [
                {"id": int(two["id"]), "version": int(two["version"]), "values": {"progress": 10}}
            ]
        },
        as_of=AS_OF,
    )
    logged = count(engine, ChangeLog)
    with pytest.raises(ConflictError) as err:
        milestones.save_milestones(
            engine,
            w.lead_a,
            w.net_a,
            MilestoneChanges(
                edited=[
                    EditedMilestone(int(one["id"]), int(one["version"]), {"progress": 20}, row=1),
                    EditedMilestone(int(two["id"]), int(two["version"]), {"progress": 30}, row=2),
                ]
            ),
            as_of=AS_OF,
        )
    assert "Le jalon « Deux » (ligne 2) a été modifié par Claire Animation le " in err.value.message
    assert err.value.details[0]["who"] == "Claire Animation"
    after = milestones.list_milestones(engine, w.lead_a, w.net_a, as_of=AS_OF)
    assert after["progress"].tolist() == [0, 10]
    assert count(engine, ChangeLog) == logged


def test_deleting_a_changed_or_vanished_row_is_a_conflict(engine, w):
    grid = _add(engine, w, _row("Un"), _row("Deux"))
    one, two = grid.iloc[0], grid.iloc[1]
    milestones.save_milestones(
        engine,
        w.admin,
        w.net_a,
        MilestoneChanges(deleted=[DeletedMilestone(int(two["id"]), int(two["version"]))]),
        as_of=AS_OF,
    )
    with pytest.raises(ConflictError, match="supprimé par une autre personne"):
        milestones.save_milestones(
            engine,
            w.lead_a,
            w.net_a,
            MilestoneChanges(
                edited=[EditedMilestone(int(two["id"]), int(two["version"]), {"progress": 5}, 2)]
            ),
            as_of=AS_OF,
        )
    milestones.save_milestones(
        engine,
        w.admin,
        w.net_a,
        MilestoneChanges(
            edited=[EditedMilestone(int(one["id"]), int(one["version"]), {"progress": 5}, 1)]
        ),
        as_of=AS_OF,
    )
    with pytest.raises(ConflictError, match="Claire Animation"):
        milestones.save_milestones(
            engine,
            w.lead_a,
            w.net_a,
            MilestoneChanges(deleted=[DeletedMilestone(int(one["id"]), int(one["version"]), 1)]),
            as_of=AS_OF,
        )
    assert milestones.list_milestones(engine, w.lead_a, w.net_a)["title"].tolist() == ["Un"]


def test_forged_cross_network_writes_are_refused(engine, w):
    theirs = _add(engine, w, _row("Jalon de B"), actor=w.lead_b, network=w.net_b).iloc[0]
    mine = _add(engine, w, _row("Jalon de A")).iloc[0]
    logged = count(engine, ChangeLog)
    attempts = [
        (w.net_b, MilestoneChanges(added=[AddedMilestone(_row("Intrus"), 1)])),
        (
            w.net_a,
            MilestoneChanges(
                edited=[
                    EditedMilestone(int(theirs["id"]), int(theirs["version"]), {"progress": 99})
                ]
            ),
        ),
        (
            w.net_b,
            MilestoneChanges(
                edited=[
                    EditedMilestone(int(theirs["id"]), int(theirs["version"]), {"progress": 99})
                ]
            ),
        ),
        (
            w.net_a,
            MilestoneChanges(
                edited=[EditedMilestone(int(mine["id"]), int(mine["version"]), {"progress": 10})],
                deleted=[DeletedMilestone(int(theirs["id"]), int(theirs["version"]))],
            ),
        ),
    ]
    for network, changes in attempts:
        with pytest.raises(PermissionDenied):
            milestones.save_milestones(engine, w.lead_a, network, changes, as_of=AS_OF)
    with pytest.raises(PermissionDenied):
        milestones.save_milestones(
            engine, w.steering, w.net_a, MilestoneChanges(added=[AddedMilestone(_row())])
        )
    assert milestones.list_milestones(engine, w.admin, w.net_b)["progress"].tolist() == [0]
    assert milestones.list_milestones(engine, w.admin, w.net_a)["progress"].tolist() == [0]
    assert count(engine, Milestone) == 2 and count(engine, ChangeLog) == logged


def test_forged_column_and_malformed_changes_are_refused(engine, w):
    mine = _add(engine, w, _row("Jalon de A")).iloc[0]
    with pytest.raises(ValidationFailed, match="colonne non modifiable \\(network_id\\)"):
        milestones.save_milestones(
            engine,
            w.lead_a,
            w.net_a,
            {
                "edited": [
                    {
                        "id": int(mine["id"]),
                        "version": int(mine["version"]),
                        "values": {"network_id": w.net_b},
                        "row": 1,
                    }
                ]
            },
        )
    with pytest.raises(ValidationFailed, match="mal formées"):
        milestones.save_milestones(engine, w.lead_a, w.net_a, {"edited": [{"id": "x"}]})
    with pytest.raises(ValidationFailed, match="deux fois"):
        milestones.save_milestones(
            engine,
            w.lead_a,
            w.net_a,
            MilestoneChanges(
                edited=[EditedMilestone(int(mine["id"]), int(mine["version"]), {"progress": 1})],
                deleted=[DeletedMilestone(int(mine["id"]), int(mine["version"]))],
            ),
        )
    assert milestones.get_milestone(engine, w.lead_a, int(mine["id"]))["network_id"] == w.net_a


def test_late_flag_and_grid_choices(engine, w):
    objective = roadmap.create_objective(engine, w.lead_a, w.net_a, title="Obj", motivation="other")
    roadmap.set_objective_archived(
        engine, w.lead_a, objective["id"], objective["version"], archived=True
    )
    _add(
        engine,
        w,
        _row("Passé prévu", due="2026-01-10"),
        _row("Passé en cours", due="2026-01-11", status="in_progress"),
        _row("Passé reporté", due="2026-01-12", status="postponed"),
        _row("Passé annulé", due="2026-01-13", status="cancelled"),
        _row("Passé réalisé", due="2026-01-14", status="done", done_date="2026-01-14"),
        _row("Aujourd'hui", due=AS_OF.isoformat()),
        _row("Futur", due="2026-05-01"),
    )
    grid = milestones.milestone_grid(engine, w.lead_a, w.net_a, as_of=AS_OF)
    late = dict(zip(grid.rows["title"], grid.rows["late"], strict=True))
    expected_late = {"Passé prévu", "Passé en cours", "Passé reporté"}
    assert {t for t, flag in late.items() if flag} == expected_late
    assert grid.objectives == {objective["id"]: "Obj (archivé)"}
    assert list(grid.sessions) == [w.s1, w.s2, w.s3]
    assert grid.sessions[w.s1] == "S1 — 14/10/2025"


def test_changes_from_editor_maps_positions_to_ids_and_versions():
    grid = pd.DataFrame(
        {
            "id": pd.array([11, 12, 13], dtype="Int64"),
            "version": pd.array([3, 1, 7], dtype="Int64"),
            "title": ["A", "B", "C"],
            "due_date": [dt.date(2026, 1, 1)] * 3,
        }
    )
    state = {
        "edited_rows": {
            "2": {"progress": 50.0, "due_date": "2026-03-04T00:00:00.000", "late": True},
            "1": {"title": "ignored: deleted"},
        },
        "deleted_rows": [1],
        "added_rows": [
            {"status": "planned"},
            {"title": "Nouveau", "due_date": "2026-04-01", "objective_id": None},
        ],
    }
    changes = milestone_grid.changes_from_editor(grid, state)
    assert changes.deleted == [DeletedMilestone(12, 1, row=2)]
    assert changes.edited == [
        EditedMilestone(13, 7, {"progress": 50.0, "due_date": "2026-03-04T00:00:00.000"}, row=3)
    ]
    assert changes.added == [
        AddedMilestone({"title": "Nouveau", "due_date": "2026-04-01", "objective_id": None}, row=5)
    ]
    assert milestone_grid.changes_from_editor(grid, {}).is_empty()


def test_changes_from_editor_refuses_a_state_that_does_not_fit():
    grid = pd.DataFrame({"id": [1], "version": [1], "title": ["A"]})
    for state in (
        {"deleted_rows": [5]},
        {"edited_rows": {"-1": {"title": "x"}}},
        {"edited_rows": {"abc": {"title": "x"}}},
        {"added_rows": ["not a row"]},
    ):
        with pytest.raises(ValidationFailed, match="ne correspondent pas au tableau affiché"):
            milestone_grid.changes_from_editor(grid, state)


def test_programme_team_saves_for_any_network(engine, w):
    grid = _add(engine, w, _row("Par l'animation"), actor=w.admin, network=w.net_b)
    assert grid["title"].tolist() == ["Par l'animation"]
    logged = log_rows(engine, ChangeLog.entity == "milestone")
    assert {(r.user_id, r.network_id, r.cohort_id) for r in logged} == {
        (w.admin.id, w.net_b, w.cohort)
    }
