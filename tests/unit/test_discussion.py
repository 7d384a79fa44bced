"""Discussion threads on items: who reads which comment, who writes, forged ids, the edit
window, soft deletion, mentions and unread counts, the validation queue's returned value
opening its thread, and the change log — on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from dashboard.core.db import session_scope
from dashboard.core.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from dashboard.services import discussion
from dashboard.services.indicators import review
from dashboard.services.reporting import history
from models import ChangeLog, Cohort, Comment, CommentMention, IndicatorValue
from models.base import table_of, utcnow
from tests.factories import make_user
from tests.unit.roadmap_builders import (
    add_values,
    make_alliance,
    make_indicator,
    make_lesson,
    make_milestone,
    make_partner,
)
from tests.unit.roadmap_world import count, log_rows, make_world

DUE = dt.date(2026, 3, 1)


@pytest.fixture
def w(engine):
    return make_world(engine)


def _bodies(engine, actor, kind, target_id) -> list[str | None]:
    return list(discussion.list_thread(engine, actor, kind, target_id).comments["body"])


def _three_visibilities(engine, w) -> int:
    milestone = make_milestone(engine, w.net_a, due=DUE, title="Signer la convention")
    for vis in ("network", "team", "cohort"):
        discussion.post_comment(
            engine, w.lead_a, "milestone", milestone, f"Note {vis}", visibility=vis
        )
    return milestone


def test_who_reads_which_visibility(engine, w):
    milestone = _three_visibilities(engine, w)
    ministry = make_user(engine, "ministry")
    assert _bodies(engine, w.lead_a, "milestone", milestone) == [
        "Note network",
        "Note team",
        "Note cohort",
    ]
    # Another network's lead, the steering committee and the ministry: the cohort's only.
    for reader in (w.lead_b, w.steering, ministry):
        assert _bodies(engine, reader, "milestone", milestone) == ["Note cohort"], reader.role
    # The programme team: never the network's own notes.
    assert _bodies(engine, w.admin, "milestone", milestone) == ["Note team", "Note cohort"]


def test_a_lead_of_another_cohort_or_an_anonymised_one_reaches_nothing(engine, w):
    milestone = _three_visibilities(engine, w)
    stranger = make_user(engine, "lead", network_id=w.other_net)
    with pytest.raises(NotFound, match="n'existe pas ou ne vous est pas accessible"):
        discussion.list_thread(engine, stranger, "milestone", milestone)
    with session_scope(engine) as s:
        s.get(Cohort, w.cohort).anonymise_for_leads = True
    with pytest.raises(NotFound):
        discussion.list_thread(engine, w.lead_b, "milestone", milestone)
    assert len(_bodies(engine, w.lead_a, "milestone", milestone)) == 3


def test_a_lesson_kept_to_its_network_has_no_thread_for_others(engine, w):
    lesson = make_lesson(engine, w.cohort, network_id=w.net_a, visibility="network")
    discussion.post_comment(engine, w.lead_a, "lesson", lesson, "À garder", visibility="cohort")
    for reader in (w.lead_b, w.steering):
        with pytest.raises(NotFound):
            discussion.list_thread(engine, reader, "lesson", lesson)
    assert _bodies(engine, w.admin, "lesson", lesson) == ["À garder"]


def test_writes_are_refused_outside_ones_own_network_and_role(engine, w):
    milestone = make_milestone(engine, w.net_a, due=DUE)
    with pytest.raises(PermissionDenied, match="votre propre réseau"):
        discussion.post_comment(engine, w.lead_b, "milestone", milestone, "Intrusion")
    with pytest.raises(PermissionDenied, match="rôle"):
        discussion.post_comment(engine, w.steering, "milestone", milestone, "Avis")
    # The programme team cannot write what it could not read.
    with pytest.raises(ValidationFailed, match="Visibilité"):
        discussion.post_comment(engine, w.admin, "milestone", milestone, "x", visibility="network")
    for forged in (999_999, "1 OR 1=1", None):
        with pytest.raises(NotFound):
            discussion.post_comment(engine, w.lead_a, "milestone", forged, "x")
    with pytest.raises(ValidationFailed, match="jalon, une alliance"):
        discussion.post_comment(engine, w.lead_a, "objective", milestone, "x")
    with pytest.raises(ValidationFailed, match="Commentaire"):
        discussion.post_comment(engine, w.lead_a, "milestone", milestone, "   ")
    with pytest.raises(ValidationFailed, match="Commentaire"):
        discussion.post_comment(engine, w.lead_a, "milestone", milestone, "x" * 2001)
    assert count(engine, Comment) == 0


def test_a_comment_id_of_another_thread_or_person_is_refused(engine, w):
    mine = make_milestone(engine, w.net_a, due=DUE)
    theirs = make_milestone(engine, w.net_b, due=DUE)
    posted = discussion.post_comment(engine, w.lead_a, "milestone", mine, "Texte")
    # lead_b names lead_a's comment from a thread lead_b may write in.
    with pytest.raises(PermissionDenied, match="n'appartient pas à ce fil"):
        discussion.edit_comment(engine, w.lead_b, "milestone", theirs, posted["id"], 1, "Piraté")
    with pytest.raises(PermissionDenied, match="n'appartient pas à ce fil"):
        discussion.delete_comment(engine, w.lead_b, "milestone", theirs, posted["id"], 1)
    colleague = make_user(engine, "lead", network_id=w.net_a)
    with pytest.raises(PermissionDenied, match="que vos commentaires"):
        discussion.edit_comment(engine, colleague, "milestone", mine, posted["id"], 1, "Piraté")
    assert _bodies(engine, w.lead_a, "milestone", mine) == ["Texte"]


def test_edit_within_the_window_then_refused(engine, w):
    milestone = make_milestone(engine, w.net_a, due=DUE)
    posted = discussion.post_comment(engine, w.lead_a, "milestone", milestone, "Premier jet")
    edited = discussion.edit_comment(
        engine, w.lead_a, "milestone", milestone, posted["id"], posted["version"], "Corrigé"
    )
    view = discussion.list_thread(engine, w.lead_a, "milestone", milestone)
    row = view.comments.iloc[0]
    assert row["body"] == "Corrigé" and row["edited_at"] is not None and row["editable"]
    with pytest.raises(ConflictError):  # the version seen before the first edit
        discussion.edit_comment(
            engine, w.lead_a, "milestone", milestone, posted["id"], posted["version"], "Autre"
        )
    table = table_of(Comment)
    with session_scope(engine) as s:
        s.execute(
            update(table)
            .where(table.c.id == posted["id"])
            .values(created_at=utcnow() - dt.timedelta(minutes=16))
        )
    assert not discussion.list_thread(engine, w.lead_a, "milestone", milestone).comments.iloc[0][
        "editable"
    ]
    with pytest.raises(ValidationFailed, match="15 minutes"):
        discussion.edit_comment(
            engine, w.lead_a, "milestone", milestone, posted["id"], edited["version"], "Trop tard"
        )
    assert _bodies(engine, w.lead_a, "milestone", milestone) == ["Corrigé"]


def test_deleting_ones_comment_is_soft(engine, w):
    alliance = make_alliance(engine, w.net_a, make_partner(engine))
    posted = discussion.post_comment(engine, w.lead_a, "alliance", alliance, "À effacer")
    discussion.delete_comment(engine, w.lead_a, "alliance", alliance, posted["id"], 1)
    view = discussion.list_thread(engine, w.lead_a, "alliance", alliance)
    assert list(view.comments["deleted"]) == [True]
    assert view.comments.iloc[0]["body"] is None
    with session_scope(engine) as s:
        assert s.get(Comment, posted["id"]).body == "À effacer"  # kept for the change log
    with pytest.raises(ValidationFailed, match="supprimé"):
        discussion.delete_comment(engine, w.lead_a, "alliance", alliance, posted["id"], 2)


def test_mentions_notify_only_those_who_read_the_comment(engine, w):
    colleague = make_user(engine, "lead", network_id=w.net_a, username="lead.a2")
    milestone = make_milestone(engine, w.net_a, due=DUE, title="Comité de suivi")
    # Someone who may not read a team comment cannot be picked (a forged choice)…
    with pytest.raises(ValidationFailed, match="ne peut pas lire"):
        discussion.post_comment(
            engine, w.lead_a, "milestone", milestone, "Bonjour", mention_ids=[w.steering.id]
        )
    assert count(engine, Comment) == 0
    # … and typed, they are reported back as not notified.
    posted = discussion.post_comment(
        engine,
        w.lead_a,
        "milestone",
        milestone,
        "@lead.a2 et @copil, pouvez-vous relire ? (copie à animation@exemple.fr)",
        visibility="team",
    )
    assert posted["mentioned"] == [colleague.full_name]
    assert posted["not_notified"] == ["copil"]
    with session_scope(engine) as s:
        notified = s.exec(select(CommentMention.user_id)).all()
    assert notified == [colleague.id]

    mentions = discussion.unread_mentions(engine, colleague)
    assert list(mentions["title"]) == ["Comité de suivi"]
    counts = discussion.unread_counts(engine, colleague, w.cohort)
    assert counts == {"comments": 1, "threads": 1, "mentions": 1}
    assert discussion.unread_counts(engine, w.lead_a, w.cohort)["comments"] == 0  # own comment
    assert discussion.unread_counts(engine, w.admin, w.cohort)["comments"] == 1
    assert discussion.unread_counts(engine, w.lead_b, w.cohort)["comments"] == 0

    discussion.mark_thread_read(engine, colleague, "milestone", milestone)
    assert discussion.unread_counts(engine, colleague, w.cohort) == {
        "comments": 0,
        "threads": 0,
        "mentions": 0,
    }
    assert discussion.list_thread(engine, colleague, "milestone", milestone).unread == 0


def test_network_notes_are_not_unread_for_the_programme_team(engine, w):
    milestone = make_milestone(engine, w.net_a, due=DUE)
    discussion.post_comment(
        engine, w.lead_a, "milestone", milestone, "Entre nous", visibility="network"
    )
    assert discussion.unread_threads(engine, w.admin, w.cohort).empty
    colleague = make_user(engine, "lead", network_id=w.net_a)
    assert list(discussion.unread_threads(engine, colleague, w.cohort)["unread"]) == [1]


def test_returning_a_value_opens_its_thread_with_the_reason(engine, w):
    indicator = make_indicator(engine, label="Bénévoles mobilisés")
    add_values(engine, w.net_a, indicator, {dt.date(2026, 1, 1): 12}, status="submitted")
    with session_scope(engine) as s:
        value = s.exec(select(IndicatorValue)).one()
    reason = "Le chiffre de janvier semble doublé : pouvez-vous vérifier ?"
    review.return_value(engine, w.admin, value.id, value.version, reason)

    view = discussion.list_thread(engine, w.lead_a, "indicator_value", value.id)
    first = view.comments.iloc[0]
    assert (first["body"], first["visibility"], first["author"]) == (
        reason,
        "team",
        w.admin.full_name,
    )
    assert view.unread == 1
    assert list(discussion.unread_threads(engine, w.lead_a, w.cohort)["title"]) == [
        "Bénévoles mobilisés, janvier 2026"
    ]
    # The lead answers in the same thread; the programme team sees it as unread.
    discussion.post_comment(engine, w.lead_a, "indicator_value", value.id, "Corrigé, merci.")
    assert discussion.unread_counts(engine, w.admin, w.cohort)["comments"] == 1


def test_a_refused_return_writes_no_comment(engine, w):
    indicator = make_indicator(engine)
    add_values(engine, w.net_a, indicator, {dt.date(2026, 1, 1): 12}, status="submitted")
    with session_scope(engine) as s:
        value = s.exec(select(IndicatorValue)).one()
    with pytest.raises(ValidationFailed, match="Motif"):
        review.return_value(engine, w.admin, value.id, value.version, "  ")
    with pytest.raises(ConflictError):
        review.return_value(engine, w.admin, value.id, value.version + 5, "Motif valable")
    assert count(engine, Comment) == 0


def test_change_log_and_history_show_comments_only_to_their_readers(engine, w):
    milestone = _three_visibilities(engine, w)
    rows = log_rows(engine, ChangeLog.entity == "comment", ChangeLog.field == "body")
    assert [r.after for r in rows] == ["Note network", "Note team", "Note cohort"]
    with session_scope(engine) as s:
        logged_ids = {r.entity_id for r in rows}
        comments = s.exec(select(Comment).where(col(Comment.id).in_(logged_ids))).all()
        assert {(c.target_kind, c.target_id) for c in comments} == {("milestone", milestone)}
    assert {r.network_id for r in rows} == {w.net_a}

    def bodies(view) -> set[str]:
        shown = view.rows[view.rows["entity"] == "comment"]
        return set(shown[shown["field"] == "body"]["after"])

    assert bodies(history.network_history(engine, w.lead_a, w.net_a)) == {
        "Note network",
        "Note team",
        "Note cohort",
    }
    assert bodies(history.cohort_history(engine, w.admin, w.cohort)) == {"Note team", "Note cohort"}
    assert bodies(history.cohort_history(engine, w.steering, w.cohort)) == {"Note cohort"}
    view = history.network_history(engine, w.lead_a, w.net_a)
    shown = view.rows[(view.rows["entity"] == "comment") & (view.rows["field"] == "visibility")]
    assert set(shown["after"]) == {"Réseau uniquement", "Réseau et équipe d'animation",
                                   "Toute la cohorte"}  # fmt: skip
    assert set(view.rows[view.rows["entity"] == "comment"]["entity_label"]) == {"Commentaire"}


def test_user_text_is_stored_and_returned_as_typed(engine, w):
    milestone = make_milestone(engine, w.net_a, due=DUE)
    text = "<script>alert(1)</script> **x** \n deuxième ligne"
    discussion.post_comment(engine, w.lead_a, "milestone", milestone, text)
    assert _bodies(engine, w.lead_a, "milestone", milestone) == [text.strip()]


def test_comments_by_author_lists_every_comment_of_a_person(engine, w):
    milestone = make_milestone(engine, w.net_a, due=DUE)
    first = discussion.post_comment(engine, w.lead_a, "milestone", milestone, "Un")
    discussion.post_comment(engine, w.lead_a, "milestone", milestone, "Deux", visibility="network")
    discussion.delete_comment(engine, w.lead_a, "milestone", milestone, first["id"], 1)
    discussion.post_comment(engine, w.admin, "milestone", milestone, "Trois")
    with session_scope(engine) as s:
        mine = discussion.comments_by_author(s, w.lead_a.id)
    assert [(c["body"], c["visibility"], c["deleted_at"] is not None) for c in mine] == [
        ("Un", "team", True),
        ("Deux", "network", False),
    ]
    assert {c["target_kind"] for c in mine} == {"milestone"}


def test_every_logged_comment_field_has_a_french_label():
    from dashboard.services.reporting.history_labels import entity_label, field_label

    for column in Comment.__table__.columns:
        if column.name in {"id", "version", "created_at"}:
            continue
        assert field_label(column.name, "comment") != column.name, column.name
    assert field_label("mentions", "comment") == "Personnes mentionnées"
    assert entity_label("comment") == "Commentaire"


def test_a_closed_cohort_keeps_its_threads_readable_but_closed(engine, w):
    milestone = make_milestone(engine, w.net_a, due=DUE)
    discussion.post_comment(engine, w.lead_a, "milestone", milestone, "Avant clôture")
    with session_scope(engine) as s:
        s.get(Cohort, w.cohort).status = "closed"
    with pytest.raises(PermissionDenied, match="clôturée"):
        discussion.post_comment(engine, w.lead_a, "milestone", milestone, "Après clôture")
    view = discussion.list_thread(engine, w.lead_a, "milestone", milestone)
    assert list(view.comments["body"]) == ["Avant clôture"] and not view.can_post


def test_a_collective_lesson_is_discussed_by_the_programme_team(engine, w):
    lesson = make_lesson(engine, w.cohort, network_id=None, visibility="cohort")
    discussion.post_comment(engine, w.admin, "lesson", lesson, "À tous", visibility="cohort")
    discussion.post_comment(engine, w.admin, "lesson", lesson, "Équipe", visibility="team")
    assert _bodies(engine, w.lead_a, "lesson", lesson) == ["À tous"]
    assert _bodies(engine, w.admin, "lesson", lesson) == ["À tous", "Équipe"]
    with pytest.raises(PermissionDenied, match="équipe d'animation"):
        discussion.post_comment(engine, w.lead_a, "lesson", lesson, "Moi aussi")
    stranger = make_user(engine, "lead", network_id=w.other_net)
    with pytest.raises(NotFound):
        discussion.list_thread(engine, stranger, "lesson", lesson)


def test_a_deleted_items_thread_is_not_counted_unread(engine, w):
    indicator = make_indicator(engine)
    add_values(engine, w.net_a, indicator, {dt.date(2026, 1, 1): 3}, status="draft")
    with session_scope(engine) as s:
        value_id = s.exec(select(IndicatorValue.id)).one()
    discussion.post_comment(engine, w.admin, "indicator_value", value_id, "Source ?")
    assert discussion.unread_counts(engine, w.lead_a, w.cohort)["comments"] == 1
    with session_scope(engine) as s:
        s.delete(s.get(IndicatorValue, value_id))
    assert discussion.unread_counts(engine, w.lead_a, w.cohort) == {
        "comments": 0,
        "threads": 0,
        "mentions": 0,
    }
    assert discussion.unread_threads(engine, w.lead_a, w.cohort).empty


def test_the_people_offered_for_a_mention_are_those_who_read_the_comment(engine, w):
    milestone = make_milestone(engine, w.net_a, due=DUE)
    colleague = make_user(engine, "lead", network_id=w.net_a, full_name="Agnès Collègue")
    names = {
        vis: sorted(discussion.mention_choices(engine, w.lead_a, "milestone", milestone, vis))
        for vis in ("network", "team", "cohort")
    }
    assert names["network"] == [colleague.id]
    assert names["team"] == sorted([colleague.id, w.admin.id])
    assert set(names["cohort"]) == {colleague.id, w.admin.id, w.lead_b.id, w.steering.id}
    assert w.lead_a.id not in names["cohort"]  # never oneself
    offered = discussion.mention_choices(engine, w.lead_a, "milestone", milestone, "team")
    assert offered[colleague.id] == f"Agnès Collègue (@{colleague.username})"
