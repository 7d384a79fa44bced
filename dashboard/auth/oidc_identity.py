"""An identity verified by the OpenID Connect provider, mapped to one local account.

The e-mail (without case) finds the account; the provider's stable subject is stored on it at
the first sign-in and must match afterwards. No account is ever created here, and every
refusal names whom to ask (``PROGRAMME_CONTACT``)."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from dashboard.auth.accounts import password_refused_for
from dashboard.auth.sessions import actor_for, open_session
from dashboard.core.config import get_settings
from dashboard.core.db import read_scope, session_scope
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from models import Network, User
from models.base import saved_id, table_of, utcnow

UNKNOWN = (
    "Aucun compte Alliances Tracker ne correspond à l'adresse {email}. Aucun compte n'est créé "
    "automatiquement : demandez à {contact} de vous ouvrir un accès avec cette adresse."
)
AMBIGUOUS = (
    "Plusieurs comptes Alliances Tracker portent l'adresse {email}. Demandez à {contact} "
    "de n'en garder qu'un."
)
INACTIVE = "Votre compte Alliances Tracker est désactivé. Adressez-vous à {contact}."
OTHER_SUBJECT = (
    "Ce compte Alliances Tracker est déjà lié à une autre identité {provider}. "
    "Adressez-vous à {contact}."
)
DEFAULT_CONTACT = "l'équipe d'animation du programme"


class OidcFailure(Exception):
    """A login refused; ``message`` is the French text shown on the login page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _messages() -> dict[str, str]:
    settings = get_settings()
    return {
        "provider": settings.oidc_provider_name,
        "contact": settings.programme_contact or t(DEFAULT_CONTACT),
    }


def _fail(message: str, **values: object) -> OidcFailure:
    return OidcFailure(t(message, **{**_messages(), **values}))


def sign_in_identity(
    engine: Engine, *, subject: str, email: str, id_token: str, user_agent: str | None = None
) -> tuple[str, Actor]:
    """Map a verified identity to one active account and open its login session.

    The e-mail is compared without case. The provider's subject is stored on the account at
    the first match; an account already tied to another subject, or a subject already tied to
    another account, is refused. No account is ever created here."""
    address = email.strip().lower()[:254]
    subject = subject[:255]
    with read_scope(engine) as session:
        matches = session.exec(
            select(User).where(func.lower(col(User.email)) == address).limit(2)
        ).all()
        holder = session.exec(select(User.id).where(User.oidc_subject == subject)).first()
    if not matches:
        raise _fail(UNKNOWN, email=address)
    if len(matches) > 1:
        raise _fail(AMBIGUOUS, email=address)
    user = matches[0]
    if not user.active:
        raise _fail(INACTIVE)
    if (user.oidc_subject and user.oidc_subject != subject) or (
        holder is not None and holder != user.id
    ):
        raise _fail(OTHER_SUBJECT)
    users = table_of(User)
    now = utcnow()
    # A role whose password login is off has no password to choose after an invitation.
    no_password_to_choose = (
        {"must_change_password": False} if password_refused_for(user.role) else {}
    )
    with session_scope(engine) as session:
        # Bookkeeping that neither checks nor bumps the account's version; conditional, so a
        # concurrent deactivation or another subject stored meanwhile wins.
        done = session.exec(
            users.update()
            .where(
                users.c.id == user.id,
                users.c.active.is_(True),
                (users.c.oidc_subject.is_(None)) | (users.c.oidc_subject == subject),
            )
            .values(oidc_subject=subject, last_login_at=now, **no_password_to_choose)
        )
        if done.rowcount != 1:
            raise _fail(INACTIVE)
        token = open_session(session, saved_id(user), now, user_agent=user_agent, id_token=id_token)
        network = session.get(Network, user.network_id) if user.network_id else None
        actor = actor_for(user, network)
        if no_password_to_choose:
            actor = dataclasses.replace(actor, must_change_password=False)
        return token, actor
