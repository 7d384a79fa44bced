"""Database fixtures shared by every test folder.

Each test gets its own database, copied from a template built once per run: a migrated empty
schema (``engine``) or the migrated schema with the demo cohort (``demo_engine``). Service tests
run on SQLite always and, when ``TEST_DATABASE_URL`` points at a PostgreSQL server, on PostgreSQL
too (the same test, parametrised ``[sqlite]`` / ``[postgres]``). With ``REQUIRE_POSTGRES=1`` a
missing or unreachable PostgreSQL is an error, not a skip.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from dashboard.auth import accounts
from dashboard.core.config import get_settings
from dashboard.core.db import make_engine, migrate

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
# The demo template holds the whole storyline on the files' own calendar (the one the tests
# were written against), its history and snapshots dated up to this fixed day.
DEMO_AS_OF = dt.date(2026, 11, 26)
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


# argon2id's production profile costs 64 MiB and tens of milliseconds per hash, on purpose.
# Tests hash and verify hundreds of passwords (every account, every login), so they use the
# library's cheapest profile; the tests about hashing itself ask for ``real_argon2``.
CHEAP_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
REAL_HASHER = accounts._hasher
REAL_DUMMY_HASH = accounts._DUMMY_HASH


def _use_hasher(hasher: PasswordHasher, dummy_hash: str) -> None:
    accounts._hasher = hasher
    accounts._DUMMY_HASH = dummy_hash


def pytest_configure(config):
    os.environ.setdefault("APP_ENV", "test")
    get_settings.cache_clear()
    _use_hasher(CHEAP_HASHER, CHEAP_HASHER.hash("mot-de-passe-factice-pour-temps-constant"))
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        if not PG_URL:
            raise pytest.UsageError("REQUIRE_POSTGRES=1 mais TEST_DATABASE_URL n'est pas défini.")
        try:
            with _pg_admin_engine().connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001
            raise pytest.UsageError(f"PostgreSQL injoignable ({PG_URL}) : {exc}") from exc


def _pg_admin_engine() -> Engine:
    url = make_url(PG_URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _pg_url_for(dbname: str) -> str:
    url = make_url(PG_URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.set(database=dbname).render_as_string(hide_password=False)


class _Templates:
    """Builds each template database once per test run, lazily."""

    def __init__(self, tmp_root: Path):
        self.tmp_root = tmp_root
        self.sqlite: dict[str, Path] = {}
        self.pg: dict[str, str] = {}
        self.run_id = uuid.uuid4().hex[:8]

    def _fill(self, engine: Engine, kind: str) -> None:
        migrate(engine)
        if kind == "demo":
            from dashboard.seed.read import seed_demo

            seed_demo(engine, DEMO_AS_OF, whole_storyline=True)

    def sqlite_template(self, kind: str) -> Path:
        if kind not in self.sqlite:
            path = self.tmp_root / f"template_{kind}.sqlite"
            engine = make_engine(f"sqlite:///{path}")
            self._fill(engine, kind)
            engine.dispose()
            # Fold the write-ahead log into the file so a plain copy holds everything.
            raw = sqlite3.connect(path)
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            raw.execute("PRAGMA journal_mode=DELETE")
            raw.close()
            self.sqlite[kind] = path
        return self.sqlite[kind]

    def pg_template(self, kind: str) -> str:
        if kind not in self.pg:
            name = f"at_tpl_{kind}_{self.run_id}"
            admin = _pg_admin_engine()
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            engine = make_engine(_pg_url_for(name))
            self._fill(engine, kind)
            engine.dispose()
            self.pg[kind] = name
        return self.pg[kind]

    def drop_all(self) -> None:
        if not self.pg:
            return
        admin = _pg_admin_engine()
        with admin.connect() as conn:
            for name in self.pg.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def real_argon2() -> Iterator[None]:
    """The production argon2id profile, for the tests about password hashing itself."""
    cheap_dummy = accounts._DUMMY_HASH
    _use_hasher(REAL_HASHER, REAL_DUMMY_HASH)
    try:
        yield
    finally:
        _use_hasher(CHEAP_HASHER, cheap_dummy)


@pytest.fixture(scope="session")
def templates(tmp_path_factory) -> Iterator[_Templates]:
    tpl = _Templates(tmp_path_factory.mktemp("db_templates"))
    yield tpl
    tpl.drop_all()


def _database_url(templates: _Templates, backend: str, kind: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path / f"{kind}.sqlite"
        shutil.copyfile(templates.sqlite_template(kind), path)
        yield f"sqlite:///{path}"
        return
    template = templates.pg_template(kind)
    name = f"at_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _pg_url_for(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def engine_url(templates, backend, tmp_path) -> Iterator[str]:
    """URL of a fresh, migrated, empty database."""
    yield from _database_url(templates, backend, "empty", tmp_path)


@pytest.fixture
def demo_url(templates, backend, tmp_path) -> Iterator[str]:
    """URL of a fresh database holding the demo cohort."""
    yield from _database_url(templates, backend, "demo", tmp_path)


@pytest.fixture
def engine(engine_url) -> Iterator[Engine]:
    eng = make_engine(engine_url)
    yield eng
    eng.dispose()


@pytest.fixture
def demo_engine(demo_url) -> Iterator[Engine]:
    eng = make_engine(demo_url)
    yield eng
    eng.dispose()


def pytest_sessionfinish(session, exitstatus):
    """With ``REQUIRE_NO_SKIP=1`` (CI) any skipped test fails the run: a skip is not a pass."""
    if os.environ.get("REQUIRE_NO_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(
            f"ÉCHEC : {len(skipped)} test(s) ignoré(s) alors que REQUIRE_NO_SKIP=1."
        )
        session.exitstatus = 1
