"""The page Streamlit serves, made French: ``lang="fr"``, the French-words script and the
accessibility style sheet from this server, and no English « Page not found » for an address
that is no page of the app (``dashboard/ui/index_page.py``)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from dashboard.ui.index_page import FrenchIndexMiddleware, add_head_tags, set_french_lang

# What Streamlit's index.html starts with.
INDEX = '<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>S</title></head><body></body></html>'
HTML = {"accept": "text/html,application/xhtml+xml"}


def _index(request):
    return HTMLResponse(INDEX)


def _client() -> TestClient:
    inner = Starlette(
        routes=[
            Route("/", _index),
            Route("/jalons", _index),
            Route("/_stcore/health", lambda r: PlainTextResponse("ok")),
        ]
    )
    return TestClient(FrenchIndexMiddleware(inner), follow_redirects=False)


def test_every_page_declares_french_and_loads_the_local_assets():
    client = _client()
    for path in ("/", "/jalons"):
        body = client.get(path, headers=HTML).text
        assert '<html lang="fr">' in body and 'lang="en"' not in body
        assert '<script src="/_at/streamlit-fr.js"></script>' in body
        assert '<link rel="stylesheet" href="/_at/a11y.css">' in body
        assert "http://" not in body.replace("http-equiv", "") and "https://" not in body


def test_the_assets_are_served_with_their_type():
    client = _client()
    script = client.get("/_at/streamlit-fr.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert '"Choose an option": "Choisir une option"' in script.text
    style = client.get("/_at/a11y.css")
    assert style.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in style.text


def test_an_unknown_address_goes_home_instead_of_an_english_dialog():
    client = _client()
    for path in ("/nimporte-quoi", "/accueil"):  # the home page lives at "/" only
        answer = client.get(path, headers=HTML)
        assert answer.status_code == 303 and answer.headers["location"] == "/"
    # Streamlit's own addresses and non-HTML requests are left alone.
    assert client.get("/_stcore/health", headers=HTML).text == "ok"
    assert client.get("/jalons").status_code == 200


def test_lang_rewrite_is_exact():
    assert set_french_lang(b'<html lang="en"><head>') == b'<html lang="fr"><head>'
    assert set_french_lang(b"<html><head>") == b'<html lang="fr"><head>'
    once = add_head_tags(b"<head><title>x</title>")
    assert add_head_tags(once) == once
