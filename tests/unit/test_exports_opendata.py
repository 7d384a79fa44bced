"""The open-data package: Frictionless accepts it, catches broken files, holds no personal data."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from frictionless import validate

from dashboard.core.db import session_scope
from dashboard.services.exports import runner as exports
from dashboard.services.exports.runner import ExportFilters, ExportRequest
from models import Lesson
from tests.unit.test_exports_fixture import build_export_fixture

GENERATED = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
# Every column that could carry a person: names, e-mails, authors, and what the accounts hold
# (anonymisation date, identity provider's subject, mentions, reminder recipients, addresses).
PERSONAL_COLUMN = re.compile(
    r"owner|author|user|e_?mail|person|full_name|_by$|^by_|who|comment"
    r"|anonymi|pseudonym|oidc|subject|mention|recipient|address|login"
)


@pytest.fixture
def export_data(engine) -> dict:
    return build_export_fixture(engine)


def _opendata(engine, actor, out: Path, tables=exports.TABLE_NAMES, **filters) -> Path:
    request = ExportRequest(
        profile="opendata", filters=ExportFilters(cohort="C-EXP", **filters), tables=tables
    )
    exports.export_to_directory(engine, actor, request, out, generated_at=GENERATED)
    return out


def check_package(directory: Path):
    """The one check the suite relies on: Frictionless validation of the package."""
    return validate(str(directory / "datapackage.json"))


def _errors(report) -> list[str]:
    return [error_type for (error_type,) in report.flatten(["type"])]


def _rewrite(directory: Path, name: str, transform) -> None:
    """Edit a CSV and refresh its declared size and hash, so only the content check can fail."""
    path = directory / f"{name}.csv"
    path.write_bytes(transform(path.read_bytes()))
    package_path = directory / "datapackage.json"
    package = json.loads(package_path.read_text(encoding="utf-8"))
    for resource in package["resources"]:
        if resource["name"] == name:
            data = path.read_bytes()
            resource["bytes"] = len(data)
            resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    package_path.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")


def test_package_validates(engine, export_data, tmp_path):
    out = _opendata(engine, export_data["ministry"], tmp_path / "od")
    report = check_package(out)
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])
    assert len(report.tasks) == len(exports.TABLE_NAMES)


def test_package_describes_types_constraints_and_keys(engine, export_data, tmp_path):
    out = _opendata(engine, export_data["ministry"], tmp_path / "od")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["created"] == "2026-07-01T08:00:00Z"
    resources = {r["name"]: r for r in package["resources"]}
    assert list(resources) == list(exports.TABLE_NAMES)
    values = resources["indicator_values"]
    assert values["path"] == "indicator_values.csv"
    assert values["encoding"] == "utf-8"
    assert values["dialect"]["delimiter"] == ","
    fields = {f["name"]: f for f in values["schema"]["fields"]}
    assert fields["value"]["type"] == "number"
    assert fields["period_start"]["type"] == "date"
    assert fields["status"]["constraints"]["enum"] == ["draft", "submitted", "validated"]
    assert all(f.get("description") for f in fields.values())
    assert values["schema"]["primaryKey"] == [
        "cohort_code",
        "network_code",
        "indicator_code",
        "period_start",
    ]
    milestones = resources["milestones"]["schema"]
    assert {
        "fields": "alliance_id",
        "reference": {"resource": "alliances", "fields": "alliance_id"},
    } in milestones["foreignKeys"]
    level = {f["name"]: f for f in resources["maturity"]["schema"]["fields"]}["level"]
    assert level["constraints"] == {"required": True, "minimum": 1, "maximum": 4}


def test_wrong_enum_value_is_caught(engine, export_data, tmp_path):
    out = _opendata(engine, export_data["ministry"], tmp_path / "od")
    _rewrite(out, "indicator_values", lambda b: b.replace(b",validated,", b",approved,", 1))
    report = check_package(out)
    assert not report.valid
    assert _errors(report) == ["constraint-error"]


def test_missing_foreign_key_is_caught(engine, export_data, tmp_path):
    out = _opendata(engine, export_data["ministry"], tmp_path / "od")
    _rewrite(out, "objectives", lambda b: b.split(b"\r\n")[0] + b"\r\n")  # header only
    report = check_package(out)
    assert not report.valid
    assert set(_errors(report)) == {"foreign-key"}


def test_tampered_file_is_caught_by_its_declared_hash(engine, export_data, tmp_path):
    out = _opendata(engine, export_data["ministry"], tmp_path / "od")
    path = out / "lessons.csv"
    path.write_bytes(path.read_bytes().replace(b"published", b"observed!"))
    report = check_package(out)
    assert not report.valid
    assert "hash-count" in _errors(report)


def test_partial_table_selection_still_validates(engine, export_data, tmp_path):
    # Milestones reference objectives and alliances: without them, no dangling foreign key.
    out = _opendata(
        engine, export_data["ministry"], tmp_path / "od", tables=("milestones", "lessons")
    )
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == ["milestones", "lessons"]
    assert all("foreignKeys" not in r["schema"] for r in package["resources"])
    assert check_package(out).valid


def test_no_personal_data_in_any_opendata_file(engine, export_data, tmp_path):
    out = _opendata(engine, export_data["ministry"], tmp_path / "od")
    files = sorted(out.iterdir())
    assert {p.name for p in files} >= {"datapackage.json", "milestones.csv", "lessons.csv"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        for needle in export_data["people"]:
            assert needle.lower() not in text.lower(), (path.name, needle)
        if path.suffix == ".csv":
            header = next(csv.reader(io.StringIO(text)))
            assert not [c for c in header if PERSONAL_COLUMN.search(c)], path.name
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    names = [f["name"] for r in package["resources"] for f in r["schema"]["fields"]]
    assert not [n for n in names if PERSONAL_COLUMN.search(n)]


def test_no_personal_data_in_opendata_after_anonymising_someone(engine, export_data, tmp_path):
    """An anonymised person's pseudonym is no more in open data than their name was."""
    from dashboard.services.privacy import anonymise_user

    lead = export_data["lead"]
    pseudonym = anonymise_user(engine, export_data["admin"], lead.id, version=None)
    out = _opendata(engine, export_data["ministry"], tmp_path / "od")
    for path in sorted(out.iterdir()):
        text = path.read_text(encoding="utf-8")
        for needle in [*export_data["people"], pseudonym, f"anonyme-{lead.id}"]:
            assert needle.lower() not in text.lower(), (path.name, needle)
    assert check_package(out).valid


