"""The Content-Security-Policy in a real browser: the pages (Plotly and Vega-Lite charts, the
export download) still work, and the browser reports no violation."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from dashboard.ui.navigation import PAGES
from models.enums import Role
from tests.e2e.conftest import login

TIMEOUT = 45_000

# Recorded before any page script runs; Playwright's init scripts are not subject to the CSP.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def _watch(page) -> list[str]:
    messages: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda msg: (
            messages.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    return messages


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def test_dashboard_charts_render_without_csp_violation(page, live_server):
    console = _watch(page)
    login(page, live_server, "copil", "demo-copil-2026")
    expect(page.get_by_text("La cohorte en bref")).to_be_visible(timeout=TIMEOUT)
    page.goto(live_server + "/tableau-de-bord")
    page.get_by_role("tab", name="Alliances").click()
    expect(page.locator(".js-plotly-plot:visible").first).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("tab", name="Maturité").click()
    # Vega-Lite (Altair) draws into a canvas or an SVG inside its embed container.
    expect(page.locator(".vega-embed:visible").first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".vega-embed canvas:visible, .vega-embed svg:visible").first).to_be_visible(
        timeout=TIMEOUT
    )
    assert _violations(page) == [] and console == []


def test_export_download_works_for_a_logged_in_agent_only(page, live_server):
    console = _watch(page)
    login(page, live_server, "ministere", "demo-ministere-2026")
    page.goto(live_server + "/exports")
    page.get_by_role("button", name="Prévisualiser").click()
    page.get_by_role("button", name="Préparer le fichier").click(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as info:
        page.locator('[data-testid="stDownloadButton"] button').click(timeout=TIMEOUT)
    download = info.value
    assert download.failure() is None
    assert download.url.split("?")[0].split("/")[-2] == "media"
    assert _violations(page) == [] and console == []
    # The same address without the session cookie is refused.
    try:
        urllib.request.urlopen(download.url, timeout=10)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 403


@pytest.mark.parametrize(
    "role, username, password",
    [
        (Role.admin, "animation", "demo-animation-2026"),
        (Role.lead, "lead.r05", "demo-referent-2026"),
    ],
)
def test_every_page_of_a_role_loads_without_csp_violation(
    page, live_server, role, username, password
):
    console = _watch(page)
    login(page, live_server, username, password)
    expect(page.locator("h1").first).to_be_visible(timeout=TIMEOUT)
    seen = {}
    for spec in PAGES:
        if role not in spec.roles:
            continue
        page.goto(live_server + "/" + ("" if spec.default else spec.url_path))
        expect(page.locator("h1").first).to_be_visible(timeout=TIMEOUT)
        page.wait_for_load_state("networkidle")
        seen[spec.url_path] = _violations(page)
    assert seen and all(v == [] for v in seen.values()), seen
    assert console == []
