"""Checks made on an uploaded file before anything parses it: its size (the upload limit the
server is configured with), its type (XLSX or CSV; macro-enabled and encrypted workbooks are
refused), and for a workbook the archive itself — entries, total size and compression ratio
read from the zip directory, so a zip bomb is refused without inflating a byte.
"""

from __future__ import annotations

import io
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from dashboard.core.config import PROJECT_ROOT
from dashboard.core.i18n import fmt_number, t
from dashboard.services.imports.layout import Code

DEFAULT_MAX_MB = 5
# A real template of 5 000 rows inflates to about 3 MB; a workbook is far below these.
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed size of one entry
MAX_ENTRIES = 500
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML and legacy .xls
_MACRO_SUFFIXES = {".xlsm", ".xltm", ".xlsb", ".xlam", ".xla"}
_LEGACY_SUFFIXES = {".xls", ".ods", ".numbers"}


@dataclass(frozen=True)
class Refusal:
    """Why a whole file is refused (before any row is read)."""

    code: str
    message: str


def max_upload_bytes() -> int:
    """The upload limit of the server (``server.maxUploadSize`` in .streamlit/config.toml,
    in megabytes): the page and the command line refuse the same files."""
    try:
        with open(PROJECT_ROOT / ".streamlit" / "config.toml", "rb") as fh:
            megabytes = tomllib.load(fh).get("server", {}).get("maxUploadSize", DEFAULT_MAX_MB)
    except (OSError, tomllib.TOMLDecodeError):
        megabytes = DEFAULT_MAX_MB
    return int(megabytes) * 1024 * 1024


def file_kind(name: str, content: bytes) -> str:
    """``xlsx`` or ``csv`` (by the name, checked against the content by :func:`inspect`)."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xlsx" or (suffix not in (".csv", ".txt") and content[:2] == b"PK"):
        return "xlsx"
    return "csv"


def inspect(name: str, content: bytes, *, max_bytes: int | None = None) -> Refusal | None:
    """The reason to refuse the file outright, or None when it may be parsed."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    if len(content) > limit:
        return Refusal(
            Code.too_large,
            t(
                "Le fichier « {name} » pèse {size} Mo : la limite est de {limit} Mo. "
                "Importez moins de lignes à la fois.",
                name=name,
                size=fmt_number(len(content) / 1024 / 1024, 1),
                limit=fmt_number(limit / 1024 / 1024, 1),
            ),
        )
    suffix = PurePath(name).suffix.lower()
    if suffix in _MACRO_SUFFIXES:
        return Refusal(Code.macro, _macro_message(name))
    if content.startswith(_OLE_MAGIC):
        return Refusal(
            Code.encrypted,
            t(
                "« {name} » est chiffré (protégé par un mot de passe) ou au format Excel 97 "
                "(.xls) : enregistrez-le sans mot de passe, au format .xlsx ou .csv.",
                name=name,
            ),
        )
    if suffix in _LEGACY_SUFFIXES:
        return Refusal(Code.bad_type, _type_message(name))
    if suffix not in (".xlsx", ".csv", ".txt") and not content.startswith(b"PK"):
        return Refusal(Code.bad_type, _type_message(name))
    if not content.strip():
        return Refusal(Code.empty, t("Le fichier « {name} » est vide.", name=name))
    if file_kind(name, content) == "xlsx":
        return _inspect_archive(name, content)
    if content.startswith(b"PK"):
        return Refusal(Code.bad_type, _type_message(name))
    return None


def _macro_message(name: str) -> str:
    return t(
        "« {name} » est un classeur avec macros : il est refusé. Enregistrez-le au format "
        "« Classeur Excel (.xlsx) » ou en CSV, puis importez-le à nouveau.",
        name=name,
    )


def _type_message(name: str) -> str:
    return t(
        "« {name} » n'est ni un classeur .xlsx ni un fichier .csv : enregistrez-le dans l'un "
        "de ces formats (le modèle téléchargé est un .xlsx).",
        name=name,
    )


def _inspect_archive(name: str, content: bytes) -> Refusal | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return Refusal(
            Code.corrupt,
            t(
                "« {name} » n'est pas un classeur .xlsx lisible (fichier abîmé ou d'un autre "
                "format).",
                name=name,
            ),
        )
    bomb = Refusal(
        Code.zip_bomb,
        t(
            "« {name} » se décompresse en un volume anormal (archive piégée ou corrompue) : "
            "il n'est pas ouvert. Réenregistrez le classeur depuis le tableur.",
            name=name,
        ),
    )
    if len(entries) > MAX_ENTRIES:
        return bomb
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.flag_bits & 0x1:
            return Refusal(
                Code.encrypted,
                t("« {name} » contient des parties chiffrées : il est refusé.", name=name),
            )
        if (
            entry.file_size > MAX_RATIO * max(entry.compress_size, 1)
            and entry.file_size > 1_000_000
        ):
            return bomb
    if total > MAX_UNCOMPRESSED:
        return bomb
    names = {e.filename.lower() for e in entries}
    if any(n.endswith("vbaproject.bin") for n in names):
        return Refusal(Code.macro, _macro_message(name))
    if "[content_types].xml" in names:
        types = (
            archive.read("[Content_Types].xml")
            if "[Content_Types].xml" in archive.namelist()
            else b""
        )
        if b"macroEnabled" in types or b"vbaProject" in types:
            return Refusal(Code.macro, _macro_message(name))
    if "xl/workbook.xml" not in names:
        return Refusal(
            Code.corrupt,
            t("« {name} » n'est pas un classeur .xlsx (aucune feuille trouvée).", name=name),
        )
    return None
