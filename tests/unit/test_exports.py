"""Exports on the small hand-made fixture: exact bytes per CSV profile, read-back, filters,
reproducibility, the page's download equal to the command line's files, permissions."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pandas as pd
import pytest

from dashboard.core.errors import PermissionDenied, ValidationFailed
from dashboard.services.exports import runner as exports
from dashboard.services.exports.runner import ExportFilters, ExportRequest
from dashboard.services.exports.schema import FRENCH_HEADERS
from dashboard.services.exports.tables import TABLES
from tests.factories import make_user
from tests.unit.test_exports_fixture import build_export_fixture

GENERATED = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
COHORT = ExportFilters(cohort="C-EXP")


@pytest.fixture
def export_data(engine) -> dict:
    return build_export_fixture(engine)


def _export(engine, actor, tmp_path, profile, filters=COHORT, tables=exports.TABLE_NAMES, sub=""):
    out = tmp_path / (sub or profile)
    request = ExportRequest(profile=profile, filters=filters, tables=tables)
    exports.export_to_directory(engine, actor, request, out, generated_at=GENERATED)
    return out


# Exact bytes ------------------------------------------------------------------------------

# excel_fr: French headers and French labels for coded values (stable codes in opendata).
EXCEL_FR_VALUES = (
    b"\xef\xbb\xbf"
    b"Code de la cohorte;Code du r\xc3\xa9seau;R\xc3\xa9seau;Code de l'indicateur;Indicateur;"
    b"Unit\xc3\xa9;R\xc3\xa8gle de cumul;D\xc3\xa9but de la p\xc3\xa9riode;"
    b"Fin de la p\xc3\xa9riode;Valeur;Statut;Axe d'impact;Levier;Commentaire\r\n"
    b"C-EXP;R01;R\xc3\xa9seau Trame;PRIVATE_SHARE;Part des ressources priv\xc3\xa9es;"
    b"Pourcentage;Niveau \xc3\xa0 date;2025-10-01;2025-10-31;6,5;Valid\xc3\xa9e;Performance;"
    b"Argent;Camille M\xc3\xa9nard a saisi\r\n"
    b"C-EXP;R01;R\xc3\xa9seau Trame;PRIVATE_SHARE;Part des ressources priv\xc3\xa9es;"
    b"Pourcentage;Niveau \xc3\xa0 date;2025-11-01;2025-11-30;-2,25;Soumise;Performance;Argent;"
    b"\r\n"
    b"C-EXP;R01;R\xc3\xa9seau Trame;FORMULA_LABEL;'=1+1 contributions;Nombre;"
    b"Cumul depuis le d\xc3\xa9but;2025-10-01;2025-10-31;3;Valid\xc3\xa9e;Innovation;"
    b"Alliances;\r\n"
    b"C-EXP;R01;R\xc3\xa9seau Trame;FORMULA_LABEL;'=1+1 contributions;Nombre;"
    b"Cumul depuis le d\xc3\xa9but;2026-02-01;2026-02-28;1234567,125;Brouillon;Innovation;"
    b"Alliances;\r\n"
    b"C-EXP;R02;Union Sillons;PRIVATE_SHARE;Part des ressources priv\xc3\xa9es;Pourcentage;"
    b"Niveau \xc3\xa0 date;2025-12-01;2025-12-31;12;Valid\xc3\xa9e;Performance;Argent;\r\n"
)

OPENDATA_VALUES = (
    b"cohort_code,network_code,network_name,indicator_code,indicator_label,unit,accumulation,"
    b"period_start,period_end,value,status,impact_axis,lever\r\n"
    b"C-EXP,R01,R\xc3\xa9seau Trame,PRIVATE_SHARE,Part des ressources priv\xc3\xa9es,percent,level,"
    b"2025-10-01,2025-10-31,6.5,validated,performance,money\r\n"
    b"C-EXP,R01,R\xc3\xa9seau Trame,PRIVATE_SHARE,Part des ressources priv\xc3\xa9es,percent,level,"
    b"2025-11-01,2025-11-30,-2.25,submitted,performance,money\r\n"
    b"C-EXP,R01,R\xc3\xa9seau Trame,FORMULA_LABEL,'=1+1 contributions,count,cumulative,"
    b"2025-10-01,2025-10-31,3,validated,innovation,alliances\r\n"
    b"C-EXP,R01,R\xc3\xa9seau Trame,FORMULA_LABEL,'=1+1 contributions,count,cumulative,"
    b"2026-02-01,2026-02-28,1234567.125,draft,innovation,alliances\r\n"
    b"C-EXP,R02,Union Sillons,PRIVATE_SHARE,Part des ressources priv\xc3\xa9es,percent,level,"
    b"2025-12-01,2025-12-31,12,validated,performance,money\r\n"
)

EXCEL_FR_OBJECTIVES = (
    b"\xef\xbb\xbf"
    b"N\xc2\xb0 de l'objectif;Code de la cohorte;Code du r\xc3\xa9seau;R\xc3\xa9seau;"
    b"Code de l'objectif;Intitul\xc3\xa9;Motivation;Description;Archiv\xc3\xa9\r\n"
    b'1;C-EXP;R01;R\xc3\xa9seau Trame;R01-O1;"Diversifier les ressources, ""priv\xc3\xa9es""";'
    b"Diversification des ressources;'@contact: ressources priv\xc3\xa9es;non\r\n"
)

