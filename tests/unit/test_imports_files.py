"""What an upload may be: hostile files refused before a row is read (oversized, zip bomb,
macro-enabled, encrypted, formulas, unknown sheets or columns), each with a French message
naming what to fix and nothing written; CSV in UTF-8, UTF-8 with BOM or Windows-1252, « ; » or
« , », decimal comma or point, ISO or French dates; real date cells in a workbook."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from dashboard.services import imports
from dashboard.services.imports import guard
from tests.unit.import_files import (
    AS_OF,
    actor,
    change_log_count,
    edit_xlsx,
    stored_values,
    template,
)

MAY = dt.date(2026, 5, 1)


def _preview(engine, who, name, content, **kw):
    return imports.preview_import(engine, who, name, content, as_of=AS_OF, **kw)


def _refused(engine, name, content, code, *, words=(), **kw):
    lead = actor(engine, "lead.r01")
    log, values = change_log_count(engine), stored_values(engine)
    plan = _preview(engine, lead, name, content, **kw)
    assert [i.code for i in plan.errors] == [code], plan.errors
    for word in words:
        assert word in plan.errors[0].message
    with pytest.raises(imports.ImportRefused):
        imports.apply_import(engine, lead, name, content, as_of=AS_OF, **kw)
    assert change_log_count(engine) == log
    assert stored_values(engine) == values
    return plan.errors[0].message


@pytest.fixture
def workbook(demo_engine) -> bytes:
    return imports.write_xlsx(template(demo_engine, actor(demo_engine, "lead.r01")))


def test_oversized_file_refused_with_the_limit(demo_engine, workbook):
    message = _refused(
        demo_engine, "modele.xlsx", workbook, "file_too_large", max_bytes=10_000,
        words=("limite",),
    )  # fmt: skip
    assert "Mo" in message
    assert guard.max_upload_bytes() == 5 * 1024 * 1024  # .streamlit/config.toml


def test_zip_bomb_refused_from_the_zip_directory(demo_engine, workbook):
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/media/bombe.bin", b"\0" * (30 * 1024 * 1024))
    assert len(out.getvalue()) < 1024 * 1024
    _refused(demo_engine, "modele.xlsx", out.getvalue(), "zip_bomb", words=("décompresse",))


def test_macro_enabled_workbooks_refused(demo_engine, workbook):
    _refused(demo_engine, "modele.xlsm", workbook, "macro_enabled", words=("macros", ".xlsx"))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"macro")
    _refused(demo_engine, "renomme.xlsx", out.getvalue(), "macro_enabled")


def test_encrypted_workbook_refused(demo_engine):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000
    _refused(demo_engine, "chiffre.xlsx", ole, "encrypted", words=("mot de passe",))


def test_formulas_refused_naming_each_cell(demo_engine, workbook):
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    book["Valeurs"]["J5"] = "=1+1"
    book["Jalons"]["D2"] = '=HYPERLINK("http://exemple.org")'
    out = io.BytesIO()
    book.save(out)
    message = _refused(demo_engine, "modele.xlsx", out.getvalue(), "formula")
    assert "Valeurs!J5" in message and "Jalons!D2" in message


def test_unknown_sheet_and_column_named(demo_engine, workbook):
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    book["Valeurs"].title = "Feuil1"
    out = io.BytesIO()
    book.save(out)
    _refused(demo_engine, "modele.xlsx", out.getvalue(), "unknown_sheet", words=("« Feuil1 »",))
    renamed = edit_xlsx(workbook, "Valeurs", {(1, "Commentaire"): "Remarques"})
    message = _refused(demo_engine, "modele.xlsx", renamed, "unknown_column")
    assert "« Remarques » (colonne K)" in message and "Valeurs" in message


def test_not_a_spreadsheet_refused(demo_engine):
    _refused(demo_engine, "notes.pdf", b"%PDF-1.7 ...", "file_type", words=(".xlsx", ".csv"))
    _refused(demo_engine, "modele.xlsx", b"PK\x03\x04 abime", "file_unreadable")


def _values_csv(lines: list[list[str]], sep: str) -> str:
    header = ["Réseau", "Mois", "Code indicateur", "Version", "Valeur", "Commentaire"]
    return "\r\n".join(sep.join(cells) for cells in [header, *lines]) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "sep", "amount", "month", "expected"),
    [
        ("utf-8", ";", "1 234,5", "01/05/2026", 1234.5),
        ("utf-8-sig", ";", "1234,75", "2026-05-01", 1234.75),
        ("cp1252", ";", "99,5", "1/5/2026", 99.5),
        ("utf-8", ",", "1234.25", "2026-05-01", 1234.25),
        ("utf-8-sig", ",", '"1 234,5"', "01/05/2026", 1234.5),
    ],
)
def test_csv_encodings_separators_decimals_and_dates(
    demo_engine, encoding, sep, amount, month, expected
):
    lead = actor(demo_engine, "lead.r01")
    data = template(demo_engine, lead)
    row = next(
        v for v in data.values if v["indicator_code"] == "IN_KIND_EUR" and v["period_start"] == MAY
    )
    comment = "Apport valorisé — déjà reçu « en nature »"
    text = _values_csv(
        [["R01", month, "IN_KIND_EUR", str(row["version"] or ""), amount, comment]], sep
    )
    content = text.encode(encoding)
    plan = _preview(demo_engine, lead, "valeurs.csv", content)
    assert plan.errors == []
    assert bool(plan.warnings) == (encoding == "cp1252")
    imports.apply_import(demo_engine, lead, "valeurs.csv", content, as_of=AS_OF)
    assert stored_values(demo_engine)[("IN_KIND_EUR", MAY)][:2] == (expected, comment)


def test_real_date_cells_and_a_serial_number_typed_as_text(demo_engine, workbook):
    lead = actor(demo_engine, "lead.r01")
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    ws = book["Jalons"]
    ws["D2"] = "Jalon daté par une vraie cellule date"
    ws["F2"] = dt.datetime(2026, 7, 14)
    ws["D3"] = "Jalon dont l'échéance est un nombre"
    ws["F3"] = "46217"
    out = io.BytesIO()
    book.save(out)
    plan = _preview(demo_engine, lead, "modele.xlsx", out.getvalue())
    assert [(i.row, i.column, i.code) for i in plan.errors] == [(3, "Échéance", "not_a_date")]
    assert "« 46217 » n'est pas une date" in plan.errors[0].message
    ws["F3"] = "14/07/2026"
    out = io.BytesIO()
    book.save(out)
    plan = _preview(demo_engine, lead, "modele.xlsx", out.getvalue())
    assert plan.errors == []
    after = {c.row: dict((f, a) for f, _, a in c.fields) for c in plan.changes}
    assert after[2]["Échéance"] == after[3]["Échéance"] == "14/07/2026"
