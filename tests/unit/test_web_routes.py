"""The login routes and the redirect middleware, over HTTP (Starlette's test client)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from dashboard.auth import accounts as auth
from dashboard.auth import routes as web
from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from models import LoginAttempt
from tests.factories import PASSWORD, make_cohort, make_network, make_user


@pytest.fixture
def client(engine, engine_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine_url)
    get_settings.cache_clear()
    net = make_network(engine, make_cohort(engine))
    make_user(engine, "lead", network_id=net, username="claire")

    async def page(_request):
        return PlainTextResponse("page de l'application")

    app = Starlette(
        routes=[*web.ROUTES, Route("/{path:path}", page)],
        middleware=[Middleware(web.LoginRedirectMiddleware)],
    )
    with TestClient(app, base_url="http://testserver") as c:
        yield c
    get_settings.cache_clear()


def _csrf(client, next_path="/"):
    r = client.get("/auth/login", params={"next": next_path})
    assert r.status_code == 200
    token = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    assert client.cookies.get(web.CSRF_COOKIE) == token
    return token


def test_login_form_is_french_and_carries_a_csrf_token(client):
    r = client.get("/auth/login")
    assert '<html lang="fr">' in r.text and "Se connecter" in r.text and "Mot de passe" in r.text
    assert "httponly" in r.headers["set-cookie"].lower()
    assert "samesite=strict" in r.headers["set-cookie"].lower()


def test_login_sets_an_httponly_session_cookie_and_redirects(client, engine):
    token = _csrf(client, "/tableau-de-bord")
    r = client.post(
        "/auth/login",
        data={
            "csrf": token,
            "username": "claire",
            "password": PASSWORD,
            "next": "/tableau-de-bord",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/tableau-de-bord"
    cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith(auth.SESSION_COOKIE)][0]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert auth.resolve_session(engine, value).username == "claire"


def test_missing_or_wrong_csrf_is_refused_without_checking_the_password(client, engine):
    _csrf(client)
    r = client.post(
        "/auth/login", data={"csrf": "autre", "username": "claire", "password": PASSWORD}
    )
    assert r.status_code == 400 and "Le formulaire a expiré" in r.text
    client.cookies.clear()
    r = client.post("/auth/login", data={"csrf": "x", "username": "claire", "password": PASSWORD})
    assert r.status_code == 400
    assert auth.SESSION_COOKIE not in r.headers.get("set-cookie", "")


def test_wrong_password_shows_the_generic_message_and_keeps_the_username(client):
    token = _csrf(client)
    r = client.post("/auth/login", data={"csrf": token, "username": "claire", "password": "non"})
    assert r.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in r.text and 'value="claire"' in r.text


def test_next_cannot_leave_the_site(client):
    token = _csrf(client)
    r = client.post(
        "/auth/login",
        data={
            "csrf": token,
            "username": "claire",
            "password": PASSWORD,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_user_input_is_escaped_in_the_form(client):
    token = _csrf(client)
    r = client.post(
        "/auth/login", data={"csrf": token, "username": '"><script>x</script>', "password": "non"}
    )
    assert "<script>x</script>" not in r.text and "&lt;script&gt;" in r.text


def test_anonymous_page_load_goes_to_login_with_next(client):
    r = client.get("/exports?cohorte=AI", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/auth/login?next=/exports%3Fcohorte%3DAI"


def test_streamlit_internals_and_valid_sessions_pass(client, engine):
    assert (
        client.get("/_stcore/health", headers={"accept": "text/html"}).text
        == "page de l'application"
    )
    token = auth.login(engine, "claire", PASSWORD).token
    client.cookies.set(auth.SESSION_COOKIE, token)
    r = client.get("/exports", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 200
    auth.logout(engine, token)
    r = client.get("/exports", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303


def _scope(peer, forwarded=None):
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"type": "http", "client": (peer, 4321), "headers": headers}


def test_client_address_ignores_forwarded_for_from_an_untrusted_peer(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    get_settings.cache_clear()
    try:
        assert web.client_address(_scope("203.0.113.5", "198.51.100.1")) == "203.0.113.5"
    finally:
        get_settings.cache_clear()


def test_client_address_behind_trusted_proxies(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.10")
    get_settings.cache_clear()
    try:
        assert web.client_address(_scope("10.0.0.2", "198.51.100.7")) == "198.51.100.7"
        # A client cannot choose its address by adding its own entries on the left.
        forged = "1.1.1.1, 198.51.100.7, 192.0.2.10"
        assert web.client_address(_scope("10.0.0.2", forged)) == "198.51.100.7"
        assert web.client_address(_scope("10.0.0.2")) == "10.0.0.2"
        assert web.client_address(_scope("10.0.0.2", "pas-une-adresse")) == "10.0.0.2"
    finally:
        get_settings.cache_clear()


def test_login_attempts_record_the_client_address(engine, engine_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine_url)
    get_settings.cache_clear()
    app = Starlette(routes=web.ROUTES)
    try:
        with TestClient(app, client=("203.0.113.9", 5000)) as c:
            token = _csrf(c)
            c.post(
                "/auth/login",
                data={"csrf": token, "username": "quelqu'un", "password": "non"},
                headers={"x-forwarded-for": "198.51.100.99"},
            )
    finally:
        get_settings.cache_clear()
    with session_scope(engine) as s:
        attempt = s.exec(select(LoginAttempt)).one()
    assert (attempt.username, attempt.client_address) == ("quelqu'un", "203.0.113.9")


def test_control_characters_in_the_username_are_not_shown_back(client):
    token = _csrf(client)
    r = client.post(
        "/auth/login", data={"csrf": token, "username": "claire\x00\x1b[2J", "password": "non"}
    )
    assert r.status_code == 401 and "Identifiant ou mot de passe incorrect." in r.text
    assert "\x00" not in r.text and 'name="username" autocomplete="username" required value=""' in (
        r.text
    )


def test_login_pages_are_never_cached(client):
    assert client.get("/auth/login").headers["cache-control"] == "no-store"
    token = _csrf(client)
    r = client.post("/auth/login", data={"csrf": token, "username": "claire", "password": "non"})
    assert r.headers["cache-control"] == "no-store"


def test_strict_transport_security_only_behind_https(monkeypatch):
    monkeypatch.setenv("COOKIE_SECURE", "false")
    get_settings.cache_clear()
    try:
        assert "strict-transport-security" not in web.security_headers()
        monkeypatch.setenv("COOKIE_SECURE", "true")
        get_settings.cache_clear()
        assert web.security_headers()["strict-transport-security"] == "max-age=31536000"
    finally:
        get_settings.cache_clear()
