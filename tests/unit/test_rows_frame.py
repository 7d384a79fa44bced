"""Query rows reach pandas as plain tuples: the frame is the one pandas built from the rows
themselves (same values, same column types), including an empty result."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Column, Date, Float, Integer, MetaData, String, Table, create_engine, select

from dashboard.services.shared.frames import rows_frame

COLUMNS = ["id", "title", "due", "progress"]


def _rows(where_id: int | None = None):
    engine = create_engine("sqlite://")
    meta = MetaData()
    table = Table(
        "t", meta, Column("id", Integer), Column("title", String), Column("due", Date),
        Column("progress", Float),
    )  # fmt: skip
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            table.insert(),
            [
                {"id": 1, "title": "Jalon « un »", "due": dt.date(2026, 3, 31), "progress": 50.0},
                {"id": 2, "title": None, "due": None, "progress": None},
            ],
        )
        stmt = select(table)
        if where_id is not None:
            stmt = stmt.where(table.c.id == where_id)
        return conn.execute(stmt.order_by(table.c.id)).all()


def test_the_frame_is_the_one_built_from_the_rows():
    rows = _rows()
    got = rows_frame(rows, COLUMNS)
    pd.testing.assert_frame_equal(got, pd.DataFrame(rows, columns=COLUMNS))
    assert got.loc[0, "due"] == dt.date(2026, 3, 31) and pd.isna(got.loc[1, "progress"])


def test_an_empty_result_keeps_its_columns():
    got = rows_frame(_rows(where_id=99), COLUMNS)
    assert got.empty and list(got.columns) == COLUMNS
