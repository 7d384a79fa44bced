"""JSON writer of the exports and the open-data package (Frictionless ``datapackage.json``)
describing the open-data CSV files.

The JSON document is written row by row; its output depends only on the rows. The package's
generation time sits in ``datapackage.json`` only.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable
from typing import IO

from dashboard.services.exports.schema import BOOLEAN, INTEGER, ExportColumn, TableRows
from dashboard.services.exports.writers_csv import OPENDATA, CsvStats


def _json_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_json(
    stream: IO[bytes],
    tables: Iterable[TableRows],
    dictionary: tuple[list[str], list[tuple]],
    *,
    metadata: dict,
) -> dict[str, int]:
    """One UTF-8 document ``{"metadata", "tables": {name: [rows…]}, "data_dictionary"}``:
    numbers as numbers, ISO dates, text unescaped and unchanged. Written row by row."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="\n")

    def dump(obj: object) -> str:
        return json.dumps(obj, ensure_ascii=False, allow_nan=False)

    counts: dict[str, int] = {}
    text.write('{"metadata": ' + dump(metadata) + ',\n"tables": {')
    for t_index, item in enumerate(tables):
        names = [c.name for c in item.columns]
        text.write(("," if t_index else "") + "\n" + dump(item.table.name) + ": [")
        count = 0
        for count, row in enumerate(item.rows, start=1):
            record = {n: _json_value(v) for n, v in zip(names, row, strict=True)}
            text.write(("," if count > 1 else "") + "\n" + dump(record))
        text.write("\n]")
        counts[item.table.name] = count
    header, rows = dictionary
    text.write('},\n"data_dictionary": [')
    for i, row in enumerate(rows):
        text.write(("," if i else "") + "\n" + dump(dict(zip(header, row, strict=True))))
    text.write("\n]}\n")
    text.flush()
    text.detach()
    return counts


# Frictionless data package ---------------------------------------------------------------


def _field(column: ExportColumn) -> dict:
    field: dict = {"name": column.name, "type": column.type, "description": column.description}
    constraints: dict = {}
    if column.required:
        constraints["required"] = True
    if column.enum:
        constraints["enum"] = list(column.enum)
    if column.minimum is not None:
        constraints["minimum"] = _json_number(column.minimum, column.type)
    if column.maximum is not None:
        constraints["maximum"] = _json_number(column.maximum, column.type)
    if constraints:
        field["constraints"] = constraints
    if column.type == BOOLEAN:
        field["trueValues"], field["falseValues"] = ["true"], ["false"]
    return field


def _json_number(value: float, kind: str) -> float | int:
    return int(value) if kind == INTEGER else value


def datapackage(
    tables: list[tuple[TableRows, CsvStats]],
    *,
    name: str,
    title: str,
    description: str,
    generated_at: dt.datetime,
    filters: dict,
) -> dict:
    """A Frictionless (tabular) Data Package describing the open-data CSV files."""
    included = {item.table.name for item, _ in tables}
    resources = []
    for item, stats in tables:
        schema: dict = {
            "fields": [_field(c) for c in item.columns],
            "missingValues": [""],
            "primaryKey": list(item.table.primary_key),
        }
        fks = [
            {"fields": f, "reference": {"resource": res, "fields": ref}}
            for f, res, ref in item.table.foreign_keys
            if res in included
        ]
        if fks:
            schema["foreignKeys"] = fks
        resources.append(
            {
                "name": item.table.name,
                "path": f"{item.table.name}.csv",
                "profile": "tabular-data-resource",
                "title": item.table.title,
                "description": item.table.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": stats.bytes,
                "hash": f"sha256:{stats.sha256}",
                "dialect": {
                    "delimiter": OPENDATA.delimiter,
                    "lineTerminator": OPENDATA.line_terminator,
                    "quoteChar": '"',
                    "doubleQuote": True,
                    "header": True,
                },
                "schema": schema,
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "description": description,
        "created": _utc_text(generated_at),
        "licenses": [
            {
                "name": "etalab-2.0",
                "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
                "title": "Licence Ouverte / Open Licence version 2.0",
            }
        ],
        "x_filters": filters,
        "resources": resources,
    }


def _utc_text(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def package_bytes(package: dict) -> bytes:
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
