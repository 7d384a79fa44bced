"""The real app in a real browser: ``python -m dashboard run`` on a free port over a fresh
demo database, driven by Playwright in Debian's Chromium (browsers cannot be downloaded here).

Without /usr/bin/chromium these tests are skipped locally; with ``REQUIRE_BROWSER=1`` (CI) a
missing browser or a server that does not start is an error.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dashboard.core.db import make_engine, migrate

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        if REQUIRED:
            pytest.fail(
                f"REQUIRE_BROWSER=1 mais {CHROMIUM} est introuvable (apt-get install chromium)."
            )
        pytest.skip(f"{CHROMIUM} introuvable : tests navigateur non exécutés.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1400, "height": 900}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    """Base URL of a running app over its own demo database."""
    from dashboard.seed.read import seed_demo
    from tests.conftest import DEMO_AS_OF

    db = tmp_path_factory.mktemp("e2e") / "e2e.sqlite"
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    migrate(engine)
    seed_demo(engine, DEMO_AS_OF, whole_storyline=True)  # the calendar the flows were written for
    engine.dispose()
    with running_app(url, tmp_path_factory.mktemp("e2e_log") / "server.log") as base:
        yield base


@contextmanager
def running_app(
    database_url: str, log_path: Path, *, port: int | None = None, **settings: str
) -> Iterator[str]:
    """``python -m dashboard run`` on ``port`` (a free one by default) over ``database_url``
    (extra settings as environment variables), polled on ``/_stcore/health``; yields its base
    URL and stops it."""
    port = port or free_port()
    env = dict(
        os.environ, DATABASE_URL=database_url, APP_ENV="test", PYTHONPATH=str(ROOT), **settings
    )
    log = open(log_path, "w+")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "run", "--port", str(port), "--address", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail("Le serveur de l'application n'a pas démarré :\n" + log.read()[-4000:])
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def login(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/")
    page.wait_for_url("**/auth/login**")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def choose(page, box, option=None, *, typed: str | None = None, timeout: int = 45_000) -> None:
    """Open the select box ``box`` and click ``option`` (a locator; the first option when None),
    typing ``typed`` first to filter the list.

    On a loaded machine a click can land while the page still reruns: the list then does not
    open, or the typed text goes with the redrawn box. Each try reopens the list (a click, the
    text again, the Down key) until the option shows."""
    target = option if option is not None else page.get_by_role("option").first
    for _ in range(4):
        box.scroll_into_view_if_needed()
        box.click()
        if typed is not None:
            box.fill(typed)
        try:
            target.wait_for(state="visible", timeout=3_000)
            break
        except Exception:  # noqa: BLE001 - Playwright's timeout: try again
            page.keyboard.press("ArrowDown")
            try:
                target.wait_for(state="visible", timeout=3_000)
                break
            except Exception:  # noqa: BLE001
                page.keyboard.press("Escape")
    target.click(timeout=timeout)
