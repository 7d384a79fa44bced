"""Sign-in with an OpenID Connect provider in a real browser, as a ministry agent would: the
provider button on the login page, the (local) provider's page, the ministry's pages with the
right role, then a logout that ends both sessions."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from dashboard.core.db import make_engine, migrate
from tests.e2e.conftest import free_port, running_app
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, declare_person, running_provider

TIMEOUT = 45_000
AGENT_EMAIL = "julien.aubry@exemple.org"  # the demo's ministry agent (seed_data/users.yaml)


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with running_provider() as issuer:
        yield issuer


@pytest.fixture(scope="module")
def oidc_server(provider, tmp_path_factory) -> Iterator[str]:
    """The app over the demo cohort, with the local provider configured and passwords turned
    off for the ministry's agents."""
    from dashboard.seed.read import seed_demo
    from tests.conftest import DEMO_AS_OF

    db = tmp_path_factory.mktemp("e2e_oidc") / "oidc.sqlite"
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    migrate(engine)
    seed_demo(engine, DEMO_AS_OF, whole_storyline=True)
    engine.dispose()
    port = free_port()  # the redirect address names it before the app starts
    base = f"http://127.0.0.1:{port}"
    with running_app(
        url,
        tmp_path_factory.mktemp("e2e_oidc_log") / "server.log",
        port=port,
        OIDC_ISSUER=provider,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_REDIRECT_BASE_URL=base,
        OIDC_REQUIRED_ROLES="ministry",
        AUTHLIB_INSECURE_TRANSPORT="1",  # the local provider speaks plain HTTP
    ) as started:
        yield started


def test_a_ministry_agent_signs_in_at_the_provider_and_out_of_both(page, oidc_server, provider):
    declare_person(
        provider, "agent-julien-aubry", email=AGENT_EMAIL, given_name="Julien", usual_name="Aubry"
    )
    page.goto(oidc_server + "/exports")
    page.wait_for_url(re.compile(r".*/auth/login\?next=/exports$"))
    page.get_by_role("link", name="Se connecter avec ProConnect").click()
    # The provider's own page: sign in as the agent.
    page.wait_for_url(re.compile(re.escape(provider) + r"/oauth2/authorize.*"))
    page.fill("input[name=sub]", "agent-julien-aubry")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(r".*127\.0\.0\.1:\d+/exports$"), timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Exports").first).to_be_visible(timeout=TIMEOUT)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Julien Aubry")).to_be_visible(timeout=TIMEOUT)
    expect(sidebar.get_by_text("Agent du ministère")).to_be_visible()
    # Logout: the local session ends, then the provider's (its confirmation page).
    sidebar.get_by_role("link", name="Se déconnecter").click()
    page.wait_for_url(re.compile(re.escape(provider) + r"/oauth2/end_session.*"), timeout=TIMEOUT)
    assert "id_token_hint=" in page.url
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(re.compile(r".*/auth/oidc/logged-out(\?.*)?$"), timeout=TIMEOUT)
    expect(page.get_by_role("status")).to_have_text(
        "Vous êtes déconnecté·e. Votre session est fermée sur le serveur."
    )
    page.goto(oidc_server + "/exports")
    page.wait_for_url(re.compile(r".*/auth/login\?next=/exports$"), timeout=TIMEOUT)
