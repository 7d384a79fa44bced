"""Every page of every role, opened in Chromium with an English-language profile (the profile
that brings Streamlit's and Plotly's English defaults to the surface):

- nothing is requested from a host other than the app's own server (icons, fonts, telemetry);
- none of the known English defaults of Streamlit or Plotly is shown or read out;
- the page declares ``lang="fr"`` and has its own French title;
- axe-core (installed by npm, ``package.json``) finds no accessibility violation that the app
  controls; those that come from Streamlit's own markup are listed below with the reason.

Each role's pages are walked once (module fixture); the tests then read what was seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from dashboard.ui.navigation import pages_for
from models.enums import Role
from tests.e2e.conftest import ROOT, login

TIMEOUT = 60_000
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
USERS = {
    Role.lead: ("lead.r05", "demo-referent-2026"),
    Role.steering: ("copil", "demo-copil-2026"),
    Role.ministry: ("ministere", "demo-ministere-2026"),
    Role.admin: ("animation", "demo-animation-2026"),
}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# Streamlit's and Plotly's own English words, as shown on screen or read by a screen reader
# (aria-label, title, placeholder).
ENGLISH_DEFAULTS = (
    "Page not found",
    "Choose options",
    "Choose an option",
    "Press Ctrl+Enter",
    "Press Enter",
    "dd/mm/yyyy",
    "yyyy/mm/dd",
    "None",
    "Running...",
    "Deploy",
    "Rerun",
    "No results",
    "Download as CSV",
    "Search",
    "Fullscreen",
    "Close fullscreen",
    "Show/hide columns",
    "Add row",
    "Delete row",
    "Help for",
    "Collapse sidebar",
    "Expand sidebar",
    "Link to heading",
    "Download plot as a PNG",
    "Zoom in",
    "Zoom out",
    "Autoscale",
    "Reset axes",
    "Produced with Plotly",
    "Clear all",
    "Clear value",
)
_ENGLISH = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH_DEFAULTS) + r")(?!\w)"
)

# Violations that come from Streamlit's own markup, not from anything the app renders.
STREAMLIT_OWN = {
    # The sidebar navigation puts section headers (<header>) between <li> items of one <ul>.
    "list": "navigation latérale de Streamlit : titres de section à l'intérieur de la liste",
    "listitem": "navigation latérale de Streamlit : éléments hors d'une liste",
}

_SEEN_TEXT = """() => {
  const attrs = Array.from(document.querySelectorAll('[placeholder],[aria-label],[title]'))
    .map(e => [e.getAttribute('placeholder'), e.getAttribute('aria-label'),
               e.getAttribute('title')].filter(Boolean).join(' | '));
  return [document.body.innerText, ...attrs].join('\\n');
}"""


# Metric labels and values that do not fit their box (cut with « … »), at 1280 px.
_CUT_METRICS = """() => Array.from(document.querySelectorAll(
    '[data-testid=stMetricLabel], [data-testid=stMetricLabel] *,'
    + '[data-testid=stMetricValue], [data-testid=stMetricValue] *'))
  .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.innerText)"""


@dataclass
class PageSeen:
    url: str
    title: str = ""
    lang: str = ""
    english: list[str] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)


@dataclass
class Walk:
    pages: list[PageSeen] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


def _wait_for_page(page) -> None:
    page.wait_for_selector("h1", timeout=TIMEOUT)
    # Streamlit shows its status widget while the script runs.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=TIMEOUT
    )
    page.wait_for_load_state("networkidle", timeout=TIMEOUT)


def _walk(browser, base: str, role: Role, shots: Path) -> Walk:
    if not AXE.exists():
        pytest.fail(f"{AXE} introuvable : lancez « npm install » (make install le fait).")
    walk = Walk()
    context = browser.new_context(
        locale="en-US", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    page = context.new_page()

    def on_request(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS:
            walk.outside.append(f"{page.url} → {request.url}")

    page.on("request", on_request)
    login(page, base, *USERS[role])
    page.wait_for_selector("[data-testid=stSidebar]", timeout=TIMEOUT)
    for spec in pages_for(role):
        url = f"{base}/{'' if spec.default else spec.url_path}"
        page.goto(url)
        try:
            _wait_for_page(page)
        except PlaywrightTimeout:
            page.screenshot(path=str(shots / f"{role.value}_{spec.url_path}_ERREUR.png"))
            text = page.inner_text("body")[:1500]
            context.close()
            pytest.fail(f"{url} ne s'affiche pas pour le rôle {role.value} :\n{text}")
        seen = PageSeen(url=url, title=page.title())
        seen.lang = page.evaluate("() => document.documentElement.lang")
        seen.english = sorted(set(_ENGLISH.findall(page.evaluate(_SEEN_TEXT))))
        seen.cut = page.evaluate(_CUT_METRICS)
        page.add_script_tag(path=str(AXE))
        seen.violations = page.evaluate(
            """() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})
                 .then(r => r.violations.map(v => ({id: v.id, help: v.help,
                   nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"""
        )
        page.screenshot(path=str(shots / f"{role.value}_{spec.url_path}.png"), full_page=True)
        walk.pages.append(seen)
    context.close()
    return walk


@pytest.fixture(scope="module")
def walks(browser, live_server, tmp_path_factory):
    shots = Path("test-results") / "pages-en-US"
    shots.mkdir(parents=True, exist_ok=True)
    cache: dict[Role, Walk | str] = {}

    def get(role: Role) -> Walk:
        if role not in cache:
            try:
                cache[role] = _walk(browser, live_server, role, shots)
            except pytest.fail.Exception as failure:
                cache[role] = str(failure)  # one walk per role, even when it fails
        seen = cache[role]
        if isinstance(seen, str):
            pytest.fail(seen)
        return seen

    return get


ROLES = list(USERS)


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_no_page_requests_anything_from_another_host(walks, role):
    walk = walks(role)
    assert len(walk.pages) == len(pages_for(role))
    assert walk.outside == []


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_no_english_default_in_an_english_browser(walks, role):
    english = {p.url: p.english for p in walks(role).pages if p.english}
    assert english == {}


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_page_is_french_with_its_own_title(walks, role):
    pages = walks(role).pages
    assert {p.url: p.lang for p in pages} == {p.url: "fr" for p in pages}
    titles = [p.title for p in pages]
    assert len(set(titles)) == len(titles), titles
    assert all(title.endswith(" · Alliances Tracker") for title in titles), titles


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_axe_finds_no_violation_the_app_controls(walks, role):
    found = {
        p.url: [v for v in p.violations if v["id"] not in STREAMLIT_OWN] for p in walks(role).pages
    }
    assert {url: v for url, v in found.items() if v} == {}


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_metric_labels_and_values_are_read_in_full_at_1280_px(walks, role):
    cut = {p.url: p.cut for p in walks(role).pages if p.cut}
    assert cut == {}


def test_a_page_of_another_role_and_an_unknown_address_answer_in_french(browser, live_server):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, *USERS[Role.lead])
    page.wait_for_selector("[data-testid=stSidebar]", timeout=TIMEOUT)

    page.goto(live_server + "/validation")
    _wait_for_page(page)
    refusal = "Cette page n'est pas accessible avec votre rôle (Référent·e réseau)."
    # The page's title is drawn before its role check answers: wait for the answer itself.
    expect(page.get_by_text(refusal)).to_be_visible(timeout=TIMEOUT)
    body = page.inner_text("body")
    assert refusal in body
    assert "Page not found" not in body
    assert page.title() == "File de validation · Alliances Tracker"

    page.goto(live_server + "/nimporte-quoi")
    _wait_for_page(page)
    assert urlsplit(page.url).path == "/"
    assert "Page not found" not in page.inner_text("body")
    context.close()


def test_typing_in_a_form_shows_french_instructions(browser, live_server):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, *USERS[Role.lead])
    page.wait_for_selector("[data-testid=stSidebar]", timeout=TIMEOUT)
    page.goto(live_server + "/enseignements")
    _wait_for_page(page)
    area = page.locator("textarea:visible").first
    area.click()
    page.keyboard.type(" suite")
    instructions = page.locator("[data-testid=InputInstructions]").first
    instructions.wait_for(timeout=TIMEOUT)
    text = instructions.inner_text()
    assert "Press" not in text and "Enter" not in text
    assert "Entrée" in text
    context.close()
