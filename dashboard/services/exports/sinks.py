"""Where export files go: a directory (command line) or a zip archive / memory (the page)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO, Protocol

from dashboard.core.errors import AppError, write_failure_reason
from dashboard.core.i18n import t

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: the same files give the same zip


class Sink(Protocol):
    def open(self, name: str) -> contextlib.AbstractContextManager[IO[bytes]]: ...


class DirectorySink:
    """Files in a directory; each appears under its name only once completely written."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        self.directory.mkdir(parents=True, exist_ok=True)
        final, partial = self.directory / name, self.directory / f".{name}.part"
        try:
            with open(partial, "wb") as fh:
                yield fh
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)


class ZipSink:
    """Members of a zip archive, with a fixed timestamp so the archive is reproducible."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with self.archive.open(info, "w") as fh:
            yield fh


class BufferSink:
    """Files kept in memory (a single file offered for download)."""

    def __init__(self):
        self.buffers: dict[str, io.BytesIO] = {}

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        self.buffers[name] = buf = io.BytesIO()
        yield buf


class ExportWriteFailed(AppError):
    """The files could not be written (disk full, read-only folder…); nothing was changed."""


def write_failure(directory: Path, error: OSError) -> ExportWriteFailed:
    """The French message for an ``OSError`` met while writing an export into ``directory``."""
    reason = write_failure_reason(error)
    return ExportWriteFailed(
        t(
            "L'export n'a pas pu être écrit dans « {out} » : {reason}. Aucun fichier de ce "
            "dossier n'a été modifié.",
            out=directory,
            reason=reason,
        )
    )


@contextlib.contextmanager
def staged_directory(target: Path, export_names: Collection[str]) -> Iterator[DirectorySink]:
    """A sink writing into a hidden folder beside ``target``, moved into place only once every
    file is complete: a failure part-way (disk full) leaves ``target`` as it was.

    A missing ``target`` appears in one rename. In an existing folder each file replaces its
    namesake in one rename, and files of an earlier export (``export_names``) that this one
    does not write are removed, so the folder never mixes two exports. Other files are kept.
    ``OSError`` becomes :class:`ExportWriteFailed` with a French message."""
    target = Path(target).absolute()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise write_failure(target, exc) from exc
    try:
        yield DirectorySink(staging)
        _move_into_place(staging, target, export_names)
    except OSError as exc:
        raise write_failure(target, exc) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_into_place(staging: Path, target: Path, export_names: Collection[str]) -> None:
    for path in staging.iterdir():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    if not target.exists():
        staging.chmod(0o755)
        os.rename(staging, target)
        return
    written = sorted(p.name for p in staging.iterdir())
    for name in written:
        os.replace(staging / name, target / name)
    for name in export_names:
        if name not in written:
            (target / name).unlink(missing_ok=True)
