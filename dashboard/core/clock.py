"""The date services treat as "today": the programme's date (``PROGRAMME_TIMEZONE``, Europe/Paris
by default), not the server's, so "late" turns at midnight where the networks are. Services
take an ``as_of`` date so derived figures are testable."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dashboard.core.config import get_settings


def programme_zone() -> ZoneInfo:
    """The programme's time zone (setting ``PROGRAMME_TIMEZONE``)."""
    return ZoneInfo(get_settings().programme_timezone)


def today(now: dt.datetime | None = None) -> dt.date:
    """The programme's date at the instant ``now`` (default: this instant).

    A naive ``now`` is read as UTC."""
    instant = now or dt.datetime.now(dt.UTC)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(programme_zone()).date()


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
