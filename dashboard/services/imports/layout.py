"""The round-trip spreadsheet's layout: its sheets, their columns (French headers, the field
each one feeds, read-only or typed in) and the stable error codes an import reports.

The template and the reader share this one description, so a column renamed here is renamed
in both. Read-only columns carry what the file needs to find its row again (network code, ids,
month, indicator code, the row's version) and reference figures shown for information.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.services.roadmap.milestone_grid import LABELS as MILESTONE_LABELS


@dataclass(frozen=True)
class Column:
    header: str  # French header, exactly as written in the template
    field: str  # the service field it feeds (or an information key)
    read_only: bool = False
    kind: str = "text"  # text, number, integer, date, month


@dataclass(frozen=True)
class SheetLayout:
    name: str  # the sheet's name in the workbook
    title: str  # how messages name it
    columns: tuple[Column, ...]
    required: tuple[str, ...]  # fields whose column must be present

    def by_header(self) -> dict[str, Column]:
        return {c.header.casefold(): c for c in self.columns}


NETWORK = Column("Réseau", "network_code", read_only=True)

MILESTONES = SheetLayout(
    name="Jalons",
    title="Jalons",
    columns=(
        NETWORK,
        Column("N° jalon", "id", read_only=True, kind="integer"),
        Column("Version", "version", read_only=True, kind="integer"),
        Column(MILESTONE_LABELS["title"], "title"),
        Column(MILESTONE_LABELS["owner"], "owner"),
        Column(MILESTONE_LABELS["due_date"], "due_date", kind="date"),
        Column(MILESTONE_LABELS["status"], "status"),
        Column(MILESTONE_LABELS["progress"], "progress", kind="integer"),
        Column(MILESTONE_LABELS["done_date"], "done_date", kind="date"),
        Column(MILESTONE_LABELS["evidence_url"], "evidence_url"),
        Column(MILESTONE_LABELS["comment"], "comment"),
    ),
    required=("network_code", "title"),
)
# Fields of a milestone the file can change (the grid's link columns stay as they are).
MILESTONE_FIELDS = (
    "title",
    "owner",
    "due_date",
    "status",
    "progress",
    "done_date",
    "evidence_url",
    "comment",
)

VALUES = SheetLayout(
    name="Valeurs",
    title="Valeurs",
    columns=(
        NETWORK,
        Column("Mois", "period_start", read_only=True, kind="month"),
        Column("Code indicateur", "indicator_code", read_only=True),
        Column("Indicateur", "label", read_only=True),
        Column("Unité", "unit", read_only=True),
        Column("Référence", "baseline_value", read_only=True, kind="number"),
        Column("Cible", "target_value", read_only=True, kind="number"),
        Column("Statut", "status", read_only=True),
        Column("Version", "version", read_only=True, kind="integer"),
        Column("Valeur", "value", kind="number"),
        Column("Commentaire", "comment"),
        Column("Lien de preuve", "evidence_url"),
    ),
    required=("network_code", "period_start", "indicator_code", "value"),
)

README_SHEET = "À lire"
SHEETS = (MILESTONES, VALUES)
SHEET_NAMES = (MILESTONES.name, VALUES.name, README_SHEET)


class Code:
    """Stable error codes of an import (shown next to the French message, kept in the CSV)."""

    too_large = "file_too_large"
    bad_type = "file_type"
    macro = "macro_enabled"
    encrypted = "encrypted"
    zip_bomb = "zip_bomb"
    corrupt = "file_unreadable"
    unknown_sheet = "unknown_sheet"
    unknown_column = "unknown_column"
    missing_column = "missing_column"
    formula = "formula"
    empty = "empty_file"
    required = "required"
    not_a_number = "not_a_number"
    not_a_date = "not_a_date"
    not_an_integer = "not_an_integer"
    out_of_range = "out_of_range"
    too_long = "too_long"
    invalid_choice = "invalid_choice"
    invalid_link = "invalid_link"
    control_character = "control_character"
    invalid = "invalid_value"
    other_network = "other_network"
    unknown_network = "unknown_network"
    unknown_indicator = "unknown_indicator"
    unknown_milestone = "unknown_milestone"
    outside_period = "outside_period"
    duplicate = "duplicate_row"
    locked = "validated_locked"
    conflict = "conflict"
    cumulative_decrease = "cumulative_decrease"
    rule = "rule"
    refused = "refused"


# A new cohort's networks and people, one row per person (network columns repeated, or a row
# with a network only). Read by :mod:`dashboard.services.imports.people`.
PEOPLE = SheetLayout(
    name="Personnes",
    title="Personnes",
    columns=(
        Column("Code réseau", "code"),
        Column("Nom du réseau", "name"),
        Column("Sigle", "acronym"),
        Column("Secteur", "sector"),
        Column("Région", "region_code"),
        Column("Associations membres", "member_count", kind="integer"),
        Column("RNA", "rna"),
        Column("SIREN", "siren"),
        Column("Nom", "full_name"),
        Column("Courriel", "email"),
        Column("Identifiant", "username"),
        Column("Rôle", "role"),
    ),
    required=("code", "full_name", "email", "role"),
)
NETWORK_FIELDS = (
    "code",
    "name",
    "acronym",
    "sector",
    "region_code",
    "member_count",
    "rna",
    "siren",
)
PERSON_FIELDS = ("full_name", "email", "username", "role")
