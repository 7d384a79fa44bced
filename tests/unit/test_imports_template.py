"""The template: protected sheets where only the cells to type in are unlocked (a validated
value stays locked), read-only columns greyed and noted, typed cells (dates, numbers), text
guarded against formulas, and the same tables in the excel_fr CSV profile."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from dashboard.services import imports
from tests.unit.import_files import actor, template


def test_xlsx_protected_with_only_input_cells_unlocked(demo_engine):
    data = template(demo_engine, actor(demo_engine, "lead.r01"))
    book = openpyxl.load_workbook(io.BytesIO(imports.write_xlsx(data)))
    assert book.sheetnames == ["À lire", "Jalons", "Valeurs"]
    for layout in (imports.MILESTONES, imports.VALUES):
        ws = book[layout.name]
        assert ws.protection.sheet is True
        header = [c.value for c in ws[1]]
        assert header == [c.header for c in layout.columns]
        for c, column in enumerate(layout.columns, start=1):
            head = ws.cell(1, c)
            assert (head.comment is not None) == column.read_only  # « Lecture seule »
            assert head.fill.fgColor.rgb.endswith("BFBFBF" if column.read_only else "DDEBF7")
            if layout is imports.MILESTONES:
                assert ws.cell(2, c).protection.locked == column.read_only
    values = book["Valeurs"]
    cols = {c.value: c.column for c in values[1]}
    for i, row in enumerate(data.values, start=2):
        locked = values.cell(i, cols["Valeur"]).protection.locked
        assert locked == (i - 2 in data.locked_values), row
        assert values.cell(i, cols["Mois"]).is_date
    assert data.locked_values and len(data.locked_values) < len(data.values)
    milestones = book["Jalons"]
    blank = len(data.milestones) + 2
    assert milestones.cell(blank, 4).protection.locked is False  # room for new milestones
    assert milestones.cell(blank, 1).protection.locked is True


def test_formula_like_text_guarded_and_csv_profile(demo_engine):
    data = template(demo_engine, actor(demo_engine, "lead.r01"))
    data.milestones[0]["comment"] = '=HYPERLINK("http://exemple.org")'
    book = openpyxl.load_workbook(io.BytesIO(imports.write_xlsx(data)))
    cell = book["Jalons"].cell(2, len(imports.MILESTONES.columns))
    assert cell.data_type == "s" and cell.value == '\'=HYPERLINK("http://exemple.org")'
    with zipfile.ZipFile(io.BytesIO(imports.write_csv_zip(data))) as archive:
        assert sorted(archive.namelist()) == ["jalons.csv", "valeurs.csv"]
        raw = archive.read("valeurs.csv")
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].split(";")[:3] == ["Réseau", "Mois", "Code indicateur"]
    first = text.splitlines()[1].split(";")
    assert first[1] == "01/10/2025"  # a French date
    assert "," in first[9] or first[9].isdigit()  # decimal comma
