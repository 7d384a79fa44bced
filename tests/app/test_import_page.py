"""The import page: a lead downloads the template, uploads it edited, reads the preview
(before → after), applies it and finds the values stored; a broken file shows the French
error list (sheet, row, column, code, message), downloadable, and nothing is written; the
programme team imports for any network; a steering member cannot open the page."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core import clock
from dashboard.ui import get_engine
from tests.app.conftest import page
from tests.conftest import DEMO_AS_OF
from tests.unit.import_files import change_log_count, edit_xlsx, rows_of, stored_values

MAY = dt.date(2026, 5, 1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: DEMO_AS_OF)


def _open(login_as, who: str = "lead") -> AppTest:
    at = login_as(who)
    at.switch_page(page("lead/import")).run()
    assert not at.exception
    return at


def _upload(at: AppTest, name: str, content: bytes, mime: str = XLSX) -> AppTest:
    at.file_uploader[0].set_value((name, content, mime))
    return at.run()


def _edited_may_value(content: bytes) -> tuple[bytes, dict, float]:
    row = next(
        r for r in rows_of(content, "Valeurs")
        if r["Mois"].date() == MAY and r["Code indicateur"] == "ALLIANCE_RESOURCES_EUR"
    )  # fmt: skip
    new = row["Valeur"] + 2500
    return edit_xlsx(content, "Valeurs", {(row["_row"], "Valeur"): new}), row, new


def test_lead_uploads_previews_and_applies(login_as):
    at = _open(login_as)
    assert [b.proto.label for b in at.get("download_button")] == [
        "Modèle Excel (.xlsx)",
        "Mêmes tableaux en CSV (.zip)",
    ]
    from dashboard.services import imports
    from tests.unit.import_files import actor, template

    engine = get_engine()
    lead = actor(engine, "lead.r01")
    content = imports.write_xlsx(template(engine, lead))
    edited, row, new = _edited_may_value(content)
    _upload(at, "modele_R01.xlsx", edited)
    assert not at.exception and not at.error
    assert "1 ligne(s) à modifier" in at.success[0].value
    changes = at.dataframe[0].value
    assert list(changes["Ligne"]) == [row["_row"]]
    assert list(changes["Colonne"]) == ["Valeur"]
    assert stored_values(engine)[("ALLIANCE_RESOURCES_EUR", MAY)][0] == row["Valeur"]

    next(b for b in at.button if b.label == "Appliquer l'import").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Import appliqué au réseau R01 : 0 ajout(s), 1 modif")
    assert stored_values(engine)[("ALLIANCE_RESOURCES_EUR", MAY)][:1] == (new,)
    assert at.file_uploader[0].value is None  # a fresh uploader after the import


def test_broken_file_shows_the_error_list_and_writes_nothing(login_as):
    at = _open(login_as)
    from dashboard.services import imports
    from tests.unit.import_files import actor, template

    engine = get_engine()
    content = imports.write_xlsx(template(engine, actor(engine, "lead.r01")))
    row = next(r for r in rows_of(content, "Valeurs") if r["Mois"].date() == MAY)
    broken = edit_xlsx(content, "Valeurs", {(row["_row"], "Valeur"): "douze"})
    log = change_log_count(engine)
    _upload(at, "modele_R01.xlsx", broken)
    assert not at.exception
    assert at.error[0].value.startswith("1 erreur(s) : rien ne sera enregistré.")
    errors = at.dataframe[0].value
    assert list(errors.columns) == ["Feuille", "Ligne", "Colonne", "Valeur lue", "Code", "Message"]
    assert errors.iloc[0][["Feuille", "Ligne", "Colonne", "Valeur lue", "Code"]].tolist() == [
        "Valeurs", row["_row"], "Valeur", "douze", "not_a_number",
    ]  # fmt: skip
    assert errors.iloc[0]["Message"].startswith(f"Ligne {row['_row']}, « Valeur » : « douze »")
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Télécharger la liste des erreurs (CSV)" in labels
    assert not [b for b in at.button if b.label == "Appliquer l'import"]
    assert change_log_count(engine) == log

    hostile = io.BytesIO()
    book = openpyxl.load_workbook(io.BytesIO(content))
    book["Valeurs"]["J3"] = "=1+1"
    book.save(hostile)
    _upload(at, "modele_R01.xlsx", hostile.getvalue())
    assert "Valeurs!J3" in at.dataframe[0].value.iloc[0]["Message"]
    assert change_log_count(engine) == log


def test_programme_team_imports_for_a_chosen_network(login_as):
    at = _open(login_as, "admin")
    at.selectbox(key=next(k for k in at.session_state if str(k).startswith("network_picker_"))
                 ).select_index(1).run()  # fmt: skip
    assert not at.exception
    assert at.query_params.get("reseau") in ("R02", ["R02"])
    from dashboard.services import imports
    from tests.unit.import_files import actor, template

    engine = get_engine()
    content = imports.write_xlsx(template(engine, actor(engine, "animation"), "R02"))
    _upload(at, "modele_R02.xlsx", content)
    assert not at.exception and not at.error
    assert "Fichier vérifié pour le réseau R02 : 0 ligne(s) à modifier" in at.success[0].value


def test_steering_and_ministry_cannot_open_the_import_page(login_as):
    for who in ("steering", "ministry"):
        at = login_as(who)
        with pytest.raises(ValueError):
            at.switch_page(page("lead/import"))


def test_programme_team_imports_a_cohorts_networks_and_people(login_as):
    from tests.unit.test_imports_people import GOOD, _csv

    at = login_as("admin")
    at.switch_page(page("admin/cohort_import")).run()
    assert not at.exception
    _upload(at, "cohorte.csv", _csv(GOOD), "text/csv")
    assert not at.exception and not at.error
    assert at.success[0].value == "Fichier vérifié : 5 création(s), aucune erreur."
    next(b for b in at.button if b.label == "Créer les réseaux et inviter les personnes").click()
    at.run()
    assert not at.exception and not at.error
    assert at.success[0].value.endswith("5 création(s) enregistrée(s).")
    secrets = at.dataframe[0].value
    assert list(secrets["Identifiant"]) == ["alice.martin", "bruno.n01", "claire"]
    assert all(len(s) >= 16 for s in secrets["Code à usage unique"])
    at.run()  # shown once
    assert not [d for d in at.dataframe if "Code à usage unique" in d.value.columns]
    with pytest.raises(ValueError):
        login_as("lead").switch_page(page("admin/cohort_import"))
