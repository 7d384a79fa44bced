"""Passwords and the identity provider: which roles may not use a password while a provider
is configured (``OIDC_REQUIRED_ROLES``), the French refusals they get, and the provider
button's text."""

from __future__ import annotations

from dashboard.core.config import get_settings
from dashboard.core.i18n import t

OIDC_ONLY = (
    "Votre compte se connecte avec {provider} : utilisez le bouton « {button} » "
    "de la page de connexion."
)


def password_refused_for(role: str) -> bool:
    """True when the programme team turned passwords off for ``role`` (``OIDC_REQUIRED_ROLES``),
    which applies only while an identity provider is configured."""
    settings = get_settings()
    return bool(settings.oidc_issuer) and role in settings.oidc_required_roles


OIDC_NO_PASSWORD = (
    "Votre compte se connecte avec {provider} : il n'a pas de mot de passe à changer ici. "
    "Votre mot de passe se gère chez {provider}."
)


def password_change_refusal() -> str:
    """Why « Mon compte » offers no password change to a role that must use OIDC."""
    return t(OIDC_NO_PASSWORD, provider=get_settings().oidc_provider_name)


def oidc_button_label() -> str:
    """The provider button's text: ``OIDC_BUTTON_LABEL`` as set, else « Se connecter avec »
    and the provider's name (so renaming the provider renames the button)."""
    settings = get_settings()
    return settings.oidc_button_label or t(
        "Se connecter avec {provider}", provider=settings.oidc_provider_name
    )


def password_refusal() -> str:
    """The French message of a password login refused for a role that must use OIDC."""
    settings = get_settings()
    return t(OIDC_ONLY, provider=settings.oidc_provider_name, button=oidc_button_label())


__all__ = [
    "OIDC_NO_PASSWORD",
    "OIDC_ONLY",
    "oidc_button_label",
    "password_change_refusal",
    "password_refusal",
    "password_refused_for",
]
