"""XLSX and JSON exports: typed cells, no formula, readable sheets; numbers and ISO dates."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from dashboard.services.exports import runner as exports
from dashboard.services.exports.runner import ExportFilters, ExportRequest
from tests.unit.test_exports_fixture import build_export_fixture


@pytest.fixture
def export_data(engine) -> dict:
    return build_export_fixture(engine)


def _file(engine, actor, tmp_path, profile: str):
    request = ExportRequest(profile=profile, filters=ExportFilters(cohort="C-EXP"))
    exports.export_to_directory(engine, actor, request, tmp_path)
    return tmp_path / f"export.{profile}"


def test_xlsx_sheets_types_and_layout(engine, export_data, tmp_path):
    workbook = openpyxl.load_workbook(_file(engine, export_data["ministry"], tmp_path, "xlsx"))
    assert workbook.sheetnames == [*exports.TABLE_NAMES, "dictionnaire"]
    # The creation date is the latest date in the data (the target date), not "now".
    assert workbook.properties.created == dt.datetime(2026, 6, 30)

    values = workbook["indicator_values"]
    rows = list(values.iter_rows(values_only=True))
    assert rows[0][:3] == ("cohort_code", "network_code", "network_name")
    header = list(rows[0])
    first = dict(zip(header, rows[1], strict=True))
    assert first["period_start"] == dt.datetime(2025, 10, 1)
    assert first["period_end"] == dt.datetime(2025, 10, 31)
    assert first["value"] == 6.5 and isinstance(first["value"], float)
    values_col = [dict(zip(header, r, strict=True))["value"] for r in rows[1:]]
    assert values_col == [6.5, -2.25, 3, 1234567.125, 12]
    assert all(isinstance(v, int | float) for v in values_col)
    labels = [dict(zip(header, r, strict=True))["indicator_label"] for r in rows[1:]]
    assert labels[2] == "'=1+1 contributions"

    assert values.freeze_panes == "A2"
    assert values.auto_filter.ref == "A1:N6"
    label_col = openpyxl.utils.get_column_letter(header.index("indicator_label") + 1)
    assert values.column_dimensions[label_col].width >= len("Part des ressources privées")

    objectives = workbook["objectives"]
    obj = dict(zip(*objectives.iter_rows(values_only=True), strict=True))
    assert obj["archived"] is False
    assert obj["objective_id"] == 1
    assert obj["description"] == "'@contact: ressources privées"

    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"

    dictionary = list(workbook["dictionnaire"].iter_rows(values_only=True))
    assert dictionary[0] == (
        "table",
        "column",
        "header_fr",
        "type",
        "required",
        "description",
        "allowed_values",
    )
    described = [(r[0], r[1]) for r in dictionary[1:]]
    assert [c for t, c in described if t == "indicator_values"] == header


def test_xlsx_keeps_internal_columns_for_the_ministry(engine, export_data, tmp_path):
    workbook = openpyxl.load_workbook(_file(engine, export_data["ministry"], tmp_path, "xlsx"))
    milestones = list(workbook["milestones"].iter_rows(values_only=True))
    row = dict(zip(milestones[0], milestones[1], strict=True))
    assert row["owner"] == "Camille Ménard"
    assert row["progress"] == 100
    assert row["due_date"] == dt.datetime(2026, 1, 31)


def test_json_document(engine, export_data, tmp_path):
    path = _file(engine, export_data["ministry"], tmp_path, "json")
    raw = path.read_bytes()
    assert "Réseau Trame".encode() in raw  # UTF-8, not \u00e9 escapes
    document = json.loads(raw)
    assert document["metadata"]["cohort"] == "C-EXP"
    assert list(document["tables"]) == list(exports.TABLE_NAMES)
    values = document["tables"]["indicator_values"]
    assert [v["value"] for v in values] == [6.5, -2.25, 3.0, 1234567.125, 12.0]
    assert all(isinstance(v["value"], float) for v in values)
    assert values[0]["period_start"] == "2025-10-01"
    assert values[0]["period_end"] == "2025-10-31"
    assert values[2]["indicator_label"] == "=1+1 contributions"  # JSON keeps text as it is
    objective = document["tables"]["objectives"][0]
    assert objective["archived"] is False
    assert objective["objective_id"] == 1
    assert objective["description"] == "@contact: ressources privées"
    maturity = document["tables"]["maturity"]
    assert [(m["axis"], m["level"], m["level_label"]) for m in maturity] == [
        ("vision", 2, "Expérimentation"),
        ("evaluation", 1, "Découverte"),
    ]
    dictionary = document["data_dictionary"]
    assert {"table": "indicator_values", "column": "value"}.items() <= dictionary[9].items()
