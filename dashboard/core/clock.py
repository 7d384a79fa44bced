"""The date services treat as "today" (injectable so derived figures are testable)."""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    return dt.date.today()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """First day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return add_months(day, 1) - dt.timedelta(days=1)


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of every month from ``start``'s month to ``end``'s month, inclusive."""
    out, current = [], month_start(start)
    while current <= end:
        out.append(current)
        current = add_months(current, 1)
    return out
