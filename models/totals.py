"""Indicator totals kept up to date with every write of a value, so the cohort dashboard reads
thousands of rows, not a million.

A value is unique per network × indicator × month, so a table of totals at that grain would be
as large as the values themselves. The dashboard needs two smaller grains:

- :class:`IndicatorTotal`, one row per network × indicator: the counted values (submitted or
  validated) — how many, their sum, first and last month, the last month's value and status,
  the latest update; and, over every value, how many are drafts, submitted or validated and
  the latest update of any;
- :class:`NetworkMonthTotal`, one row per network × month: how many counted values of the
  indicators the network follows (its targets) that month holds — a month is complete when it
  holds one per followed indicator.

Both are derived data: ``dashboard/services/indicators/totals.py`` maintains them in the same
transaction as each write and can rebuild them from the values.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel


class IndicatorTotal(SQLModel, table=True):
    __tablename__ = "indicator_total"
    network_id: int = Field(foreign_key="network.id", primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", primary_key=True)
    counted_values: int = Field(default=0)
    counted_sum: float = Field(default=0.0)
    first_period: dt.date | None = None
    last_period: dt.date | None = None
    last_value: float | None = None
    last_status: str | None = Field(default=None, max_length=20)
    last_updated_at: dt.datetime | None = None  # of the counted values
    draft_values: int = Field(default=0)
    submitted_values: int = Field(default=0)
    validated_values: int = Field(default=0)
    any_updated_at: dt.datetime | None = None  # of every value, drafts included


class NetworkMonthTotal(SQLModel, table=True):
    __tablename__ = "network_month_total"
    network_id: int = Field(foreign_key="network.id", primary_key=True)
    period_start: dt.date = Field(primary_key=True)
    counted_values: int = Field(default=0)
