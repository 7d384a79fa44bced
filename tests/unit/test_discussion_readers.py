"""The sidebar's unread badge and the list of discussed items, on the demo's seeded threads
(seed_data/comments.yaml): the figures agree with the home page's, and each reader is offered
only the threads whose comments their visibility allows."""

from __future__ import annotations

from sqlalchemy import select

from dashboard.core.permissions import Actor
from dashboard.services import discussion
from models import Cohort, Lesson, Network, User
from models.enums import Role


def _actor(engine, username: str) -> Actor:
    with engine.connect() as conn:
        uid, name, role, network_id = conn.execute(
            select(User.id, User.full_name, User.role, User.network_id).where(
                User.username == username
            )
        ).one()
        cohort_id = None
        if network_id:
            cohort_id = conn.execute(
                select(Network.cohort_id).where(Network.id == network_id)
            ).scalar_one()
    return Actor(id=uid, username=username, full_name=name, role=Role(role),
                 network_id=network_id, cohort_id=cohort_id)  # fmt: skip


def _cohort(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(Cohort.id)).scalar_one()


def _lessons(engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(Lesson.code, Lesson.id)).all()
    return {code: lesson_id for code, lesson_id in rows}


def test_the_badge_counts_what_the_home_page_lists(demo_engine):
    cohort_id = _cohort(demo_engine)
    for username, expected in (
        ("lead.r01", {"comments": 3, "mentions": 2}),
        ("lead.r07", {"comments": 2, "mentions": 1}),  # a milestone, a value
        ("animation", {"comments": 6, "mentions": 1}),
        ("copil", {"comments": 0, "mentions": 0}),
        ("ministere", {"comments": 0, "mentions": 0}),
    ):
        actor = _actor(demo_engine, username)
        badge = discussion.unread_badge(demo_engine, actor)
        assert badge == expected, username
        home = discussion.unread_counts(demo_engine, actor, cohort_id)
        assert (home["comments"], home["mentions"]) == (badge["comments"], badge["mentions"])


def test_reading_a_thread_lowers_the_badge(demo_engine):
    lead = _actor(demo_engine, "lead.r01")
    lesson_id = _lessons(demo_engine)["L01"]
    discussion.mark_thread_read(demo_engine, lead, "lesson", lesson_id)
    assert discussion.unread_badge(demo_engine, lead) == {"comments": 2, "mentions": 2}


def test_discussed_lessons_are_offered_by_what_each_reader_may_read(demo_engine):
    cohort_id = _cohort(demo_engine)
    lessons = _lessons(demo_engine)
    steering = _actor(demo_engine, "copil")
    shown = discussion.commented_items(demo_engine, steering, "lesson", cohort_id)
    assert set(shown) == {lessons["L01"], lessons["L09"]}  # not L06, kept to its network
    own = discussion.commented_items(demo_engine, _actor(demo_engine, "lead.r03"), "lesson",
                                     cohort_id)  # fmt: skip
    assert lessons["L06"] in own
    other = discussion.commented_items(demo_engine, _actor(demo_engine, "lead.r01"), "lesson",
                                       cohort_id)  # fmt: skip
    assert lessons["L06"] not in other


def test_discussed_values_of_a_network_for_the_ministry(demo_engine):
    cohort_id = _cohort(demo_engine)
    ministry = _actor(demo_engine, "ministere")
    # R01's value thread holds only a « Réseau et équipe d'animation » comment.
    assert discussion.commented_items(demo_engine, ministry, "indicator_value", cohort_id,
                                      network_code="R01") == {}  # fmt: skip
    r05 = discussion.commented_items(demo_engine, ministry, "indicator_value", cohort_id,
                                     network_code="R05")  # fmt: skip
    assert len(r05) == 1 and "janvier 2026" in next(iter(r05.values()))
    team = discussion.commented_items(demo_engine, _actor(demo_engine, "animation"),
                                      "indicator_value", cohort_id, network_code="R01")  # fmt: skip
    assert len(team) == 1
