"""Signed unsubscribe links: the token names a person and carries an HMAC of their id, so the
link works without logging in and cannot be forged for somebody else."""

from __future__ import annotations

import base64
import hashlib
import hmac

from dashboard.core.config import get_settings
from dashboard.core.errors import AppError
from dashboard.core.i18n import t

# Used only when APP_ENV=development and SECRET_KEY is empty (tests, the local demo).
_DEVELOPMENT_KEY = "alliances-tracker-development-key"
_PURPOSE = b"unsubscribe:"


def _key() -> bytes:
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key.encode()
    if settings.environment == "development":
        return _DEVELOPMENT_KEY.encode()
    raise AppError(
        t(
            "SECRET_KEY n'est pas renseigné : les liens de désabonnement ne peuvent pas être "
            "signés. Ajoutez une clé aléatoire dans .env (voir .env.example)."
        )
    )


def _signature(user_id: int) -> str:
    digest = hmac.new(_key(), _PURPOSE + str(user_id).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def unsubscribe_token(user_id: int) -> str:
    """``<id>.<signature>``: what the unsubscribe link carries."""
    return f"{user_id}.{_signature(user_id)}"


def user_of_token(token: str) -> int | None:
    """The person a token was made for, or None when it is malformed or forged."""
    head, _, signature = (token or "").partition(".")
    if not head.isascii() or not head.isdigit() or len(head) > 12 or not signature:
        return None
    user_id = int(head)
    if not hmac.compare_digest(signature.encode(), _signature(user_id).encode()):
        return None
    return user_id
