"""``python -m dashboard template`` and ``import``: the template of a network, a dry run that
writes nothing, an import applied as the account named by --as, and a broken file listed in
French with exit status 1 and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.__main__ import main
from dashboard.core import clock
from dashboard.core.config import get_settings
from tests.conftest import DEMO_AS_OF
from tests.unit.import_files import change_log_count, edit_xlsx, rows_of, stored_values

MAY = dt.date(2026, 5, 1)


@pytest.fixture
def cli(demo_url, demo_engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.setattr(clock, "today", lambda: DEMO_AS_OF)
    get_settings.cache_clear()
    yield demo_engine
    get_settings.cache_clear()


def test_template_dry_run_then_import(cli, tmp_path, capsys):
    out = tmp_path / "modele_R01.xlsx"
    assert main(["template", "--network", "R01", "--out", str(out)]) == 0
    assert "Modèle du réseau R01 écrit" in capsys.readouterr().out
    row = next(
        r for r in rows_of(out.read_bytes(), "Valeurs")
        if r["Mois"].date() == MAY and r["Code indicateur"] == "IN_KIND_EUR"
    )  # fmt: skip
    edited = tmp_path / "rempli.xlsx"
    edited.write_bytes(edit_xlsx(out.read_bytes(), "Valeurs", {(row["_row"], "Valeur"): 987654.5}))
    log = change_log_count(cli)

    assert main(["import", str(edited), "--as", "lead.r01", "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert "Aperçu pour le réseau R01 : 1 ligne(s) à modifier" in printed
    assert f"Valeurs ligne {row['_row']}" in printed
    assert change_log_count(cli) == log

    assert main(["import", str(edited), "--as", "lead.r01"]) == 0
    assert "Import appliqué au réseau R01 : 0 ajout(s), 1 modification(s)" in (
        capsys.readouterr().out
    )
    assert stored_values(cli)[("IN_KIND_EUR", MAY)][0] == 987654.5


def test_broken_file_lists_errors_exit_1_nothing_written(cli, tmp_path, capsys):
    out = tmp_path / "modele.xlsx"
    main(["template", "--network", "R01", "--out", str(out)])
    row = rows_of(out.read_bytes(), "Valeurs")[-1]
    broken = tmp_path / "casse.xlsx"
    broken.write_bytes(
        edit_xlsx(out.read_bytes(), "Valeurs", {(row["_row"], "Valeur"): "beaucoup"})
    )
    capsys.readouterr()
    log = change_log_count(cli)
    assert main(["import", str(broken), "--as", "lead.r01"]) == 1
    err = capsys.readouterr().err
    assert f"[not_a_number] Valeurs : Ligne {row['_row']}, « Valeur » : « beaucoup »" in err
    assert "Rien n'a été enregistré" in err
    assert change_log_count(cli) == log
    assert main(["import", str(broken)]) == 2
    assert "--as IDENTIFIANT est obligatoire" in capsys.readouterr().err
