"""The Exports page: ministry staff and the programme team preview and download; leads and the
steering committee cannot reach it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dashboard.core.db import session_scope
from dashboard.core.i18n import fmt_number
from dashboard.ui import get_engine
from models import Cohort, IndicatorValue, Lesson, Network
from tests.app.conftest import page


def _open(login_as, who: str):
    at = login_as(who)
    at.switch_page(page("ministry/exports")).run()
    assert not at.exception, at.exception
    return at


def _demo_counts() -> tuple[int, int, int]:
    with session_scope(get_engine()) as session:
        cohort_id = session.execute(select(Cohort.id).where(Cohort.code == "AI-2026")).scalar_one()
        networks = select(Network.id).where(Network.cohort_id == cohort_id)
        values = session.execute(
            select(func.count()).where(IndicatorValue.network_id.in_(networks))
        ).scalar_one()
        validated = session.execute(
            select(func.count()).where(
                IndicatorValue.network_id.in_(networks), IndicatorValue.status == "validated"
            )
        ).scalar_one()
        public_lessons = session.execute(
            select(func.count()).where(Lesson.cohort_id == cohort_id, Lesson.visibility == "public")
        ).scalar_one()
    return values, validated, public_lessons


def _counts_table(at) -> dict[str, str]:
    frame = at.dataframe[0].value
    return dict(zip(frame.iloc[:, 1], frame.iloc[:, 2], strict=True))


def test_ministry_previews_then_downloads(login_as):
    at = _open(login_as, "ministry")
    assert at.title[0].value == "Exports"
    assert not at.dataframe  # nothing before the preview is asked for
    at.radio(key="export_profile").set_value("opendata")
    at.button(key="export_preview").click().run()
    assert not at.exception, at.exception
    values, _validated, public_lessons = _demo_counts()
    counts = _counts_table(at)
    assert counts["indicator_values"] == fmt_number(values)
    assert counts["lessons"] == fmt_number(public_lessons)
    # First rows of each table, open-data columns only.
    first_values = at.dataframe[1].value
    assert len(first_values) == 5
    assert "comment" not in first_values.columns

    at.button(key="export_build").click().run()
    assert not at.exception, at.exception
    download = at.get("download_button")
    assert download, "the download button appears once the file is ready"
    assert "AI-2026_opendata.zip" in str(download[0].proto)


def test_validated_only_filter_changes_the_preview(login_as):
    at = _open(login_as, "ministry")
    at.checkbox(key="export_validated_only").check()
    at.button(key="export_preview").click().run()
    assert not at.exception, at.exception
    _values, validated, _public = _demo_counts()
    assert _counts_table(at)["indicator_values"] == fmt_number(validated)


def test_programme_team_can_export(login_as):
    at = _open(login_as, "admin")
    at.button(key="export_preview").click().run()
    assert not at.exception
    assert _counts_table(at)["indicator_values"] == fmt_number(_demo_counts()[0])


@pytest.mark.parametrize("who", ["lead", "steering"])
def test_leads_and_steering_cannot_reach_the_page(login_as, who):
    at = login_as(who)
    with pytest.raises(ValueError):
        at.switch_page(page("ministry/exports"))
