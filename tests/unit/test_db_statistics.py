"""After a bulk load the planner's statistics are read again: the synthetic seed leaves the
database analysed (PostgreSQL's pg_stats, SQLite's sqlite_stat1 hold its tables), so the
dashboard's joins are planned on the data as it is."""

from __future__ import annotations

from sqlalchemy import text

from dashboard.seed.synthetic import seed_synthetic


def _analysed_tables(engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.execute(
                text(
                    "SELECT relname FROM pg_stat_user_tables "
                    "WHERE last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL"
                )
            )
        else:
            exists = conn.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar_one()
            if not exists:
                return set()
            rows = conn.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1"))
        return {r[0] for r in rows}


def test_the_synthetic_seed_leaves_the_tables_analysed(engine):
    assert "indicator_value" not in _analysed_tables(engine)
    seed_synthetic(engine, networks=3, months=4, seed=1)
    analysed = _analysed_tables(engine)
    assert {"network", "milestone", "indicator_value", "alliance"} <= analysed
