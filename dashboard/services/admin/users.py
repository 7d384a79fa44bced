"""Programme administration: people. Invitations with a one-time secret the admin never
chooses, deactivation, role and network changes, password resets, open sessions.

The accounts' list and open sessions are in :mod:`dashboard.services.admin.user_sessions`.
Secrets and password hashes never reach the change log: it records markers such as
« mot de passe réinitialisé » instead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pydantic import BaseModel, Field, field_validator
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.auth import accounts as auth
from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.admin.user_sessions import (
    log_marker,
    scope_ids,
    user_or_404,
)
from dashboard.services.shared import access, audit
from dashboard.services.shared.fields import SingleLineText
from dashboard.services.shared.forms import check, max_length
from models import User
from models.base import saved_id
from models.enums import Entity, Role

__all__ = [
    "USER_LABELS",
    "OneTimeAccess",
    "UserInput",
    "deactivate_user",
    "invite_user",
    "reactivate_user",
    "reset_password",
    "set_active",
    "unlink_provider",
    "update_user",
]

USER_LABELS = {
    "username": "Identifiant",
    "full_name": "Nom",
    "email": "Courriel",
    "role": "Rôle",
    "network_id": "Réseau",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


class UserInput(BaseModel):
    username: str
    full_name: SingleLineText = Field(max_length=max_length(User, "full_name"))
    email: SingleLineText | None = Field(default=None, max_length=max_length(User, "email"))
    role: Role
    network_id: int | None = None

    @field_validator("username", mode="before")
    @classmethod
    def check_username(cls, v):
        v = auth.normalise_username(v) if isinstance(v, str) else v
        if isinstance(v, str) and (problem := auth.username_problem(v)):
            raise ValueError(problem)
        return v or None

    @field_validator("full_name", mode="before")
    @classmethod
    def check_full_name(cls, v):
        v = v.strip() if isinstance(v, str) else v
        if isinstance(v, str) and len(v) > 200:
            raise ValueError(t("200 caractères au plus"))
        return v or None

    @field_validator("email", mode="before")
    @classmethod
    def check_email(cls, v):
        v = v.strip() if isinstance(v, str) else v
        if isinstance(v, str) and v and (len(v) > 254 or not _EMAIL.match(v)):
            raise ValueError(t("adresse invalide (ex. prenom.nom@exemple.fr)"))
        return v or None


@dataclass(frozen=True)
class OneTimeAccess:
    """What the admin passes on to the person, shown once and never stored in clear."""

    user_id: int
    username: str
    secret: str
    expires_at: dt.datetime


def _validated(session: Session, actor: Actor, data: UserInput) -> None:
    """Role/network rule and the network's cohort being open."""
    if data.role is Role.lead and data.network_id is None:
        raise ValidationFailed(t("Réseau : obligatoire pour un·e référent·e réseau."))
    if data.role is not Role.lead and data.network_id is not None:
        raise ValidationFailed(
            t("Réseau : seul·e un·e référent·e réseau est rattaché·e à un réseau.")
        )
    if data.network_id is not None:
        access.ensure_network_writable(session, actor, "update", "user", data.network_id)


def _ensure_other_admin(session: Session, user: User) -> None:
    """Refuse to leave the programme without an active admin."""
    if user.role != Role.admin or not user.active:
        return
    # Lock the admins' rows (PostgreSQL) so two admins cannot demote each other at once.
    admins = session.exec(
        select(User.id)
        .where(User.role == Role.admin.value, col(User.active).is_(True))
        .with_for_update()
    ).all()
    if len([i for i in admins if i != user.id]) == 0:
        raise ValidationFailed(
            t("Il doit rester au moins un compte actif de l'équipe d'animation.")
        )


def _refuse_anonymised(user: User) -> None:
    """An anonymised account is never edited, reactivated or given a new secret again."""
    if user.anonymised_at is not None:
        raise ValidationFailed(t("Ce compte est anonymisé : il ne peut plus être modifié."))


def invite_user(
    engine: Engine,
    actor: Actor,
    *,
    full_name: str,
    email: str,
    role: str,
    network_id: int | None = None,
    username: str | None = None,
) -> OneTimeAccess:
    """Create an account without a password and a one-time secret valid 24 h.

    The username defaults to the e-mail's local part. The secret is returned once (to show
    to the admin) and stored only as a hash; the first login with it forces a new password.
    """
    authorize(actor, "create", "user")
    if not (username or "").strip() and isinstance(email, str) and "@" in email:
        username = email.split("@", 1)[0]
    data = check(
        UserInput,
        {
            "username": username,
            "full_name": full_name,
            "email": email,
            "role": role,
            "network_id": network_id,
        },
        USER_LABELS,
    )
    if data.email is None:
        raise ValidationFailed(t("Courriel : valeur obligatoire"))
    with session_scope(engine) as session:
        _validated(session, actor, data)
        if session.exec(select(User.id).where(User.username == data.username)).first():
            raise ValidationFailed(t("Identifiant : « {name} » existe déjà.", name=data.username))
        user = User(
            username=data.username,
            full_name=data.full_name,
            email=data.email,
            role=data.role.value,
            network_id=data.network_id,
            password_hash=None,
            must_change_password=True,
        )
        session.add(user)
        session.flush()
        network_id, cohort_id = scope_ids(session, user.network_id)
        audit.log_create(
            session,
            actor,
            "user",
            user,
            fields=list(USER_LABELS),
            network_id=network_id,
            cohort_id=cohort_id,
        )
        secret, expires_at = auth.issue_one_time_secret(
            session, saved_id(user), purpose="invite", created_by_id=actor.id
        )
        log_marker(
            session, actor, user, "password", t("invitation : mot de passe à usage unique créé")
        )
        return OneTimeAccess(saved_id(user), user.username, secret, expires_at)


