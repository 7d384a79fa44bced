"""The HTML page Streamlit serves, made French and accessible:

- ``<html lang="fr">`` (Streamlit has no option for it, and a screen reader reads French text
  with an English voice otherwise);
- ``static/streamlit-fr.js`` puts Streamlit's own interface words in French (placeholders,
  tooltips, the tables' toolbar) and ``static/a11y.css`` adds a visible focus indicator; both
  are served by this server (same origin: nothing is fetched from elsewhere);
- an address that is no page of the app goes back to the home page instead of Streamlit's
  English « Page not found » dialog.

A plain ASGI middleware (no Streamlit), added to the app in ``dashboard/server.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.responses import RedirectResponse, Response

from dashboard.ui.navigation import PAGES

# Paths Streamlit (or our own routes) serve themselves: never treated as a page address.
_SERVED_PREFIXES = ("/_stcore", "/static", "/media", "/component", "/app/", "/auth", "/~/")
ASSET_PREFIX = "/_at/"
ASSETS = {
    "streamlit-fr.js": "text/javascript",
    "a11y.css": "text/css",
}
STATIC = Path(__file__).with_name("static")
_HEAD_TAGS = (
    f'<link rel="stylesheet" href="{ASSET_PREFIX}a11y.css">'
    f'<script src="{ASSET_PREFIX}streamlit-fr.js"></script>'
).encode()
_HTML_LANG = re.compile(rb"<html([^>]*?)\slang=\"[^\"]*\"", re.IGNORECASE)


def page_paths() -> frozenset[str]:
    """Every address a page of the app can have: the home page is served at "" only."""
    return frozenset({""} | {spec.url_path for spec in PAGES if not spec.default})


def set_french_lang(body: bytes) -> bytes:
    """``<html lang="en">`` → ``<html lang="fr">`` (added when the attribute is missing)."""
    if _HTML_LANG.search(body):
        return _HTML_LANG.sub(rb'<html\1 lang="fr"', body, count=1)
    return re.sub(rb"<html(?=[\s>])", b'<html lang="fr"', body, count=1, flags=re.IGNORECASE)


def add_head_tags(body: bytes) -> bytes:
    """The French words script and the accessibility style sheet, first in ``<head>``."""
    if _HEAD_TAGS in body:
        return body
    return re.sub(rb"(<head[^>]*>)", lambda m: m.group(1) + _HEAD_TAGS, body, count=1)


class FrenchIndexMiddleware:
    """For a browser asking for a page (GET, HTML): unknown page addresses go to the home page;
    the HTML answer declares the French language."""

    def __init__(self, app):
        self.app = app
        self.known = page_paths()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
        accept = dict(scope["headers"]).get(b"accept", b"")
        path = scope.get("path", "/")
        if path.startswith(ASSET_PREFIX) and path[len(ASSET_PREFIX) :] in ASSETS:
            name = path[len(ASSET_PREFIX) :]
            response = Response(
                (STATIC / name).read_bytes(),
                media_type=ASSETS[name],
                headers={"cache-control": "no-cache"},
            )
            await response(scope, receive, send)
            return
        if b"text/html" not in accept or path.startswith(_SERVED_PREFIXES):
            await self.app(scope, receive, send)
            return
        if path.strip("/") not in self.known and "." not in path.rsplit("/", 1)[-1]:
            await RedirectResponse("/", status_code=303)(scope, receive, send)
            return
        # Ask for an uncompressed answer so the page can be rewritten.
        scope = {**scope, "headers": headers}
        start: dict = {}
        chunks: list[bytes] = []

        async def send_rewritten(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            response_headers = list(start.get("headers", []))
            content_type = dict(response_headers).get(b"content-type", b"")
            if b"text/html" in content_type:
                body = add_head_tags(set_french_lang(body))
                response_headers = [
                    (k, v) for k, v in response_headers if k.lower() != b"content-length"
                ] + [(b"content-length", str(len(body)).encode())]
            await send({**start, "headers": response_headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_rewritten)
