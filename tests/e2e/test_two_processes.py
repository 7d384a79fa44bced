"""Two app processes (``python -m dashboard run``) on one database, as behind a load balancer:
one browser's login works on both (the session lives in the database), a change saved by a
lead shows on both dashboards at their next rerun although each process had the figures in its
cache (the cache key carries the data version read from the database), and a session closed on
one process is refused by the other. Runs on PostgreSQL when TEST_DATABASE_URL is set (and on
SQLite in any case)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from dashboard.auth import accounts as auth
from dashboard.core.db import make_engine
from dashboard.services.roadmap import milestones
from dashboard.services.roadmap.milestone_grid import AddedMilestone, MilestoneChanges
from tests.e2e.conftest import login, running_app

TIMEOUT = 60_000
DASHBOARD = "/tableau-de-bord"


@pytest.fixture
def two_apps(demo_url, tmp_path) -> Iterator[list[str]]:
    with (
        running_app(demo_url, tmp_path / "app0.log") as first,
        running_app(demo_url, tmp_path / "app1.log") as second,
    ):
        yield [first, second]


def _milestones_metric(page) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Jalons réalisés").first
    expect(metric).to_be_visible(timeout=TIMEOUT)
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_two_processes_share_sessions_data_and_caches(page, two_apps, demo_url):
    first, second = two_apps
    login(page, first, "copil", "demo-copil-2026")
    page.goto(first + DASHBOARD)
    before = _milestones_metric(page)
    done, total = (int(x) for x in re.fullmatch(r"(\d+) / (\d+)", before).groups())
    # Same browser, the other process: the login session is found there (no login form).
    other = page.context.new_page()
    other.goto(second + DASHBOARD)
    assert _milestones_metric(other) == before
    assert "/auth/login" not in other.url

    # A lead adds a milestone (the service both processes run); both caches hold the old figure.
    engine = make_engine(demo_url)
    lead = auth.login(engine, "lead.r01", "demo-referent-2026")
    assert lead.ok and lead.actor is not None
    milestones.save_milestones(
        engine,
        lead.actor,
        lead.actor.network_id,
        MilestoneChanges(
            added=[AddedMilestone({"title": "Jalon ajouté par un autre processus",
                                   "due_date": (dt.date.today() + dt.timedelta(days=30)).isoformat()})]
        ),
    )  # fmt: skip
    engine.dispose()
    expected = f"{done} / {total + 1}"
    for view in (page, other):
        view.reload()
        expect(
            view.locator('[data-testid="stMetric"]')
            .filter(has_text="Jalons réalisés")
            .first.locator('[data-testid="stMetricValue"]')
        ).to_have_text(expected, timeout=TIMEOUT)

    # Logging out on the first process closes the session for the second one too.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté·e")).to_be_visible(timeout=TIMEOUT)
    other.reload()
    other.wait_for_url("**/auth/login**", timeout=TIMEOUT)
    expect(other.locator("#username")).to_be_visible(timeout=TIMEOUT)
