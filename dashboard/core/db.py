"""Engine, transactions and schema checks, free of Streamlit (tests and Alembic use it too)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from dashboard.core.config import PROJECT_ROOT, get_settings
from dashboard.core.errors import DatabaseUnavailable
from dashboard.core.i18n import t

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (documented recipe).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


READ_ONLY = "alliances_read_only"


def _sqlite_begin_immediate(conn) -> None:
    # Writes take the lock up front: deferred transactions lose read-then-update races.
    # Units of work that only read (``read_scope``) begin deferred: under WAL they never
    # block a writer, however long an export or a dashboard query runs.
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """Build the process's engine for ``url`` (default: settings). No Streamlit here."""
    url = url or get_settings().database_url
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailable(
            t(
                "L'adresse de la base de données (DATABASE_URL) est mal formée : {url}. "
                "Exemple : sqlite:///data/alliances.sqlite ou "
                "postgresql+psycopg://utilisateur@hote:5432/base",
                url=url,
            )
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # Room for every Streamlit session thread of one process writing at once.
        return create_engine(
            parsed, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_timeout=30
        )
    raise DatabaseUnavailable(
        t("Type de base de données non pris en charge : {name}.", name=parsed.get_backend_name())
    )


@functools.lru_cache(maxsize=4)
def shared_engine(url: str) -> Engine:
    """The process's one engine for ``url``, shared by the Streamlit script and the login
    routes that run beside it (one pool per process, as the architecture asks)."""
    return make_engine(url)


@contextlib.contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextlib.contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work that only reads (dashboards, exports): one consistent snapshot, never
    holding SQLite's write lock; anything written inside is rolled back."""
    session = Session(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
    try:
        yield session
    finally:
        # Closing ends the transaction (the pool rolls the connection back) without expiring
        # what was loaded, unlike an explicit rollback.
        session.close()


def _alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision."""
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    return ScriptDirectory.from_config(cfg).get_current_head()


def check_schema(engine: Engine) -> None:
    """Raise :class:`DatabaseUnavailable` (French) unless the database is reachable and migrated."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                current = None
            else:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError as exc:
        raise DatabaseUnavailable(
            t(
                "La base de données est injoignable ({url}). Vérifiez DATABASE_URL dans le "
                "fichier .env et que le serveur est démarré.",
                url=engine.url.render_as_string(hide_password=True),
            )
        ) from exc
    head = head_revision()
    if current != head:
        raise DatabaseUnavailable(
            t(
                "La base de données n'est pas à jour (version {current}, attendue {head}). "
                "Lancez : python -m dashboard migrate",
                current=current or t("aucune"),
                head=head,
            )
        )
