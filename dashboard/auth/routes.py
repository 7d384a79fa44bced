"""Login routes and the redirect middleware served beside Streamlit (see ``server.py``).

Custom routes are outside Streamlit's XSRF check: the login form carries its own CSRF token
(double-submit: a random value in a SameSite=Strict cookie and in the form).
"""

from __future__ import annotations

import html
import ipaddress
import secrets
from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboard.auth import accounts as auth
from dashboard.auth.security import (
    SESSION_ONLY_PREFIXES,
    SecurityMiddleware,
    _engine,
    _has_live_session,
    content_security_policy,
    security_headers,
)
from dashboard.core.config import get_settings
from dashboard.core.i18n import t

__all__ = [  # the security layer's names stay importable from here
    "CSRF_COOKIE",
    "OPEN_PREFIXES",
    "ROUTES",
    "SESSION_ONLY_PREFIXES",
    "LoginRedirectMiddleware",
    "SecurityMiddleware",
    "client_address",
    "content_security_policy",
    "security_headers",
]

CSRF_COOKIE = "at_csrf"
# A login form is a few hundred bytes; the limits leave room for a 1 024-character password
# written entirely in percent-encoded multi-byte characters.
MAX_FORM_BYTES = 16 * 1024
MAX_FIELDS = 8
OPEN_PREFIXES = ("/_stcore", "/static", "/media", "/component", "/auth", "/favicon", "/app/static")


def _safe_next(value: str | None) -> str:
    """Only same-site relative paths ("/tableau-de-bord"), never "//host" or a full URL."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _provider_block(next_path: str) -> str:
    """The identity provider's button above the password form, when one is configured."""
    from dashboard.auth import oidc

    if not oidc.enabled():
        return ""
    settings = get_settings()
    hint = t("Avec votre identité {provider}.", provider=settings.oidc_provider_name)
    # A link, not a form: the CSP's form-action 'self' would stop a form's redirect to the
    # provider.
    href = "/auth/oidc/login?" + urlencode({"next": next_path})
    return f"""<div class="provider">
<a class="button" id="oidc-login" href="{html.escape(href)}">{html.escape(auth.oidc_button_label())}</a>
<p class="small">{html.escape(hint)}</p>
</div>
<p class="or">{html.escape(t("ou, avec un identifiant et un mot de passe :"))}</p>"""


