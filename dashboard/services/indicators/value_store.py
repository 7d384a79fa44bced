"""Writing a batch of checked indicator values: creations, versioned updates, deletions and
submissions, each change-logged; a value typed by someone else meanwhile is a conflict, never
an overwrite. Called by :mod:`dashboard.services.indicators.values` once everything is valid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from dashboard.core.errors import ConflictError
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from dashboard.services.indicators.value_rules import (
    ENTITY,
    ValueEntry,
    cumulative_problem,
    row_label,
)
from dashboard.services.shared import audit
from models import Cohort, IndicatorValue, Network
from models.base import saved_id, utcnow
from models.enums import ValueStatus

LOGGED_FIELDS = ["indicator_id", "period_start", "value", "status", "comment", "evidence_url"]


def unique_violation(exc: IntegrityError) -> bool:
    """True when the database refused a second value for the same network, indicator, month."""
    text = str(exc.orig).lower()
    return "uq_value_network_indicator_period" in text or "unique" in text


def value_changed(old: IndicatorValue, entry: ValueEntry) -> bool:
    """True when the entry changes the stored value, comment or link (or clears it)."""
    return (
        entry.value is None
        or float(old.value) != entry.value
        or (old.comment or None) != entry.comment
        or (old.evidence_url or None) != entry.evidence_url
    )


def cumulative_errors(
    indicators: pd.DataFrame,
    existing: Mapping[tuple[int, dt.date], IndicatorValue],
    parsed: list[ValueEntry],
) -> list[str]:
    """A cumulative total going down needs a comment confirming it (checked after the batch)."""
    state = {key: float(row.value) for key, row in existing.items()}
    for e in parsed:
        key = (e.indicator_id, e.period_start)
        if e.value is None:
            state.pop(key, None)
        else:
            state[key] = e.value
    errors = []
    for e in parsed:
        old = existing.get((e.indicator_id, e.period_start))
        if e.value is None or (old is not None and float(old.value) == e.value):
            continue
        ind = indicators.loc[e.indicator_id]
        earlier = [p for (i, p) in state if i == e.indicator_id and p < e.period_start]
        previous = state[(e.indicator_id, max(earlier))] if earlier else None
        problem = cumulative_problem(ind, e, previous)
        if problem:
            where = row_label(indicators, e.indicator_id, e.period_start, None)
            errors.append(t("{row} — Commentaire : {problem}", row=where, problem=problem))
    return errors


def write_values(
    session: Session,
    actor: Actor,
    network: Network,
    cohort: Cohort,
    indicators: pd.DataFrame,
    existing: Mapping[tuple[int, dt.date], IndicatorValue],
    parsed: list[ValueEntry],
    submit: bool,
) -> dict[str, int]:
    """Apply the checked entries; returns counts created, updated, deleted, submitted.

    The indicator totals of the months written follow in the same transaction, when it
    commits (:mod:`~dashboard.services.indicators.totals`).
    """
    counts = {"created": 0, "updated": 0, "deleted": 0, "submitted": 0}
    batch = _Batch(session, actor, network, cohort, indicators, submit)
    for e in parsed:
        old = existing.get((e.indicator_id, e.period_start))
        outcome = batch.create(e) if old is None else batch.change(old, e)
        for name in outcome:
            counts[name] += 1
    return counts


class _Batch:
    """What every entry of one save shares: who, where, when, and whether it submits."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        network: Network,
        cohort: Cohort,
        indicators: pd.DataFrame,
        submit: bool,
    ) -> None:
        self.session, self.actor, self.network = session, actor, network
        self.indicators, self.submit = indicators, submit
        self.scope: audit.LogScope = {"network_id": network.id, "cohort_id": cohort.id}
        self.now = utcnow()

    def where(self, e: ValueEntry) -> str:
        return row_label(self.indicators, e.indicator_id, e.period_start, None)

    def create(self, e: ValueEntry) -> list[str]:
        """A new value (draft, or submitted with the batch); returns the counts it adds to."""
        where = self.where(e)
        assert e.value is not None  # save_values refuses or skips a new row without a value
        if e.version is not None:
            raise ConflictError(
                t("{what} a été supprimée entre-temps. Rechargez la page.", what=where)
            )
        status = ValueStatus.submitted if self.submit else ValueStatus.draft
        row = IndicatorValue(
            network_id=saved_id(self.network),
            indicator_id=e.indicator_id,
            period_start=e.period_start,
            value=e.value,
            status=status.value,
            comment=e.comment,
            evidence_url=e.evidence_url,
            updated_by_id=self.actor.id,
            submitted_at=self.now if self.submit else None,
        )
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError as exc:
            if not unique_violation(exc):
                raise
            raise ConflictError(
                t(
                    "{what} a été saisie par quelqu'un d'autre pendant que vous la "
                    "modifiiez. Rien n'a été écrasé : rechargez la page, puis réappliquez "
                    "vos changements.",
                    what=where,
                )
            ) from exc
        audit.log_create(self.session, self.actor, ENTITY, row, fields=LOGGED_FIELDS, **self.scope)
        return ["created", "submitted"] if self.submit else ["created"]

    def change(self, old: IndicatorValue, e: ValueEntry) -> list[str]:
        """An update, a deletion or a submission of a stored value (version checked)."""
        session, submit, where = self.session, self.submit, self.where(e)
        changed = value_changed(old, e)
        to_submit = submit and old.status == ValueStatus.draft
        if not changed and not to_submit:
            return []  # untouched rows may have moved on meanwhile: no conflict for them
        if e.version is None or old.version != e.version:
            raise ConflictError(audit.conflict_message(session, ENTITY, saved_id(old), where))
        if e.value is None:
            audit.log_delete(session, self.actor, ENTITY, old, summary_field="value", **self.scope)
            session.delete(old)
            try:
                session.flush()
            except StaleDataError as exc:
                session.rollback()
                raise ConflictError(
                    audit.conflict_message(session, ENTITY, saved_id(old), where)
                ) from exc
            return ["deleted"]
        changes: dict[str, Any] = {"value": e.value, "comment": e.comment}
        changes["evidence_url"] = e.evidence_url
        if changed or (submit and old.status != ValueStatus.submitted):
            changes["status"] = (ValueStatus.submitted if submit else ValueStatus.draft).value
        silent: dict[str, Any] = {"updated_by_id": self.actor.id}
        if submit:
            changes["return_reason"] = None
            silent["submitted_at"] = self.now
        versioned_update(session, self.actor, old, e.version, changes, silent, where, self.scope)
        outcome = ["updated"] if changed else []
        if changes.get("status") == ValueStatus.submitted:
            outcome.append("submitted")
        return outcome


def versioned_update(
    session: Session,
    actor: Actor,
    row: IndicatorValue,
    version: int,
    changes: dict[str, Any],
    silent: dict[str, Any],
    what: str,
    scope: audit.LogScope,
) -> None:
    """Versioned update logging ``changes``; ``silent`` bookkeeping fields (who, when) ride
    along in the same UPDATE (no autoflush in between, or the version check would misfire)."""
    with session.no_autoflush:
        for name, value in silent.items():
            setattr(row, name, value)
        audit.update_versioned(
            session, actor, IndicatorValue, saved_id(row), version, changes, entity=ENTITY, what=what,
            **scope,
        )  # fmt: skip


def rows_by_id(session: Session, ids: list[int]) -> dict[int, IndicatorValue]:
    """The values with these ids, by id."""
    if not ids:
        return {}
    found = session.exec(select(IndicatorValue).where(col(IndicatorValue.id).in_(ids)))
    return {saved_id(r): r for r in found}
