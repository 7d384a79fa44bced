"""A few real-browser flows: login, refresh, deep links, logout."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import login

TIMEOUT = 45_000


def test_lead_logs_in_refreshes_and_stays_logged_in(page, live_server):
    login(page, live_server, "lead.r05", "demo-referent-2026")
    expect(page.get_by_text("Mon réseau")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Réseau Clicommun").first).to_be_visible(timeout=TIMEOUT)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["at_session"]["httpOnly"] is True
    page.reload()
    expect(page.get_by_text("Mon réseau")).to_be_visible(timeout=TIMEOUT)
    assert "/auth/login" not in page.url
    page.screenshot(path="test-results/lead_home.png", full_page=True)


def test_wrong_password_shows_the_french_message(page, live_server):
    login(page, live_server, "lead.r05", "pas-le-bon-mot-de-passe")
    expect(page.get_by_role("alert")).to_have_text("Identifiant ou mot de passe incorrect.")
    assert "/auth/login" in page.url


def test_deep_link_without_session_goes_to_login_then_back(page, live_server):
    page.goto(live_server + "/exports")
    page.wait_for_url(re.compile(r".*/auth/login\?next=/exports$"))
    page.fill("#username", "ministere")
    page.fill("#password", "demo-ministere-2026")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/exports$"), timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Exports").first).to_be_visible(timeout=TIMEOUT)


def test_logout_closes_the_session(page, live_server):
    login(page, live_server, "copil", "demo-copil-2026")
    expect(page.get_by_text("La cohorte en bref")).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté·e")).to_be_visible(timeout=TIMEOUT)
    page.reload()
    page.wait_for_url("**/auth/login**", timeout=TIMEOUT)
