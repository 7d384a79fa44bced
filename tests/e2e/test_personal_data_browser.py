"""Personal data in a real browser: a lead downloads their own data from « Mon compte » (the
file is built on the click), and the programme team anonymises a departed lead, who then can no
longer log in and is named by the pseudonym only."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import choose, login

TIMEOUT = 45_000


def test_a_lead_downloads_their_own_data_as_json(page, live_server):
    login(page, live_server, "lead.r09", "demo-referent-2026")
    expect(page.locator("h1").first).to_be_visible(timeout=TIMEOUT)
    page.goto(live_server + "/mon-compte")
    button = page.get_by_role("button", name="Télécharger mes données (JSON)")
    expect(button).to_be_visible(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as info:
        button.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.startswith("mes-donnees-lead.r09-")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["account"]["full_name"] == "Samuel Roux"
    assert data["account"]["email"] == "samuel.roux@exemple.org"
    assert data["login_sessions"], "the session just opened is listed"
    assert {"changes", "login_attempts", "reminders", "comments"} <= set(data)


def test_the_programme_team_anonymises_a_departed_lead(page, live_server):
    login(page, live_server, "animation", "demo-animation-2026")
    expect(page.locator("h1").first).to_be_visible(timeout=TIMEOUT)
    page.goto(live_server + "/personnes")
    expect(page.get_by_text("Gérer un compte")).to_be_visible(timeout=TIMEOUT)
    chooser = page.get_by_label("Compte", exact=True)
    choose(
        page, chooser, page.get_by_role("option", name="lead.r12 — Agnès Morel"), typed="lead.r12"
    )
    confirm = page.get_by_text("Je confirme anonymiser définitivement « Agnès Morel »")
    expect(confirm).to_be_visible(timeout=TIMEOUT)
    confirm.click()
    page.get_by_role("button", name="Anonymiser").click()
    expect(page.get_by_text("Compte anonymisé : il apparaît désormais comme")).to_be_visible(
        timeout=TIMEOUT
    )
    expect(page.get_by_text("Agnès Morel")).to_have_count(0)
    # The departed lead can no longer log in.
    page.context.clear_cookies()
    login(page, live_server, "lead.r12", "demo-referent-2026")
    expect(page.get_by_text("Identifiant ou mot de passe incorrect.")).to_be_visible(
        timeout=TIMEOUT
    )
