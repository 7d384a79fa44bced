"""The validation queue one page at a time, filtered by month and network: a large cohort's
thousands of submitted values are counted with one grouped query and only a page is fetched."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.core.errors import PermissionDenied
from dashboard.services.indicators import review
from tests.unit.test_indicator_values import (  # noqa: F401  (fixtures)
    DEC,
    JAN,
    NOV,
    OCT,
    entry,
    save,
    world,
)
from tests.unit.test_statement_count import count_statements


@pytest.fixture
def busy(world):  # noqa: F811
    w, ind = world, world["ind"]
    for month in (OCT, NOV, DEC, JAN):
        save(w, "lead_a", [entry(ind["CNT"], month, 2), entry(ind["PCT"], month, 8)], submit=True)
        save(w, "lead_b", [entry(ind["CNT"], month, 1)], network="b", submit=True)
    return w


def _keys(frame):
    return list(
        zip(frame["network_code"], frame["period_start"], frame["indicator_code"], strict=True)
    )


def test_pages_cover_the_whole_queue_once_in_order(busy):
    w = busy
    whole = review.validation_queue(w["engine"], w["admin"], w["cohort"])
    assert len(whole) == 12
    seen = []
    for number in (1, 2, 3):
        page = review.queue_page(w["engine"], w["admin"], w["cohort"], page=number, page_size=5)
        assert (page.total, page.pages, page.page, page.groups) == (12, 3, number, 8)
        assert page.months == [OCT, NOV, DEC, JAN]
        seen += _keys(page.rows)
    assert [len(s) for s in (seen[:5], seen[5:10], seen[10:])] == [5, 5, 2]
    assert seen == _keys(whole)
    # A page past the end shows the last one rather than an empty screen.
    late = review.queue_page(w["engine"], w["admin"], w["cohort"], page=9, page_size=5)
    assert late.page == 3 and _keys(late.rows) == seen[10:]


def test_filter_by_month_and_network(busy):
    w = busy
    page = review.queue_page(w["engine"], w["admin"], w["cohort"], month=NOV)
    assert _keys(page.rows) == [("RA", NOV, "CNT"), ("RA", NOV, "PCT"), ("RB", NOV, "CNT")]
    assert (page.total, page.groups, page.pages) == (3, 2, 1)
    assert page.months == [OCT, NOV, DEC, JAN]  # the month list ignores the month chosen
    only_b = review.queue_page(w["engine"], w["admin"], w["cohort"], network_id=w["b"], month=JAN)
    assert _keys(only_b.rows) == [("RB", JAN, "CNT")]
    empty = review.queue_page(w["engine"], w["admin"], w["cohort"], month=dt.date(2024, 1, 1))
    assert empty.rows.empty and (empty.total, empty.pages, empty.page) == (0, 1, 1)


def test_a_page_costs_the_same_statements_whatever_the_queue_length(busy):
    w = busy
    counts = [
        count_statements(
            w["engine"],
            lambda size=size: review.queue_page(
                w["engine"], w["admin"], w["cohort"], page_size=size
            ),
        )
        for size in (1, 100)
    ]
    assert counts[0] == counts[1]


def test_only_the_programme_team_reads_the_queue(busy):
    w = busy
    with pytest.raises(PermissionDenied):
        review.queue_page(w["engine"], w["lead_a"], w["cohort"])