OPENDATA_OBJECTIVES = (
    b"objective_id,cohort_code,network_code,network_name,objective_code,title,motivation,"
    b"description,archived\r\n"
    b'1,C-EXP,R01,R\xc3\xa9seau Trame,R01-O1,"Diversifier les ressources, ""priv\xc3\xa9es""",'
    b"resource_diversification,'@contact: ressources priv\xc3\xa9es,false\r\n"
)

OPENDATA_LESSONS = (
    b"lesson_id,cohort_code,network_code,network_name,session_code,alliance_id,lesson_code,"
    b"category,statement,capitalisation,visibility\r\n"
    b"1,C-EXP,R01,R\xc3\xa9seau Trame,S1,1,L1,lever,'-Public : co-construire t\xc3\xb4t,"
    b"published,public\r\n"
)


def test_excel_fr_exact_bytes(engine, export_data, tmp_path):
    assert export_data["objective"] == 1
    out = _export(engine, export_data["ministry"], tmp_path, "excel_fr")
    assert (out / "indicator_values.csv").read_bytes() == EXCEL_FR_VALUES
    assert (out / "objectives.csv").read_bytes() == EXCEL_FR_OBJECTIVES


def test_opendata_exact_bytes(engine, export_data, tmp_path):
    assert export_data["objective"] == 1
    out = _export(engine, export_data["ministry"], tmp_path, "opendata")
    assert (out / "indicator_values.csv").read_bytes() == OPENDATA_VALUES
    assert (out / "objectives.csv").read_bytes() == OPENDATA_OBJECTIVES
    assert (out / "lessons.csv").read_bytes() == OPENDATA_LESSONS


def test_cli_file_set_per_profile(engine, export_data, tmp_path):
    tables = [f"{n}.csv" for n in exports.TABLE_NAMES]
    expected = {
        "excel_fr": {*tables, "data_dictionary.csv"},
        "opendata": {*tables, "datapackage.json"},
        "xlsx": {"export.xlsx"},
        "json": {"export.json"},
    }
    assert set(exports.TABLE_NAMES) == {
        "indicator_values",
        "indicator_targets",
        "objectives",
        "alliances",
        "milestones",
        "maturity",
        "lessons",
    }
    for profile, names in expected.items():
        out = _export(engine, export_data["ministry"], tmp_path, profile)
        assert {p.name for p in out.iterdir()} == names


