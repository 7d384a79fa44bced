"""A 5 000-row upload with 1 000 malformed rows of many kinds: every one is reported with its
sheet, row, column and stable code (and a French message in the shared shape), the 4 000 good
rows are not written either — an import is all or nothing."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import text

from dashboard.services import imports
from tests.unit.import_files import AS_OF, actor, change_log_count, stored_values, template

# Milestone rows: (column header, cell, expected code); the other cells of the row are valid.
MILESTONE_FAULTS = [
    ("Échéance", "32/13/2026", "not_a_date"),
    ("Échéance", dt.datetime(2026, 7, 1, 13, 30), "not_a_date"),
    ("Avancement (%)", "beaucoup", "not_a_number"),
    ("Avancement (%)", 150, "out_of_range"),
    ("Intitulé", None, "required"),
    ("Intitulé", "x" * 201, "too_long"),
    ("Statut", "Fini", "invalid_choice"),
    ("Preuve (lien)", "ftp://exemple.org/preuve", "invalid_link"),
    ("Réalisé le", dt.datetime(2027, 1, 4), "rule"),  # done in the future
    ("N° jalon", 999_999, "unknown_milestone"),
    ("Réseau", "R02", "other_network"),
]
# Value rows: (column header, cell, expected code), for rows not validated / validated.
VALUE_FAULTS = [
    ("Valeur", "douze", "not_a_number"),
    ("Valeur", -5, "out_of_range"),
    ("Code indicateur", "INCONNU", "unknown_indicator"),
    ("Mois", "13/2026", "not_a_date"),
    ("Mois", "01/01/2030", "outside_period"),
]
MILESTONE_HEADERS = [
    "Réseau", "N° jalon", "Version", "Intitulé", "Responsable", "Échéance", "Statut",
    "Avancement (%)", "Réalisé le", "Preuve (lien)", "Commentaire",
]  # fmt: skip
TOTAL, BAD = 5000, 1000


def _big_file(engine) -> tuple[bytes, set[tuple[str, int, str, str]]]:
    lead = actor(engine, "lead.r01")
    book = openpyxl.load_workbook(io.BytesIO(imports.write_xlsx(template(engine, lead))))
    expected: set[tuple[str, int, str, str]] = set()
    values = book["Valeurs"]
    value_rows = list(range(2, values.max_row + 1))
    cols = {c.value: c.column for c in values[1]}
    open_rows = [r for r in value_rows if values.cell(r, cols["Statut"]).value != "Validée"]
    locked_rows = [r for r in value_rows if values.cell(r, cols["Statut"]).value == "Validée"]
    bad_values = 0
    for i, r in enumerate(open_rows[:25]):
        header, cell, code = VALUE_FAULTS[i % len(VALUE_FAULTS)]
        values.cell(r, cols[header], cell)
        expected.add(("Valeurs", r, header, code))
        bad_values += 1
    for r in locked_rows[:25]:
        values.cell(r, cols["Valeur"], (values.cell(r, cols["Valeur"]).value or 0) + 1)
        expected.add(("Valeurs", r, "Valeur", "validated_locked"))
        bad_values += 1
    milestones = book["Jalons"]
    first_new = 2 + sum(1 for r in range(2, milestones.max_row + 1)
                        if milestones.cell(r, 2).value is not None)  # fmt: skip
    new_rows = TOTAL - len(value_rows) - (first_new - 2)
    faults = BAD - bad_values
    step = new_rows // faults
    bad_at = {first_new + k * step: k for k in range(faults)}
    for n in range(new_rows):
        r = first_new + n
        row = {
            "Intitulé": f"Jalon importé n° {n}",
            "Responsable": "Équipe projet",
            "Échéance": dt.datetime(2026, 9, 1) + dt.timedelta(days=n % 200),
            "Statut": "Prévu",
            "Avancement (%)": n % 100,
            "Commentaire": f"Ligne {r}",
        }
        if r in bad_at:
            header, cell, code = MILESTONE_FAULTS[bad_at[r] % len(MILESTONE_FAULTS)]
            row[header] = cell
            if header == "Réalisé le":
                row["Statut"] = "Réalisé"
            expected.add(("Jalons", r, header, code))
        for header, cell in row.items():
            milestones.cell(r, MILESTONE_HEADERS.index(header) + 1, cell)
    out = io.BytesIO()
    book.save(out)
    assert len(expected) == BAD
    return out.getvalue(), expected


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_5000_rows_1000_malformed_each_reported_nothing_written(demo_engine):
    content, expected = _big_file(demo_engine)
    lead = actor(demo_engine, "lead.r01")
    before = (change_log_count(demo_engine), _count(demo_engine, "milestone"))
    values = stored_values(demo_engine)
    plan = imports.preview_import(demo_engine, lead, "gros.xlsx", content, as_of=AS_OF)
    assert plan.rows_read == TOTAL
    got = {(i.sheet, i.row, i.column, i.code) for i in plan.errors}
    assert got == expected
    assert len(plan.errors) == BAD
    for issue in plan.errors:  # « Ligne N (…), « Colonne » : problème. »
        assert issue.message.startswith(f"Ligne {issue.row}")
        if issue.code not in ("conflict",):
            assert f"« {issue.column} »" in issue.message or issue.column in ("Code indicateur",)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.apply_import(demo_engine, lead, "gros.xlsx", content, as_of=AS_OF)
    assert len(refused.value.plan.errors) == BAD
    assert (change_log_count(demo_engine), _count(demo_engine, "milestone")) == before
    assert stored_values(demo_engine) == values
    table = imports.issues_table(plan)
    assert len(table) == BAD and list(table.columns)[:5] == [
        "Feuille", "Ligne", "Colonne", "Valeur lue", "Code",
    ]  # fmt: skip
    csv_text = imports.issues_csv(plan).decode("utf-8-sig")
    assert csv_text.count("\r\n") == BAD + 1
