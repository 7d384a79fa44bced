"""What a milestones grid sends to the service: edited rows (with the version the user saw),
added rows and deleted rows, built from ``st.data_editor``'s edit state or received as plain
dicts (what a forged message would carry). No Streamlit here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import t
from dashboard.services.shared.forms import clean

GRID_COLUMNS = [
    "title",
    "owner",
    "due_date",
    "status",
    "progress",
    "done_date",
    "objective_id",
    "alliance_id",
    "session_id",
    "evidence_url",
    "comment",
]
# The grid's column headers, also the field names of its messages (one wording for both).
LABELS = {
    "title": "Intitulé",
    "owner": "Responsable",
    "due_date": "Échéance",
    "status": "Statut",
    "progress": "Avancement (%)",
    "done_date": "Réalisé le",
    "objective_id": "Objectif",
    "alliance_id": "Alliance",
    "session_id": "Session",
    "evidence_url": "Preuve (lien)",
    "comment": "Commentaire",
}


@dataclass(frozen=True)
class EditedMilestone:
    id: int
    version: int
    values: dict[str, Any]
    row: int | None = None  # grid line number shown to the user (1-based)


@dataclass(frozen=True)
class AddedMilestone:
    values: dict[str, Any]
    row: int | None = None


@dataclass(frozen=True)
class DeletedMilestone:
    id: int
    version: int
    row: int | None = None


@dataclass
class MilestoneChanges:
    edited: list[EditedMilestone] = field(default_factory=list)
    added: list[AddedMilestone] = field(default_factory=list)
    deleted: list[DeletedMilestone] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.edited or self.added or self.deleted)


def changes_from_editor(grid: pd.DataFrame, state: dict | None) -> MilestoneChanges:
    """Turn ``st.data_editor``'s edit state (positions into ``grid``) into service changes.

    ``grid`` is the DataFrame given to the editor (with its ``id`` and ``version`` columns).
    Added rows left completely empty are ignored. A state that does not fit the grid (it comes
    from the browser) raises ValidationFailed.
    """
    try:
        return _from_editor(grid, state or {})
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed(
            t("Les modifications reçues ne correspondent pas au tableau affiché : rechargez-le.")
        ) from exc


def _line(grid: pd.DataFrame, pos: int) -> pd.Series:
    if not 0 <= pos < len(grid):
        raise IndexError(pos)
    return grid.iloc[pos]


def _from_editor(grid: pd.DataFrame, state: dict) -> MilestoneChanges:
    deleted_pos = {int(p) for p in state.get("deleted_rows", [])}
    out = MilestoneChanges()
    for pos in sorted(deleted_pos):
        line = _line(grid, pos)
        out.deleted.append(DeletedMilestone(int(line["id"]), int(line["version"]), row=pos + 1))
    for key, values in sorted(state.get("edited_rows", {}).items(), key=lambda kv: int(kv[0])):
        pos = int(key)
        if pos in deleted_pos:
            continue
        kept = {c: clean(v) for c, v in values.items() if c in GRID_COLUMNS}
        if kept:
            line = _line(grid, pos)
            out.edited.append(
                EditedMilestone(int(line["id"]), int(line["version"]), kept, row=pos + 1)
            )
    for i, values in enumerate(state.get("added_rows", [])):
        kept = {c: clean(v) for c, v in values.items() if c in GRID_COLUMNS}
        filled = ("title", "owner", "due_date", "done_date", "evidence_url", "comment")
        if any(kept.get(c) is not None for c in filled):
            out.added.append(AddedMilestone(kept, row=len(grid) + i + 1))
    return out


def coerce_changes(changes: MilestoneChanges | dict) -> MilestoneChanges:
    """Accept the dataclasses or plain dicts (what a forged message could send)."""
    if isinstance(changes, MilestoneChanges):
        return changes
    try:
        return MilestoneChanges(
            edited=[
                EditedMilestone(int(e["id"]), int(e["version"]), dict(e["values"]), e.get("row"))
                for e in changes.get("edited", [])
            ],
            added=[
                AddedMilestone(dict(a["values"]), a.get("row")) for a in changes.get("added", [])
            ],
            deleted=[
                DeletedMilestone(int(d["id"]), int(d["version"]), d.get("row"))
                for d in changes.get("deleted", [])
            ],
        )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed(t("Les modifications envoyées sont mal formées.")) from exc