def update_user(
    engine: Engine,
    actor: Actor,
    user_id: int,
    *,
    version: int,
    full_name: str,
    email: str | None,
    role: str,
    network_id: int | None,
) -> None:
    """Edit name, e-mail, role and network (a lead needs one, other roles none). The last
    active admin cannot be demoted."""
    authorize(actor, "update", "user")
    with session_scope(engine) as session:
        user = user_or_404(session, user_id)
        _refuse_anonymised(user)
        data = check(
            UserInput,
            {
                "username": user.username,
                "full_name": full_name,
                "email": email,
                "role": role,
                "network_id": network_id,
            },
            USER_LABELS,
        )
        _validated(session, actor, data)
        if data.role is not Role.admin:
            _ensure_other_admin(session, user)
        network_id, cohort_id = scope_ids(session, data.network_id or user.network_id)
        audit.update_versioned(
            session,
            actor,
            User,
            user_id,
            version,
            {
                "full_name": data.full_name,
                "email": data.email,
                "role": data.role.value,
                "network_id": data.network_id,
            },
            entity=Entity.user,
            what=t("Le compte « {name} »", name=user.username),
            network_id=network_id,
            cohort_id=cohort_id,
        )


def set_active(engine: Engine, actor: Actor, user_id: int, *, version: int, active: bool) -> int:
    """Deactivate (every open session revoked at once) or reactivate an account. The last
    active admin cannot be deactivated. Returns how many sessions were revoked."""
    authorize(actor, "update", "user")
    with session_scope(engine) as session:
        user = user_or_404(session, user_id)
        audit.check_version(session, user, version, entity=Entity.user, what=t("Ce compte"))
        _refuse_anonymised(user)
        if not active:
            _ensure_other_admin(session, user)
        network_id, cohort_id = scope_ids(session, user.network_id)
        audit.apply_changes(
            session,
            actor,
            user,
            {"active": active},
            entity=Entity.user,
            what=t("Le compte « {name} »", name=user.username),
            network_id=network_id,
            cohort_id=cohort_id,
        )
        if active:
            return 0
        closed = auth.revoke_user_sessions(session, user_id)
        if closed:
            log_marker(session, actor, user, "sessions", t("{n} session(s) fermée(s)", n=closed))
        return closed


def deactivate_user(engine: Engine, actor: Actor, user_id: int, *, version: int) -> int:
    """Deactivate an account and revoke all its sessions; returns how many were open."""
    return set_active(engine, actor, user_id, version=version, active=False)


def reactivate_user(engine: Engine, actor: Actor, user_id: int, *, version: int) -> None:
    """Reactivate an account (its old password, if any, works again)."""
    set_active(engine, actor, user_id, version=version, active=True)


def reset_password(engine: Engine, actor: Actor, user_id: int, *, version: int) -> OneTimeAccess:
    """Forget the password, revoke every session and issue a new one-time secret (24 h)."""
    authorize(actor, "update", "user")
    with session_scope(engine) as session:
        user = user_or_404(session, user_id)
        audit.check_version(session, user, version, entity=Entity.user, what=t("Ce compte"))
        _refuse_anonymised(user)
        if not user.active:
            raise ValidationFailed(t("Réactivez d'abord ce compte."))
        user.password_hash = None
        user.must_change_password = True
        audit.flush_versioned(session, user, entity=Entity.user, what=t("Ce compte"))
        auth.revoke_user_sessions(session, user_id)
        secret, expires_at = auth.issue_one_time_secret(
            session, saved_id(user), purpose="reset", created_by_id=actor.id
        )
        log_marker(session, actor, user, "password", t("mot de passe réinitialisé"))
        return OneTimeAccess(saved_id(user), user.username, secret, expires_at)


def unlink_provider(engine: Engine, actor: Actor, user_id: int, *, version: int) -> None:
    """Forget the identity provider's subject stored on an account, so that the person, whose
    identity at the provider changed, can sign in again (the next sign-in with the account's
    e-mail stores the new subject). The change log records a marker, never the subject."""
    authorize(actor, "update", "user")
    provider = get_settings().oidc_provider_name
    with session_scope(engine) as session:
        user = user_or_404(session, user_id)
        audit.check_version(session, user, version, entity=Entity.user, what=t("Ce compte"))
        _refuse_anonymised(user)
        if user.oidc_subject is None:
            raise ValidationFailed(
                t("Ce compte n'est pas lié à {provider} : rien à délier.", provider=provider)
            )
        user.oidc_subject = None
        audit.flush_versioned(session, user, entity=Entity.user, what=t("Ce compte"))
        log_marker(
            session, actor, user, "oidc_subject", t("délié de {provider}", provider=provider)
        )
