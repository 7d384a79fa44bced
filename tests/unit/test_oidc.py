"""Sign-in with an OpenID Connect provider, end to end over HTTP: the app's routes (Starlette's
test client) against a real local provider (``oidc-provider-mock``), on both backends."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from sqlmodel import func, select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from dashboard.auth import accounts as auth
from dashboard.auth import oidc, oidc_routes, sessions
from dashboard.auth import routes as web
from dashboard.core.config import get_settings
from dashboard.core.db import read_scope, session_scope
from models import AuthSession, OidcLoginState, User
from tests.factories import PASSWORD, make_cohort, make_network, make_user
from tests.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    authorise,
    declare_person,
    running_provider,
)

APP = "http://testserver"
AGENT = "agent.dupont@culture.gouv.fr"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with running_provider() as url:
        yield url


@pytest.fixture
def configured(issuer, engine_url, monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", engine_url)
    monkeypatch.setenv("OIDC_ISSUER", issuer)
    monkeypatch.setenv("OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("OIDC_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("OIDC_REDIRECT_BASE_URL", APP)
    monkeypatch.setenv("PROGRAMME_CONTACT", "l'équipe d'animation (animation@exemple.fr)")
    # The local provider speaks plain HTTP; Authlib refuses that unless told otherwise.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    get_settings.cache_clear()
    oidc._cache.clear()
    yield issuer
    get_settings.cache_clear()
    oidc._cache.clear()


@pytest.fixture
def client(configured) -> Iterator[TestClient]:
    async def page(_request):
        return PlainTextResponse("page de l'application")

    app = Starlette(
        routes=[*web.ROUTES, Route("/{path:path}", page)],
        middleware=[Middleware(web.LoginRedirectMiddleware)],
    )
    with TestClient(app, base_url=APP) as c:
        yield c


def _start(client, next_path="/export") -> str:
    """Click the provider button: the app answers with the provider's authorization URL."""
    r = client.get("/auth/oidc/login", params={"next": next_path}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def _relative(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == APP
    return f"{parts.path}?{parts.query}"


def _sign_in(client, sub: str, next_path="/export"):
    callback = authorise(_start(client, next_path), sub)
    return client.get(_relative(callback), follow_redirects=False)


def _session_cookie(response) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{sessions.SESSION_COOKIE}=") and "Max-Age=0" not in header:
            return header.split(";")[0].split("=", 1)[1].strip('"')
    return None


def _shown(response) -> str:
    """The page's text as the person reads it (entities decoded)."""
    return html.unescape(response.text)


def _sessions_of(engine, user_id: int) -> int:
    with read_scope(engine) as s:
        return s.exec(
            select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user_id)
        ).one()


def _ministry_agent(engine, **kw):
    return make_user(engine, "ministry", username="agent.dupont", email=AGENT, **kw)


def test_the_button_is_named_after_the_provider_unless_its_label_is_set(
    client, engine, monkeypatch
):
    monkeypatch.setenv("OIDC_PROVIDER_NAME", "Keycloak du ministère")
    get_settings.cache_clear()
    page = _shown(client.get("/auth/login"))
    assert "Se connecter avec Keycloak du ministère" in page
    assert "ProConnect" not in page
    monkeypatch.setenv("OIDC_BUTTON_LABEL", "Compte de l'organisation")
    get_settings.cache_clear()
    page = _shown(client.get("/auth/login"))
    assert "Compte de l'organisation" in page and "Se connecter avec" not in page


def test_the_login_page_offers_the_provider_button_only_when_configured(
    client, engine, monkeypatch
):
    page = client.get("/auth/login", params={"next": "/export"}).text
    assert "Se connecter avec ProConnect" in page
    assert 'href="/auth/oidc/login?next=%2Fexport"' in page
    monkeypatch.delenv("OIDC_ISSUER")
    get_settings.cache_clear()
    page = client.get("/auth/login").text
    assert "ProConnect" not in page and "Mot de passe" in page
    r = client.get("/auth/oidc/login", follow_redirects=False)
    assert r.headers["location"] == "/auth/login"


def test_authorization_request_carries_state_nonce_scopes_and_acr(client, monkeypatch):
    monkeypatch.setenv("OIDC_ACR_VALUES", "eidas1")
    get_settings.cache_clear()
    url = _start(client)
    query = parse_qs(urlsplit(url).query)
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["scope"] == ["openid email given_name usual_name"]
    assert query["acr_values"] == ["eidas1"]
    assert query["redirect_uri"] == [f"{APP}/auth/oidc/callback"]
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert client.cookies.get(oidc_routes.STATE_COOKIE) == query["state"][0]


def test_a_ministry_agent_signs_in_and_gets_their_role(client, engine, configured):
    agent = _ministry_agent(engine)
    declare_person(
        configured, "sub-agent-1", email=AGENT, given_name="Camille", usual_name="Dupont"
    )
    r = _sign_in(client, "sub-agent-1")
    assert r.status_code == 303 and r.headers["location"] == "/export"
    token = _session_cookie(r)
    assert token is not None
    actor = auth.resolve_session(engine, token)
    assert actor is not None and actor.id == agent.id and actor.role.value == "ministry"
    with read_scope(engine) as s:
        user = s.get(User, agent.id)
        stored = s.exec(select(AuthSession).where(AuthSession.user_id == agent.id)).one()
    assert user.oidc_subject == "sub-agent-1" and user.last_login_at is not None
    assert stored.id_token and stored.id_token.count(".") == 2
    assert stored.expires_at > stored.created_at  # the same absolute deadline as passwords
    # The app's pages open with that cookie.
    r = client.get("/export", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 200 and r.text == "page de l'application"


def test_the_e_mail_is_matched_without_case(client, engine, configured):
    agent = _ministry_agent(engine)
    declare_person(configured, "sub-agent-case", email=AGENT.upper())
    r = _sign_in(client, "sub-agent-case")
    assert auth.resolve_session(engine, _session_cookie(r)).id == agent.id


def test_an_unknown_e_mail_is_refused_and_no_account_is_created(client, engine, configured):
    _ministry_agent(engine)
    declare_person(configured, "sub-stranger", email="inconnu@exemple.fr")
    with read_scope(engine) as s:
        before = s.exec(select(func.count()).select_from(User)).one()
    r = _sign_in(client, "sub-stranger")
    assert r.status_code == 401 and _session_cookie(r) is None
    assert "Aucun compte Alliances Tracker ne correspond à l'adresse inconnu@exemple.fr" in _shown(
        r
    )
    assert "demandez à l'équipe d'animation (animation@exemple.fr)" in _shown(r)
    with read_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(User)).one() == before
        assert s.exec(select(func.count()).select_from(AuthSession)).one() == 0


def test_a_deactivated_account_is_refused(client, engine, configured):
    agent = _ministry_agent(engine, active=False)
    declare_person(configured, "sub-gone", email=AGENT)
    r = _sign_in(client, "sub-gone")
    assert r.status_code == 401 and "Votre compte Alliances Tracker est désactivé" in r.text
    assert _session_cookie(r) is None and _sessions_of(engine, agent.id) == 0


def test_a_subject_other_than_the_stored_one_is_refused(client, engine, configured):
    agent = _ministry_agent(engine, oidc_subject="sub-first")
    declare_person(configured, "sub-impostor", email=AGENT)
    r = _sign_in(client, "sub-impostor")
    assert r.status_code == 401 and "déjà lié à une autre identité ProConnect" in r.text
    assert _sessions_of(engine, agent.id) == 0
    with read_scope(engine) as s:
        assert s.get(User, agent.id).oidc_subject == "sub-first"


def test_a_tampered_state_is_refused(client, engine, configured):
    agent = _ministry_agent(engine)
    declare_person(configured, "sub-agent-2", email=AGENT)
    callback = urlsplit(authorise(_start(client), "sub-agent-2"))
    query = parse_qs(callback.query)
    query["state"] = [query["state"][0][:-2] + "xx"]
    forged = urlunsplit(callback._replace(query=urlencode(query, doseq=True)))
    r = client.get(_relative(forged), follow_redirects=False)
    assert r.status_code == 400 and "La connexion a expiré ou a déjà été utilisée" in r.text
    assert _sessions_of(engine, agent.id) == 0


def test_a_callback_in_another_browser_is_refused(client, engine, configured):
    """Login CSRF: a code and state obtained by someone else cannot open a session here."""
    agent = _ministry_agent(engine)
    declare_person(configured, "sub-agent-3", email=AGENT)
    callback = authorise(_start(client), "sub-agent-3")
    client.cookies.clear()
    r = client.get(_relative(callback), follow_redirects=False)
    assert r.status_code == 400 and _sessions_of(engine, agent.id) == 0


def test_a_tampered_nonce_is_refused(client, engine, configured):
    agent = _ministry_agent(engine)
    declare_person(configured, "sub-agent-4", email=AGENT)
    url = urlsplit(_start(client))
    query = parse_qs(url.query)
    query["nonce"] = ["n" * 43]  # the provider signs this one into the ID token
    forged = urlunsplit(url._replace(query=urlencode(query, doseq=True)))
    r = client.get(_relative(authorise(forged, "sub-agent-4")), follow_redirects=False)
    assert r.status_code == 401
    assert "L'identité transmise par ProConnect n'a pas pu être vérifiée" in _shown(r)
    assert _sessions_of(engine, agent.id) == 0


def test_a_replayed_callback_is_refused(client, engine, configured):
    agent = _ministry_agent(engine)
    declare_person(configured, "sub-agent-5", email=AGENT)
    callback = authorise(_start(client), "sub-agent-5")
    state = parse_qs(urlsplit(callback).query)["state"][0]
    first = client.get(_relative(callback), follow_redirects=False)
    assert first.status_code == 303 and _sessions_of(engine, agent.id) == 1
    client.cookies.set(oidc_routes.STATE_COOKIE, state, path="/auth/oidc")
    again = client.get(_relative(callback), follow_redirects=False)
    assert again.status_code == 401 and "déjà été utilisée" in again.text
    assert _sessions_of(engine, agent.id) == 1


def test_the_provider_refusing_shows_a_french_message(client, configured):
    url = _start(client)
    state = parse_qs(urlsplit(url).query)["state"][0]
    r = client.get(
        "/auth/oidc/callback",
        params={"error": "access_denied", "state": state},
        follow_redirects=False,
    )
    assert r.status_code == 401 and "La connexion avec ProConnect n'a pas abouti" in _shown(r)


def test_logout_ends_the_session_and_goes_to_the_provider_with_id_token_hint(
    client, engine, configured
):
    agent = _ministry_agent(engine)
    declare_person(configured, "sub-agent-6", email=AGENT)
    token = _session_cookie(_sign_in(client, "sub-agent-6"))
    path = oidc_routes.provider_logout_path(engine, token)
    assert path is not None
    # Without the key derived from the session (a link from another site): nothing happens.
    r = client.get(oidc_routes.LOGOUT_PATH, params={"k": "0" * 32}, follow_redirects=False)
    assert r.headers["location"] == "/" and auth.resolve_session(engine, token) is not None
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    target = urlsplit(r.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{configured}/oauth2/end_session"
    query = parse_qs(target.query)
    with read_scope(engine) as s:
        stored = s.exec(select(AuthSession).where(AuthSession.user_id == agent.id)).one()
    assert query["id_token_hint"] == [stored.id_token]
    assert query["post_logout_redirect_uri"] == [f"{APP}/auth/oidc/logged-out"]
    assert stored.revoked_at is not None and auth.resolve_session(engine, token) is None
    assert _session_cookie(r) is None
    page = client.get("/auth/oidc/logged-out")
    assert "Vous êtes déconnecté·e" in page.text


def test_a_password_session_has_no_provider_logout(client, engine):
    make_user(engine, "ministry", username="agent.mdp", email="mdp@exemple.fr")
    token = auth.login(engine, "agent.mdp", PASSWORD).token
    assert oidc_routes.provider_logout_path(engine, token) is None


def test_a_role_that_must_use_the_provider_is_refused_a_password_login(client, engine, monkeypatch):
    monkeypatch.setenv("OIDC_REQUIRED_ROLES", "ministry")
    get_settings.cache_clear()
    make_user(engine, "ministry", username="agent.mdp", email="mdp@exemple.fr")
    network = make_network(engine, make_cohort(engine))
    make_user(engine, "lead", network_id=network, username="claire")
    page = client.get("/auth/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = client.post(
        "/auth/login",
        data={"csrf": csrf, "username": "agent.mdp", "password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 401 and _session_cookie(r) is None
    assert "Votre compte se connecte avec ProConnect" in r.text
    assert "« Se connecter avec ProConnect »" in r.text
    # A wrong password tells nothing about the account.
    assert not auth.login(engine, "agent.mdp", "mauvais").message.startswith("Votre compte")
    # Other roles keep their password.
    assert auth.login(engine, "claire", PASSWORD).ok


def _signed(key: ECKey, claims: dict) -> str:
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


class _Answer:
    def __init__(self, body: str, content_type: str):
        self.text = body
        self.headers = {"content-type": content_type}

    def raise_for_status(self):
        return None


class _Client:
    def __init__(self, answer):
        self.answer = answer

    def get(self, _url):
        return self.answer


def test_userinfo_as_a_signed_jwt_is_verified(configured, monkeypatch):
    """ProConnect answers the userinfo endpoint with a JWT signed by its keys."""
    key = ECKey.generate_key("P-256", parameters={"kid": "pc-1"})
    other = ECKey.generate_key("P-256", parameters={"kid": "pc-1"})
    monkeypatch.setattr(oidc, "_keys", lambda metadata, fresh=False: KeySet([key]))
    metadata = {"issuer": "https://pc.exemple.fr", "userinfo_endpoint": "https://pc/userinfo"}
    claims = {"iss": "https://pc.exemple.fr", "aud": CLIENT_ID, "sub": "s1", "email": AGENT}
    good = _Client(_Answer(_signed(key, claims), "application/jwt; charset=utf-8"))
    assert oidc._userinfo(good, metadata)["email"] == AGENT
    for forged in (
        _signed(other, claims),  # not the provider's key
        _signed(key, {**claims, "aud": "une-autre-application"}),
        _signed(key, {**claims, "iss": "https://ailleurs.exemple.fr"}),
    ):
        with pytest.raises(oidc.OidcFailure, match="n'a pas pu être vérifiée"):
            oidc._userinfo(_Client(_Answer(forged, "application/jwt")), metadata)
    plain = _Client(_Answer('{"sub": "s1", "email": "x@exemple.fr"}', "application/json"))
    plain.answer.json = lambda: {"sub": "s1", "email": "x@exemple.fr"}
    assert oidc._userinfo(plain, metadata)["email"] == "x@exemple.fr"


def test_spent_logins_are_cleared_when_a_new_one_starts(client, engine, configured):
    _ministry_agent(engine)
    declare_person(configured, "sub-agent-7", email=AGENT)
    assert _sign_in(client, "sub-agent-7").status_code == 303
    _start(client)
    with read_scope(engine) as s:
        kept = s.exec(select(OidcLoginState)).all()
    assert len(kept) == 1 and kept[0].used_at is None


def test_an_invited_agent_whose_role_uses_the_provider_has_no_password_to_choose(
    client, engine, configured, monkeypatch
):
    monkeypatch.setenv("OIDC_REQUIRED_ROLES", "ministry")
    get_settings.cache_clear()
    agent = _ministry_agent(engine, must_change_password=True)
    with session_scope(engine) as s:  # invited: no password yet
        s.get(User, agent.id).password_hash = None
    declare_person(configured, "sub-invited", email=AGENT)
    actor = auth.resolve_session(engine, _session_cookie(_sign_in(client, "sub-invited")))
    assert actor is not None and actor.id == agent.id and not actor.must_change_password


def test_a_flood_of_provider_logins_is_slowed_down(client, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_PER_MINUTE", "2")
    get_settings.cache_clear()
    _start(client)
    _start(client)
    r = client.get("/auth/oidc/login", follow_redirects=False)
    assert r.status_code == 503
    assert "Le service de connexion reçoit trop de demandes" in _shown(r)


def test_the_issuer_may_be_given_as_its_discovery_url(client, engine, configured, monkeypatch):
    monkeypatch.setenv("OIDC_ISSUER", f"{configured}/.well-known/openid-configuration")
    get_settings.cache_clear()
    agent = _ministry_agent(engine)
    declare_person(configured, "sub-agent-8", email=AGENT)
    r = _sign_in(client, "sub-agent-8")
    assert auth.resolve_session(engine, _session_cookie(r)).id == agent.id


def test_a_discovery_document_naming_another_issuer_is_refused(client, configured, monkeypatch):
    real = oidc._fetch_json

    def elsewhere(url, *, fresh=False):
        document = dict(real(url, fresh=fresh))
        if url.endswith("/.well-known/openid-configuration"):
            document["issuer"] = "https://ailleurs.exemple.fr"
        return document

    monkeypatch.setattr(oidc, "_fetch_json", elsewhere)
    r = client.get("/auth/oidc/login", follow_redirects=False)
    assert r.status_code == 503
    assert "annonce un autre émetteur que celui configuré (OIDC_ISSUER)" in _shown(r)


def test_closing_a_persons_sessions_ends_a_provider_session_too(client, engine, configured):
    agent = _ministry_agent(engine)
    declare_person(configured, "sub-agent-9", email=AGENT)
    token = _session_cookie(_sign_in(client, "sub-agent-9"))
    assert auth.resolve_session(engine, token) is not None
    assert auth.revoke_user_sessions(engine, agent.id) == 1
    assert auth.resolve_session(engine, token) is None
    r = client.get("/export", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/login")
