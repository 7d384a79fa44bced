"""Engine, transactions and schema checks, free of Streamlit (tests and Alembic use it too)."""

from __future__ import annotations

import contextlib
import functools
import weakref
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from dashboard.core.config import PROJECT_ROOT, get_settings
from dashboard.core.errors import DatabaseUnavailable, StorageFailed
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


# Engines allowed to create their SQLite file: ``migrate`` and ``restore`` only. Anything else
# refuses a missing file, so a mistyped DATABASE_URL never starts an empty database.
_MAY_CREATE_FILE: weakref.WeakSet[Engine] = weakref.WeakSet()


def allow_creating_file(engine: Engine) -> None:
    """Let ``engine`` create its SQLite file (and folder) if missing: migrate and restore."""
    _MAY_CREATE_FILE.add(engine)


def sqlite_path(engine: Engine) -> Path | None:
    """The SQLite database file of ``engine`` (None for PostgreSQL or an in-memory database)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.query.get("uri") or url.database.startswith("file:"):
        return None
    return Path(url.database)


def _refuse_missing_file(engine: Engine, path: Path):
    def check(_dialect, _record, _cargs, _cparams) -> None:
        if path.exists():
            return
        if engine in _MAY_CREATE_FILE:
            path.parent.mkdir(parents=True, exist_ok=True)
            return
        raise DatabaseUnavailable(
            t(
                "Le fichier de base de données « {path} » n'existe pas. Vérifiez DATABASE_URL "
                "(fichier .env) ; pour créer une base neuve à cet endroit, lancez : "
                "python -m dashboard migrate",
                path=path.absolute(),
            )
        )

    return check


def make_engine(url: str | None = None, *, echo: bool = False, create: bool = False) -> Engine:
    """Build the process's engine for ``url`` (default: settings). No Streamlit here.

    A SQLite file that does not exist is refused with a French message at the first
    connection, unless ``create`` is true or the engine goes through :func:`migrate` first."""
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
        engine = create_engine(url, echo=echo, **kwargs)
        path = sqlite_path(engine)
        if path is not None:
            event.listen(engine, "do_connect", _refuse_missing_file(engine, path))
            if create:
                allow_creating_file(engine)
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


def storage_failure(error: BaseException) -> StorageFailed | None:
    """The French error for a database that ran out of disk space or cannot use its disk
    (SQLite's "database or disk is full" / "disk I/O error", PostgreSQL's disk_full)."""
    if not isinstance(error, DBAPIError):
        return None
    text_ = str(error.orig).lower()
    if "database or disk is full" in text_ or getattr(error.orig, "sqlstate", None) == "53100":
        return StorageFailed(
            t(
                "Enregistrement impossible : le disque de la base de données est plein. Rien "
                "n'a été enregistré. Prévenez l'équipe d'animation ; une fois de la place "
                "libérée, enregistrez à nouveau."
            )
        )
    if "disk i/o error" in text_:
        return StorageFailed(
            t(
                "La base de données n'a pas pu lire ou écrire sur son disque (erreur "
                "d'entrée-sortie). Rien n'a été enregistré. Prévenez l'équipe d'animation, "
                "puis réessayez."
            )
        )
    return None


@contextlib.contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error. A full or
    failing disk becomes :class:`StorageFailed` (French), not a raw driver error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException as exc:
        session.rollback()
        failure = storage_failure(exc)
        if failure is not None:
            raise failure from exc
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
    except DBAPIError as exc:
        failure = storage_failure(exc)
        if failure is not None:
            raise failure from exc
        raise
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
    """Bring the schema to the latest Alembic revision (creating a missing SQLite file)."""
    from alembic import command

    allow_creating_file(engine)
    command.upgrade(_alembic_config(engine), "head")


def refresh_statistics(engine: Engine) -> None:
    """Have the database re-read its tables' sizes and value spread (``ANALYZE``) so the query
    planner judges its joins on the data as it is. Needed after a bulk load (``seed
    --synthetic``) when PostgreSQL's autovacuum does not run, or has not run yet: with no
    statistics it takes a cohort of 1,000 networks for one row and picks nested loops (the
    dashboard's relation-logic statement went from 2 s to 30 ms once analysed). SQLite keeps
    the same kind of statistics in ``sqlite_stat1``."""
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    if head is None:
        raise RuntimeError(f"No migration in {PROJECT_ROOT / 'alembic' / 'versions'}")
    return head


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
