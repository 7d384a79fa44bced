"""Opening the database: a missing SQLite file is refused (only ``migrate`` creates one), and a
full or failing disk reaches the user as a French message, the app working again once space
is freed."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from dashboard.__main__ import main
from dashboard.core.config import get_settings
from dashboard.core.db import check_schema, make_engine, migrate, read_scope, session_scope
from dashboard.core.errors import DatabaseUnavailable, StorageFailed
from dashboard.services.roadmap import create_objective, list_objectives
from tests.factories import make_cohort, make_network, make_user


@pytest.fixture
def database_url(tmp_path, monkeypatch):
    """DATABASE_URL pointing at a file that does not exist (a typo in .env)."""
    path = tmp_path / "data" / "alliance.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_a_missing_sqlite_file_is_refused_with_the_path_and_the_fix(database_url):
    engine = make_engine(f"sqlite:///{database_url}")
    with pytest.raises(DatabaseUnavailable) as info:
        check_schema(engine)
    assert f"« {database_url} » n'existe pas" in info.value.message
    assert "python -m dashboard migrate" in info.value.message
    with pytest.raises(DatabaseUnavailable):
        with read_scope(engine) as session:
            session.execute(text("SELECT 1"))
    assert not database_url.exists()
    assert not database_url.parent.exists()


@pytest.mark.parametrize("command", [["seed", "--demo"], ["export", "--profile", "json"]])
def test_commands_other_than_migrate_create_no_database(database_url, tmp_path, capsys, command):
    if command[0] == "export":
        command = [*command, "--out", str(tmp_path / "out")]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert f"« {database_url} » n'existe pas" in err
    assert "python -m dashboard migrate" in err
    assert not database_url.exists()


def test_create_user_on_a_missing_file_creates_no_database(database_url, capsys):
    args = ["create-user", "camille.martin", "--role", "admin", "--password", "x" * 16]
    assert main(args) == 2
    assert "n'existe pas" in capsys.readouterr().err
    assert not database_url.exists()


def test_migrate_creates_the_database(database_url, capsys):
    assert main(["migrate"]) == 0
    assert "Base de données à jour" in capsys.readouterr().out
    assert database_url.exists()
    check_schema(make_engine(f"sqlite:///{database_url}"))


# A full disk ----------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A migrated SQLite database whose size can be capped, as a disk that fills up: every
    connection checked out gets ``PRAGMA max_page_count`` from ``limit['pages']``."""
    engine = make_engine(f"sqlite:///{tmp_path / 'small.sqlite'}")
    migrate(engine)
    limit: dict[str, int] = {"pages": 2**31 - 2}

    @event.listens_for(engine, "checkout")
    def _cap(dbapi_connection, _record, _proxy):
        dbapi_connection.execute(f"PRAGMA max_page_count = {limit['pages']}")

    cohort = make_cohort(engine)
    network = make_network(engine, cohort)
    lead = make_user(engine, "lead", network_id=network)
    yield engine, limit, lead, network
    engine.dispose()


def _save(engine, lead, network, n):
    return create_objective(
        engine,
        lead,
        network,
        title=f"Objectif {n}",
        motivation="peer_scaling",
        description="Diversifier les ressources avec les pairs. " * 40,
    )


def test_a_full_disk_gives_a_french_message_then_the_app_works_again(small_disk):
    engine, limit, lead, network = small_disk
    with engine.connect() as conn:
        limit["pages"] = conn.exec_driver_sql("PRAGMA page_count").scalar()

    saved, failure = [], None
    for n in range(200):
        try:
            saved.append(_save(engine, lead, network, n)["id"])
        except StorageFailed as error:
            failure = error
            break
    assert failure is not None, "the capped database never filled up"
    assert "le disque de la base de données est plein" in failure.message
    assert "Rien n'a été enregistré" in failure.message
    with session_scope(engine) as session:
        ids = session.execute(text("SELECT id FROM objective ORDER BY id")).scalars().all()
        logged = session.execute(
            text("SELECT DISTINCT entity_id FROM change_log WHERE entity = 'objective'")
        ).scalars()
        assert ids == saved  # the failed save left no row
        assert sorted(logged) == saved  # and no change-log row without its objective

    limit["pages"] = 2**31 - 2  # space freed
    again = _save(engine, lead, network, "après")["id"]
    titles = list(list_objectives(engine, lead, network)["title"])
    assert "Objectif après" in titles
    assert again not in saved


def test_a_disk_io_error_gets_its_own_french_message(small_disk, monkeypatch):
    import sqlite3

    from dashboard.core import db

    engine, _limit, lead, network = small_disk

    def failing_commit(self):
        raise db.OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(db.Session, "commit", failing_commit)
    with pytest.raises(StorageFailed) as info:
        _save(engine, lead, network, 1)
    assert "erreur d'entrée-sortie" in info.value.message
