"""``python -m dashboard backup --out FILE`` and ``python -m dashboard restore FILE``.

SQLite is copied with its online backup API (``sqlite3.Connection.backup``): one consistent
snapshot, even while people are saving, including what still sits in the write-ahead log — a
plain copy of the ``.sqlite`` file would miss it or catch a half-written page. The copy is
written beside ``FILE`` and renamed into place once complete. PostgreSQL is dumped with
``pg_dump -Fc`` and restored with ``pg_restore``; when those tools are not installed, the
command prints exactly what to run.

A restore checks the file first (a SQLite database, intact, at this application's schema
version) and refuses to replace a database that holds data unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import Engine

from dashboard.core.errors import AppError, write_failure_reason
from dashboard.core.i18n import fmt_number, t

SQLITE_HEADER = b"SQLite format 3\x00"


class BackupFailed(AppError):
    """The backup or the restore could not be done; a French sentence says why."""


@dataclass(frozen=True)
class SqliteFacts:
    version: str | None
    rows: int  # in every table but alembic_version


# SQLite --------------------------------------------------------------------------------------


def _connect_existing(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """Open an existing file without ever creating one (URI ``mode=ro`` / ``mode=rw``)."""
    mode = "ro" if read_only else "rw"
    conn = sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode={mode}", uri=True, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def sqlite_facts(path: Path) -> SqliteFacts:
    """Schema version and number of rows of an existing SQLite database file."""
    with contextlib.closing(_connect_existing(path, read_only=True)) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        version = None
        if "alembic_version" in tables:
            version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            version = version[0] if version else None
        # Table names come from the file's own catalogue, quoted as identifiers.
        rows = 0
        for name in tables:
            if name != "alembic_version":
                quoted = '"' + name.replace('"', '""') + '"'
                rows += conn.execute("SELECT count(*) FROM " + quoted).fetchone()[0]  # noqa: S608
    return SqliteFacts(version, rows)


def check_backup_file(path: Path) -> SqliteFacts:
    """Refuse (French) anything but an intact SQLite database at this application's schema
    version; return what it holds."""
    from dashboard.core.db import head_revision

    if not path.is_file():
        raise BackupFailed(t("Le fichier « {path} » est introuvable.", path=path))
    with open(path, "rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupFailed(
                t("« {path} » n'est pas une base SQLite : rien n'a été restauré.", path=path)
            )
    try:
        with contextlib.closing(_connect_existing(path, read_only=True)) as conn:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        facts = sqlite_facts(path)
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(
            t("« {path} » est illisible ({error}) : rien n'a été restauré.", path=path, error=exc)
        ) from exc
    if check != "ok":
        raise BackupFailed(
            t("« {path} » est abîmée ({error}) : rien n'a été restauré.", path=path, error=check)
        )
    head = head_revision()
    if facts.version is None:
        raise BackupFailed(
            t(
                "« {path} » n'est pas une sauvegarde d'Alliances Tracker (aucune version de "
                "schéma) : rien n'a été restauré.",
                path=path,
            )
        )
    if facts.version != head:
        raise BackupFailed(
            t(
                "« {path} » est au schéma {found}, cette version de l'application attend {head} : "
                "rien n'a été restauré. Restaurez-la avec la version de l'application qui l'a "
                "produite, puis mettez à jour avec : python -m dashboard migrate",
                path=path,
                found=facts.version,
                head=head,
            )
        )
    return facts


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_sqlite(source: Path, out: Path) -> SqliteFacts:
    """Copy ``source`` into ``out`` through SQLite's online backup API, atomically."""
    out = out.absolute()
    if out.is_dir():
        raise BackupFailed(t("« {out} » est un dossier : indiquez un nom de fichier.", out=out))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, partial_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
        os.close(fd)
    except OSError as exc:
        raise _write_failure(out, exc) from exc
    partial = Path(partial_name)
    try:
        with (
            contextlib.closing(_connect_existing(source, read_only=False)) as src,
            contextlib.closing(sqlite3.connect(partial)) as dst,
        ):
            # One step (pages=-1): a single read transaction, hence one consistent snapshot;
            # under WAL, people keep saving meanwhile.
            src.backup(dst)
            # A self-contained file: no write-ahead log beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, out)
        _fsync_directory(out.parent)
    except OSError as exc:
        raise _write_failure(out, exc) from exc
    except sqlite3.OperationalError as exc:
        full = "full" in str(exc).lower()
        reason = t("l'espace disque est insuffisant") if full else str(exc)
        raise _write_failure(out, OSError(errno.ENOSPC if full else 0, reason)) from exc
    finally:
        partial.unlink(missing_ok=True)
    return sqlite_facts(out)


def restore_sqlite(backup: Path, target: Path, *, force: bool) -> SqliteFacts:
    """Replace the database ``target`` with ``backup`` (checked first) through the backup API,
    so that a running process sees either the old or the restored database."""
    facts = check_backup_file(backup)
    if target.exists() and target.stat().st_size > 0 and not force:
        try:
            existing = sqlite_facts(target)
        except sqlite3.DatabaseError as exc:
            raise BackupFailed(
                t(
                    "« {target} » n'est pas une base SQLite lisible ({error}). Relancez avec "
                    "--force pour la remplacer par la sauvegarde.",
                    target=target,
                    error=exc,
                )
            ) from exc
        if existing.rows:
            raise BackupFailed(
                t(
                    "La base « {target} » contient déjà des données ({n} ligne(s)) : rien n'a "
                    "été restauré. Pour la remplacer par la sauvegarde, relancez avec --force.",
                    target=target,
                    n=fmt_number(existing.rows),
                )
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(_connect_existing(backup, read_only=True)) as src,
        contextlib.closing(sqlite3.connect(target, timeout=30)) as dst,
    ):
        dst.execute("PRAGMA busy_timeout=30000")
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    return facts


