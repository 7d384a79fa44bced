"""Mentions go out with the reminders: the comments naming a person, not read yet, are listed
in their next reminder (text and escaped HTML, a link to the item's page), then no more once
the thread is read or the comment deleted."""

from __future__ import annotations

import datetime as dt

from dashboard.services import discussion, notifications
from tests.unit import test_reminders as base
from tests.unit.roadmap_builders import make_milestone
from tests.unit.test_reminders import BASE, _days_before, _parts

# The reminders' fixtures: a cohort with a lead and the programme team, a local SMTP server.
settings_env, smtp, world = base.settings_env, base.smtp, base.world


def _post(world, author, body: str, **kw) -> tuple[int, dict]:
    engine = world["engine"]
    milestone = make_milestone(
        engine, world["network"], due=dt.date(2026, 4, 1), title="Convention <mairie>"
    )
    return milestone, discussion.post_comment(engine, author, "milestone", milestone, body, **kw)


def test_a_lead_reads_the_comments_mentioning_them_in_their_reminder(world, smtp):
    engine, lead = world["engine"], world["lead"]
    milestone, posted = _post(
        world,
        world["admin"],
        f"@{lead.username} <script>alert(1)</script> **relance** la mairie",
        visibility="team",
    )
    assert posted["mentioned"] == [lead.full_name]

    notifications.send_due(engine, as_of=_days_before(10))

    text, html = _parts(smtp.to("zoe@exemple.org")[0])
    text = text.replace("\r\n", "\n")
    assert "Vous êtes mentionné·e dans une discussion (1)" in text
    assert "Sarah Benoît, le " in text
    assert "sur jalon « Convention <mairie> » : @" in text
    assert "<script>alert(1)</script> **relance** la mairie" in text
    assert f"{BASE}/jalons?reseau=R01" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html

    discussion.mark_thread_read(engine, lead, "milestone", milestone)
    again = notifications.preview(engine, world["admin"], world["cohort"], as_of=_days_before(3))
    (lead_message,) = [r.message for r in again if r.user_id == lead.id]
    assert "mentionné·e" not in lead_message.text


def test_the_programme_team_digest_lists_its_mentions_and_a_deleted_one_is_gone(world, smtp):
    engine, lead, admin = world["engine"], world["lead"], world["admin"]
    milestone, posted = _post(world, lead, f"Question pour @{admin.username}", visibility="team")

    due = notifications.due_reminders(engine, as_of=_days_before(10))
    (digest,) = [r.message for r in due if r.user_id == admin.id]
    assert "Vous êtes mentionné·e dans une discussion (1)" in digest.text
    assert "Question pour @" in digest.text

    discussion.delete_comment(engine, lead, "milestone", milestone, posted["id"], 1)
    due = notifications.due_reminders(engine, as_of=_days_before(10))
    (digest,) = [r.message for r in due if r.user_id == admin.id]
    assert "mentionné·e" not in digest.text