def test_excel_fr_reads_back_with_pandas_to_the_same_numbers(engine, export_data, tmp_path):
    out = _export(engine, export_data["ministry"], tmp_path, "excel_fr")
    frame = pd.read_csv(out / "indicator_values.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert list(frame["Valeur"]) == [6.5, -2.25, 3.0, 1234567.125, 12.0]
    assert frame["Valeur"].dtype.kind == "f"
    assert list(frame["Début de la période"]) == [
        "2025-10-01",
        "2025-11-01",
        "2025-10-01",
        "2026-02-01",
        "2025-12-01",
    ]
    targets = pd.read_csv(out / "indicator_targets.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert targets.loc[0, ["Valeur de référence", "Valeur cible", "Cible initiale"]].tolist() == [
        6.0,
        10.0,
        12.0,
    ]
    assert targets.loc[0, "Cible révisée le"] == "2026-01-15"


def test_data_dictionary_describes_every_column_in_french(engine, export_data, tmp_path):
    out = _export(engine, export_data["ministry"], tmp_path, "excel_fr")
    dictionary = pd.read_csv(out / "data_dictionary.csv", sep=";", encoding="utf-8-sig")
    for name in exports.TABLE_NAMES:
        header = pd.read_csv(out / f"{name}.csv", sep=";", encoding="utf-8-sig", nrows=0)
        described = dictionary[dictionary["table"] == name]
        # Both names: the French header of this profile and the stable name of the others.
        assert list(described["header_fr"]) == list(header.columns)
        assert described["column"].str.fullmatch(r"[a-z_]+").all()
        assert described["description"].str.len().min() > 5
    status = dictionary[
        (dictionary["table"] == "indicator_values") & (dictionary["column"] == "status")
    ]
    assert status["allowed_values"].item() == (
        "draft (Brouillon), submitted (Soumise), validated (Validée)"
    )


def test_every_exported_column_has_its_own_french_header():
    for table in TABLES.values():
        names = [c.name for c in table.columns]
        assert set(names) <= set(FRENCH_HEADERS), table.name
        headers = [c.french_header for c in table.columns]
        assert len(set(headers)) == len(headers), table.name


# Lessons by level ------------------------------------------------------------------------


def test_lessons_visible_at_the_chosen_level(engine, export_data, tmp_path):
    ministry = export_data["ministry"]
    internal = pd.read_csv(
        _export(engine, ministry, tmp_path, "excel_fr") / "lessons.csv",
        sep=";",
        encoding="utf-8-sig",
    )
    public = pd.read_csv(_export(engine, ministry, tmp_path, "opendata") / "lessons.csv")
    assert list(internal["Code de l'enseignement"]) == ["L1", "L2"]  # never the network-only L3
    assert list(public["lesson_code"]) == ["L1"]
    assert set(public["visibility"]) == {"public"}


# Filters ---------------------------------------------------------------------------------


def _json_tables(engine, actor, tmp_path, filters, sub):
    out = _export(engine, actor, tmp_path, "json", filters=filters, sub=sub)
    return json.loads((out / "export.json").read_text(encoding="utf-8"))["tables"]


def _keys(rows):
    return [(r["network_code"], r["indicator_code"], r["period_start"]) for r in rows]


def test_filter_networks(engine, export_data, tmp_path):
    tables = _json_tables(
        engine,
        export_data["ministry"],
        tmp_path,
        ExportFilters(cohort="C-EXP", networks=("R02",)),
        "n",
    )
    assert _keys(tables["indicator_values"]) == [("R02", "PRIVATE_SHARE", "2025-12-01")]
    assert tables["objectives"] == [] and tables["alliances"] == []
    # Collective lessons (no network) stay with any network selection.
    assert [r["lesson_code"] for r in tables["lessons"]] == ["L2"]


def test_filter_indicators(engine, export_data, tmp_path):
    filters = ExportFilters(cohort="C-EXP", indicators=("FORMULA_LABEL",))
    tables = _json_tables(engine, export_data["ministry"], tmp_path, filters, "i")
    assert _keys(tables["indicator_values"]) == [
        ("R01", "FORMULA_LABEL", "2025-10-01"),
        ("R01", "FORMULA_LABEL", "2026-02-01"),
    ]
    assert tables["indicator_targets"] == []  # the only target is on PRIVATE_SHARE


def test_filter_months(engine, export_data, tmp_path):
    filters = ExportFilters(cohort="C-EXP", month_from="2025-11", month_to="2026-01")
    tables = _json_tables(engine, export_data["ministry"], tmp_path, filters, "m")
    assert _keys(tables["indicator_values"]) == [
        ("R01", "PRIVATE_SHARE", "2025-11-01"),
        ("R02", "PRIVATE_SHARE", "2025-12-01"),
    ]


def test_filter_validated_only(engine, export_data, tmp_path):
    filters = ExportFilters(cohort="C-EXP", validated_only=True)
    tables = _json_tables(engine, export_data["ministry"], tmp_path, filters, "v")
    assert _keys(tables["indicator_values"]) == [
        ("R01", "PRIVATE_SHARE", "2025-10-01"),
        ("R01", "FORMULA_LABEL", "2025-10-01"),
        ("R02", "PRIVATE_SHARE", "2025-12-01"),
    ]
    assert {r["status"] for r in tables["indicator_values"]} == {"validated"}


def test_filters_combine(engine, export_data, tmp_path):
    filters = ExportFilters(
        cohort="C-EXP",
        networks=("R01",),
        indicators=("PRIVATE_SHARE",),
        month_from="2025-10",
        month_to="2025-10",
        validated_only=True,
    )
    tables = _json_tables(engine, export_data["ministry"], tmp_path, filters, "c")
    assert _keys(tables["indicator_values"]) == [("R01", "PRIVATE_SHARE", "2025-10-01")]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (ExportFilters(cohort="NOPE"), "Cohorte « NOPE » inconnue"),
        (ExportFilters(cohort="C-EXP", networks=("R01", "R99")), "Réseau(x) inconnu(s)"),
        (ExportFilters(indicators=("NOT_AN_INDICATOR",)), "Indicateur(s) inconnu(s)"),
        (ExportFilters(month_from="2026-13"), "attendu un mois au format AAAA-MM"),
        (ExportFilters(month_to="janvier"), "attendu un mois au format AAAA-MM"),
        (ExportFilters(month_from="2026-03", month_to="2026-01"), "Période inversée"),
        (ExportFilters(networks=()), "La liste des réseaux est vide"),
    ],
)
def test_bad_filters_are_refused_in_french(engine, export_data, tmp_path, filters, message):
    request = ExportRequest(profile="excel_fr", filters=filters)
    with pytest.raises(ValidationFailed) as caught:
        exports.export_to_directory(engine, export_data["ministry"], request, tmp_path / "x")
    assert message in caught.value.message
    assert not (tmp_path / "x" / "indicator_values.csv").exists()


