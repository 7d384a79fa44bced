"""``python -m dashboard export``: the files of the page, French errors and exit status 2."""

from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dashboard.__main__ import main
from dashboard.cli.export import SYSTEM_ACTOR
from dashboard.core.config import get_settings
from dashboard.services.exports import runner as exports
from dashboard.services.exports.runner import ExportFilters, ExportRequest
from models.enums import Role
from tests.factories import make_cohort
from tests.unit.test_exports_fixture import build_export_fixture

ROOT = Path(__file__).resolve().parents[2]


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


# Writing the files: all or nothing --------------------------------------------------------


def _disk_full_on_second_table(monkeypatch):
    """The second CSV fails part-way, as when the disk fills up during an export."""
    from dashboard.services.exports import writers_csv

    real = writers_csv.write_csv
    calls = []

    def failing(fh, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            fh.write(b"cohort_code;network_code\r\nC-EXP;R0")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fh, *args, **kwargs)

    monkeypatch.setattr(writers_csv, "write_csv", failing)


def _snapshot(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_export_failing_part_way_keeps_the_previous_export(cli, tmp_path, capsys, monkeypatch):
    out = tmp_path / "publication"
    assert main(["export", "--profile", "excel_fr", "--out", str(out), "--cohort", "C-EXP"]) == 0
    before = _snapshot(out)
    capsys.readouterr()

    _disk_full_on_second_table(monkeypatch)
    args = ["export", "--profile", "excel_fr", "--out", str(out), "--validated-only"]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert "L'export n'a pas pu être écrit" in err
    assert "l'espace disque est insuffisant" in err
    assert "Traceback" not in err
    assert _snapshot(out) == before  # no new file beside old ones, none half-written
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".publication")] == []


def test_export_failing_part_way_into_a_new_folder_leaves_nothing(
    cli, tmp_path, capsys, monkeypatch
):
    _disk_full_on_second_table(monkeypatch)
    out = tmp_path / "new" / "publication"
    assert main(["export", "--profile", "opendata", "--out", str(out)]) != 0
    assert "l'espace disque est insuffisant" in capsys.readouterr().err
    assert not out.exists()
    assert list((tmp_path / "new").iterdir()) == []  # no staging folder left behind


def test_a_new_export_replaces_the_files_of_the_previous_one(cli, tmp_path):
    out = tmp_path / "publication"
    (tmp_path / "publication").mkdir()
    (out / "notes.txt").write_text("à garder")
    assert main(["export", "--profile", "opendata", "--out", str(out)]) == 0
    assert (out / "datapackage.json").exists()
    assert main(["export", "--profile", "json", "--out", str(out)]) == 0
    assert main(["export", "--profile", "excel_fr", "--out", str(out)]) == 0
    # The CSV files of the opendata run are all replaced (its data package is gone); the JSON
    # document and a file that is not an export's are kept.
    names = sorted(p.name for p in out.iterdir())
    assert "datapackage.json" not in names
    assert {"data_dictionary.csv", "indicator_values.csv", "export.json", "notes.txt"} <= set(names)
    assert (out / "indicator_values.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # excel_fr


def _run_cli_without_root_override(args, env):
    """Run the command line in a child process that cannot bypass file permissions, even
    when the tests run as root (which ignores a folder's read-only mode)."""
    command = [sys.executable, "-m", "dashboard", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to drop root's override"
        drop = "-dac_override,-dac_read_search"
        command = [setpriv, f"--bounding-set={drop}", f"--inh-caps={drop}", *command]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_unwritable_out_gets_a_french_message_not_a_traceback(cli, engine_url, tmp_path):
    locked = tmp_path / "lecture-seule"
    locked.mkdir()
    locked.chmod(0o555)
    env = dict(os.environ, DATABASE_URL=engine_url, PYTHONPATH=str(ROOT), APP_ENV="test")
    try:
        for out in (locked / "publication", locked):
            done = _run_cli_without_root_override(
                ["export", "--profile", "json", "--out", str(out)], env
            )
            assert done.returncode != 0
            assert "Traceback" not in done.stderr
            assert "n'est pas accessible en écriture" in done.stderr, done.stderr
            assert list(locked.iterdir()) == []
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    finally:
        locked.chmod(0o755)
