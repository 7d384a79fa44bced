"""The unsubscribe link of a reminder, over HTTP: no login needed, a signed token, the GET only
shows a button (link scanners change nothing), the POST (or an RFC 8058 one-click) turns
reminders off; a forged link is refused."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from dashboard.auth import routes as web
from dashboard.core.config import get_settings
from dashboard.services import notifications
from tests.factories import make_cohort, make_network, make_user

HTML = {"accept": "text/html"}


@pytest.fixture
def site(engine, engine_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine_url)
    monkeypatch.setenv("SECRET_KEY", "cle-de-test-des-rappels")
    get_settings.cache_clear()
    net = make_network(engine, make_cohort(engine))
    lead = make_user(engine, "lead", network_id=net, email="zoe@exemple.org")

    async def page(_request):
        return PlainTextResponse("page de l'application")

    app = Starlette(
        routes=[*web.ROUTES, Route("/{path:path}", page)],
        middleware=[Middleware(web.LoginRedirectMiddleware)],
    )
    with TestClient(app, base_url="http://testserver") as client:
        yield client, lead
    get_settings.cache_clear()


def test_opening_the_link_asks_before_turning_reminders_off(site, engine):
    client, lead = site
    token = notifications.unsubscribe_token(lead.id)

    shown = client.get("/auth/desabonnement", params={"jeton": token}, headers=HTML)
    assert shown.status_code == 200
    assert "Ne plus recevoir les rappels" in shown.text
    assert notifications.reminders_enabled(engine, lead) is True  # a GET changes nothing

    sent = re.search(r'name="jeton" value="([^"]+)"', shown.text).group(1)
    done = client.post("/auth/desabonnement", data={"jeton": sent})

    assert done.status_code == 200 and "vous ne recevrez plus de rappels" in done.text
    assert notifications.reminders_enabled(engine, lead) is False


def test_one_click_unsubscribe_from_the_mail_client(site, engine):
    client, lead = site
    token = notifications.unsubscribe_token(lead.id)

    r = client.post(
        f"/auth/desabonnement?jeton={token}", content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )  # fmt: skip

    assert r.status_code == 200
    assert notifications.reminders_enabled(engine, lead) is False


@pytest.mark.parametrize("token", ["", "1", "1.abc", "x.y", "99999.zzz"])
def test_a_forged_link_is_refused_and_changes_nothing(site, engine, token):
    client, lead = site

    shown = client.get("/auth/desabonnement", params={"jeton": token}, headers=HTML)
    posted = client.post("/auth/desabonnement", data={"jeton": token})

    assert shown.status_code == 400 and posted.status_code == 400
    assert "Ce lien n'est pas valide" in posted.text
    assert notifications.reminders_enabled(engine, lead) is True
