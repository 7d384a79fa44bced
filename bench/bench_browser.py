"""Browser benchmark: the cohort dashboard opened in Chromium, as the steering committee opens it.

For each cohort given (the demo by default, plus any ``--cohort CODE``), the app is started once
(``python -m dashboard run`` over ``--url``), then each run opens a new browser context (empty
cache), signs in as the demo's steering member and opens ``/tableau-de-bord?cohorte=CODE``:

- ``first_paint_ms``: the browser's first contentful paint after the page's navigation starts;
- ``drawn_ms``: from the navigation's start until the app stops running and every chart of the
  first tab is drawn (a Plotly chart has its SVG, a Vega-Lite chart its canvas or SVG);
- then every other tab is opened in turn: ``charts`` counts the charts on the page and
  ``drawn`` those drawn once their tab is shown (every chart drawn: ``drawn == charts``).

Each run then opens the page again in the same context (``revisit_*``: the browser's cache
kept, as for a person coming back). The first run of each cohort meets the app's empty caches
(``cold_*``); ``first_paint_ms`` and ``drawn_ms`` are the medians of the other runs (the app's
caches warm, the browser's empty). Figures are printed, never asserted.

    python bench/bench_browser.py                                   # demo, temporary SQLite
    python bench/bench_browser.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench1000 \\
        --cohort SYN-1000-60-0 --runs 5

The database given with ``--url`` must hold the demo cohort (the bench command seeds it).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
STEERING = ("copil", "demo-copil-2026")
TIMEOUT = 180_000

DRAWN_JS = """() => {
  const plotly = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  const vega = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
  const visible = (e) => e.offsetParent !== null;
  const shown = [...plotly, ...vega].filter(visible);
  const drawn = plotly.filter((e) => visible(e) && e.querySelector('.main-svg')).length
    + vega.filter((e) => visible(e) && e.querySelector('canvas, svg')).length;
  const running = !!document.querySelector('[data-testid="stStatusWidget"]');
  return {charts: plotly.length + vega.length, shown: shown.length, drawn, running};
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(url: str, log: Path):
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT))
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "run", "--port", str(port),
             "--address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(log.read_text()[-3000:])
                time.sleep(0.5)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def _settled(page, *, quiet_ms: int = 800) -> dict:
    """Wait until the app has stopped running for ``quiet_ms`` and every shown chart is drawn."""
    deadline = time.monotonic() + TIMEOUT / 1000
    quiet_since = None
    while time.monotonic() < deadline:
        state = page.evaluate(DRAWN_JS)
        done = not state["running"] and state["shown"] > 0 and state["drawn"] == state["shown"]
        if done:
            quiet_since = quiet_since or time.monotonic()
            if (time.monotonic() - quiet_since) * 1000 >= quiet_ms:
                return state
        else:
            quiet_since = None
        page.wait_for_timeout(50)
    return page.evaluate(DRAWN_JS)


def _visit(page, url: str) -> tuple[float | None, float, dict]:
    """Open ``url``; (first contentful paint, time until every chart of the first tab is drawn
    and the app idle, the page's chart counts), in ms from the navigation's start."""
    page.goto(url)
    page.wait_for_selector('[data-testid="stTab"]', timeout=TIMEOUT)
    state = _settled(page)
    timing = page.evaluate(
        """() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          return {start: nav ? nav.startTime : 0, fcp: fcp ? fcp.startTime : null,
                  now: performance.now()};
        }"""
    )
    drawn_ms = timing["now"] - timing["start"] - 800  # the quiet period is not load time
    first_paint = timing["fcp"] - timing["start"] if timing["fcp"] is not None else None
    return first_paint, drawn_ms, state


def one_run(browser, base: str, code: str) -> dict:
    """A first visit with an empty browser cache, every tab opened, then a revisit (the
    browser's cache kept, as for a person coming back to the page)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "/")
        page.wait_for_url("**/auth/login**")
        page.fill("#username", STEERING[0])
        page.fill("#password", STEERING[1])
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=stSidebar]", timeout=TIMEOUT)
        url = f"{base}/tableau-de-bord?cohorte={code}"
        first_paint, drawn_ms, state = _visit(page, url)
        drawn = state["drawn"]
        tabs = page.locator('[data-testid="stTab"]')
        for i in range(1, tabs.count()):
            tabs.nth(i).click()
            shown = _settled(page)
            drawn += shown["drawn"]
        again_paint, again_ms, _ = _visit(page, url)
        return {
            "first_paint_ms": first_paint,
            "drawn_ms": drawn_ms,
            "revisit_first_paint_ms": again_paint,
            "revisit_drawn_ms": again_ms,
            "charts": state["charts"],
            "drawn": drawn,
        }
    finally:
        context.close()


def measure(url: str, codes: list[str], runs: int, log: Path) -> dict:
    out: dict = {}
    with running_app(url, log) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for code in codes:
                results = [one_run(browser, base, code) for _ in range(runs)]
                warm = results[1:] or results

                def median(key: str, rows: list[dict] = warm) -> int:
                    return round(statistics.median((r[key] or -1) for r in rows))

                out[code] = {
                    "cold_first_paint_ms": round(results[0]["first_paint_ms"] or -1),
                    "cold_drawn_ms": round(results[0]["drawn_ms"]),
                    "first_paint_ms": median("first_paint_ms"),
                    "drawn_ms": median("drawn_ms"),
                    "revisit_first_paint_ms": median("revisit_first_paint_ms", results),
                    "revisit_drawn_ms": median("revisit_drawn_ms", results),
                    "charts": results[-1]["charts"],
                    "drawn": min(r["drawn"] for r in results),
                    "runs": runs,
                }
                print(code, json.dumps(out[code]), flush=True)
        finally:
            browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database (default: a temporary SQLite demo)")
    parser.add_argument("--cohort", action="append", default=[], help="a cohort code to open")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_browser_") as folder:
        url = args.url
        if url is None:
            from dashboard.core.db import make_engine, migrate
            from dashboard.seed.read import seed_demo

            url = f"sqlite:///{folder}/demo.sqlite"
            engine = make_engine(url, create=True)
            migrate(engine)
            seed_demo(engine)
            engine.dispose()
        codes = ["AI-2026", *args.cohort]
        result = measure(url, codes, max(2, args.runs), Path(folder) / "server.log")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
