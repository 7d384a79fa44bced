"""A real OpenID Connect provider for the tests: ``oidc-provider-mock`` (Flask, served by
werkzeug in a thread on a free port). Any client id and secret are accepted; people are
declared with :func:`declare_person` and sign in on the provider's page (or its form, posted
by :func:`authorise`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from oidc_provider_mock import run_server_in_thread

CLIENT_ID = "alliances-tracker"
CLIENT_SECRET = "secret-du-client-de-test"


@contextmanager
def running_provider() -> Iterator[str]:
    """The issuer URL of a provider that requires a nonce in every authorization request."""
    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def declare_person(issuer: str, sub: str, **claims: object) -> None:
    """What the provider says about ``sub`` (e-mail, given_name, usual_name…)."""
    response = httpx.put(f"{issuer}/users/{sub}", json=claims)
    assert response.status_code == 204, response.text


def authorise(authorize_url: str, sub: str) -> str:
    """Sign in as ``sub`` on the provider's page; returns where it sends the browser back
    (the app's callback with ``code`` and ``state``)."""
    with httpx.Client() as browser:
        page = browser.get(authorize_url)
        assert page.status_code == 200, page.text
        answer = browser.post(authorize_url, data={"sub": sub}, follow_redirects=False)
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["location"]