def test_internal_profiles_do_carry_the_internal_columns(engine, export_data, tmp_path):
    # The same scan on the ministry's own profile finds the owner: the open-data check is real.
    request = ExportRequest(profile="excel_fr", filters=ExportFilters(cohort="C-EXP"))
    out = tmp_path / "fr"
    exports.export_to_directory(engine, export_data["ministry"], request, out)
    assert "Camille Ménard" in (out / "milestones.csv").read_text(encoding="utf-8-sig")
    header = (out / "milestones.csv").read_bytes().decode("utf-8-sig").split("\r\n")[0]
    assert "Responsable" in header.split(";")  # the owner column, under its French header


def test_network_selection_leaves_no_dangling_reference(engine, export_data, tmp_path):
    # A collective lesson about R01's alliance follows R01, not a selection of R02 alone.
    with session_scope(engine) as session:
        session.add(
            Lesson(
                cohort_id=export_data["cohort_id"],
                network_id=None,
                alliance_id=export_data["alliance"],
                code="L4",
                category="method",
                statement="Enseignement collectif sur une alliance",
                visibility="public",
            )
        )
    only_r02 = _opendata(engine, export_data["ministry"], tmp_path / "r02", networks=("R02",))
    assert check_package(only_r02).valid
    assert b"L4" not in (only_r02 / "lessons.csv").read_bytes()
    only_r01 = _opendata(engine, export_data["ministry"], tmp_path / "r01", networks=("R01",))
    assert check_package(only_r01).valid
    assert b",L4," in (only_r01 / "lessons.csv").read_bytes()
