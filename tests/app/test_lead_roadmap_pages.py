"""Lead roadmap pages on the demo cohort: the milestones grid (save, invalid, stale), the
objectives / alliances / lessons / history pages, and what a lead may not open."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import func, select

from dashboard.auth.accounts import actor_for
from dashboard.core import clock
from dashboard.core.db import session_scope
from dashboard.services import roadmap
from dashboard.services.admin import sessions as admin_sessions
from dashboard.services.admin import users as admin_users
from dashboard.services.reporting import history
from dashboard.services.roadmap import lessons, milestone_grid, milestones
from dashboard.ui import get_engine
from models import AllianceStageChange, ChangeLog, Milestone, Network, ProgrammeSession, User
from tests.app.conftest import page

TODAY = dt.date(2026, 5, 1)  # inside the demo cohort, after S3


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def _actors(code: str = "R01"):
    """The demo network's id, its lead and the programme team (to compute expectations)."""
    with session_scope(get_engine()) as s:
        net = s.exec(select(Network).where(Network.code == code)).one()
        lead = s.exec(select(User).where(User.network_id == net.id)).first()
        admin = s.exec(select(User).where(User.role == "admin")).first()
        return net.id, actor_for(lead, net), actor_for(admin, None)


def lead_actor(network_id: int):
    with session_scope(get_engine()) as s:
        user = s.exec(select(User).where(User.network_id == network_id)).first()
        return actor_for(user, s.get(Network, network_id))


def _stored(network_id: int) -> list[tuple]:
    with session_scope(get_engine()) as s:
        rows = s.exec(
            select(Milestone).where(Milestone.network_id == network_id).order_by(Milestone.id)
        ).all()
        return [
            (r.id, r.version, r.title, r.status, r.progress, r.due_date, r.done_date, r.comment)
            for r in rows
        ]


def _log_count() -> int:
    with session_scope(get_engine()) as s:
        return s.exec(select(func.count()).select_from(ChangeLog)).one()


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def _frame_with(at, column: str):
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with a « {column} » column"
    return frames[0]


def _open_milestones(login_as, code: str = "R01"):
    at = login_as(f"lead.{code.lower()}")
    at.switch_page(page("lead/milestones")).run()
    assert not at.exception
    net_id, lead, admin = _actors(code)
    grid = milestones.milestone_grid(get_engine(), admin, net_id, as_of=TODAY).rows
    return at, net_id, lead, admin, grid, f"milestones_grid_{net_id}_0"


def test_grid_shows_late_milestones(login_as):
    at, _, _, _, grid, _ = _open_milestones(login_as, "R04")
    late = int(grid["late"].sum())
    assert late, "R04 has a late milestone on this date in the demo"
    assert at.warning[0].value.startswith(f"{late} jalon(s) en retard")
    shown = _frame_with(at, "late")  # the grid as sent to the editor
    flagged = [t for t, flag in zip(shown["title"], shown["late"], strict=True) if flag]
    assert flagged == list(grid.loc[grid["late"], "title"])
    assert set(shown.loc[shown["late"] != "", "late"]) == {"⚠️ En retard"}


def test_lead_edits_milestones_through_the_grid_and_saves(login_as):
    at, net_id, _, _, grid, key = _open_milestones(login_as)
    open_pos = next(i for i, s in enumerate(grid["status"]) if s in ("planned", "in_progress"))
    gone_pos = len(grid) - 1 if open_pos != len(grid) - 1 else 0
    edited_id, gone_id = int(grid["id"][open_pos]), int(grid["id"][gone_pos])
    gone_title = grid["title"][gone_pos]
    at.session_state[key] = {
        "edited_rows": {open_pos: {"status": "in_progress", "progress": 60, "comment": "Relancé"}},
        "added_rows": [
            {
                "title": "Réunion de bilan avec la mairie",
                "owner": "Alice",
                "due_date": "2026-06-10",
                "status": "planned",
                "progress": 0,
                "evidence_url": "https://exemple.fr/ordre-du-jour",
            }
        ],
        "deleted_rows": [gone_pos],
    }
    _button(at, "Enregistrer les jalons").click().run()
    assert not at.exception
    assert not at.error
    assert at.success[0].value == "Jalons enregistrés : 1 ajouté(s), 1 modifié(s), 1 supprimé(s)."
    stored = {row[0]: row for row in _stored(net_id)}
    assert gone_id not in stored
    assert stored[edited_id][3:5] == ("in_progress", 60) and stored[edited_id][7] == "Relancé"
    added = [r for r in stored.values() if r[2] == "Réunion de bilan avec la mairie"]
    assert len(added) == 1 and added[0][5] == dt.date(2026, 6, 10)
    with session_scope(get_engine()) as s:
        deleted = s.exec(
            select(ChangeLog).where(ChangeLog.entity_id == gone_id, ChangeLog.action == "delete")
        ).all()
    assert [(d.entity, d.before) for d in deleted] == [("milestone", gone_title)]
    # The next grid starts from what was stored.
    shown = _frame_with(at, "late")
    fresh = milestones.milestone_grid(get_engine(), lead_actor(net_id), net_id, as_of=TODAY)
    assert list(shown["title"]) == list(fresh.rows["title"])