def _write_failure(out: Path, error: OSError) -> BackupFailed:
    reason = write_failure_reason(error)
    return BackupFailed(
        t(
            "La sauvegarde n'a pas pu être écrite dans « {out} » : {reason}. Aucune sauvegarde "
            "précédente n'a été modifiée.",
            out=out,
            reason=reason,
        )
    )


# PostgreSQL ------------------------------------------------------------------------------


def _libpq_url(engine: Engine, *, hide_password: bool) -> str:
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=hide_password)


def _pg_database_has_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
        return sum(
            conn.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in names
        )


def _run_or_explain(tool: str, arguments: list[str], shown: list[str]) -> int:
    """Run ``tool`` when installed; otherwise print the exact command (password hidden)."""
    path = shutil.which(tool)
    if path is None:
        print(
            t(
                "{tool} est introuvable sur cette machine (paquet postgresql-client). Lancez, "
                "là où il est installé :",
                tool=tool,
            ),
            file=sys.stderr,
        )
        print("  " + " ".join([tool, *shown]), file=sys.stderr)
        return 2
    done = subprocess.run([path, *arguments], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(
            t("{tool} a échoué :\n{error}", tool=tool, error=done.stderr.strip()),
            file=sys.stderr,
        )
        return 2
    return 0


def backup_postgres(engine: Engine, out: Path) -> int:
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.part")
    code = _run_or_explain(
        "pg_dump",
        ["-Fc", "--no-owner", "-f", str(partial), "--dbname", _libpq_url(engine, hide_password=False)],
        ["-Fc", "--no-owner", "-f", str(out), "--dbname", _libpq_url(engine, hide_password=True)],
    )  # fmt: skip
    if code == 0:
        os.replace(partial, out)
    partial.unlink(missing_ok=True)
    return code


def restore_postgres(engine: Engine, backup: Path, *, force: bool) -> int:
    if not backup.is_file():
        raise BackupFailed(t("Le fichier « {path} » est introuvable.", path=backup))
    rows = _pg_database_has_rows(engine)
    if rows and not force:
        raise BackupFailed(
            t(
                "La base contient déjà des données ({n} ligne(s)) : rien n'a été restauré. Pour "
                "la remplacer par la sauvegarde, relancez avec --force.",
                n=fmt_number(rows),
            )
        )
    common = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
    return _run_or_explain(
        "pg_restore",
        [*common, "--dbname", _libpq_url(engine, hide_password=False), str(backup)],
        [*common, "--dbname", _libpq_url(engine, hide_password=True), str(backup)],
    )


# Commands ------------------------------------------------------------------------------


def _size(path: Path) -> str:
    return t("{n} octets", n=fmt_number(path.stat().st_size))


def cmd_backup(args: argparse.Namespace) -> int:
    from dashboard.core.db import check_schema, make_engine, sqlite_path

    engine = make_engine()
    check_schema(engine)
    out = Path(args.out)
    source = sqlite_path(engine)
    if engine.url.get_backend_name() == "postgresql":
        code = backup_postgres(engine, out)
        if code == 0:
            print(t("Sauvegarde écrite : {out} ({size}).", out=out, size=_size(out)))
        return code
    if source is None:
        raise BackupFailed(t("Une base en mémoire ne se sauvegarde pas."))
    facts = backup_sqlite(source, out)
    print(
        t(
            "Sauvegarde écrite : {out} ({size}, schéma {version}, {rows} ligne(s)).",
            out=out,
            size=_size(out),
            version=facts.version,
            rows=fmt_number(facts.rows),
        )
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from dashboard.core.db import check_schema, make_engine, sqlite_path

    engine = make_engine()
    backup = Path(args.file)
    if engine.url.get_backend_name() == "postgresql":
        code = restore_postgres(engine, backup, force=args.force)
        if code == 0:
            check_schema(engine)
            print(t("Sauvegarde restaurée depuis {file}.", file=backup))
        return code
    target = sqlite_path(engine)
    if target is None:
        raise BackupFailed(t("Une base en mémoire ne se restaure pas."))
    facts = restore_sqlite(backup, target, force=args.force)
    engine.dispose()
    check_schema(engine)
    print(
        t(
            "Sauvegarde restaurée dans {target} (schéma {version}, {rows} ligne(s)).",
            target=target,
            version=facts.version,
            rows=fmt_number(facts.rows),
        )
    )
    return 0


def register(subparsers) -> None:
    """Add the ``backup`` and ``restore`` subcommands to ``python -m dashboard``."""
    backup = subparsers.add_parser(
        "backup",
        help=t("Sauvegarder la base de données (cohérente même pendant les saisies)"),
        description=t(
            "SQLite : copie par l'API de sauvegarde en ligne, écrite à côté puis renommée. "
            "PostgreSQL : pg_dump -Fc (ou la commande à lancer s'il est absent)."
        ),
    )
    backup.add_argument(
        "--out", required=True, metavar=t("FICHIER"), help=t("fichier de sauvegarde à écrire")
    )
    backup.set_defaults(func=cmd_backup)

    restore = subparsers.add_parser(
        "restore",
        help=t("Restaurer la base de données depuis une sauvegarde"),
        description=t(
            "Vérifie la sauvegarde (base SQLite intacte, version du schéma de cette application) "
            "et refuse de remplacer une base qui contient des données sans --force. Arrêtez "
            "l'application pendant la restauration."
        ),
    )
    restore.add_argument("file", metavar=t("FICHIER"), help=t("sauvegarde à restaurer"))
    restore.add_argument(
        "--force",
        action="store_true",
        help=t("remplacer une base qui contient déjà des données"),
    )
    restore.set_defaults(func=cmd_restore)
