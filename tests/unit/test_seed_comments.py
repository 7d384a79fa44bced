"""The demo's discussion threads (seed_data/comments.yaml): what is stored, who reads it, and
the French messages for a broken file (nothing written)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import func, select

from dashboard.core.errors import ValidationFailed
from dashboard.core.permissions import Actor
from dashboard.seed.read import DEFAULT_DATA_DIR, seed_demo
from dashboard.services import discussion
from models import (
    ChangeLog,
    Cohort,
    Comment,
    CommentMention,
    Indicator,
    IndicatorValue,
    Lesson,
    Milestone,
    Network,
    User,
)
from models.enums import Role
from tests.conftest import DEMO_AS_OF


def _all(engine, statement) -> list:
    with engine.connect() as conn:
        return list(conn.execute(statement))


def _count(engine, model) -> int:
    return _all(engine, select(func.count()).select_from(model))[0][0]


def _actor(engine, username: str) -> Actor:
    ((uid, name, role, network_id),) = _all(
        engine,
        select(User.id, User.full_name, User.role, User.network_id).where(
            User.username == username
        ),
    )
    cohort_id = None
    if network_id:
        ((cohort_id,),) = _all(engine, select(Network.cohort_id).where(Network.id == network_id))
    return Actor(id=uid, username=username, full_name=name, role=Role(role),
                 network_id=network_id, cohort_id=cohort_id)  # fmt: skip


def test_demo_threads_are_stored_with_their_dates_authors_and_mentions(demo_engine):
    rows = _all(
        demo_engine,
        select(Comment.target_kind, Comment.visibility, Comment.created_at, User.username)
        .join(User, User.id == Comment.author_id)
        .order_by(Comment.id),
    )
    assert len(rows) == 13
    assert {kind for kind, *_ in rows} == {"milestone", "alliance", "indicator_value", "lesson"}
    assert {vis for _, vis, *_ in rows} == {"network", "team", "cohort"}
    # Dated before the seed day, never after it.
    assert all(created.date() <= DEMO_AS_OF for _, _, created, _ in rows)
    assert rows[0][2].date() == DEMO_AS_OF - dt.timedelta(days=9)
    mentioned = _all(
        demo_engine,
        select(User.username, CommentMention.read_at).join(User, User.id == CommentMention.user_id),
    )
    assert sorted(name for name, _ in mentioned) == [
        "animation",
        "lead.r01",
        "lead.r01",
        "lead.r07",
    ]
    assert all(read_at is None for _, read_at in mentioned)
    # Each comment is in the change log, as the service would have logged it.
    logged = _all(
        demo_engine,
        select(func.count()).where(ChangeLog.entity == "comment", ChangeLog.field == "body"),
    )
    assert logged == [(13,)]


def test_a_value_thread_hangs_on_the_value_the_file_names(demo_engine):
    ((body, code, net, start),) = _all(
        demo_engine,
        select(Comment.body, Indicator.code, Network.code, IndicatorValue.period_start)
        .join(IndicatorValue, IndicatorValue.id == Comment.target_id)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .join(Network, Network.id == IndicatorValue.network_id)
        .where(Comment.target_kind == "indicator_value", Network.code == "R07"),
    )
    assert (code, net, start) == ("BENEFICIARIES_REACHED", "R07", dt.date(2026, 2, 1))
    assert "deux fois" in body


def test_who_reads_the_demo_threads(demo_engine):
    """A network-only note stays in its network; a steering member reads cohort comments."""
    ((alliance_note,),) = _all(
        demo_engine, select(Comment.target_id).where(Comment.visibility == "network",
                                                     Comment.target_kind == "alliance")
    )  # fmt: skip
    own = discussion.list_thread(demo_engine, _actor(demo_engine, "lead.r03"), "alliance",
                                 alliance_note)  # fmt: skip
    assert list(own.comments["body"].str[:13]) == ["Note interne "]
    team = discussion.list_thread(demo_engine, _actor(demo_engine, "animation"), "alliance",
                                  alliance_note)  # fmt: skip
    assert team.comments.empty
    ((lesson_id,),) = _all(demo_engine, select(Lesson.id).where(Lesson.statement.like("Partir%")))
    steering = discussion.list_thread(demo_engine, _actor(demo_engine, "copil"), "lesson",
                                      lesson_id)  # fmt: skip
    assert len(steering.comments) == 2 and not steering.can_post
    ((milestone_id,),) = _all(
        demo_engine,
        select(Milestone.id).where(
            Milestone.title.like("Signer la convention d'approvisionnement%")
        ),
    )
    counts = discussion.unread_counts(
        demo_engine, _actor(demo_engine, "lead.r01"), _all(demo_engine, select(Cohort.id))[0][0]
    )
    assert counts["mentions"] == 2 and counts["comments"] >= 3


def test_seeding_on_another_day_keeps_the_threads_recent(engine):
    as_of = dt.date(2027, 4, 10)
    report = seed_demo(engine, as_of)
    assert report.counts["comment"] >= 10
    dates = [created.date() for (created,) in _all(engine, select(Comment.created_at))]
    assert max(dates) <= as_of and min(dates) >= as_of - dt.timedelta(days=31)
    again = seed_demo(engine, as_of)
    assert again.already_present and _count(engine, Comment) == report.counts["comment"]


def test_a_returned_value_has_its_reason_as_the_first_comment(engine):
    """On a seed day, R07's last month awaits validation: the programme team's first comment
    of its thread (« returns: true ») sent it back; the lead sees it as a draft with the reason."""
    seed_demo(engine, dt.date(2027, 4, 10))
    ((status, reason, value_id),) = _all(
        engine,
        select(IndicatorValue.status, IndicatorValue.return_reason, IndicatorValue.id)
        .join(Network, Network.id == IndicatorValue.network_id)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .where(Network.code == "R07", Indicator.code == "BENEFICIARIES_REACHED",
               IndicatorValue.period_start == dt.date(2027, 3, 1)),
    )  # fmt: skip
    assert status == "draft" and reason.startswith("Ce chiffre regroupe décembre")
    first = discussion.list_thread(engine, _actor(engine, "lead.r07"), "indicator_value",
                                   value_id).comments.iloc[0]  # fmt: skip
    assert (first["body"], first["author"], first["visibility"]) == (reason, "Sarah Benoît", "team")
    logged = _all(
        engine,
        select(ChangeLog.field, ChangeLog.after).where(
            ChangeLog.entity == "indicator_value", ChangeLog.entity_id == value_id,
            ChangeLog.field == "return_reason",
        ),
    )  # fmt: skip
    assert logged == [("return_reason", reason)]


def _corrupt(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("ref: R01-J09", "ref: R01-J99", ["ligne 16", "R01-J99", "inconnue"]),
        ("author: lead.r03\n        visibility: network\n        days_ago: 5",
         "author: lead.r33\n        visibility: network\n        days_ago: 5",
         ["ligne 60", "lead.r33", "compte inconnu"]),
        ("Note interne : le laboratoire", "Note interne" + " x" * 1000, ["ligne 60", "trop long"]),
        ("mentions: [lead.r07]", "mentions: [copil]", ["ligne 98", "copil", "lire"]),
        ("author: animation\n        visibility: team\n        days_ago: 20",
         "author: lead.r02\n        visibility: team\n        days_ago: 20",
         ["ligne 71", "lead.r02", "écrire"]),
        ("visibility: team\n        days_ago: 1\n        hour: 10\n        returns: true",
         "visibility: cohort\n        days_ago: 1\n        hour: 10\n        returns: true",
         ["ligne 98", "motif de renvoi"]),
    ],
)  # fmt: skip
def test_broken_comments_file_writes_nothing(engine, tmp_path, old, new, words):
    data = tmp_path / "seed"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    _corrupt(data / "comments.yaml", old, new)
    with pytest.raises(ValidationFailed) as caught:
        seed_demo(engine, data_dir=data)
    message = str(caught.value)
    assert "comments.yaml" in message and all(word in message for word in words), message
    for model in (Cohort, Network, User, Comment, CommentMention):
        assert _count(engine, model) == 0