def test_empty_selection_is_refused(engine, export_data, tmp_path):
    request = ExportRequest(
        profile="opendata",
        tables=("indicator_values",),
        filters=ExportFilters(cohort="C-EXP", month_from="2030-01", month_to="2030-02"),
    )
    with pytest.raises(ValidationFailed, match="La sélection est vide"):
        exports.export_to_directory(engine, export_data["ministry"], request, tmp_path / "e")
    with pytest.raises(ValidationFailed, match="au moins une table"):
        exports.preview_export(
            engine, export_data["ministry"], ExportRequest(profile="json", tables=())
        )
    with pytest.raises(ValidationFailed, match="Format d'export « csv » inconnu"):
        exports.preview_export(engine, export_data["ministry"], ExportRequest(profile="csv"))


# Reproducibility; page = command line ------------------------------------------------------


@pytest.mark.parametrize("profile", ["excel_fr", "opendata", "xlsx", "json"])
def test_same_filters_give_byte_identical_files(engine, export_data, tmp_path, profile):
    actor = export_data["ministry"]
    request = ExportRequest(profile=profile, filters=COHORT)
    first, second = tmp_path / "a", tmp_path / "b"
    exports.export_to_directory(engine, actor, request, first)
    exports.export_to_directory(engine, actor, request, second)
    data_files = sorted(p.name for p in first.iterdir() if p.name != "datapackage.json")
    assert data_files
    for name in data_files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    if profile == "opendata":
        # Only the generation time may differ in the package description.
        a = json.loads((first / "datapackage.json").read_text(encoding="utf-8"))
        b = json.loads((second / "datapackage.json").read_text(encoding="utf-8"))
        a.pop("created"), b.pop("created")
        assert a == b


