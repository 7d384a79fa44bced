"""In a real browser: a lead downloads the template, fills a month, uploads it (the file input
driven by Playwright's set_input_files), reads the preview, applies it and sees the values on
the indicators page; a broken file shows the French error list and nothing is written."""

from __future__ import annotations

import io
import re

import openpyxl
from playwright.sync_api import expect

from tests.e2e.conftest import login

TIMEOUT = 90_000  # the machine running the tests may be busy
LEAD, PASSWORD = "lead.r11", "demo-referent-2026"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download_template(page) -> bytes:
    with page.expect_download(timeout=TIMEOUT) as info:
        page.get_by_role("button", name="Modèle Excel (.xlsx)").click()
    path = info.value.path()
    assert info.value.suggested_filename == "modele_import_R11.xlsx"
    return open(path, "rb").read()


def _fill_june(content: bytes, value) -> tuple[bytes, int]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book["Valeurs"]
    cols = {c.value: c.column for c in ws[1]}
    for row in range(2, ws.max_row + 1):
        month = ws.cell(row, cols["Mois"]).value
        code = ws.cell(row, cols["Code indicateur"]).value
        if month.year == 2026 and month.month == 6 and code == "VOLUNTEERS_MOBILISED":
            ws.cell(row, cols["Valeur"], value)
            out = io.BytesIO()
            book.save(out)
            return out.getvalue(), row
    raise AssertionError("no June row for VOLUNTEERS_MOBILISED")


def _upload(page, name: str, content: bytes) -> None:
    page.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": XLSX, "buffer": content}
    )


def test_lead_downloads_fills_uploads_previews_and_applies(page, live_server):
    login(page, live_server, LEAD, PASSWORD)
    page.goto(live_server + "/importer")
    expect(page.get_by_role("heading", name="Importer un tableur").first).to_be_visible(
        timeout=TIMEOUT
    )
    uploader = page.get_by_test_id("stFileUploaderDropzone")
    expect(uploader.get_by_text("5 Mo par fichier")).to_be_visible(timeout=TIMEOUT)
    expect(uploader.get_by_role("button", name="Choisir un fichier")).to_be_visible()
    expect(uploader.locator("input[type=file]")).to_have_attribute(
        "aria-label", "Déposer un fichier"
    )
    template = _download_template(page)

    broken, row = _fill_june(template, "beaucoup")
    _upload(page, "modele_import_R11.xlsx", broken)
    expect(page.get_by_text(re.compile(r"1 erreur\(s\) : rien ne sera enregistré"))).to_be_visible(
        timeout=TIMEOUT
    )
    expect(page.get_by_role("button", name="Appliquer l'import")).to_have_count(0)

    filled, row = _fill_june(template, 137)
    page.goto(live_server + "/importer")  # a fresh uploader for the corrected file
    expect(page.get_by_role("button", name="Modèle Excel (.xlsx)")).to_be_visible(timeout=TIMEOUT)
    _upload(page, "modele_rempli_R11.xlsx", filled)
    expect(page.get_by_text(re.compile(r"1 ligne\(s\) à modifier"))).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("button", name="Appliquer l'import").click()
    expect(
        page.get_by_text(re.compile(r"Import appliqué au réseau R11 : 0 ajout\(s\), 1 modif"))
    ).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("link", name="Voir les valeurs importées").click()
    page.wait_for_url(re.compile(r".*/indicateurs.*"), timeout=TIMEOUT)
    expect(page.get_by_text(re.compile(r"Dernière saisie : \d\d/\d\d/\d{4}"))).to_be_visible(
        timeout=TIMEOUT
    )
    # The same file again: everything it holds is stored, nothing changes.
    page.goto(live_server + "/importer")
    _upload(page, "modele_rempli_R11.xlsx", filled)
    expect(page.get_by_text("Ce fichier ne change rien : tout est déjà enregistré.")).to_be_visible(
        timeout=TIMEOUT
    )
