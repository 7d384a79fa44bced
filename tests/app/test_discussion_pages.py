"""Discussion panels in the pages: a lead posts in a milestone's thread and reads it back as
plain text (``<script>`` and ``**x**`` shown as typed), the programme team sees it unread on
its home page and answers; forged choices are refused with a French message."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from dashboard.auth.accounts import actor_for
from dashboard.core import clock
from dashboard.core.db import session_scope
from dashboard.core.errors import AppError
from dashboard.core.permissions import Actor
from dashboard.services import discussion
from dashboard.services.indicators import review
from dashboard.ui import get_engine
from models import Comment, IndicatorValue, Milestone, Network, User
from models.enums import Role
from tests.app.conftest import page
from tests.unit.roadmap_world import count

TODAY = dt.date(2026, 5, 1)
TYPED = "<script>alert(1)</script> **x** @animation"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture(autouse=True)
def _demo_threads_read(app_db):
    """The demo's seeded threads (seed_data/comments.yaml) already read by the people these
    tests log in as, so the unread figures count only what each test posts."""
    engine = get_engine()
    with session_scope(engine) as s:
        threads = set(s.exec(select(Comment.target_kind, Comment.target_id)).all())
        people = [
            actor_for(user, None)
            for user in s.exec(select(User).where(User.username.in_(["lead.r01", "animation"])))
        ]
    for person in people:
        for kind, target_id in threads:
            try:
                discussion.mark_thread_read(engine, person, kind, target_id)
            except AppError:  # a thread this person does not read
                continue


def _first_milestone(code: str = "R01") -> tuple[int, int, str]:
    with session_scope(get_engine()) as s:
        net = s.exec(select(Network).where(Network.code == code)).one()
        milestone = s.exec(
            select(Milestone).where(Milestone.network_id == net.id).order_by(Milestone.id)
        ).first()
        return net.id, milestone.id, milestone.title


def _texts(at) -> list[str]:
    return [element.value for element in at.text]


def _panel(network_id: int, milestone_id: int) -> str:
    return f"milestone_thread_{network_id}_{milestone_id}"


def test_a_lead_posts_in_a_milestone_thread_and_reads_it_as_plain_text(login_as):
    network_id, milestone_id, title = _first_milestone()
    at = login_as("lead")
    at.switch_page(page("lead/milestones")).run()
    assert not at.exception
    panel = _panel(network_id, milestone_id)
    assert at.selectbox(key=f"milestone_thread_{network_id}_item").value == milestone_id
    at.selectbox(key=f"{panel}_visibility").set_value("team").run()
    at.text_area(key=f"{panel}_body_0").input(TYPED)
    next(b for b in at.button if b.label == "Publier").click().run()
    assert not at.exception

    with session_scope(get_engine()) as s:
        stored = s.exec(
            select(Comment).where(
                Comment.target_kind == "milestone", Comment.target_id == milestone_id
            )
        ).all()
        assert [(c.body, c.visibility, c.target_id) for c in stored] == [
            (TYPED, "team", milestone_id)
        ]
    assert any("Commentaire publié." in m.value for m in at.success)
    assert any("Notifié(s)" in m.value for m in at.success)  # @animation reads team comments
    # The text is shown as typed: st.text, never Markdown or HTML.
    assert TYPED in _texts(at)
    assert not any("alert(1)" in m.value for m in at.markdown)
    assert any(title in e.label for e in at.expander)


def test_the_programme_team_sees_it_unread_then_answers(login_as):
    network_id, milestone_id, _title = _first_milestone()
    lead = login_as("lead")
    lead.switch_page(page("lead/milestones")).run()
    panel = _panel(network_id, milestone_id)
    lead.text_area(key=f"{panel}_body_0").input("Pouvez-vous relire ?")
    next(b for b in lead.button if b.label == "Publier").click().run()
    assert not lead.exception

    admin = login_as("admin")
    assert not admin.exception
    assert any("1 commentaire(s) non lu(s) dans 1 fil(s), 0 mention(s)" in m.value
               for m in admin.info)  # fmt: skip
    # The lead's own home: nothing unread (their own comment).
    again = login_as("lead")
    assert any("Aucun commentaire non lu." in c.value for c in again.caption)

    with session_scope(get_engine()) as s:
        lead_id = s.exec(select(User.id).where(User.username == "lead.r01")).one()
    admin.switch_page(page("lead/milestones")).run()
    picker = [s for s in admin.selectbox if s.key and s.key.endswith("_item")]
    assert picker, "the programme team gets the milestone's discussion too"
    picker[0].set_value(milestone_id).run()
    admin_panel = f"milestone_thread_{network_id}_{milestone_id}"
    admin.multiselect(key=f"{admin_panel}_mentions_0").set_value([lead_id])
    admin.text_area(key=f"{admin_panel}_body_0").input("Relu, c'est bon.")
    next(b for b in admin.button if b.label == "Publier").click().run()
    assert not admin.exception
    assert "Relu, c'est bon." in _texts(admin)

    lead_home = login_as("lead")
    assert any("1 mention(s) de vous" in m.value for m in lead_home.info)


def test_the_network_only_visibility_is_not_offered_to_the_programme_team(login_as):
    network_id, milestone_id, _title = _first_milestone()
    admin = login_as("admin")
    admin.switch_page(page("lead/milestones")).run()
    picker = [s for s in admin.selectbox if s.key and s.key.endswith("_item")]
    picker[0].set_value(milestone_id).run()
    options = admin.selectbox(key=f"{_panel(network_id, milestone_id)}_visibility").options
    assert options == ["Réseau et équipe d'animation", "Toute la cohorte"]


def test_the_steering_committee_reads_cohort_comments_only_and_cannot_answer(login_as):
    network_id, milestone_id, _title = _first_milestone()
    with session_scope(get_engine()) as s:
        lead = s.exec(select(User).where(User.username == "lead.r01")).one()
        net = s.get(Network, network_id)
        actor = Actor(lead.id, lead.username, lead.full_name, Role.lead, network_id, net.cohort_id)
    engine = get_engine()
    seeded = count(engine, Comment)  # the demo's threads (seed_data/comments.yaml)
    discussion.post_comment(
        engine, actor, "milestone", milestone_id, "Partagé", visibility="cohort"
    )
    discussion.post_comment(
        engine, actor, "milestone", milestone_id, "Entre nous", visibility="network"
    )
    assert count(engine, Comment) == seeded + 2

    at = login_as("steering")
    at.switch_page(page("cohort/network_detail")).run()
    assert not at.exception
    at.selectbox(key="detail_milestone_thread_R01_item").set_value(milestone_id).run()
    assert not at.exception
    texts = _texts(at)
    assert "Partagé" in texts and "Entre nous" not in texts
    assert not [b for b in at.button if b.label == "Publier"]
    assert any("Lecture seule" in c.value for c in at.caption)


def test_a_returned_value_is_answered_in_its_thread(login_as):
    engine = get_engine()
    with session_scope(engine) as s:
        net = s.exec(select(Network).where(Network.code == "R01")).one()
        value = s.exec(
            select(IndicatorValue)
            .where(IndicatorValue.network_id == net.id, IndicatorValue.status == "submitted")
            .order_by(IndicatorValue.id)
        ).first()
        if value is None:  # the demo's state: submit one value by hand
            value = s.exec(
                select(IndicatorValue)
                .where(IndicatorValue.network_id == net.id, IndicatorValue.status == "draft")
                .order_by(IndicatorValue.id)
            ).first()
            value.status = "submitted"
        value_id = value.id
        admin = actor_for(s.exec(select(User).where(User.username == "animation")).one(), None)
    with session_scope(engine) as s:
        version = s.get(IndicatorValue, value_id).version
    review.return_value(engine, admin, value_id, version, "Merci de joindre la convention.")

    at = login_as("lead")
    at.switch_page(page("lead/indicators")).run()
    assert not at.exception
    assert at.selectbox(key=f"value_thread_{net.id}_item").value == value_id
    assert "Merci de joindre la convention." in _texts(at)
    assert any("1 non lu(s)" in e.label for e in at.expander)
    panel = f"value_thread_{net.id}_{value_id}"
    at.text_area(key=f"{panel}_body_0").input("Convention jointe, valeur resoumise.")
    next(b for b in at.button if b.label == "Publier").click().run()
    assert not at.exception

    home = login_as("admin")
    assert any("1 commentaire(s) non lu(s)" in m.value for m in home.info)
