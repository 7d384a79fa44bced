"""``python -m dashboard backup`` / ``restore``: a consistent copy taken while people save,
restored to the same rows; checks before a restore; never a plain file copy."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import threading
import time
import uuid

import pytest
from sqlalchemy import event, text

from dashboard.__main__ import main
from dashboard.cli import backup as backup_cli
from dashboard.core.config import get_settings
from dashboard.core.db import make_engine, migrate
from dashboard.services.roadmap import create_objective
from tests.factories import make_cohort, make_network, make_user


@pytest.fixture
def use_database(monkeypatch):
    """Point the command line at a database URL (as DATABASE_URL in .env would)."""

    def use(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def _sqlite_rows(path) -> dict[str, list[tuple]]:
    """Every row of every table of a SQLite file, sorted, read with the plain driver."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        names = [
            n
            for (n,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)  # noqa: S608
            for n in sorted(names)
        }


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, through SQLAlchemy (SQLite or PostgreSQL)."""
    from sqlalchemy import inspect

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            return {
                n: sorted(
                    (tuple(r) for r in conn.execute(text(f'SELECT * FROM "{n}"'))),  # noqa: S608
                    key=repr,
                )
                for n in names
            }
    finally:
        engine.dispose()


@pytest.fixture
def busy_source(tmp_path):
    """A migrated SQLite database with a lead who saves objectives through the services."""
    url = f"sqlite:///{tmp_path / 'source.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    cohort = make_cohort(engine)
    network = make_network(engine, cohort)
    lead = make_user(engine, "lead", network_id=network)
    yield url, engine, lead, network
    engine.dispose()


def _save(engine, lead, network, title):
    return create_objective(
        engine, lead, network, title=title, motivation="peer_scaling", description="x" * 200
    )["id"]


def test_backup_while_people_save_restores_to_identical_data(
    busy_source, tmp_path, use_database, capsys
):
    url, engine, lead, network = busy_source
    saved: list[int] = []
    failures: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for n in range(40):
                saved.append(_save(engine, lead, network, f"Objectif {k}-{n}"))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for thread in threads:
        thread.start()
    for _ in range(2000):  # until the writers are well under way (bounded)
        if len(saved) >= 10:
            break
        time.sleep(0.005)
    backup = tmp_path / "sauvegardes" / "alliances.sqlite"
    use_database(url)
    assert main(["backup", "--out", str(backup)]) == 0
    for thread in threads:
        thread.join()
    assert failures == []
    assert "Sauvegarde écrite" in capsys.readouterr().out

    copy = _sqlite_rows(backup)
    ids = [row[0] for row in copy["objective"]]
    assert 10 <= len(ids) <= len(saved) == 120
    # A consistent snapshot: each saved objective with its change-log rows, nothing half-saved.
    logged = {row for row in _sqlite_rows(backup)["change_log"] if row[5] == "objective"}
    assert sorted({row[6] for row in logged}) == sorted(ids)
    assert list(backup.parent.iterdir()) == [backup]  # no partial file left beside it

    target = tmp_path / "restauree" / "alliances.sqlite"
    use_database(f"sqlite:///{target}")
    assert main(["restore", str(backup)]) == 0
    assert "Sauvegarde restaurée" in capsys.readouterr().out
    assert _sqlite_rows(target) == copy


def test_a_plain_file_copy_is_not_how_we_back_up(busy_source, tmp_path, use_database, monkeypatch):
    url, engine, lead, network = busy_source
    # Recent saves stay in the write-ahead log until a checkpoint (here: none).
    event.listen(engine, "checkout", lambda c, *_: c.execute("PRAGMA wal_autocheckpoint=0"))
    engine.dispose()
    saved = [_save(engine, lead, network, f"Objectif {n}") for n in range(5)]

    source = tmp_path / "source.sqlite"
    plain = tmp_path / "copie.sqlite"
    shutil.copyfile(source, plain)
    objectives = {row[0] for row in _sqlite_rows(plain)["objective"]}
    assert not set(saved) <= objectives  # what a plain copy would have lost

    def no_plain_copy(*_args, **_kwargs):
        raise AssertionError("a backup must not copy the database file")

    for name in ("copyfile", "copy", "copy2", "copyfileobj"):
        monkeypatch.setattr(shutil, name, no_plain_copy)
    backup = tmp_path / "sauvegarde.sqlite"
    use_database(url)
    assert main(["backup", "--out", str(backup)]) == 0
    assert [row[0] for row in _sqlite_rows(backup)["objective"]] == saved


def _fresh_database_url(backend: str, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'cible.sqlite'}", None
    from tests.conftest import _pg_admin_engine, _pg_url_for

    name = f"at_r_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return _pg_url_for(name), name


def test_round_trip_of_the_demo_cohort(backend, demo_url, tmp_path, use_database, capsys):
    backup = tmp_path / "demo.backup"
    use_database(demo_url)
    assert main(["backup", "--out", str(backup)]) == 0
    assert "Sauvegarde écrite" in capsys.readouterr().out
    target_url, pg_name = _fresh_database_url(backend, tmp_path)
    try:
        use_database(target_url)
        assert main(["restore", str(backup)]) == 0, capsys.readouterr().err
        restored = _rows(target_url)
        assert restored == _rows(demo_url)
        assert len(restored["indicator_value"]) > 100
    finally:
        if pg_name:
            from tests.conftest import _pg_admin_engine

            admin = _pg_admin_engine()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            admin.dispose()


def test_restore_refuses_to_replace_data_without_force(
    backend, demo_url, engine_url, tmp_path, use_database, capsys
):
    backup = tmp_path / "vide.backup"
    use_database(engine_url)  # an empty, migrated database
    assert main(["backup", "--out", str(backup)]) == 0
    before = _rows(demo_url)
    use_database(demo_url)
    assert main(["restore", str(backup)]) == 2
    err = capsys.readouterr().err
    assert "contient déjà des données" in err and "--force" in err
    assert _rows(demo_url) == before
    assert main(["restore", str(backup), "--force"]) == 0
    assert _rows(demo_url) == _rows(engine_url)


def _not_a_backup(tmp_path, kind: str):
    path = tmp_path / f"{kind}.sqlite"
    if kind == "text":
        path.write_text("nom;valeur\n", encoding="utf-8")
    elif kind == "other_sqlite":
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("CREATE TABLE t (x)")
            conn.commit()
    elif kind in ("old_version", "truncated"):
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        engine.dispose()
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")
            if kind == "old_version":
                conn.execute("UPDATE alembic_version SET version_num = '0000_ancienne'")
            conn.commit()
        if kind == "truncated":
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 3])
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("text", "n'est pas une base SQLite"),
        ("other_sqlite", "n'est pas une sauvegarde d'Alliances Tracker"),
        ("old_version", "est au schéma 0000_ancienne"),
        ("truncated", "rien n'a été restauré"),
        ("missing", "est introuvable"),
    ],
)
def test_restore_checks_the_file_first(tmp_path, use_database, capsys, kind, message):
    source = _not_a_backup(tmp_path, kind)
    target = tmp_path / "cible" / "alliances.sqlite"
    use_database(f"sqlite:///{target}")
    assert main(["restore", str(source)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not target.exists()


def test_without_pg_dump_the_command_to_run_is_printed(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(backup_cli.shutil, "which", lambda _tool: None)
    engine = make_engine("postgresql+psycopg://alliances:secret@db.interne:5432/alliances")
    out = tmp_path / "alliances.dump"
    assert backup_cli.backup_postgres(engine, out) == 2
    err = capsys.readouterr().err
    assert "pg_dump est introuvable" in err
    assert f"pg_dump -Fc --no-owner -f {out} --dbname postgresql://alliances:***@db.interne" in err
    assert "secret" not in err
    assert not out.exists()


def test_backup_and_restore_are_listed_in_french(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "Sauvegarder la base de données" in out
    assert "Restaurer la base de données" in out


def test_a_backup_failing_on_a_full_disk_keeps_the_previous_one(
    busy_source, tmp_path, use_database, capsys, monkeypatch
):
    url, engine, lead, network = busy_source
    backup = tmp_path / "alliances.sqlite"
    use_database(url)
    assert main(["backup", "--out", str(backup)]) == 0
    previous = backup.read_bytes()
    _save(engine, lead, network, "Objectif du jour")

    real_connect = sqlite3.connect

    def small_disk(database, *args, **kwargs):
        conn = real_connect(database, *args, **kwargs)
        if str(database).endswith(".part"):  # the new backup being written: 3 pages of room
            conn.execute("PRAGMA max_page_count = 3")
        return conn

    monkeypatch.setattr(backup_cli.sqlite3, "connect", small_disk)
    assert main(["backup", "--out", str(backup)]) == 2
    err = capsys.readouterr().err
    assert "La sauvegarde n'a pas pu être écrite" in err
    assert "l'espace disque est insuffisant" in err
    assert "Traceback" not in err
    assert backup.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".part")) == []
