"""The steering committee's printed pack (PDF): the cohort dashboard's figures and charts, what
changed since the previous session and one page per network, read through the reporting
services as the acting user.
"""

from dashboard.services.pack.content import PackContent, gather, pick_session
from dashboard.services.pack.figures import (
    DEFAULT_BROWSER,
    ExportEngineMissing,
    browser_path,
    ensure_browser,
    figures_to_svg,
)
from dashboard.services.pack.render import Pack, build_pack, file_name, html_to_pdf, pack_html
from dashboard.services.pack.typography import esc, french

__all__ = [
    "DEFAULT_BROWSER",
    "ExportEngineMissing",
    "Pack",
    "PackContent",
    "browser_path",
    "build_pack",
    "ensure_browser",
    "esc",
    "figures_to_svg",
    "file_name",
    "french",
    "gather",
    "html_to_pdf",
    "pack_html",
    "pick_session",
]
