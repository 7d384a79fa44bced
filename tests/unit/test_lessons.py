"""Lessons: validation, who may set which capitalisation status, locking, forgery."""

from __future__ import annotations

import pytest

from dashboard.core.db import session_scope
from dashboard.core.errors import ConflictError, PermissionDenied, ValidationFailed
from dashboard.services import roadmap
from dashboard.services.roadmap import lessons
from models import ChangeLog, Lesson
from tests.unit.roadmap_world import AS_OF, count, log_rows


def _alliance(engine, w, actor, network, title):
    partner = roadmap.create_partner(engine, w.admin, name=f"Partenaire {title}", family="peer")
    return roadmap.create_alliance(
        engine, actor, network, title=title, partner_id=partner["id"], as_of=AS_OF
    )["id"]


def test_lead_writes_and_edits_a_lesson(engine, w):
    alliance = _alliance(engine, w, w.lead_a, w.net_a, "Alliance A")
    created = lessons.create_lesson(
        engine,
        w.lead_a,
        w.net_a,
        category="lever",
        statement="Un binôme élu·salarié accélère les décisions.",
        session_id=w.s2,
        alliance_id=alliance,
        visibility="public",
    )
    listed = lessons.list_lessons(engine, w.lead_a, w.net_a)
    row = listed.iloc[0]
    assert row[
        ["category", "session_code", "alliance_title", "visibility", "capitalisation"]
    ].tolist() == [
        "lever",
        "S2",
        "Alliance A",
        "public",
        "observed",
    ]
    assert row["author"] == "Alice Martin"
    logged = log_rows(engine, ChangeLog.entity == "lesson")
    assert {r.field for r in logged} == {
        "category",
        "statement",
        "session_id",
        "alliance_id",
        "visibility",
        "capitalisation",
    }
    assert {r.cohort_id for r in logged} == {w.cohort}

    lessons.update_lesson(
        engine,
        w.lead_a,
        created["id"],
        created["version"],
        category="method",
        statement="Un binôme élu·salarié accélère les décisions.",
        session_id=w.s2,
        alliance_id=None,
        visibility="cohort",
        capitalisation="modelled",
    )
    row = lessons.list_lessons(engine, w.lead_a, w.net_a).iloc[0]
    assert row[["category", "capitalisation", "visibility"]].tolist() == [
        "method",
        "modelled",
        "cohort",
    ]
    assert row["alliance_id"] is None or row["alliance_id"] != row["alliance_id"]  # None / NaN
    updates = log_rows(engine, ChangeLog.entity == "lesson", ChangeLog.action == "update")
    assert {(r.field, r.before, r.after) for r in updates} == {
        ("category", "lever", "method"),
        ("alliance_id", str(alliance), None),
        ("visibility", "public", "cohort"),
        ("capitalisation", "observed", "modelled"),
    }


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"statement": "  "}, "« Enseignement » : obligatoire."),
        (
            {"statement": "x" * 4001},
            "« Enseignement » : texte trop long : 4 001 caractères pour 4 000 au plus.",
        ),
        ({"category": "rumeur"}, "« Catégorie » : valeur non reconnue"),
        ({"visibility": "secret"}, "« Visibilité » : valeur non reconnue"),
        ({"capitalisation": "capitalised"}, "ne peut être « Capitalisé » que par l'équipe"),
        ({"capitalisation": "published"}, "ne peut être « Publié » que par l'équipe"),
        (
            {"session_id": "other"},
            "« Session (facultatif) » : désigne une session qui n'appartient pas",
        ),
        (
            {"alliance_id": "theirs"},
            "« Alliance (facultatif) » : désigne une alliance qui n'appartient pas",
        ),
    ],
)
def test_lesson_validation_writes_nothing(engine, w, values, expected):
    theirs = _alliance(engine, w, w.lead_b, w.net_b, "Alliance B")
    values = dict(values)
    if values.get("session_id") == "other":
        values["session_id"] = w.other_session
    if values.get("alliance_id") == "theirs":
        values["alliance_id"] = theirs
    before = count(engine, ChangeLog)
    args = {"category": "obstacle", "statement": "Les délais publics sont longs."} | values
    with pytest.raises(ValidationFailed) as err:
        lessons.create_lesson(engine, w.lead_a, w.net_a, **args)
    assert any(expected in m for m in err.value.errors), err.value.errors
    assert count(engine, Lesson) == 0 and count(engine, ChangeLog) == before


def test_programme_team_capitalises_then_the_lead_can_no_longer_edit(engine, w):
    created = lessons.create_lesson(
        engine, w.lead_a, w.net_a, category="tool", statement="Une grille d'évaluation partagée."
    )
    assert lessons.capitalisation_choices(w.lead_a) == ["observed", "modelled"]
    assert lessons.capitalisation_choices(w.admin)[-1] == "published"
    done = lessons.update_lesson(
        engine,
        w.admin,
        created["id"],
        created["version"],
        category="tool",
        statement="Une grille d'évaluation partagée.",
        capitalisation="capitalised",
    )
    with pytest.raises(PermissionDenied, match="« Capitalisé » par l'équipe d'animation"):
        lessons.update_lesson(
            engine,
            w.lead_a,
            created["id"],
            done["version"],
            category="tool",
            statement="Texte réécrit",
        )
    assert lessons.list_lessons(engine, w.lead_a, w.net_a)["statement"].tolist() == [
        "Une grille d'évaluation partagée."
    ]


def test_lesson_conflict_and_forgery(engine, w):
    created = lessons.create_lesson(
        engine, w.lead_a, w.net_a, category="posture", statement="Écouter avant de proposer."
    )
    lessons.update_lesson(
        engine,
        w.admin,
        created["id"],
        created["version"],
        category="posture",
        statement="Écouter avant de proposer, toujours.",
    )
    with pytest.raises(ConflictError, match="Claire Animation"):
        lessons.update_lesson(
            engine,
            w.lead_a,
            created["id"],
            created["version"],
            category="posture",
            statement="Ma version",
        )
    with pytest.raises(PermissionDenied):
        lessons.create_lesson(engine, w.lead_b, w.net_a, category="posture", statement="Intrus")
    with pytest.raises(PermissionDenied):
        lessons.update_lesson(
            engine,
            w.lead_b,
            created["id"],
            created["version"] + 1,
            category="posture",
            statement="Piraté",
        )
    with pytest.raises(PermissionDenied):
        lessons.create_lesson(engine, w.steering, w.net_a, category="posture", statement="Copil")
    assert lessons.list_lessons(engine, w.admin, w.net_a)["statement"].tolist() == [
        "Écouter avant de proposer, toujours."
    ]


def test_collective_lessons_are_not_edited_through_a_network(engine, w):
    with session_scope(engine) as s:
        row = Lesson(cohort_id=w.cohort, category="method", statement="Collectif")
        s.add(row)
        s.flush()
        lesson_id = row.id
    with pytest.raises(PermissionDenied):
        lessons.update_lesson(
            engine, w.lead_a, lesson_id, 1, category="method", statement="Détourné"
        )
    with session_scope(engine) as s:
        assert s.get(Lesson, lesson_id).statement == "Collectif"
    assert lessons.lesson_choices(engine, w.lead_a, w.net_a)["sessions"][w.s1] == "S1 — 14/10/2025"
