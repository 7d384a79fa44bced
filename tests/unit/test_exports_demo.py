"""Exports of the demo cohort: the package validates, no personal data, read-back equals the
database, and the number of SQL statements does not grow with the networks exported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pandas as pd
import pytest
from frictionless import validate
from sqlalchemy import event, func, select

from dashboard.cli.export import SYSTEM_ACTOR
from dashboard.core.db import session_scope
from dashboard.services.exports import runner as exports
from dashboard.services.exports.runner import ExportFilters, ExportRequest
from models import Cohort, Indicator, IndicatorValue, Lesson, Milestone, Network, User

DEMO = ExportFilters(cohort="AI-2026")


def _export(engine, out, profile, filters=DEMO, **kw):
    request = ExportRequest(profile=profile, filters=filters, **kw)
    exports.export_to_directory(engine, SYSTEM_ACTOR, request, out)
    return out


def _db_values(engine) -> pd.DataFrame:
    with session_scope(engine) as session:
        rows = session.execute(
            select(Network.code, Indicator.code, IndicatorValue.period_start, IndicatorValue.value)
            .join(Network, Network.id == IndicatorValue.network_id)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .join(Cohort, Cohort.id == Network.cohort_id)
            .where(Cohort.code == "AI-2026")
        ).all()
    frame = pd.DataFrame(rows, columns=["network_code", "indicator_code", "period_start", "value"])
    frame["period_start"] = frame["period_start"].map(dt.date.isoformat)
    return frame


def test_demo_opendata_package_validates(demo_engine, tmp_path):
    out = _export(demo_engine, tmp_path / "od", "opendata")
    report = validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])[:20]
    with session_scope(demo_engine) as session:
        public = session.execute(
            select(func.count()).where(Lesson.visibility == "public")
        ).scalar_one()
    lessons = pd.read_csv(out / "lessons.csv")
    assert len(lessons) == public > 0


def test_no_demo_person_in_any_opendata_file(demo_engine, tmp_path):
    out = _export(demo_engine, tmp_path / "od", "opendata")
    with session_scope(demo_engine) as session:
        users = session.execute(select(User.full_name, User.email, User.username)).all()
        owners = (
            session.execute(select(Milestone.owner).where(Milestone.owner.is_not(None)).distinct())
            .scalars()
            .all()
        )
    assert users and owners
    needles = [u.full_name for u in users] + [u.email for u in users if u.email] + owners
    # Distinctive logins (lead.r01…) are searched anywhere; plain-word logins such as
    # "animation" only as a whole cell, since the word occurs in ordinary sentences.
    needles += [u.username for u in users if "." in u.username]
    plain_logins = {u.username for u in users if "." not in u.username}
    for path in sorted(out.iterdir()):
        text = path.read_bytes().decode("utf-8")
        lowered = text.lower()
        for needle in needles:
            assert needle.lower() not in lowered, (path.name, needle)
        if path.suffix == ".csv":
            cells = {c for row in csv.reader(io.StringIO(text, newline="")) for c in row}
            assert not cells & plain_logins, path.name


def test_demo_excel_fr_reads_back_to_the_database_values(demo_engine, tmp_path):
    out = _export(demo_engine, tmp_path / "fr", "excel_fr")
    exported = pd.read_csv(
        out / "indicator_values.csv", sep=";", decimal=",", encoding="utf-8-sig"
    ).rename(
        columns={
            "Code du réseau": "network_code",
            "Code de l'indicateur": "indicator_code",
            "Début de la période": "period_start",
            "Valeur": "value",
        }
    )
    stored = _db_values(demo_engine)
    assert len(exported) == len(stored)
    assert exported["value"].dtype.kind == "f"
    key = ["network_code", "indicator_code", "period_start"]
    merged = exported[[*key, "value"]].merge(stored, on=key, suffixes=("_csv", "_db"))
    assert len(merged) == len(stored)
    assert (merged["value_csv"] == merged["value_db"]).all()


def test_demo_xlsx_reopens_with_typed_cells(demo_engine, tmp_path):
    out = _export(demo_engine, tmp_path / "x", "xlsx")
    workbook = openpyxl.load_workbook(out / "export.xlsx", read_only=True)
    sheet = workbook["indicator_values"]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    data = [dict(zip(header, r, strict=True)) for r in rows]
    stored = _db_values(demo_engine)
    assert len(data) == len(stored)
    assert all(isinstance(r["value"], int | float) for r in data)
    assert all(isinstance(r["period_start"], dt.datetime) for r in data)
    assert sum(r["value"] for r in data) == pytest.approx(stored["value"].sum())
    workbook.close()


def test_demo_exports_are_reproducible(demo_engine, tmp_path):
    for profile in ("excel_fr", "xlsx", "json"):
        a = _export(demo_engine, tmp_path / f"{profile}-a", profile)
        b = _export(demo_engine, tmp_path / f"{profile}-b", profile)
        for path in a.iterdir():
            assert path.read_bytes() == (b / path.name).read_bytes(), (profile, path.name)


def test_demo_json_numbers_and_dates(demo_engine, tmp_path):
    out = _export(
        demo_engine,
        tmp_path / "j",
        "json",
        filters=ExportFilters(cohort="AI-2026", validated_only=True),
    )
    document = json.loads((out / "export.json").read_bytes())
    values = document["tables"]["indicator_values"]
    assert values and {v["status"] for v in values} == {"validated"}
    assert all(isinstance(v["value"], float) for v in values)
    assert all(dt.date.fromisoformat(v["period_end"]) for v in values)


def _count_statements(engine, fn) -> int:
    statements = []

    def record(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_statement_count_does_not_grow_with_networks(demo_engine, tmp_path):
    def run(networks, sub):
        filters = ExportFilters(cohort="AI-2026", networks=networks)
        return lambda: _export(demo_engine, tmp_path / sub, "excel_fr", filters=filters)

    two = _count_statements(demo_engine, run(("R01", "R02"), "two"))
    twelve = _count_statements(demo_engine, run(tuple(f"R{i:02d}" for i in range(1, 13)), "twelve"))
    assert two == twelve


def test_demo_opendata_for_some_networks_validates(demo_engine, tmp_path):
    filters = ExportFilters(
        cohort="AI-2026", networks=("R03", "R07"), month_from="2025-11", month_to="2026-03"
    )
    out = _export(demo_engine, tmp_path / "od", "opendata", filters=filters)
    report = validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])[:20]
    values = pd.read_csv(out / "indicator_values.csv")
    assert set(values["network_code"]) == {"R03", "R07"}
    assert values["period_start"].min() >= "2025-11-01"
    assert values["period_start"].max() <= "2026-03-01"
