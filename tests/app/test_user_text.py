"""What people write is shown as text: an admin-written cohort name, session title or host,
or a network's sector, never becomes a link or an image that makes the browser fetch from
another host. The markdown each element would render is parsed as CommonMark (what the browser
renders) and must hold no link and no image, while the name reads exactly as typed."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import func, select, update

from dashboard.core import clock
from dashboard.core.db import session_scope
from dashboard.ui import get_engine
from models import Cohort, Network, ProgrammeSession
from tests.app.conftest import page

EVIL = "[x](https://evil.example) ![i](https://evil.example/i.png) <img src=https://evil.example/h.png>"
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
MARKDOWN_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "info", "success",
                     "warning", "error")  # fmt: skip


def _rename_everything() -> None:
    """Every cohort, session and network carries the name; one session is still ahead."""
    with session_scope(get_engine()) as s:
        s.exec(update(Cohort).values(name=EVIL))
        s.exec(update(ProgrammeSession).values(title=EVIL, host=EVIL))
        s.exec(update(Network).values(sector=EVIL))
        last = s.exec(select(func.max(ProgrammeSession.id))).scalar_one()
        ahead = clock.today() + dt.timedelta(days=14)
        s.exec(
            update(ProgrammeSession).where(ProgrammeSession.id == last).values(session_date=ahead)
        )


def _rendered(at) -> list[str]:
    """The HTML the markdown of every markdown-rendering element on the page turns into."""
    out = []
    for kind in MARKDOWN_ELEMENTS:
        for element in getattr(at, kind):
            out.append(_MD.render(str(element.value)))
    return out


def _assert_shown_literally(at, *, expected_in: str) -> None:
    assert not at.exception, at.exception
    rendered = _rendered(at)
    for piece in rendered:
        assert "<a " not in piece and "<img" not in piece, piece
        assert "evil.example" not in piece or "href" not in piece, piece
    # The name is on the page, character for character.
    shown = [html.unescape(piece) for piece in rendered]
    assert any(EVIL in piece for piece in shown), [p for p in shown if "evil" in p]
    assert any(expected_in in kind for kind in MARKDOWN_ELEMENTS)


@pytest.mark.parametrize("role", ["admin", "steering", "lead"])
def test_home_shows_admin_written_names_literally(login_as, role):
    at = login_as(role, run=False)
    _rename_everything()
    at.run()
    _assert_shown_literally(at, expected_in="subheader")
    # The cohort name is the page's subheader; the next session's title and host its notice.
    assert any(EVIL in html.unescape(_MD.render(s.value)) for s in at.subheader)
    assert any(html.unescape(_MD.render(i.value)).count(EVIL) == 2 for i in at.info), [
        i.value for i in at.info
    ]


def test_admin_cohort_page_shows_the_name_literally(login_as):
    at = login_as("admin", run=False)
    _rename_everything()
    at.run()
    at.switch_page(page("admin/cohorts")).run()
    _assert_shown_literally(at, expected_in="subheader")
    assert any(EVIL in html.unescape(_MD.render(s.value)) for s in at.subheader)
    labels = [c.label for c in at.checkbox]
    assert any(EVIL in html.unescape(_MD.render(lbl)) for lbl in labels if "clôture" in lbl)


def test_lead_before_session_shows_the_session_title_literally(login_as):
    at = login_as("lead", run=False)
    _rename_everything()
    at.run()
    at.switch_page(page("lead/before_session")).run()
    _assert_shown_literally(at, expected_in="info")


def test_network_page_shows_the_sector_literally(login_as):
    at = login_as("steering", run=False)
    _rename_everything()
    at.run()
    at.switch_page(page("cohort/network_detail")).run()
    assert not at.exception, at.exception
    captions = [html.unescape(_MD.render(c.value)) for c in at.caption]
    assert any(EVIL in c for c in captions), captions
    for piece in _rendered(at):
        assert "<a " not in piece and "<img" not in piece, piece
