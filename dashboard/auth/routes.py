"""Login routes and the redirect middleware served beside Streamlit (see ``server.py``).

Custom routes are outside Streamlit's XSRF check: the login form carries its own CSRF token
(double-submit: a random value in a SameSite=Strict cookie and in the form).
"""

from __future__ import annotations

import html
import secrets
from http.cookies import SimpleCookie
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboard.auth import accounts as auth
from dashboard.core.config import get_settings
from dashboard.core.db import shared_engine
from dashboard.core.i18n import t

CSRF_COOKIE = "at_csrf"
OPEN_PREFIXES = ("/_stcore", "/static", "/media", "/component", "/auth", "/favicon", "/app/static")


def _engine():
    return shared_engine(get_settings().database_url)


def _safe_next(value: str | None) -> str:
    """Only same-site relative paths ("/tableau-de-bord"), never "//host" or a full URL."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _login_page(*, csrf: str, next_path: str, error: str | None = None, username: str = "") -> str:
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(t("Connexion — Alliances Tracker"))}</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f6f9; margin: 0; }}
main {{ max-width: 380px; margin: 10vh auto; background: #fff; padding: 2rem 2.2rem;
        border-radius: 8px; box-shadow: 0 2px 10px rgba(0,0,0,.08); }}
h1 {{ font-size: 1.4rem; color: #1f4e79; margin-top: 0; }}
label {{ display: block; margin-top: 1rem; font-weight: 600; }}
input {{ width: 100%; box-sizing: border-box; padding: .55rem; margin-top: .3rem;
         border: 1px solid #b8c2cc; border-radius: 4px; font-size: 1rem; }}
button {{ margin-top: 1.4rem; width: 100%; padding: .65rem; background: #1f4e79; color: #fff;
          border: 0; border-radius: 4px; font-size: 1rem; cursor: pointer; }}
.error {{ background: #fdecea; color: #8a1c1c; padding: .6rem; border-radius: 4px; }}
p.small {{ color: #555; font-size: .85rem; }}
</style></head>
<body><main>
<h1>{html.escape(t("Alliances Tracker"))}</h1>
<p class="small">{html.escape(t("Feuilles de route des alliances de la cohorte « Alliances innovantes »."))}</p>
{message}
<form method="post" action="/auth/login">
<input type="hidden" name="csrf" value="{html.escape(csrf)}">
<input type="hidden" name="next" value="{html.escape(next_path)}">
<label for="username">{html.escape(t("Identifiant"))}</label>
<input id="username" name="username" autocomplete="username" required value="{html.escape(username)}">
<label for="password">{html.escape(t("Mot de passe"))}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{html.escape(t("Se connecter"))}</button>
</form>
</main></body></html>"""


def _with_csrf_cookie(response: Response, token: str) -> Response:
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/auth",
        secure=get_settings().cookie_secure,
    )
    return response


async def login_form(request: Request) -> Response:
    token = secrets.token_urlsafe(32)
    page = _login_page(csrf=token, next_path=_safe_next(request.query_params.get("next")))
    return _with_csrf_cookie(HTMLResponse(page), token)


async def login_submit(request: Request) -> Response:
    form = await request.form()
    next_path = _safe_next(str(form.get("next") or "/"))
    sent, expected = str(form.get("csrf") or ""), request.cookies.get(CSRF_COOKIE) or ""
    new_token = secrets.token_urlsafe(32)
    if not expected or not secrets.compare_digest(sent, expected):
        page = _login_page(
            csrf=new_token,
            next_path=next_path,
            error=t("Le formulaire a expiré. Veuillez saisir à nouveau vos identifiants."),
        )
        return _with_csrf_cookie(HTMLResponse(page, status_code=400), new_token)
    username = str(form.get("username") or "")
    result = await run_in_threadpool(
        auth.login,
        _engine(),
        username,
        str(form.get("password") or ""),
        user_agent=request.headers.get("user-agent"),
    )
    if not result.ok:
        page = _login_page(
            csrf=new_token, next_path=next_path, error=result.message, username=username
        )
        return _with_csrf_cookie(HTMLResponse(page, status_code=401), new_token)
    settings = get_settings()
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE,
        result.token,
        httponly=True,
        samesite="lax",
        path="/",
        secure=settings.cookie_secure,
        max_age=settings.session_absolute_hours * 3600,
    )
    response.delete_cookie(CSRF_COOKIE, path="/auth")
    return response


class LoginRedirectMiddleware:
    """A page load (GET, HTML) without a valid session goes to the login form first.
    The Streamlit script checks the session again on every rerun."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope.get("path", "/")
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            wants_html = "text/html" in headers.get("accept", "")
            if wants_html and not path.startswith(OPEN_PREFIXES):
                cookie = SimpleCookie()
                cookie.load(headers.get("cookie", ""))
                morsel = cookie.get(auth.SESSION_COOKIE)
                actor = await run_in_threadpool(
                    auth.resolve_session, _engine(), morsel.value if morsel else None
                )
                if actor is None:
                    query = scope.get("query_string", b"").decode("latin-1")
                    target = path + (f"?{query}" if query else "")
                    response = RedirectResponse(
                        f"/auth/login?next={quote(target)}", status_code=303
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


ROUTES = [
    Route("/auth/login", login_form, methods=["GET"]),
    Route("/auth/login", login_submit, methods=["POST"]),
]
