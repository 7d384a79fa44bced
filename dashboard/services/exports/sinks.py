"""Where export files go: a directory (command line) or a zip archive / memory (the page)."""

from __future__ import annotations

import contextlib
import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: the same files give the same zip


class Sink(Protocol):
    def open(self, name: str) -> contextlib.AbstractContextManager[BinaryIO]: ...


class DirectorySink:
    """Files in a directory; each appears under its name only once completely written."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
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
    def open(self, name: str) -> Iterator[BinaryIO]:
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
    def open(self, name: str) -> Iterator[BinaryIO]:
        self.buffers[name] = buf = io.BytesIO()
        yield buf
