"""The demo cohort as seen on the day it is seeded: always in progress.

``seed_data/`` tells each network's storyline on a fixed calendar, with the day it is seen on
(``seen_on`` in ``cohort.yaml``: about five months after the start, two weeks before session
S3). Seeding on another day moves the whole calendar by a whole number of months, the same for
every date, so that the seed day falls where ``seen_on`` falls in the storyline: monthly values
stay on month starts, month ends stay month ends, and every storyline keeps its order.

What the storyline places after the seed day has not happened yet: stage changes, done dates,
assessments and lessons dated later are left out, and values are kept for complete months only.
Values follow the usual monthly rhythm: validated up to two months back, the last complete month
submitted and awaiting validation (a draft where the storyline has the network late with its
figures).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from dashboard.core.clock import add_months, month_end, month_start
from models.enums import MilestoneStatus, ValueStatus

# The storyline's own "today" when cohort.yaml does not say: five months after its start.
DEFAULT_SEEN_ON = dt.date(2026, 3, 2)


def month_offset(seen_on: dt.date, as_of: dt.date) -> int:
    """Whole months from ``seen_on``'s month to ``as_of``'s month."""
    return (as_of.year - seen_on.year) * 12 + as_of.month - seen_on.month


def calendar_offset(seen_on: dt.date, as_of: dt.date) -> int:
    """Whole months to move the storyline by so that ``seen_on`` lands nearest the seed day
    (late in a month, the next month's day is nearer)."""
    return month_offset(seen_on, as_of) + (1 if as_of.day - seen_on.day > 15 else 0)


def shift(day: dt.date | None, months: int) -> dt.date | None:
    """``day`` moved by ``months``: the same day of the month (a month end stays a month end,
    a 31st becomes the month's last day when the month is shorter)."""
    if day is None or months == 0:
        return day
    first = add_months(day, months)
    if day == month_end(day):
        return month_end(first)
    return min(first.replace(day=1) + dt.timedelta(days=day.day - 1), month_end(first))


def as_seen_on(
    data: dict[str, Any], as_of: dt.date, *, whole_storyline: bool = False
) -> dict[str, Any]:
    """The checked seed data moved to ``as_of``'s calendar and cut at ``as_of`` (a new dict).

    ``whole_storyline`` keeps every date and status of the files as they are (the storyline
    told to its end, for the tests that check it); ``as_of`` then only dates the history.
    """
    d = copy.deepcopy(data)
    d["as_of"] = as_of
    seen_on = d["cohort"].pop("seen_on", None) or DEFAULT_SEEN_ON
    if whole_storyline:
        return d
    months = calendar_offset(seen_on, as_of)
    late_networks = _late_networks(d["values"])
    _move_cohort(d, months)
    kept = _move_alliances(d, months, as_of)
    _move_milestones(d, months, as_of, kept)
    for tg in d["targets"]:
        tg["baseline_date"] = shift(tg["baseline_date"], months)
        tg["target_date"] = shift(tg["target_date"], months)
    d["values"] = _values_as_of(d["values"], months, as_of, late_networks)
    _move_assessments_and_lessons(d, months, as_of, kept)
    for comment in d.get("comments", []):  # a value's thread follows its month
        if comment.get("period_start") is not None:
            comment["period_start"] = shift(comment["period_start"], months)
    return d


def _late_networks(values: list[dict]) -> set[str]:
    """Networks the storyline shows late with their figures: those still holding drafts in its
    first month with drafts (the others' drafts are just the month being entered)."""
    draft_months = [v["period_start"] for v in values if v["status"] == ValueStatus.draft]
    first = min(draft_months, default=None)
    return {
        v["network"]
        for v in values
        if v["status"] == ValueStatus.draft and v["period_start"] == first
    }


def _move_cohort(d: dict[str, Any], months: int) -> None:
    """The cohort's dates and sessions; « Alliances innovantes 2025-2026 » names the years it
    runs over."""
    cohort = d["cohort"]
    years = f"{cohort['start_date'].year}-{cohort['end_date'].year}"
    for key in ("start_date", "end_date"):
        cohort[key] = shift(cohort[key], months)
    cohort["name"] = cohort["name"].replace(
        years, f"{cohort['start_date'].year}-{cohort['end_date'].year}"
    )
    for s in d["sessions"]:
        s["date"] = shift(s["date"], months)


def _move_alliances(d: dict[str, Any], months: int, as_of: dt.date) -> set[str]:
    """Stage histories cut at ``as_of``; alliances not yet identified then are left out.
    Returns the codes of the alliances kept."""
    for a in d["alliances"]:
        for step in a["history"]:
            step["date"] = shift(step["date"], months)
        a["history"] = [step for step in a["history"] if step["date"] <= as_of]
    kept = {a["code"] for a in d["alliances"] if a["history"]}
    d["alliances"] = [a for a in d["alliances"] if a["code"] in kept]
    return kept


def _move_milestones(d: dict[str, Any], months: int, as_of: dt.date, kept: set[str]) -> None:
    for m in d["milestones"]:
        m["due_date"] = shift(m["due_date"], months)
        m["done_date"] = shift(m["done_date"], months)
        if m["alliance"] not in kept:
            m["alliance"] = None
        if m["done_date"] is not None and m["done_date"] > as_of:
            # Done later in the storyline: under way today.
            m["done_date"] = None
            m["status"] = MilestoneStatus.in_progress.value
            m["progress"] = 50
        elif m["status"] == MilestoneStatus.cancelled and m["due_date"] > as_of:
            # Cancelled later in the storyline (after an event still to come): still planned.
            m["status"] = MilestoneStatus.planned.value


def _values_as_of(
    values: list[dict], months: int, as_of: dt.date, late_networks: set[str]
) -> list[dict]:
    """Months that are over: last month submitted (a draft where the storyline is late), the
    earlier ones validated."""
    current = month_start(as_of)
    kept = []
    for v in values:
        v["period_start"] = shift(v["period_start"], months)
        if v["period_start"] >= current:
            continue  # the month is not over
        age = len_months(v["period_start"], current)
        if age == 1:
            # Entered, awaiting validation; still a draft where the storyline is late.
            v["status"] = "draft" if v["network"] in late_networks else "submitted"
        else:
            v["status"] = "validated"
        v["period"] = v["period_start"].strftime("%Y-%m")
        kept.append(v)
    return kept


def _move_assessments_and_lessons(
    d: dict[str, Any], months: int, as_of: dt.date, kept: set[str]
) -> None:
    """Assessments and lessons of sessions held by ``as_of``."""
    for m in d["assessments"]:
        m["assessed_on"] = shift(m["assessed_on"], months)
    d["assessments"] = [m for m in d["assessments"] if m["assessed_on"] <= as_of]
    session_dates = {s["code"]: s["date"] for s in d["sessions"]}
    d["lessons"] = [
        les
        for les in d["lessons"]
        if les["session"] is None or session_dates[les["session"]] <= as_of
    ]
    for les in d["lessons"]:
        if les["alliance"] not in kept:
            les["alliance"] = None


def len_months(earlier: dt.date, later: dt.date) -> int:
    """Whole months from ``earlier``'s month to ``later``'s month."""
    return month_offset(earlier, later)