def _login_page(
    *,
    csrf: str,
    next_path: str,
    error: str | None = None,
    username: str = "",
    notice: str | None = None,
) -> str:
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    if notice:
        message += f'<p class="notice" role="status">{html.escape(notice)}</p>'
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
.notice {{ background: #e8f4ea; color: #1d5b2a; padding: .6rem; border-radius: 4px; }}
a.button {{ display: block; margin-top: 1rem; padding: .65rem; background: #000091;
            color: #fff; border-radius: 4px; font-size: 1rem; text-align: center;
            text-decoration: none; }}
p.or {{ margin: 1.4rem 0 0; color: #333; font-size: .9rem; }}
p.small {{ color: #555; font-size: .85rem; }}
</style></head>
<body><main>
<h1>{html.escape(t("Alliances Tracker"))}</h1>
<p class="small">{html.escape(t("Feuilles de route des alliances de la cohorte « Alliances innovantes »."))}</p>
{message}
{_provider_block(next_path)}
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
    # The page carries a one-time CSRF token and what was typed: never kept in a cache.
    response.headers["cache-control"] = "no-store"
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/auth",
        secure=get_settings().cookie_secure,
    )
    return response


def login_page_response(
    *,
    next_path: str = "/",
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    """The login page with a fresh CSRF token (and its cookie), an error or a notice."""
    token = secrets.token_urlsafe(32)
    page = _login_page(csrf=token, next_path=next_path, error=error, notice=notice)
    return _with_csrf_cookie(HTMLResponse(page, status_code=status_code), token)


def signed_in_response(next_path: str, session_token: str) -> Response:
    """After a successful login (password or OIDC): the HttpOnly session cookie, then on."""
    settings = get_settings()
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE,
        session_token,
        httponly=True,
        samesite="lax",
        path="/",
        secure=settings.cookie_secure,
        max_age=settings.session_absolute_hours * 3600,
    )
    response.delete_cookie(CSRF_COOKIE, path="/auth")
    return response


async def login_form(request: Request) -> Response:
    token = secrets.token_urlsafe(32)
    page = _login_page(csrf=token, next_path=_safe_next(request.query_params.get("next")))
    return _with_csrf_cookie(HTMLResponse(page), token)


async def _bounded_form(request: Request) -> dict[str, str] | None:
    """The URL-encoded login form, or None when it is larger than :data:`MAX_FORM_BYTES` or
    has too many fields: read by chunks, never held whole in memory when oversized."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_FORM_BYTES):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        pairs = parse_qsl(
            body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS
        )
    except ValueError:
        return None
    fields: dict[str, str] = {}
    for key, value in pairs:
        fields.setdefault(key, value)
    return fields


@lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]):
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"TRUSTED_PROXIES : « {entry} » n'est ni une adresse IP ni un réseau (CIDR)."
            ) from exc
    return tuple(networks)


def _ip(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(scope) -> str | None:
    """The client's address for the per-address login limit.

    The peer of the connection, unless it is one of ``TRUSTED_PROXIES``: then the
    ``X-Forwarded-For`` hops are read from the right (the ones our proxies appended) and the
    first address that is not a trusted proxy is the client. A client cannot choose its
    address by sending its own ``X-Forwarded-For`` to a server with no trusted proxy."""
    peer = (scope.get("client") or (None,))[0]
    if not peer:
        return None
    peer_ip = _ip(peer)
    trusted = _trusted_networks(get_settings().trusted_proxies)
    if peer_ip is None or not any(peer_ip in net for net in trusted):
        return str(peer_ip or peer)[:45]
    headers = [
        v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"x-forwarded-for"
    ]
    hops = [hop.strip() for value in headers for hop in value.split(",") if hop.strip()]
    client = peer_ip
    for hop in reversed(hops):
        address = _ip(hop)
        if address is None:
            break
        client = address
        if not any(address in net for net in trusted):
            break
    return str(client)


async def login_submit(request: Request) -> Response:
    form = await _bounded_form(request)
    if form is None:
        new_token = secrets.token_urlsafe(32)
        page = _login_page(
            csrf=new_token,
            next_path="/",
            error=t(
                "Le formulaire envoyé est trop volumineux. Saisissez à nouveau vos identifiants."
            ),
        )
        return _with_csrf_cookie(HTMLResponse(page, status_code=413), new_token)
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
        client_address=client_address(request.scope),
    )
    if not result.ok:
        # What was typed is shown back only when it could be a username at all.
        shown = username if auth.acceptable_credentials(username, "") else ""
        page = _login_page(
            csrf=new_token, next_path=next_path, error=result.message, username=shown
        )
        return _with_csrf_cookie(HTMLResponse(page, status_code=401), new_token)
    assert result.token is not None  # a successful login always carries its session id
    return signed_in_response(next_path, result.token)


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
            if (
                wants_html
                and not path.startswith(OPEN_PREFIXES)
                and not await _has_live_session(scope)
            ):
                query = scope.get("query_string", b"").decode("latin-1")
                target = path + (f"?{query}" if query else "")
                response = RedirectResponse(f"/auth/login?next={quote(target)}", status_code=303)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _routes() -> list[Route]:
    from dashboard.auth import oidc_routes, unsubscribe

    return [
        Route("/auth/login", login_form, methods=["GET"]),
        Route("/auth/login", login_submit, methods=["POST"]),
        *oidc_routes.ROUTES,
        Route(unsubscribe.PATH, unsubscribe.unsubscribe_form, methods=["GET"]),
        Route(unsubscribe.PATH, unsubscribe.unsubscribe_submit, methods=["POST"]),
    ]


ROUTES = _routes()
