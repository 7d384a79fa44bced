"""The dashboard's charts as vector images (SVG) for the printed pack.

Plotly figures go through Plotly's own static export, kaleido, which drives the system's
Chromium (``BROWSER_PATH``, by default ``/usr/bin/chromium``): nothing is downloaded at run
time, MathJax is off (it would be fetched from a third-party host). One browser renders every
figure of a pack, then closes. Altair figures (the maturity distribution, self-assessment
against the facilitator's) go through vl-convert, Altair's own offline converter: Vega-Lite in
an embedded JavaScript engine, no browser needed.

When the export engine is missing, :class:`ExportEngineMissing` carries a French message saying
what to install or set; no traceback reaches the user.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dashboard.core.errors import AppError
from dashboard.core.i18n import t

DEFAULT_BROWSER = "/usr/bin/chromium"
WIDTH = 1000  # px: the page's text width, scaled down in print (vector, so nothing blurs)
DEFAULT_HEIGHT = 450
TIMEOUT = 60  # seconds for one figure
ALTAIR_FONT = "DejaVu Sans"  # the pack's font (Debian's fonts-dejavu-core)
FONT_DIRECTORY = "/usr/share/fonts/truetype/dejavu"


class ExportEngineMissing(AppError):
    """The chart export engine (Chromium driven by kaleido, or vl-convert) is unavailable."""


def _run(coroutine: Any) -> Any:
    """Run ``coroutine`` to completion from synchronous code: in this thread when no event loop
    runs here, otherwise in a thread of its own (a caller already inside a loop — a server, or
    a test session driving a browser — cannot ``asyncio.run`` in its own thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def browser_path() -> str:
    """The Chromium kaleido drives (setting ``BROWSER_PATH``, the variable kaleido reads too)."""
    return os.environ.get("BROWSER_PATH", "").strip() or DEFAULT_BROWSER


def ensure_browser() -> str:
    """The browser's path, or :class:`ExportEngineMissing` when no program is there (checked
    before reading any data: a pack of 120 networks should not fail at its last step)."""
    path = browser_path()
    if not Path(path).is_file() or not os.access(path, os.X_OK):
        raise _missing_browser(path)
    return path


def _missing_browser(path: str) -> ExportEngineMissing:
    return ExportEngineMissing(
        t(
            "Le moteur d'export des graphiques est introuvable : aucun navigateur Chromium à "
            "« {path} ». Installez le paquet chromium (apt-get install chromium) ou indiquez "
            "son chemin dans la variable BROWSER_PATH, puis relancez la génération.",
            path=path,
        )
    )


def _is_plotly(figure: object) -> bool:
    return type(figure).__module__.startswith("plotly")


def _height(figure) -> int:
    height = figure.layout.height
    return int(height) if height else DEFAULT_HEIGHT


async def _plotly_svgs(figures: Mapping[str, object], path: str) -> dict[str, str]:
    import kaleido
    from choreographer.errors import ChromeNotFoundError

    out: dict[str, str] = {}
    try:
        async with kaleido.Kaleido(path=path, mathjax=False, n=1, timeout=TIMEOUT) as engine:
            for name, figure in figures.items():
                opts = {"format": "svg", "width": WIDTH, "height": _height(figure)}
                data = await engine.calc_fig(figure, opts=opts)
                out[name] = data.decode("utf-8")
    except ChromeNotFoundError:
        raise _missing_browser(path) from None
    except (OSError, RuntimeError):
        # The library's own explanation is English and technical: the person gets the path
        # that failed and what to check.
        raise ExportEngineMissing(
            t(
                "Le moteur d'export des graphiques (Chromium piloté par kaleido) n'a pas pu "
                "démarrer avec le navigateur « {path} ». Vérifiez l'installation du paquet "
                "chromium ou la variable BROWSER_PATH.",
                path=path,
            )
        ) from None
    return out


def _altair_svg(chart) -> str:
    try:
        import vl_convert
    except ImportError:
        raise ExportEngineMissing(
            t(
                "Le convertisseur des graphiques Altair (vl-convert-python) n'est pas installé : "
                "lancez make install."
            )
        ) from None
    _register_fonts(vl_convert)
    spec = chart.to_dict()
    # Text measured and printed with the same font: the PDF's, not vl-convert's default (a
    # wider font at print time would push axis labels out of the chart's box).
    spec.setdefault("config", {})["font"] = ALTAIR_FONT
    return vl_convert.vegalite_to_svg(spec, format_locale="fr-FR", time_format_locale="fr-FR")


_fonts_registered = False


def _register_fonts(vl_convert) -> None:
    global _fonts_registered
    if not _fonts_registered and Path(FONT_DIRECTORY).is_dir():
        vl_convert.register_font_directory(FONT_DIRECTORY)
        _fonts_registered = True


def figures_to_svg(figures: Mapping[str, object]) -> dict[str, str]:
    """Every figure as an SVG document, in the order given (Plotly or Altair).

    Raises :class:`ExportEngineMissing` (French message) when Chromium cannot be found or
    started. Must not be called from a running event loop (it runs its own).
    """
    plotly = {name: fig for name, fig in figures.items() if _is_plotly(fig)}
    svgs: dict[str, str] = {}
    if plotly:
        svgs.update(_run(_plotly_svgs(plotly, ensure_browser())))
    for name, figure in figures.items():
        if name not in plotly:
            svgs[name] = _altair_svg(figure)
    return {name: svgs[name] for name in figures}
