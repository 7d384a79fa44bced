"""The OIDC login routes served beside the password form (see ``oidc.py`` for the checks).

``/auth/oidc/login`` sends the browser to the provider; the ``state`` also goes in a short-lived
HttpOnly cookie, so a callback is honoured only in the browser that started the login (no
login CSRF). ``/auth/oidc/callback`` finishes the login and sets the same session cookie as a
password login. ``/auth/oidc/logout`` ends the local session and sends the browser to the
provider's end-session endpoint with ``id_token_hint``; the provider brings it back to
``/auth/oidc/logged-out``.
"""

from __future__ import annotations

import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dashboard.auth import oidc, sessions
from dashboard.auth.routes import (
    _engine,
    _safe_next,
    login_page_response,
    signed_in_response,
)
from dashboard.core.config import get_settings
from dashboard.core.i18n import t

STATE_COOKIE = "at_oidc_state"
COOKIE_PATH = "/auth/oidc"
LOGOUT_PATH = "/auth/oidc/logout"


def provider_logout_path(engine, token: str | None) -> str | None:
    """The logout address for a session opened through the provider (it also ends the
    provider's session), or None for a password session."""
    if not token or not oidc.enabled() or not sessions.session_id_token(engine, token):
        return None
    return f"{LOGOUT_PATH}?k={sessions.logout_key(token)}"


def _refusal(message: str, status_code: int = 401) -> Response:
    response = login_page_response(error=message, status_code=status_code)
    response.delete_cookie(STATE_COOKIE, path=COOKIE_PATH)
    return response


async def oidc_login(request: Request) -> Response:
    if not oidc.enabled():
        return RedirectResponse("/auth/login", status_code=303)
    next_path = _safe_next(request.query_params.get("next"))
    try:
        url, state = await run_in_threadpool(oidc.begin_login, _engine(), next_path)
    except oidc.OidcFailure as failure:
        return _refusal(failure.message, status_code=503)
    response = RedirectResponse(url, status_code=303)
    response.headers["cache-control"] = "no-store"
    response.set_cookie(
        STATE_COOKIE,
        state,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back to the callback
        path=COOKIE_PATH,
        secure=get_settings().cookie_secure,
        max_age=int(oidc.STATE_TTL.total_seconds()),
    )
    return response


async def oidc_callback(request: Request) -> Response:
    if not oidc.enabled():
        return RedirectResponse("/auth/login", status_code=303)
    params = request.query_params
    state = params.get("state") or ""
    started_here = request.cookies.get(STATE_COOKIE) or ""
    if not state or not started_here or not secrets.compare_digest(state, started_here):
        return _refusal(t(oidc.EXPIRED), status_code=400)
    if params.get("error"):
        provider = get_settings().oidc_provider_name
        return _refusal(t(oidc.REFUSED_BY_PROVIDER, provider=provider))
    try:
        login = await run_in_threadpool(
            lambda: oidc.finish_login(
                _engine(),
                state=state,
                code=params.get("code") or "",
                user_agent=request.headers.get("user-agent"),
            )
        )
    except oidc.OidcFailure as failure:
        return _refusal(failure.message)
    response = signed_in_response(_safe_next(login.next_path), login.token)
    response.delete_cookie(STATE_COOKIE, path=COOKIE_PATH)
    return response


async def oidc_logout(request: Request) -> Response:
    """End the local session, then the provider's (``id_token_hint``)."""
    from dashboard.auth import accounts

    token = request.cookies.get(sessions.SESSION_COOKIE) or ""
    key = request.query_params.get("k") or ""
    if not token or not secrets.compare_digest(key, sessions.logout_key(token)):
        return RedirectResponse("/", status_code=303)
    engine = _engine()
    id_token = await run_in_threadpool(sessions.session_id_token, engine, token)
    await run_in_threadpool(accounts.logout, engine, token)
    target = await run_in_threadpool(oidc.end_session_url, id_token) if oidc.enabled() else None
    response = RedirectResponse(target or oidc.LOGGED_OUT_PATH, status_code=303)
    response.headers["cache-control"] = "no-store"
    response.delete_cookie(sessions.SESSION_COOKIE, path="/")
    return response


async def oidc_logged_out(_request: Request) -> Response:
    return login_page_response(
        notice=t("Vous êtes déconnecté·e. Votre session est fermée sur le serveur.")
    )


ROUTES = [
    Route("/auth/oidc/login", oidc_login, methods=["GET"]),
    Route(oidc.CALLBACK_PATH, oidc_callback, methods=["GET"]),
    Route(LOGOUT_PATH, oidc_logout, methods=["GET"]),
    Route(oidc.LOGGED_OUT_PATH, oidc_logged_out, methods=["GET"]),
]
