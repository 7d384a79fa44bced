"""Errors services raise; each carries a French message a page can show as it is."""

from __future__ import annotations

import errno


class AppError(Exception):
    """Base class: ``str(error)`` is a French sentence for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(AppError):
    """The acting user may not do this (role, network scope, closed cohort)."""


class ValidationFailed(AppError):
    """Input refused; ``errors`` lists one French message per problem (row, field, reason)."""

    def __init__(self, errors: list[str] | str):
        errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(errors))
        self.errors = errors


class ConflictError(AppError):
    """Someone else saved the same row since the user read it; nothing was overwritten."""

    def __init__(self, message: str, *, details: list[dict] | None = None):
        super().__init__(message)
        self.details = details or []


class NotFound(AppError):
    """The thing asked for does not exist (or is outside what the user may see)."""


class DatabaseUnavailable(AppError):
    """The database cannot be reached, the URL is wrong, or the schema is not migrated."""


class StorageFailed(DatabaseUnavailable):
    """The database's disk is full or failing; the unit of work was rolled back whole."""


def write_failure_reason(error: OSError) -> str:
    """Why a file could not be written, in French: a full disk or quota, a folder not open to
    writing, else the system's own words (one wording for exports and backups)."""
    from dashboard.core.i18n import t

    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return t("l'espace disque est insuffisant")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return t("ce dossier n'est pas accessible en écriture")
    return error.strerror or str(error)
