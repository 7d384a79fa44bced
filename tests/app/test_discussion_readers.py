"""Threads where the steering committee and the ministry read the items: indicator values on the
network page, lessons on the lessons board — only the comments their visibility allows, never a
form to answer; and the sidebar's unread badge, on the demo's seeded threads."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from dashboard.core import clock
from dashboard.core.db import session_scope
from dashboard.core.permissions import Actor
from dashboard.services import discussion
from dashboard.ui import get_engine
from models import Indicator, IndicatorValue, Lesson, Network, User
from models.enums import Role
from tests.app.conftest import page

TODAY = dt.date(2026, 5, 1)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def _lead(username: str = "lead.r01") -> Actor:
    with session_scope(get_engine()) as s:
        user = s.exec(select(User).where(User.username == username)).one()
        net = s.get(Network, user.network_id)
        return Actor(user.id, user.username, user.full_name, Role.lead, net.id, net.cohort_id)


def _value_id(network: str = "R01", code: str = "VOLUNTEERS_MOBILISED") -> int:
    with session_scope(get_engine()) as s:
        return s.exec(
            select(IndicatorValue.id)
            .join(Network, Network.id == IndicatorValue.network_id)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .where(Network.code == network, Indicator.code == code)
            .order_by(IndicatorValue.period_start)
        ).first()


def _texts(at) -> list[str]:
    return [element.value for element in at.text]


def _badges(at) -> list[str]:
    return [m.value for m in at.sidebar.markdown if "badge[" in m.value]


@pytest.mark.parametrize("who", ["steering", "ministry"])
def test_a_value_thread_on_the_network_page_shows_cohort_comments_only(login_as, who):
    value_id = _value_id()
    lead = _lead()
    engine = get_engine()
    discussion.post_comment(engine, lead, "indicator_value", value_id,
                            "Bénévoles comptés sur les tournées", visibility="cohort")  # fmt: skip
    discussion.post_comment(engine, lead, "indicator_value", value_id,
                            "Chiffre à vérifier avec la trésorière", visibility="team")  # fmt: skip

    at = login_as(who)
    at.switch_page(page("cohort/network_detail")).run()
    assert not at.exception
    picker = at.selectbox(key="detail_value_thread_R01_item")
    assert any("Bénévoles mobilisés" in option for option in picker.options)
    picker.set_value(value_id).run()
    assert not at.exception
    texts = _texts(at)
    assert "Bénévoles comptés sur les tournées" in texts
    assert "Chiffre à vérifier avec la trésorière" not in texts
    assert not [b for b in at.button if b.label == "Publier"]
    assert any("Lecture seule" in c.value for c in at.caption)


def test_the_lessons_board_shows_the_seeded_cohort_thread_not_a_team_comment(login_as):
    with session_scope(get_engine()) as s:
        lesson_id = s.exec(select(Lesson.id).where(Lesson.statement.like("Partir d'un%"))).one()
        private_id = s.exec(select(Lesson.id).where(Lesson.visibility == "network")).first()
    discussion.post_comment(get_engine(), _lead(), "lesson", lesson_id,
                            "Réservé à l'équipe d'animation", visibility="team")  # fmt: skip

    at = login_as("steering")
    at.switch_page(page("cohort/lessons_board")).run()
    assert not at.exception
    picker = [s for s in at.selectbox if s.key and s.key.startswith("board_lesson_thread_")]
    assert picker, "the lessons with a discussion get a picker"
    assert private_id not in picker[0].options
    picker[0].set_value(lesson_id).run()
    texts = _texts(at)
    # The two seeded cohort comments of seed_data/comments.yaml, not the team one.
    assert any(text.startswith("Cet enseignement sera repris") for text in texts)
    assert any(text.startswith("D'accord pour le reprendre") for text in texts)
    assert "Réservé à l'équipe d'animation" not in texts
    assert not [b for b in at.button if b.label == "Publier"]


def test_the_sidebar_badge_counts_unread_comments_and_mentions(login_as):
    lead = login_as("lead")
    assert not lead.exception
    # Seeded: three comments of the programme team in R01's threads, two mentions of lead.r01.
    assert any("3 commentaire(s) non lu(s), 2 mention(s)" in b for b in _badges(lead))

    admin = login_as("admin")
    assert any("6 commentaire(s) non lu(s), 1 mention(s)" in b for b in _badges(admin))

    # Reading a thread lowers the figures on the next rerun.
    with session_scope(get_engine()) as s:
        lesson_id = s.exec(select(Lesson.id).where(Lesson.statement.like("Partir d'un%"))).one()
    discussion.mark_thread_read(get_engine(), _lead(), "lesson", lesson_id)
    lead.run()
    assert any("2 commentaire(s) non lu(s), 2 mention(s)" in b for b in _badges(lead))

    steering = login_as("steering")
    assert not steering.exception
    assert _badges(steering) == []  # no mention of the steering committee in the demo
