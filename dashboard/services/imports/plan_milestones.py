"""The milestones sheet of an upload, row by row: the milestone number matched with the
network's own milestones, the row checked by the milestones' input model and rules, compared
with what is stored (unchanged, an edit, a conflict with a change made since the template was
downloaded) or added as a new milestone (the same file uploaded again adds no second copy)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Engine

from dashboard.core.db import read_scope
from dashboard.core.i18n import label_of, labels_for, t
from dashboard.core.permissions import Actor
from dashboard.services.imports.layout import MILESTONE_FIELDS, MILESTONES, Code
from dashboard.services.imports.plan_common import (
    ImportPlan,
    Issue,
    RowChange,
    as_text,
    column_in,
    conflict_issue,
    pydantic_issues,
    shown,
)
from dashboard.services.imports.reader import Table
from dashboard.services.roadmap import milestone_checks
from dashboard.services.roadmap import milestones as milestone_service
from dashboard.services.roadmap.milestone_grid import (
    LABELS as MILESTONE_LABELS,
)
from dashboard.services.roadmap.milestone_grid import (
    AddedMilestone,
    EditedMilestone,
)
from dashboard.services.shared import audit
from dashboard.services.shared.forms import clean, field_error, row_where
from models import Network
from models.base import saved_id
from models.enums import Entity, MilestoneStatus

_MILESTONE_HEADERS = {c.field: c.header for c in MILESTONES.columns}
_TEXT_FIELDS = {"title", "owner", "status", "evidence_url", "comment"}
_Diff = tuple[tuple[str, str, str], ...]


def _status_codes() -> dict[str, str]:
    out = {code.casefold(): code for code in labels_for(MilestoneStatus)}
    out |= {label.casefold(): code for code, label in labels_for(MilestoneStatus).items()}
    return out


def plan_milestones(
    engine: Engine,
    actor: Actor,
    network_id: int,
    table: Table,
    rows: list[tuple[int, dict[str, Any]]],
    plan: ImportPlan,
    as_of: dt.date,
) -> None:
    """Judge every row of the milestones sheet into ``plan`` (changes, unchanged rows, errors)
    and keep the milestones to add and edit for the save (``plan.milestone_changes``)."""
    stored = milestone_service.list_milestones(engine, actor, network_id, as_of=as_of)
    with read_scope(engine) as session:
        network = session.get(Network, network_id)
        assert network is not None  # value_grid found it
    planner = _MilestonesPlanner(stored.to_dict("records"), network, table, plan, as_of)
    for number, rec in rows:
        planner.row(number, rec)
    if planner.conflicts:
        with read_scope(engine) as session:
            for number, milestone_id, what in planner.conflicts:
                message = audit.conflict_message(session, Entity.milestone, milestone_id, what)
                plan.errors.append(conflict_issue(table.sheet, number, message))


class _MilestonesPlanner:
    """What the rows of one milestones sheet are judged against, and what they have added."""

    def __init__(
        self,
        stored: list[dict[str, Any]],
        network: Network,
        table: Table,
        plan: ImportPlan,
        as_of: dt.date,
    ):
        self.sheet = table.sheet
        self.plan = plan
        self.as_of = as_of
        self.network = network
        self.existing = {int(r["id"]): r for r in stored}
        self.by_title = {(r["title"], clean(r["due_date"])): r for r in self.existing.values()}
        self.present = {c.field for c in table.columns} & set(MILESTONE_FIELDS)
        self.statuses = _status_codes()
        self.seen: dict[int, int] = {}
        self.conflicts: list[tuple[int, int, str]] = []

    def error(self, number: int, column: str, value: str, code: str, message: str) -> None:
        self.plan.errors.append(Issue(self.sheet, number, column, value, code, message))

    def row(self, number: int, rec: dict[str, Any]) -> None:
        where = row_where(number, as_text(rec.get("title")))
        found, old = self._stored_row(number, rec, where)
        if not found:
            return
        values, links = self._values(rec, old)
        try:
            data = milestone_checks.MilestoneInput.model_validate(
                {k: v for k, v in values.items() if v is not None}
            )
        except ValidationError as exc:
            self.plan.errors += pydantic_issues(
                exc, MILESTONE_LABELS, _MILESTONE_HEADERS, self.sheet, number, rec,
                {"status": MilestoneStatus},
            )  # fmt: skip
            return
        after = milestone_checks.stored_values(data)
        what = t("Jalon « {title} »", title=data.title)
        diff: _Diff = ()
        if old is not None:
            diff = tuple(
                (t(MILESTONE_LABELS[k]), _shown_field(k, clean(old[k])), _shown_field(k, after[k]))
                for k in MILESTONE_FIELDS
                if _shown_field(k, clean(old[k])) != _shown_field(k, after[k])
            )
            if not diff:  # an untouched row is not judged again (as in the grid)
                self.plan.unchanged.append((self.sheet, number, what))
                return
        rules = milestone_checks.milestone_rules(data, where, self.as_of, self.network, links)
        if rules:
            for message in rules:
                column = column_in(message, [MILESTONE_LABELS[f] for f in MILESTONE_FIELDS])
                name = next((f for f in MILESTONE_FIELDS if MILESTONE_LABELS[f] == column), "")
                self.error(number, column, shown(rec.get(name)), Code.rule, message)
            return
        if old is None:
            self._add(number, where, what, data, after)
        else:
            self._edit(number, rec, what, old, after, diff)

    def _stored_row(
        self, number: int, rec: dict[str, Any], where: str
    ) -> tuple[bool, dict[str, Any] | None]:
        """(False, None) when the row's milestone number is refused (error noted); else
        (True, the stored milestone it names, or None for a new one)."""
        raw_id = clean(rec.get("id"))
        if raw_id is None:
            return True, None
        try:
            milestone_id = int(raw_id)
            if milestone_id != float(raw_id):
                raise ValueError
        except (TypeError, ValueError):
            milestone_id = -1
        old = self.existing.get(milestone_id)
        if old is None:
            self.error(number, "N° jalon", shown(raw_id), Code.unknown_milestone,
                       field_error(where, t("N° jalon"), t(
                           "aucun jalon n° {id} dans ce réseau (supprimé depuis, ou "
                           "d'un autre réseau) ; pour un nouveau jalon, laissez ce numéro vide",
                           id=shown(raw_id))))  # fmt: skip
            return False, None
        if milestone_id in self.seen:
            self.error(number, "N° jalon", shown(raw_id), Code.duplicate,
                       field_error(where, t("N° jalon"), t(
                           "ce jalon figure déjà ligne {n}", n=self.seen[milestone_id])))  # fmt: skip
            return False, None
        self.seen[milestone_id] = number
        return True, old

    def _values(
        self, rec: dict[str, Any], old: dict[str, Any] | None
    ) -> tuple[dict[str, Any], dict[str, dict[int, int]]]:
        """The row's fields (those the sheet leaves out kept as stored) and its links."""
        values: dict[str, Any] = {}
        for name in MILESTONE_FIELDS:
            if name in self.present:
                cell = rec.get(name)
                values[name] = as_text(cell) if name in _TEXT_FIELDS else clean(cell)
            elif old is not None:
                values[name] = clean(old[name])
        if isinstance(values.get("status"), str):
            values["status"] = self.statuses.get(values["status"].casefold(), values["status"])
        # The file leaves a milestone's links as they are: they are already the network's.
        links: dict[str, dict[int, int]] = {}
        for name, owner in (
            ("objective_id", saved_id(self.network)),
            ("alliance_id", saved_id(self.network)),
            ("session_id", self.network.cohort_id),
        ):
            linked = clean(old[name]) if old is not None else None
            values[name] = linked
            links[name] = {int(linked): owner} if linked is not None else {}
        return values, links

    def _add(
        self,
        number: int,
        where: str,
        what: str,
        data: milestone_checks.MilestoneInput,
        after: dict[str, Any],
    ) -> None:
        twin = self.by_title.get((data.title, data.due_date))
        if twin is not None:
            # The same file uploaded again: its new rows now exist (no second copy).
            if all(
                _shown_field(k, clean(twin[k])) == _shown_field(k, after[k])
                for k in MILESTONE_FIELDS
            ):
                self.plan.unchanged.append((self.sheet, number, what))
                return
            self.error(number, "N° jalon", "", Code.duplicate,
                       field_error(where, t("N° jalon"), t(
                           "un jalon de même intitulé et de même échéance existe déjà "
                           "(n° {id}) : indiquez ce numéro pour le modifier", id=twin["id"])))  # fmt: skip
            return
        self.plan.milestone_changes.added.append(
            AddedMilestone({k: after[k] for k in MILESTONE_FIELDS}, row=number)
        )
        self.plan.changes.append(
            RowChange(self.sheet, number, what, "create",
                      tuple((t(MILESTONE_LABELS[k]), "", _shown_field(k, after[k]))
                            for k in MILESTONE_FIELDS if after[k] is not None))
        )  # fmt: skip

    def _edit(
        self,
        number: int,
        rec: dict[str, Any],
        what: str,
        old: dict[str, Any],
        after: dict[str, Any],
        diff: _Diff,
    ) -> None:
        version = clean(rec.get("version"))
        try:
            seen_version = int(version) if version is not None else None
        except (TypeError, ValueError):
            seen_version = None
        if seen_version != int(old["version"]):
            self.conflicts.append((number, int(old["id"]), what))
            return
        self.plan.milestone_changes.edited.append(
            EditedMilestone(
                int(old["id"]), seen_version, {k: after[k] for k in MILESTONE_FIELDS}, row=number
            )
        )
        self.plan.changes.append(RowChange(self.sheet, number, what, "update", diff))


def _shown_field(name: str, value: Any) -> str:
    if name == "status" and value is not None:
        return label_of(MilestoneStatus, str(value))
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return shown(value)
