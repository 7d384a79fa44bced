"""Applying an import: the plan's changes go through the same save functions as the grids
(``save_milestones`` with the grid's change objects, ``save_values`` with the values page's
entries), all inside ONE database transaction — committed when everything passed, rolled back
for the preview's rehearsal or at the first refusal. The change-log rows written meanwhile are
tagged with the import (file name and fingerprint) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from dashboard.core import clock
from dashboard.core.db import storage_failure
from dashboard.core.errors import AppError, ValidationFailed
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from dashboard.services.imports.layout import Code
from dashboard.services.imports.plan import ImportPlan, preview_import
from dashboard.services.indicators import values as indicator_values
from dashboard.services.roadmap import milestones as milestone_service
from models import ChangeLog


@dataclass(frozen=True)
class ImportResult:
    network_code: str
    created: int
    updated: int
    deleted: int
    unchanged: int
    tag: str


class ImportRefused(ValidationFailed):
    """The file was not applied: ``plan`` lists every error (nothing was written)."""

    def __init__(self, plan: ImportPlan):
        super().__init__([i.message for i in plan.errors] or [t("Import refusé.")])
        self.plan = plan


def import_tag(plan: ImportPlan) -> str:
    """How change-log rows name the import that wrote them."""
    return t(
        "Import du fichier « {name} » ({digest})", name=plan.file_name, digest=plan.digest[:12]
    )


def run_saves(
    engine: Engine, actor: Actor, plan: ImportPlan, *, as_of: dt.date, commit: bool
) -> dict[str, int]:
    """Run the plan through the services in one transaction; committed only with ``commit``.

    The services open their session on the connection given as their engine: a session bound
    to a connection already in a transaction joins it, and its own commit leaves the outer
    transaction open (SQLAlchemy's "join an external transaction" recipe), so the two saves
    and the change-log tagging stand or fall together.
    """
    assert plan.network_id is not None
    counts = {"created": 0, "updated": 0, "deleted": 0}
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            bound = cast(Engine, conn)
            first_log = conn.execute(select(func.coalesce(func.max(ChangeLog.id), 0))).scalar_one()
            if not plan.milestone_changes.is_empty():
                saved = milestone_service.save_milestones(
                    bound, actor, plan.network_id, plan.milestone_changes, as_of=as_of
                )
                counts["created"] += saved.created
                counts["updated"] += saved.updated
            if plan.value_entries:
                written = indicator_values.save_values(
                    bound, actor, plan.network_id, plan.value_entries, as_of=as_of
                )
                for key in counts:
                    counts[key] += written[key]
            conn.execute(
                update(ChangeLog)
                .where(col(ChangeLog.id) > first_log, col(ChangeLog.reason).is_(None))
                .values(reason=import_tag(plan))
            )
            if commit:
                outer.commit()
            else:
                outer.rollback()
        except BaseException as exc:
            if outer.is_active:
                outer.rollback()
            failure = storage_failure(exc)
            if failure is not None:
                raise failure from exc
            raise
    return counts


def apply_import(
    engine: Engine,
    actor: Actor,
    name: str,
    content: bytes,
    *,
    network_id: int | None = None,
    as_of: dt.date | None = None,
    expected_digest: str | None = None,
    max_bytes: int | None = None,
) -> ImportResult:
    """Validate the file again and apply it in one transaction, or raise
    :class:`ImportRefused` (with every error) and write nothing. ``expected_digest``: the
    fingerprint of the file the user previewed (a different file is refused)."""
    as_of = as_of or clock.today()
    plan = preview_import(
        engine, actor, name, content, network_id=network_id, as_of=as_of, rehearse=False,
        max_bytes=max_bytes,
    )  # fmt: skip
    if expected_digest is not None and plan.digest != expected_digest:
        plan.file_error(
            "file_changed",
            t("Ce n'est pas le fichier de l'aperçu : importez-le à nouveau pour le prévisualiser."),
        )
    if not plan.ok:
        raise ImportRefused(plan)
    if plan.has_changes:
        try:
            counts = run_saves(engine, actor, plan, as_of=as_of, commit=True)
        except ValidationFailed as error:
            for message in error.errors:
                plan.file_error(Code.refused, message)
            raise ImportRefused(plan) from error
        except AppError as error:
            plan.file_error(Code.refused, error.message)
            raise ImportRefused(plan) from error
    else:
        counts = {"created": 0, "updated": 0, "deleted": 0}
    return ImportResult(
        network_code=plan.network_code,
        created=counts["created"],
        updated=counts["updated"],
        deleted=counts["deleted"],
        unchanged=len(plan.unchanged),
        tag=import_tag(plan),
    )
