"""Property tests: whatever the text, no exported CSV or XLSX cell starts with a formula
trigger, no XLSX cell is a formula, stripping one apostrophe gives the text back, and numbers
are never prefixed."""

from __future__ import annotations

import csv
import io
import math
import re

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from dashboard.core.db import session_scope
from dashboard.services.exports import runner as exports
from dashboard.services.exports.formula_safety import FORMULA_TRIGGERS, strip_one
from dashboard.services.exports.runner import ExportFilters, ExportRequest
from dashboard.services.exports.schema import NUMBER, STRING, ExportColumn, ExportTable, TableRows
from dashboard.services.exports.writers_csv import EXCEL_FR, OPENDATA, write_csv
from dashboard.services.exports.writers_xlsx import write_xlsx
from models import Objective
from tests.unit.test_exports_fixture import build_export_fixture

TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠"]
ALPHABET = [*TRIGGERS, "'", '"', ",", ";", "a", "é", "1", " ", ".", "_", "x"]
texts = st.text(alphabet=st.sampled_from(ALPHABET), max_size=16)
numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
)
# PostgreSQL cannot store NUL in text: the database round trip leaves it to the writer tests.
db_texts = st.text(alphabet=st.sampled_from([c for c in ALPHABET if c != "\0"]), max_size=16)
rows_strategy = st.lists(st.tuples(texts, numbers), min_size=1, max_size=8)

COLUMNS = (ExportColumn("label", STRING, "texte"), ExportColumn("amount", NUMBER, "nombre"))
TABLE = ExportTable("sample", "Échantillon", "", COLUMNS, ("label",), build=None)
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def ooxml_text(value: str | None) -> str:
    """Decode the ``_xHHHH_`` escapes of OOXML strings, as Excel and LibreOffice do (openpyxl
    leaves them as they are in inline strings)."""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value or "")


def _assert_safe_text(cell: str, original: str) -> None:
    assert not cell or cell[0] not in FORMULA_TRIGGERS, repr(cell)
    assert strip_one(cell) == original


@pytest.mark.parametrize("dialect", [EXCEL_FR, OPENDATA], ids=["excel_fr", "opendata"])
@settings(max_examples=150, deadline=None)
@given(rows=rows_strategy)
def test_csv_cells(dialect, rows):
    buffer = io.BytesIO()
    write_csv(buffer, COLUMNS, rows, dialect)
    text = buffer.getvalue().decode(dialect.encoding)
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter))
    assert parsed[0] == ["label", "amount"]
    assert len(parsed) == len(rows) + 1
    for (label, amount), (label_cell, amount_cell) in zip(rows, parsed[1:], strict=True):
        _assert_safe_text(label_cell, label)
        assert not amount_cell.startswith("'")
        assert float(amount_cell.replace(dialect.decimal, ".")) == float(amount)


@settings(max_examples=60, deadline=None)
@given(rows=rows_strategy)
def test_xlsx_cells(rows):
    buffer = io.BytesIO()
    write_xlsx(buffer, [TableRows(TABLE, COLUMNS, rows)], (["a"], []), title="t")
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["sample"]
    cells = list(sheet.iter_rows(min_row=2, max_row=len(rows) + 1))
    assert len(cells) == len(rows)
    for (label, amount), (label_cell, amount_cell) in zip(rows, cells, strict=True):
        assert label_cell.data_type != "f" and amount_cell.data_type != "f"
        if label:
            assert label_cell.data_type == "s"
        _assert_safe_text(ooxml_text(label_cell.value), label)
        assert amount_cell.data_type == "n"
        # XlsxWriter writes 16 significant digits (Excel itself shows 15).
        assert math.isclose(amount_cell.value, amount, rel_tol=1e-15, abs_tol=1e-300)


@pytest.fixture
def export_data(engine) -> dict:
    return build_export_fixture(engine)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(title=db_texts.filter(bool), description=db_texts)
def test_through_the_database(engine, export_data, tmp_path_factory, title, description):
    with session_scope(engine) as session:
        session.execute(
            update(Objective)
            .where(Objective.id == export_data["objective"])
            .values(title=title, description=description or None)
        )
    out = tmp_path_factory.mktemp("prop")
    for profile in ("excel_fr", "xlsx"):
        request = ExportRequest(
            profile=profile, filters=ExportFilters(cohort="C-EXP"), tables=("objectives",)
        )
        exports.export_to_directory(engine, export_data["ministry"], request, out)
    text = (out / "objectives.csv").read_bytes().decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    record = dict(zip(header, row, strict=True))
    _assert_safe_text(record["Intitulé"], title)  # excel_fr: French headers
    _assert_safe_text(record["Description"], description)
    sheet = openpyxl.load_workbook(out / "export.xlsx")["objectives"]
    cells = dict(zip([c.value for c in sheet[1]], sheet[2], strict=True))
    assert all(c.data_type != "f" for c in sheet[2])
    _assert_safe_text(ooxml_text(cells["title"].value), title)
    _assert_safe_text(ooxml_text(cells["description"].value), description)