def test_invalid_grid_shows_french_errors_and_stores_nothing(login_as):
    at, net_id, _, _, grid, key = _open_milestones(login_as)
    before, logged = _stored(net_id), _log_count()
    first_title, second_title = grid["title"][0], grid["title"][1]
    at.session_state[key] = {
        "edited_rows": {0: {"progress": 150}, 1: {"evidence_url": "javascript:alert(1)"}},
        "added_rows": [{"title": "Sans échéance", "status": "planned"}],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer les jalons").click().run()
    assert not at.exception
    shown = at.error[0].value
    assert shown.startswith("Rien n'a été enregistré :")
    assert (
        f"Ligne 1 (« {first_title} »), « Avancement (%) » : doit être inférieur ou égal à 100."
        in shown
    )
    assert f"Ligne 2 (« {second_title} »), « Preuve (lien) » : doit être" in shown
    assert f"Ligne {len(grid) + 1} (« Sans échéance »), « Échéance » : obligatoire." in shown
    assert _stored(net_id) == before
    assert _log_count() == logged
    # The user's input stays on screen.
    assert at.session_state[key]["edited_rows"][0] == {"progress": 150}


def test_stale_save_shows_the_conflict_then_reload_and_reapply(login_as):
    at, net_id, _, admin, grid, key = _open_milestones(login_as)
    row_id, version, title = int(grid["id"][0]), int(grid["version"][0]), grid["title"][0]
    milestones.save_milestones(
        get_engine(),
        admin,
        net_id,
        milestone_grid.MilestoneChanges(
            edited=[milestone_grid.EditedMilestone(row_id, version, {"comment": "Vu en COPIL"})]
        ),
    )
    at.session_state[key] = {
        "edited_rows": {0: {"comment": "Ma version"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer les jalons").click().run()
    assert not at.exception
    assert f"Le jalon « {title} » (ligne 1) a été modifié par {admin.full_name}" in (
        at.warning[-1].value
    )
    assert any("Recharger" in i.value for i in at.info)
    stored = {r[0]: r for r in _stored(net_id)}
    assert stored[row_id][7] == "Vu en COPIL"
    assert at.session_state[key]["edited_rows"][0] == {"comment": "Ma version"}

    _button(at, "Recharger (abandonner les modifications non enregistrées)").click().run()
    assert not at.exception
    fresh_key = f"milestones_grid_{net_id}_1"
    at.session_state[fresh_key] = {
        "edited_rows": {0: {"comment": "Vu en COPIL — et relancé"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer les jalons").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Jalons enregistrés : 0 ajouté(s), 1 modifié(s)")
    assert {r[0]: r for r in _stored(net_id)}[row_id][7] == "Vu en COPIL — et relancé"


def test_lead_cannot_open_admin_pages(login_as):
    at = login_as("lead")
    for name in ("admin/users", "admin/validation", "admin/cohorts", "admin/indicators"):
        with pytest.raises(ValueError):
            at.switch_page(page(name))


def test_objectives_page_shows_the_network_objectives(login_as):
    at = login_as("lead")
    at.switch_page(page("lead/objectives")).run()
    assert not at.exception and not at.error
    net_id, _, admin = _actors()
    expected = roadmap.list_objectives(get_engine(), admin, net_id)
    assert not expected.empty
    assert list(_frame_with(at, "Objectif")["Objectif"]) == list(expected["title"])


def test_lead_adds_an_objective_through_the_form(login_as):
    at = login_as("lead")
    at.switch_page(page("lead/objectives")).run()
    net_id, _, admin = _actors()
    count = len(roadmap.list_objectives(get_engine(), admin, net_id))
    form_inputs = [w for w in at.text_input if w.label == "Intitulé"]
    form_inputs[0].input("Essaimer dans deux nouvelles régions")
    _button(at, "Ajouter l'objectif").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == "Objectif ajouté."
    after = roadmap.list_objectives(get_engine(), admin, net_id)
    assert len(after) == count + 1
    assert "Essaimer dans deux nouvelles régions" in set(after["title"])


def test_alliances_page_shows_alliances_and_moves_a_stage(login_as):
    at = login_as("lead")
    at.switch_page(page("lead/alliances")).run()
    assert not at.exception and not at.error
    net_id, _, admin = _actors()
    expected = roadmap.list_alliances(get_engine(), admin, net_id)
    assert list(_frame_with(at, "Alliance")["Alliance"]) == list(expected["title"])

    movable = [
        r
        for _, r in expected.iterrows()
        if roadmap.allowed_transitions(r["stage"], r["resume_stage"])
        and r["stage_changed_on"] <= TODAY
    ]
    assert movable, "a demo alliance can still move on this date"
    first = movable[0]
    targets = roadmap.allowed_transitions(first["stage"], first["resume_stage"])
    at.selectbox(key=f"alliance_pick_{net_id}").set_value(int(first["id"])).run()
    target = targets[-1]  # abandoned: needs a reason
    stage_box = next(s for s in at.selectbox if s.label == "Nouvelle étape")
    stage_box.set_value(target)
    _button(at, "Changer d'étape").click().run()
    assert not at.exception
    assert "« Motif / commentaire » : est obligatoire" in at.error[0].value
    next(a for a in at.text_area if a.label == "Motif / commentaire").input("Plus de budget")
    _button(at, "Changer d'étape").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == "Étape enregistrée : Abandonnée."
    with session_scope(get_engine()) as s:
        last = s.exec(
            select(AllianceStageChange)
            .where(AllianceStageChange.alliance_id == int(first["id"]))
            .order_by(AllianceStageChange.id.desc())
        ).first()
    assert (last.from_stage, last.to_stage, last.comment) == (
        first["stage"],
        "abandoned",
        "Plus de budget",
    )
    shown_history = _frame_with(at, "Vers")
    assert list(shown_history["Vers"])[-1] == "Abandonnée"
    assert list(shown_history["Commentaire"])[-1] == "Plus de budget"


def test_lessons_page_shows_the_network_lessons(login_as):
    at = login_as("lead")
    at.switch_page(page("lead/lessons")).run()
    assert not at.exception and not at.error
    net_id, _, admin = _actors()
    expected = lessons.list_lessons(get_engine(), admin, net_id)
    assert not expected.empty
    assert list(_frame_with(at, "Enseignement")["Enseignement"]) == list(expected["statement"])


def test_history_page_shows_a_saved_change_and_filters_since_last_session(login_as):
    net_id, lead, admin = _actors()
    grid = milestones.milestone_grid(get_engine(), lead, net_id, as_of=TODAY).rows
    row_id, version = int(grid["id"][0]), int(grid["version"][0])
    milestones.save_milestones(
        get_engine(),
        lead,
        net_id,
        milestone_grid.MilestoneChanges(
            edited=[milestone_grid.EditedMilestone(row_id, version, {"comment": "Trace visible"})]
        ),
        as_of=TODAY,
    )
    at = login_as("lead")
    at.switch_page(page("cohort/history")).run()
    assert not at.exception and not at.error
    shown = _frame_with(at, "Après")
    assert shown.iloc[0][["Par", "Objet", "Champ", "Après"]].tolist() == [
        lead.full_name,
        "Jalon",
        "Commentaire",
        "Trace visible",
    ]
    expected = history.network_history(get_engine(), lead, net_id, as_of=TODAY)
    assert len(shown) == len(expected.rows)
    at.toggle(key=f"history_since_{net_id}").set_value(True).run()
    assert not at.exception
    since = history.network_history(
        get_engine(), lead, net_id, since_last_session=True, as_of=TODAY
    )
    if since.rows.empty:
        assert at.info[-1].value == "Aucune modification pour ces critères."
    else:
        assert len(_frame_with(at, "Après")) == len(since.rows)
    assert since.last_session["code"] == "S3"


def test_steering_reads_any_network_history_but_not_the_lead_pages(login_as):
    net_id, lead, admin = _actors("R05")
    objectives = roadmap.list_objectives(get_engine(), lead, net_id)
    first = objectives.iloc[0]
    roadmap.update_objective(
        get_engine(),
        lead,
        int(first["id"]),
        int(first["version"]),
        title="Objectif reformulé par R05",
        motivation=first["motivation"],
        description=first["description"],
    )
    at = login_as("steering")
    with pytest.raises(ValueError):
        at.switch_page(page("lead/milestones"))
    at.switch_page(page("cohort/history")).run()
    assert not at.exception and not at.error
    picker = next(s for s in at.selectbox if s.label == "Réseau")
    picker.set_value(net_id).run()
    assert not at.exception and not at.error
    expected = history.network_history(get_engine(), admin, net_id, as_of=TODAY).rows
    assert not expected.empty
    shown = _frame_with(at, "Après")
    assert len(shown) == len(expected)
    assert list(shown["Élément"]) == list(expected["item"])
    assert shown.iloc[0][["Par", "Champ", "Avant", "Après"]].tolist() == [
        lead.full_name,
        "Intitulé",
        first["title"],
        "Objectif reformulé par R05",
    ]


def test_stale_objective_edit_is_refused_and_the_input_stays(login_as):
    at = login_as("lead")
    at.switch_page(page("lead/objectives")).run()
    net_id, _, admin = _actors()
    first = roadmap.list_objectives(get_engine(), admin, net_id).iloc[0]
    roadmap.update_objective(
        get_engine(),
        admin,
        int(first["id"]),
        int(first["version"]),
        title="Reformulé par l'animation",
        motivation=first["motivation"],
        description=first["description"],
    )
    edit_title = [w for w in at.text_input if w.label == "Intitulé"][-1]
    edit_title.input("Ma reformulation")
    _button(at, "Enregistrer l'objectif").click().run()
    assert not at.exception
    assert f"a été modifié par {admin.full_name}" in at.warning[-1].value
    assert [w for w in at.text_input if w.label == "Intitulé"][-1].value == "Ma reformulation"
    assert any("« Recharger » affiche sa dernière version" in i.value for i in at.info)
    stored = roadmap.list_objectives(get_engine(), admin, net_id)
    assert stored.set_index("id").loc[int(first["id"]), "title"] == "Reformulé par l'animation"


def test_admin_reads_the_whole_cohort_history_in_french(login_as):
    """The programme team's own actions (a session moved, an account deactivated) show in the
    "Toute la cohorte" view, named in French; the steering committee sees the first only."""
    net_id, lead_r05, admin = _actors("R05")
    with session_scope(get_engine()) as s:
        s4 = s.exec(select(ProgrammeSession).where(ProgrammeSession.code == "S4")).one()
        s4_id, s4_version, cohort_id = s4.id, s4.version, s4.cohort_id
        lead_version = s.get(User, lead_r05.id).version
    admin_sessions.reschedule_session(
        get_engine(), admin, s4_id, version=s4_version, session_date=dt.date(2026, 5, 26)
    )
    admin_users.deactivate_user(get_engine(), admin, lead_r05.id, version=lead_version)
    at = login_as("admin")
    at.switch_page(page("cohort/history")).run()
    assert not at.exception and not at.error
    picker = next(s for s in at.selectbox if s.label == "Réseau")
    assert picker.value is None and picker.format_func(picker.value) == "Toute la cohorte"
    shown = _frame_with(at, "Après")
    expected = history.cohort_history(get_engine(), admin, cohort_id, as_of=TODAY).rows
    assert len(shown) == len(expected)
    assert shown.iloc[0][
        ["Par", "Réseau", "Objet", "Élément", "Champ", "Avant", "Après"]
    ].tolist() == [
        admin.full_name,
        "R05",
        "Compte utilisateur",
        lead_r05.full_name,
        "Compte actif",
        "Oui",
        "Non",
    ]
    assert shown.iloc[1][["Réseau", "Objet", "Champ", "Avant", "Après"]].tolist() == [
        "",
        "Session",
        "Date",
        "19/05/2026",
        "26/05/2026",
    ]
    raw = {"session_date", "active", "due_date", "target_value", "session", "user"}
    for column in ("Objet", "Champ"):
        assert not set(shown[column]) & raw

    at = login_as("steering")
    at.switch_page(page("cohort/history")).run()
    assert not at.exception and not at.error
    shown = _frame_with(at, "Après")
    assert shown.iloc[0][["Objet", "Champ", "Après"]].tolist() == ["Session", "Date", "26/05/2026"]
    assert "Compte utilisateur" not in set(shown["Objet"])
