"""The cohort dashboard's « Dossier du comité de pilotage (PDF) » box through the real entry
point: the steering committee prepares and downloads the pack; a lead has no such box; a
missing export engine is a French message, not a traceback."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.app.conftest import page

BOX = "Dossier du comité de pilotage (PDF)"


def _dashboard(login_as, who: str):
    at = login_as(who)
    at.switch_page(page("cohort/dashboard")).run()
    assert not at.exception
    return at


def _prepare(at):
    button = next(b for b in at.button if b.label == "Préparer le dossier PDF")
    return button.click().run(timeout=300)


def test_steering_committee_prepares_and_downloads_the_pack(login_as):
    at = _dashboard(login_as, "steering")
    assert BOX in [e.label for e in at.expander]
    assert not at.get("download_button")  # nothing to download before it is prepared
    session = next(s for s in at.selectbox if s.label == "Session")
    at = _prepare(session.set_value("S3").run())
    assert not at.exception
    assert not at.error
    (download,) = at.get("download_button")
    assert download.proto.label.startswith("Télécharger le dossier (")
    pdf = at.session_state["_pack_ready"][3]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Dossier du comité de pilotage" in text
    assert "S3 — Session 3" in text  # the session picked
    assert "Fédération Trame Solidaire" in text


def test_missing_export_engine_is_a_french_message(login_as, monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    at = _prepare(_dashboard(login_as, "admin"))
    assert not at.exception
    (error,) = at.error
    assert "Le moteur d'export des graphiques est introuvable" in error.value
    assert "no-chromium" in error.value
    assert not at.get("download_button")


def test_a_lead_has_no_pack_box(login_as):
    at = _dashboard(login_as, "lead")
    assert BOX not in [e.label for e in at.expander]
    assert "Préparer le dossier PDF" not in [b.label for b in at.button]
