"""What every answer of the server carries and which addresses need a live login session:
security headers (a strict Content-Security-Policy among them) and no anonymous door to the
Streamlit websocket, the download buttons' files, uploads, metrics or the agent API."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
from functools import lru_cache
from http.cookies import CookieError, SimpleCookie
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse

from dashboard.auth import sessions
from dashboard.core.config import get_settings
from dashboard.core.db import shared_engine
from dashboard.core.i18n import t


def _engine():
    return shared_engine(get_settings().database_url)


# Addresses that serve a person's data or act on the running app: a live login session is
# required (the download buttons' files, uploads, metrics, the agent API).
SESSION_ONLY_PREFIXES = (
    "/media/",
    "/_stcore/upload_file",
    "/_stcore/metrics",
    "/_stcore/script-health-check",
    "/_stcore/agent/interact",
    "/_stcore/agent/mcp",
)
WEBSOCKET_PATH = "/_stcore/stream"


@lru_cache(maxsize=1)
def _streamlit_inline_script_hashes() -> tuple[str, ...]:
    """sha256 sources for the inline scripts of Streamlit's own page (no 'unsafe-inline')."""
    spec = importlib.util.find_spec("streamlit")  # located, not imported (login-only servers)
    if spec is None or spec.origin is None:
        return ()
    index = Path(spec.origin).parent / "static" / "index.html"
    try:
        page = index.read_text(encoding="utf-8")
    except OSError:
        return ()
    hashes = []
    for match in re.finditer(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", page, re.S):
        if "src=" in match.group("attrs") or not match.group("body").strip():
            continue
        digest = hashlib.sha256(match.group("body").encode("utf-8")).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return tuple(hashes)


def content_security_policy() -> str:
    """What the pages may load: only this server. Streamlit's styles are inline (emotion) and
    the front end compiles WebAssembly ('wasm-unsafe-eval', not JavaScript eval: Vega-Lite
    and Plotly charts render without it, checked in Chromium); nothing may frame us."""
    scripts = " ".join(("'self'", "'wasm-unsafe-eval'", *_streamlit_inline_script_hashes()))
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "media-src 'self' blob: data:",
            "worker-src 'self' blob:",
            "frame-src 'self' blob: data:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers() -> dict[str, str]:
    """Added to every answer. Behind HTTPS (``COOKIE_SECURE=true``) browsers are also told to
    use HTTPS only, for a year."""
    headers = {
        "content-security-policy": content_security_policy(),
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if get_settings().cookie_secure:
        headers["strict-transport-security"] = "max-age=31536000"
    return headers


def _session_cookie(scope) -> str | None:
    raw = "; ".join(
        v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"cookie"
    )
    if not raw:
        return None
    cookie = SimpleCookie()
    try:
        cookie.load(raw)
    except CookieError:
        return None
    morsel = cookie.get(sessions.SESSION_COOKIE)
    return morsel.value if morsel else None


async def _has_live_session(scope) -> bool:
    token = _session_cookie(scope)
    if not token:
        return False
    return await run_in_threadpool(sessions.resolve_session, _engine(), token) is not None


class SecurityMiddleware:
    """Outermost layer of the server: security headers on every HTTP answer (login routes and
    Streamlit's alike), and no anonymous door — the Streamlit websocket, the files behind
    download buttons (``/media``), uploads, metrics and the agent API need a live login
    session. Without one: HTTP 403, or the websocket closed before it is accepted."""

    def __init__(self, app):
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in security_headers().items()]

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            if scope.get("path", "").rstrip("/").endswith(WEBSOCKET_PATH) and not (
                await _has_live_session(scope)
            ):
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in self.headers:
                    headers[key.decode()] = value.decode()
            await send(message)

        path = scope.get("path", "/")
        if path.startswith(SESSION_ONLY_PREFIXES) and not await _has_live_session(scope):
            refusal = PlainTextResponse(
                t("Accès refusé : connectez-vous pour ouvrir ce contenu."), status_code=403
            )
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)
