"""The demo as a visitor finds it on the day it is seeded (``seed --demo`` without ``--as-of``):
a cohort in progress, the next session ahead, a few late milestones and one month awaiting
validation; the steering committee finds session snapshots to compare."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from dashboard.core import clock
from dashboard.core.db import make_engine
from dashboard.core.i18n import fmt_number
from dashboard.seed.read import seed_demo
from tests.app.conftest import page


@pytest.fixture
def demo_url(engine_url) -> Iterator[str]:
    """The demo seeded as of today (whatever today is), instead of the tests' fixed storyline."""
    engine = make_engine(engine_url)
    seed_demo(engine)
    engine.dispose()
    yield engine_url


def _figures(url: str) -> dict:
    engine = make_engine(url)
    today = clock.today()
    with engine.connect() as conn:
        late = conn.execute(
            text(
                "SELECT count(*) FROM milestone WHERE due_date < :d "
                "AND status IN ('planned', 'in_progress', 'postponed')"
            ),
            {"d": today},
        ).scalar_one()
        awaiting = conn.execute(
            text("SELECT count(*) FROM indicator_value WHERE status = 'submitted'")
        ).scalar_one()
    engine.dispose()
    return {"late": late, "awaiting": awaiting}


def test_the_home_page_shows_a_cohort_in_progress(login_as, app_db):
    at = login_as("steering")
    assert not at.exception, at.exception
    assert any("· En cours" in c.value for c in at.caption)
    upcoming = next(i.value for i in at.info if i.value.startswith("Prochaine session"))
    day = dt.datetime.strptime(re.search(r"le (\d\d/\d\d/\d{4})", upcoming)[1], "%d/%m/%Y").date()
    assert 0 <= (day - clock.today()).days <= 31  # the next session is ahead, within a month
    figures = _figures(app_db)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Jalons en retard"] == fmt_number(figures["late"])
    assert shown["Valeurs à valider"] == fmt_number(figures["awaiting"])
    assert figures["late"] > 0 and figures["awaiting"] < 200


def test_the_steering_committee_compares_the_sessions_held(login_as):
    at = login_as("steering")
    at.switch_page(page("cohort/snapshots")).run()
    assert not at.exception, at.exception
    assert not any("Aucun instantané" in i.value for i in at.info)
    labels = [str(o) for o in at.selectbox[0].options]
    assert labels[0].startswith("W1 du ") and labels[-1].startswith("S1 du ")


def test_the_dashboard_says_what_changed_since_the_last_session(login_as):
    at = login_as("steering")
    at.switch_page(page("cohort/dashboard")).run()
    assert not at.exception, at.exception
    assert any(c.value.startswith("Depuis « W1 du ") for c in at.caption)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Alliances : changements d'étape"] not in ("0", "—")