@pytest.mark.parametrize("profile", ["excel_fr", "opendata"])
def test_page_zip_holds_the_command_line_files(engine, export_data, tmp_path, profile):
    actor = export_data["ministry"]
    request = ExportRequest(profile=profile, filters=COHORT)
    out = tmp_path / "cli"
    exports.export_to_directory(engine, actor, request, out, generated_at=GENERATED)
    download = exports.export_download(engine, actor, request, generated_at=GENERATED)
    assert download.file_name == f"C-EXP_{profile}.zip"
    assert download.mime == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    assert members == {p.name: p.read_bytes() for p in out.iterdir()}
    again = exports.export_download(engine, actor, request, generated_at=GENERATED)
    assert again.data == download.data


@pytest.mark.parametrize(("profile", "name"), [("xlsx", "export.xlsx"), ("json", "export.json")])
def test_page_single_file_equals_the_command_line_file(
    engine, export_data, tmp_path, profile, name
):
    actor = export_data["ministry"]
    request = ExportRequest(profile=profile, filters=COHORT)
    out = tmp_path / "cli"
    exports.export_to_directory(engine, actor, request, out)
    download = exports.export_download(engine, actor, request)
    assert download.file_name == f"C-EXP_{name}"
    assert download.data == (out / name).read_bytes()


def test_one_table_for_excel_is_a_single_csv(engine, export_data):
    request = ExportRequest(profile="excel_fr", filters=COHORT, tables=("indicator_values",))
    download = exports.export_download(engine, export_data["ministry"], request)
    assert download.file_name == "C-EXP_indicator_values.csv"
    assert download.data == EXCEL_FR_VALUES


# Preview, options, permissions -------------------------------------------------------------


def test_preview_counts_and_first_rows(engine, export_data):
    request = ExportRequest(profile="opendata", filters=COHORT)
    previews = exports.preview_export(engine, export_data["ministry"], request, limit=2)
    counts = {p.name: p.rows for p in previews}
    assert counts == {
        "indicator_values": 5,
        "indicator_targets": 1,
        "objectives": 1,
        "alliances": 1,
        "milestones": 1,
        "maturity": 2,
        "lessons": 1,
    }
    values = previews[0].head
    assert len(values) == 2
    assert list(values["value"]) == [6.5, -2.25]
    assert "comment" not in values.columns  # open data: no internal note
    assert previews[0].title == "Valeurs des indicateurs"


def test_options_for_the_form(engine, export_data):
    options = exports.export_options(engine, export_data["ministry"], export_data["cohort_id"])
    assert options["cohort_code"] == "C-EXP"
    assert list(options["networks"]["code"]) == ["R01", "R02"]
    assert list(options["indicators"]["code"]) == ["PRIVATE_SHARE", "FORMULA_LABEL"]
    assert options["months"][0] == dt.date(2025, 10, 1)
    assert options["months"][-1] == dt.date(2026, 6, 1)
    assert set(options["profiles"]) == {"excel_fr", "opendata", "xlsx", "json"}


def test_admin_may_export(engine, export_data, tmp_path):
    admin = export_data["admin"]
    out = _export(engine, admin, tmp_path, "excel_fr")
    assert (out / "indicator_values.csv").read_bytes() == EXCEL_FR_VALUES


@pytest.mark.parametrize("role", ["lead", "steering"])
def test_leads_and_steering_cannot_export(engine, export_data, tmp_path, role):
    actor = (
        export_data["lead"]
        if role == "lead"
        else make_user(engine, "steering", username="copil.exp")
    )
    request = ExportRequest(profile="excel_fr", filters=COHORT)
    with pytest.raises(PermissionDenied):
        exports.export_to_directory(engine, actor, request, tmp_path / "no")
    with pytest.raises(PermissionDenied):
        exports.preview_export(engine, actor, request)
    with pytest.raises(PermissionDenied):
        exports.export_download(engine, actor, request)
    with pytest.raises(PermissionDenied):
        exports.export_options(engine, actor, export_data["cohort_id"])
    assert not (tmp_path / "no").exists()
