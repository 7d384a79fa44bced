"""``python -m dashboard export``: the files of the page, French errors and exit status 2."""

from __future__ import annotations

import io
import zipfile

import pytest

from dashboard.__main__ import main
from dashboard.cli.export import SYSTEM_ACTOR
from dashboard.core.config import get_settings
from dashboard.services.exports import runner as exports
from dashboard.services.exports.runner import ExportFilters, ExportRequest
from models.enums import Role
from tests.factories import make_cohort
from tests.unit.test_exports_fixture import build_export_fixture


@pytest.fixture
def cli(engine_url, engine, monkeypatch):
    data = build_export_fixture(engine)
    monkeypatch.setenv("DATABASE_URL", engine_url)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def test_system_actor_has_ministry_rights():
    assert SYSTEM_ACTOR.role is Role.ministry
    assert SYSTEM_ACTOR.network_id is None


@pytest.mark.parametrize("profile", ["excel_fr", "xlsx", "json"])
def test_cli_writes_the_same_files_as_the_page(cli, engine, tmp_path, capsys, profile):
    out = tmp_path / "cli"
    args = ["export", "--profile", profile, "--out", str(out), "--cohort", "C-EXP"]
    args += ["--networks", "R01,R02", "--from", "2025-10", "--to", "2026-06"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "indicator_values : 5 ligne(s)" in printed

    request = ExportRequest(
        profile=profile,
        filters=ExportFilters(
            cohort="C-EXP", networks=("R01", "R02"), month_from="2025-10", month_to="2026-06"
        ),
    )
    page_file = exports.export_download(engine, cli["ministry"], request)
    cli_files = {p.name: p.read_bytes() for p in out.iterdir()}
    if page_file.file_name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(page_file.data)) as archive:
            page_files = {name: archive.read(name) for name in archive.namelist()}
    else:
        page_files = {page_file.file_name.removeprefix("C-EXP_"): page_file.data}
    assert cli_files == page_files


def test_cli_opendata_with_validated_values_only(cli, tmp_path):
    out = tmp_path / "od"
    assert main(["export", "--profile", "opendata", "--out", str(out), "--validated-only"]) == 0
    lines = (out / "indicator_values.csv").read_bytes().split(b"\r\n")
    assert len(lines) == 1 + 3 + 1  # header, three validated values, final line end
    assert all(b",validated," in line for line in lines[1:-1])
    assert (out / "datapackage.json").exists()


def test_cli_indicator_filter(cli, tmp_path):
    out = tmp_path / "ind"
    args = ["export", "--profile", "json", "--out", str(out), "--indicators", "FORMULA_LABEL"]
    assert main(args) == 0
    assert b'"indicator_code": "PRIVATE_SHARE"' not in (out / "export.json").read_bytes()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--cohort", "AI-1999"], "Cohorte « AI-1999 » inconnue"),
        (
            ["--cohort", "C-EXP", "--networks", "R01,R77"],
            "Réseau(x) inconnu(s) dans la sélection : R77",
        ),
        (["--indicators", "PRIVATE_SHARE,NOPE"], "Indicateur(s) inconnu(s) : NOPE"),
        (["--from", "2026-1"], "Mois de début « 2026-1 » invalide"),
        (["--to", "2026-13"], "Mois de fin « 2026-13 » invalide"),
        (["--from", "2026-04", "--to", "2026-01"], "Période inversée"),
        (["--networks", ","], "La liste des réseaux est vide"),
        (["--cohort", "C-VIDE"], "La sélection est vide"),
    ],
)
def test_cli_bad_arguments_exit_non_zero_in_french(cli, engine, tmp_path, capsys, extra, message):
    make_cohort(engine, code="C-VIDE")
    out = tmp_path / "bad"
    assert main(["export", "--profile", "excel_fr", "--out", str(out), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_cli_unknown_profile_and_missing_out(cli, tmp_path, capsys):
    assert main(["export", "--profile", "csv", "--out", str(tmp_path / "x")]) == 2
    assert "Format d'export « csv » inconnu" in capsys.readouterr().err
    assert main(["export", "--profile", "json"]) == 2
    assert "Argument(s) obligatoire(s) manquant(s) : --out" in capsys.readouterr().err
    file = tmp_path / "file.txt"
    file.write_text("x")
    assert main(["export", "--profile", "json", "--out", str(file)]) == 2
    assert "n'est pas un dossier" in capsys.readouterr().err
