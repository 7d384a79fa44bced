"""Sign-in with an OpenID Connect provider (ProConnect, Keycloak…), free of Starlette.

The provider proves who the person is; the local ``User`` row decides what they may do. A
login goes: :func:`begin_login` stores a random ``state`` and ``nonce`` (both 43 characters)
and sends the browser to the provider; :func:`finish_login` spends the state once, exchanges
the code, checks the ID token (signature against the provider's keys, issuer, audience,
expiry, nonce), reads the userinfo endpoint (a signed JWT at ProConnect, checked the same
way; plain JSON elsewhere), maps the verified e-mail to one active account and opens the same
server-side session as a password login, with the ID token kept for the provider's logout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from dashboard.auth.oidc_identity import (
    OidcFailure,
    _fail,
    sign_in_identity,
)
from dashboard.auth.throttle import BUSY
from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from models import OidcLoginState
from models.base import table_of, utcnow

DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
CALLBACK_PATH = "/auth/oidc/callback"
LOGGED_OUT_PATH = "/auth/oidc/logged-out"
STATE_TTL = dt.timedelta(minutes=10)
HTTP_TIMEOUT = 10  # seconds for each call to the provider
METADATA_TTL = 3600.0  # seconds the discovery document and the keys are kept
# Signatures accepted: asymmetric only (a shared-secret HS256 token proves nothing here).
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]

EXPIRED = "La connexion a expiré ou a déjà été utilisée. Recommencez depuis la page de connexion."
PROVIDER_DOWN = "{provider} ne répond pas pour le moment. Réessayez dans quelques minutes."
MISCONFIGURED = (
    "{provider} annonce un autre émetteur que celui configuré (OIDC_ISSUER). Prévenez {contact}."
)
REFUSED_BY_PROVIDER = "La connexion avec {provider} n'a pas abouti. Recommencez."
INVALID_IDENTITY = "L'identité transmise par {provider} n'a pas pu être vérifiée. Recommencez."
NO_EMAIL = "{provider} n'a pas transmis d'adresse électronique vérifiée. Adressez-vous à {contact}."


@dataclass(frozen=True)
class OidcLogin:
    token: str  # the new login session's id, for the cookie
    actor: Actor
    next_path: str


def enabled() -> bool:
    """True when an identity provider is configured (issuer and client id)."""
    settings = get_settings()
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def discovery_url(issuer: str) -> str:
    issuer = issuer.strip()
    if issuer.endswith(DISCOVERY_SUFFIX):
        return issuer
    return issuer.rstrip("/") + DISCOVERY_SUFFIX


def _base_url() -> str:
    settings = get_settings()
    return settings.oidc_redirect_base_url or settings.app_base_url


def redirect_uri() -> str:
    """The callback the provider sends the browser back to (declared at the provider)."""
    return _base_url() + CALLBACK_PATH


def post_logout_redirect_uri() -> str:
    """Where the provider sends the browser after its logout (declared at the provider)."""
    return _base_url() + LOGGED_OUT_PATH


_cache_lock = threading.Lock()
_cache: dict[str, tuple[float, Any]] = {}


def _fetch_json(url: str, *, fresh: bool = False) -> Any:
    """GET a JSON document of the provider, kept :data:`METADATA_TTL` per process."""
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(url)
    if hit is not None and not fresh and now - hit[0] < METADATA_TTL:
        return hit[1]
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise _fail(PROVIDER_DOWN) from exc
    with _cache_lock:
        _cache[url] = (now, document)
    return document


def provider_metadata() -> dict[str, Any]:
    """The provider's discovery document, checked for what a login needs: the endpoints, and
    an issuer that is the configured one (OpenID Connect Discovery, section 4.3)."""
    url = discovery_url(get_settings().oidc_issuer)
    metadata = _fetch_json(url)
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(metadata, dict) or any(not metadata.get(key) for key in needed):
        raise _fail(PROVIDER_DOWN)
    if str(metadata["issuer"]).rstrip("/") != url.removesuffix(DISCOVERY_SUFFIX).rstrip("/"):
        raise _fail(MISCONFIGURED)
    return metadata


def _keys(metadata: dict[str, Any], *, fresh: bool = False) -> KeySet:
    try:
        return KeySet.import_key_set(_fetch_json(metadata["jwks_uri"], fresh=fresh))
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise _fail(PROVIDER_DOWN) from exc


def verify_jwt(value: str, metadata: dict[str, Any], *, nonce: str | None = None) -> dict[str, Any]:
    """The claims of a JWT signed by the provider (ID token, or userinfo at ProConnect):
    signature with the provider's published keys (fetched again once for a new key id),
    issuer, audience (this client), expiry; and ``nonce`` when given (ID tokens)."""
    settings = get_settings()
    try:
        try:
            token = jwt.decode(value, _keys(metadata), algorithms=SIGNING_ALGORITHMS)
        except (JoseError, ValueError):
            # The provider may have rotated its keys since they were fetched.
            token = jwt.decode(value, _keys(metadata, fresh=True), algorithms=SIGNING_ALGORITHMS)
        rules: dict[str, Any] = {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": settings.oidc_client_id},
            "sub": {"essential": True},
        }
        if nonce is not None:
            rules["nonce"] = {"essential": True, "value": nonce}
            rules["exp"] = {"essential": True}
        jwt.JWTClaimsRegistry(leeway=60, **rules).validate(token.claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise _fail(INVALID_IDENTITY) from exc
    claims = dict(token.claims)
    audience = claims.get("aud")
    several = isinstance(audience, list) and len(audience) > 1
    if several and claims.get("azp") != settings.oidc_client_id:
        raise _fail(INVALID_IDENTITY)
    return claims


def _client(metadata: dict[str, Any]) -> OAuth2Session:
    settings = get_settings()
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return OAuth2Session(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        scope=settings.oidc_scopes,
        redirect_uri=redirect_uri(),
        token_endpoint_auth_method=method,
        default_timeout=HTTP_TIMEOUT,
    )


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def begin_login(engine: Engine, next_path: str = "/") -> tuple[str, str]:
    """Store a new ``state`` and ``nonce`` and return the provider's authorization URL and the
    state (the route also keeps it in a cookie, tying the login to this browser)."""
    settings = get_settings()
    metadata = provider_metadata()
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utcnow()
    states = table_of(OidcLoginState)
    with session_scope(engine) as session:
        started = session.exec(
            select(func.count())
            .select_from(OidcLoginState)
            .where(col(OidcLoginState.created_at) > now - dt.timedelta(minutes=1))
        ).one()
        if started >= settings.login_max_per_minute:
            raise OidcFailure(t(BUSY))
        # Logins spent or abandoned are of no further use: each new one clears them.
        session.exec(
            states.delete().where(
                states.c.used_at.is_not(None) | (states.c.created_at <= now - STATE_TTL)
            )
        )
        session.add(
            OidcLoginState(
                state_hash=_digest(state),
                nonce=nonce,
                next_path=next_path[:500] or "/",
                created_at=now,
            )
        )
    extra = {"nonce": nonce}
    if settings.oidc_acr_values:
        extra["acr_values"] = settings.oidc_acr_values
    with _client(metadata) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], state=state, **extra
        )
    return url, state


def _spend_state(engine: Engine, state: str) -> tuple[str, str]:
    """The nonce and next path of a login under way, spent by this call: a second callback
    with the same state (a replay) or a late one finds nothing."""
    if not state or len(state) > 200:
        raise _fail(EXPIRED)
    now = utcnow()
    states = table_of(OidcLoginState)
    with session_scope(engine) as session:
        spent = session.exec(
            states.update()
            .where(
                states.c.state_hash == _digest(state),
                states.c.used_at.is_(None),
                states.c.created_at > now - STATE_TTL,
            )
            .values(used_at=now)
        )
        if spent.rowcount != 1:
            raise _fail(EXPIRED)
        row = session.exec(
            select(OidcLoginState).where(OidcLoginState.state_hash == _digest(state))
        ).one()
        return row.nonce, row.next_path


def _userinfo(client: OAuth2Session, metadata: dict[str, Any]) -> dict[str, Any]:
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint:
        return {}
    try:
        response = client.get(endpoint)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise _fail(PROVIDER_DOWN) from exc
    if response.headers.get("content-type", "").split(";")[0].strip() == "application/jwt":
        return verify_jwt(response.text.strip(), metadata)
    try:
        info = response.json()
    except ValueError as exc:
        raise _fail(INVALID_IDENTITY) from exc
    if not isinstance(info, dict):
        raise _fail(INVALID_IDENTITY)
    return info


def finish_login(
    engine: Engine, *, state: str, code: str, user_agent: str | None = None
) -> OidcLogin:
    """Complete a login on the provider's callback; raises :class:`OidcFailure` (French
    message) for an expired or replayed state, a token that does not verify, or an identity
    that matches no single active account."""
    nonce, next_path = _spend_state(engine, state)
    if not code or len(code) > 2000:
        raise _fail(REFUSED_BY_PROVIDER)
    metadata = provider_metadata()
    with _client(metadata) as client:
        try:
            token = client.fetch_token(
                metadata["token_endpoint"], code=code, grant_type="authorization_code"
            )
        except requests.RequestException as exc:
            raise _fail(PROVIDER_DOWN) from exc
        except Exception as exc:  # noqa: BLE001  the provider refused the code (OAuth error)
            raise _fail(REFUSED_BY_PROVIDER) from exc
        id_token = token.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise _fail(INVALID_IDENTITY)
        claims = verify_jwt(id_token, metadata, nonce=nonce)
        info = _userinfo(client, metadata)
    if info and info.get("sub") != claims["sub"]:
        raise _fail(INVALID_IDENTITY)
    email = info.get("email") or claims.get("email")
    verified = info.get("email_verified", claims.get("email_verified", True))
    if not isinstance(email, str) or "@" not in email or verified is False:
        raise _fail(NO_EMAIL)
    token_value, actor = sign_in_identity(
        engine, subject=str(claims["sub"]), email=email, id_token=id_token, user_agent=user_agent
    )
    return OidcLogin(token=token_value, actor=actor, next_path=next_path)


def end_session_url(id_token: str | None) -> str | None:
    """The provider's logout address with ``id_token_hint`` and the way back, or None when
    the provider publishes no end-session endpoint (or is unreachable)."""
    if not id_token:
        return None
    try:
        endpoint = provider_metadata().get("end_session_endpoint")
    except OidcFailure:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "state": secrets.token_urlsafe(32),
            "post_logout_redirect_uri": post_logout_redirect_uri(),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
