"""XLSX exports past a sheet's row limit: the table goes on over name_2, name_3 … with the same
header, the dictionary names each continuation sheet, and every row is written and counted.
The limit is injected small so the test writes a few rows, not a million."""

from __future__ import annotations

import io

import openpyxl

from dashboard.services.exports import writers_csv, writers_xlsx
from dashboard.services.exports.runner import DICTIONARY_HEADER
from dashboard.services.exports.schema import INTEGER, STRING, ExportColumn, ExportTable, TableRows
from dashboard.services.exports.tables import dictionary_rows

COLUMNS = (
    ExportColumn("value_id", INTEGER, "Identifiant"),
    ExportColumn("comment", STRING, "Commentaire"),
)
TABLE = ExportTable(
    name="indicator_values",
    title="Valeurs",
    description="Valeurs mensuelles",
    columns=COLUMNS,
    primary_key=("value_id",),
    build=lambda selection: ({}, lambda q: q),  # never queried here
)


def _write(rows: list[tuple], max_rows: int) -> tuple[dict[str, int], openpyxl.Workbook]:
    stream = io.BytesIO()
    dictionary = (DICTIONARY_HEADER, dictionary_rows(["indicator_values"], opendata=False))
    counts = writers_xlsx.write_xlsx(
        stream,
        [TableRows(TABLE, COLUMNS, iter(rows))],
        dictionary,
        title="Export",
        max_rows=max_rows,
    )
    return counts, openpyxl.load_workbook(io.BytesIO(stream.getvalue()))


def _data(sheet) -> list[tuple]:
    return [tuple(r) for r in sheet.iter_rows(min_row=2, values_only=True)]


def test_a_table_longer_than_a_sheet_continues_on_numbered_sheets():
    rows = [(i, f"=ligne {i}") for i in range(1, 11)]
    counts, book = _write(rows, max_rows=4)
    assert book.sheetnames == [
        "indicator_values",
        "indicator_values_2",
        "indicator_values_3",
        "dictionnaire",
    ]
    assert counts == {"indicator_values": 10}
    written = []
    for name in book.sheetnames[:3]:
        sheet = book[name]
        assert [c.value for c in sheet[1]] == ["value_id", "comment"]
        written += _data(sheet)
    # Every row, in order, text still neutralised: nothing dropped, nothing counted twice.
    assert [r[0] for r in written] == list(range(1, 11))
    assert written[0][1] == "'=ligne 1"
    assert [len(_data(book[n])) for n in book.sheetnames[:3]] == [4, 4, 2]
    dictionary = {r[0]: r for r in _data(book["dictionnaire"])}
    described = dict(zip(DICTIONARY_HEADER, dictionary["indicator_values_3"], strict=True))
    assert described["description"].startswith("Suite de la table indicator_values (lignes 9 à 10)")
    assert "indicator_values_2" in dictionary


def test_a_table_that_exactly_fills_a_sheet_stays_on_one_sheet():
    counts, book = _write([(i, "x") for i in range(4)], max_rows=4)
    assert book.sheetnames == ["indicator_values", "dictionnaire"]
    assert counts == {"indicator_values": 4}
    assert len(_data(book["indicator_values"])) == 4


def test_the_default_limit_is_excels_sheet_size():
    # 1 048 576 rows per sheet, the first one being the header.
    assert writers_xlsx.XLSX_MAX_ROWS == 1_048_576 - 1


def test_csv_rows_are_converted_a_batch_at_a_time_without_losing_any(monkeypatch):
    monkeypatch.setattr(writers_csv, "CSV_BATCH", 2)  # 5 rows: batches of 2, 2 and 1
    rows = [(i, None if i == 3 else f"+{i}") for i in range(1, 6)]
    stream = io.BytesIO()
    stats = writers_csv.write_csv(stream, COLUMNS, iter(rows), writers_csv.OPENDATA)
    lines = stream.getvalue().decode("utf-8").split("\r\n")
    assert lines == ["value_id,comment", "1,'+1", "2,'+2", "3,", "4,'+4", "5,'+5", ""]
    assert stats.rows == 5
