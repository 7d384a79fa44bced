"""A template saved by LibreOffice Calc (as a person filling it offline would) imports cleanly:
unmodified, it changes nothing; edited before LibreOffice saves it, the edits come back exactly.
LibreOffice is a required tool here: with REQUIRE_NO_SKIP=1 its absence fails the test."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dashboard.services import imports
from tests.unit.import_files import (
    AS_OF,
    actor,
    change_log_count,
    edit_xlsx,
    rows_of,
    stored_milestones,
    stored_values,
    template,
)

MAY = dt.date(2026, 5, 1)


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    message = "LibreOffice (soffice) est introuvable : installez libreoffice-calc-nogui."
    if os.environ.get("REQUIRE_NO_SKIP") == "1":
        pytest.fail(message)
    pytest.skip(message)


def saved_by_libreoffice(content: bytes, tmp_path: Path) -> bytes:
    """``soffice --headless --convert-to xlsx``: the workbook as Calc writes it back."""
    source, out = tmp_path / "source" / "modele.xlsx", tmp_path / "calc"
    source.parent.mkdir()
    out.mkdir()
    source.write_bytes(content)
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = out / "modele.xlsx"
    assert converted.exists(), "LibreOffice n'a pas écrit le classeur"
    assert converted.read_bytes() != content
    return converted.read_bytes()


def test_template_saved_by_libreoffice_is_a_noop(demo_engine, tmp_path):
    lead = actor(demo_engine, "lead.r01")
    content = saved_by_libreoffice(imports.write_xlsx(template(demo_engine, lead)), tmp_path)
    log = change_log_count(demo_engine)
    plan = imports.preview_import(demo_engine, lead, "modele.xlsx", content, as_of=AS_OF)
    assert plan.errors == [] and plan.warnings == []
    assert plan.changes == [] and len(plan.unchanged) == plan.rows_read > 100
    imports.apply_import(demo_engine, lead, "modele.xlsx", content, as_of=AS_OF)
    assert change_log_count(demo_engine) == log


def test_month_filled_then_saved_by_libreoffice_imports_exactly(demo_engine, tmp_path):
    lead = actor(demo_engine, "lead.r01")
    content = imports.write_xlsx(template(demo_engine, lead))
    may = {r["Code indicateur"]: r for r in rows_of(content, "Valeurs") if r["Mois"].date() == MAY}
    edits = {
        (may["IN_KIND_EUR"]["_row"], "Valeur"): 12345.67,
        (may["IN_KIND_EUR"]["_row"], "Commentaire"): "=apport « en nature », chiffré",
        (may["VOLUNTEERS_MOBILISED"]["_row"], "Valeur"): 42,
    }
    milestone = rows_of(content, "Jalons")[-1]
    edited = edit_xlsx(content, "Valeurs", edits)
    edited = edit_xlsx(edited, "Jalons", {(milestone["_row"], "Commentaire"): "+ relancé par Calc"})
    calc = saved_by_libreoffice(edited, tmp_path)

    plan = imports.preview_import(demo_engine, lead, "modele.xlsx", calc, as_of=AS_OF)
    assert plan.errors == []
    assert sorted(c.row for c in plan.changes) == sorted(
        [may["IN_KIND_EUR"]["_row"], may["VOLUNTEERS_MOBILISED"]["_row"], milestone["_row"]]
    )
    imports.apply_import(demo_engine, lead, "modele.xlsx", calc, as_of=AS_OF)
    stored = stored_values(demo_engine)
    assert stored[("IN_KIND_EUR", MAY)][:2] == (12345.67, "=apport « en nature », chiffré")
    assert stored[("VOLUNTEERS_MOBILISED", MAY)][0] == 42
    assert stored_milestones(demo_engine)[milestone["N° jalon"]]["comment"] == "+ relancé par Calc"
