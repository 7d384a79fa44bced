"""The served application (``dashboard/server.py``: Streamlit with our routes and middleware)
over HTTP: security headers on every answer, and no anonymous door — the websocket, the files
behind download buttons, metrics and uploads need a live login session."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from streamlit.runtime import Runtime

from dashboard.auth import accounts as auth
from dashboard.auth import routes as web
from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from models import LoginAttempt
from tests.factories import PASSWORD, make_cohort, make_network, make_user

EXPORT_BYTES = b"PK\x03\x04 export du ministere"


@pytest.fixture(scope="module")
def served():
    """The real ASGI app, started once for the module (Streamlit allows one runtime per
    process); each test points it at its own database through DATABASE_URL."""
    from dashboard import server

    try:
        with TestClient(server.app, base_url="http://testserver") as client:
            yield client
    finally:
        Runtime._instance = None  # let later tests (AppTest) start from a clean slate


@pytest.fixture
def site(served, engine, engine_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine_url)
    get_settings.cache_clear()
    net = make_network(engine, make_cohort(engine))
    make_user(engine, "ministry", username="agent")
    make_user(engine, "lead", network_id=net, username="claire")
    served.cookies.clear()
    yield served
    served.cookies.clear()
    get_settings.cache_clear()


def _logged_in(client, engine, username="agent"):
    token = auth.login(engine, username, PASSWORD).token
    client.cookies.set(auth.SESSION_COOKIE, token)
    return token


def _export_url() -> str:
    return Runtime.instance().media_file_mgr.add(
        EXPORT_BYTES,
        "application/zip",
        "1.export",
        file_name="export.zip",
        is_for_static_download=True,
    )


@pytest.mark.parametrize(
    "path, headers",
    [
        ("/auth/login", {}),
        ("/_stcore/health", {}),
        ("/", {"accept": "text/html"}),  # the redirect to the login form
        ("/_stcore/metrics", {}),  # a refusal
        ("/media/inconnu.zip", {}),
    ],
)
def test_every_answer_carries_the_security_headers(site, path, headers):
    r = site.get(path, headers=headers, follow_redirects=False)
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "'unsafe-eval'" not in csp


def test_streamlit_page_is_served_with_the_policy_once_logged_in(site, engine):
    _logged_in(site, engine)
    r = site.get("/", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 200 and "<html" in r.text
    assert r.headers.get_list("content-security-policy") == [web.content_security_policy()]


def test_download_button_files_need_a_live_session(site, engine):
    url = _export_url()
    anonymous = site.get(url)
    assert anonymous.status_code == 403 and EXPORT_BYTES not in anonymous.content
    assert "connectez-vous" in anonymous.text
    token = _logged_in(site, engine)
    assert site.get(url).content == EXPORT_BYTES
    auth.logout(engine, token)
    assert site.get(url).status_code == 403


def test_forged_session_cookie_opens_nothing(site):
    site.cookies.set(auth.SESSION_COOKIE, "jeton-invente")
    assert site.get(_export_url()).status_code == 403
    assert site.get("/_stcore/metrics").status_code == 403


def test_metrics_need_a_session(site, engine):
    assert site.get("/_stcore/metrics").status_code == 403
    _logged_in(site, engine)
    assert site.get("/_stcore/metrics").status_code == 200


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/_stcore/script-health-check"),
        ("POST", "/_stcore/agent/interact"),
        ("POST", "/_stcore/agent/mcp"),
    ],
)
def test_other_streamlit_doors_need_a_session(site, method, path):
    r = site.request(method, path, json={})
    assert r.status_code == 403 and "connectez-vous" in r.text


def test_uploads_need_a_session(site):
    r = site.put("/_stcore/upload_file/session/file", files={"file": ("a.csv", b"x;y")})
    assert r.status_code == 403


@pytest.mark.parametrize("cookie", [None, "jeton-invente", "revoked"])
def test_websocket_is_refused_without_a_live_session(site, engine, cookie):
    if cookie == "revoked":
        cookie = auth.login(engine, "claire", PASSWORD).token
        auth.logout(engine, cookie)
    if cookie:
        site.cookies.set(auth.SESSION_COOKIE, cookie)
    with pytest.raises(WebSocketDisconnect) as refused:
        with site.websocket_connect("/_stcore/stream"):
            pass
    assert refused.value.code == 1008


def test_websocket_is_accepted_with_a_live_session(site, engine):
    _logged_in(site, engine, "claire")
    with site.websocket_connect("/_stcore/stream", subprotocols=["streamlit"]) as ws:
        accepted = ws.accepted_subprotocol
        ws.close()
    assert accepted == "streamlit"


def test_oversized_login_form_is_refused_before_the_database(site, engine):
    page = site.get("/auth/login")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = site.post(
        "/auth/login",
        data={"csrf": csrf, "username": "a" * 1_000_000, "password": "x"},
    )
    assert r.status_code == 413 and "trop volumineux" in r.text
    assert "a" * 200 not in r.text
    with session_scope(engine) as s:
        assert s.exec(select(LoginAttempt)).all() == []
