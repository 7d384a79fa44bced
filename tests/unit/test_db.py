"""The database layer: SQLite pragmas, French errors, migrations in step with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import models  # noqa: F401
from dashboard.core.db import check_schema, make_engine
from dashboard.core.errors import DatabaseUnavailable


def test_sqlite_connections_get_the_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}", create=True)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_sqlite_write_transactions_begin_immediate(tmp_path):
    """A second writer cannot start while the first holds its transaction: BEGIN IMMEDIATE."""
    path = tmp_path / "lock.sqlite"
    engine = make_engine(f"sqlite:///{path}", create=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.commit()
    import sqlite3

    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # opens BEGIN IMMEDIATE
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
        conn.rollback()


def test_malformed_url_gives_french_message():
    with pytest.raises(DatabaseUnavailable, match="mal formée"):
        make_engine("pas une url")


def test_unmigrated_database_names_the_fix(tmp_path):
    (tmp_path / "vide.sqlite").touch()  # an existing file without the schema
    engine = make_engine(f"sqlite:///{tmp_path / 'vide.sqlite'}")
    with pytest.raises(DatabaseUnavailable) as info:
        check_schema(engine)
    assert "python -m dashboard migrate" in info.value.message
    assert "n'est pas à jour" in info.value.message


def test_unreachable_postgres_gives_french_message():
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2")
    with pytest.raises(DatabaseUnavailable, match="injoignable"):
        check_schema(engine)


def test_migrated_schema_matches_the_models(engine):
    """The single migration creates exactly what the models declare (no drift)."""
    check_schema(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == []


def test_a_long_read_does_not_block_a_writer(tmp_path):
    """Exports and dashboards read in a deferred transaction: a save goes through meanwhile."""
    from dashboard.core.db import read_scope, session_scope

    engine = make_engine(f"sqlite:///{tmp_path / 'rw.sqlite'}", create=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        conn.commit()
    with read_scope(engine) as reader:
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 1
        with session_scope(engine) as writer:  # would wait 10 s, then fail, if the read locked
            writer.execute(text("INSERT INTO t VALUES (2)"))
        # The reader keeps its consistent snapshot until it ends.
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 1
    with read_scope(engine) as reader:
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 2


def test_one_engine_per_process_and_url(tmp_path, monkeypatch):
    """The login routes and the Streamlit script share one engine (one connection pool)."""
    from dashboard.auth import routes as web
    from dashboard.core.config import get_settings
    from dashboard.core.db import shared_engine

    url = f"sqlite:///{tmp_path / 'one.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert web._engine() is shared_engine(url)
        assert shared_engine(url) is not shared_engine(f"sqlite:///{tmp_path / 'other.sqlite'}")
    finally:
        get_settings.cache_clear()
