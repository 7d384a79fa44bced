"""Programme administration: the accounts' list and their open sessions, and the change-log
markers written on accounts (never a secret or a password hash).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.auth import accounts as auth
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import NotFound
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, authorize
from models import AuthSession, ChangeLog, Network, OneTimeSecret, User
from models.base import utcnow
from models.enums import Entity


def user_or_404(session: Session, user_id: int) -> User:
    """The account, or NotFound (French message)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(t("Cette personne n'existe pas."))
    return user


def scope_ids(session: Session, network_id: int | None) -> tuple[int | None, int | None]:
    """(network_id, cohort_id) under which a user's change-log rows are filed."""
    if network_id is None:
        return None, None
    net = session.get(Network, network_id)
    return network_id, (net.cohort_id if net else None)


def log_marker(session: Session, actor: Actor, user: User, field: str, text: str) -> None:
    """A change-log row saying what happened to an account (never a secret)."""
    network_id, cohort_id = scope_ids(session, user.network_id)
    session.add(
        ChangeLog(
            user_id=actor.id,
            cohort_id=cohort_id,
            network_id=network_id,
            entity=Entity.user,
            entity_id=user.id,
            action="update",
            field=field,
            after=text,
        )
    )


def list_users(engine: Engine, actor: Actor) -> pd.DataFrame:
    """Every account with its network, last login, open sessions and pending invitation.

    Columns: id, username, full_name, email, role, network_id, network_code, network_name,
    cohort_id, active, must_change_password, last_login_at, open_sessions, secret_expires_at,
    anonymised_at, version, provider_linked (the identity provider's subject is stored; the
    subject itself never leaves the service).
    """
    authorize(actor, "read", "user")
    now = utcnow()
    with read_scope(engine) as session:
        open_sessions = (
            select(AuthSession.user_id, func.count().label("n"))
            .where(col(AuthSession.revoked_at).is_(None), AuthSession.expires_at > now)
            .group_by(col(AuthSession.user_id))
            .subquery()
        )
        pending = (
            select(OneTimeSecret.user_id, func.max(OneTimeSecret.expires_at).label("until"))
            .where(col(OneTimeSecret.used_at).is_(None), OneTimeSecret.expires_at > now)
            .group_by(col(OneTimeSecret.user_id))
            .subquery()
        )
        rows = session.execute(
            sa_select(
                col(User.id),
                col(User.username),
                col(User.full_name),
                col(User.email),
                col(User.role),
                col(User.network_id),
                col(Network.code),
                col(Network.name),
                col(Network.cohort_id),
                col(User.active),
                col(User.must_change_password),
                col(User.last_login_at),
                func.coalesce(open_sessions.c.n, 0),
                pending.c.until,
                col(User.anonymised_at),
                col(User.version),
                col(User.oidc_subject).is_not(None),
            )
            .outerjoin(Network, col(Network.id) == User.network_id)
            .outerjoin(open_sessions, open_sessions.c.user_id == User.id)
            .outerjoin(pending, pending.c.user_id == User.id)
            .order_by(col(User.role), col(User.username))
        ).all()
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "username",
            "full_name",
            "email",
            "role",
            "network_id",
            "network_code",
            "network_name",
            "cohort_id",
            "active",
            "must_change_password",
            "last_login_at",
            "open_sessions",
            "secret_expires_at",
            "anonymised_at",
            "version",
            "provider_linked",
        ],
    )


def user_sessions(engine: Engine, actor: Actor, user_id: int) -> pd.DataFrame:
    """A user's open sessions: id, created_at, last_seen_at, expires_at, user_agent."""
    authorize(actor, "read", "user")
    now = utcnow()
    with read_scope(engine) as session:
        user_or_404(session, user_id)
        rows = session.execute(
            sa_select(
                col(AuthSession.id),
                col(AuthSession.created_at),
                col(AuthSession.last_seen_at),
                col(AuthSession.expires_at),
                col(AuthSession.user_agent),
            )
            .where(
                col(AuthSession.user_id) == user_id,
                col(AuthSession.revoked_at).is_(None),
                col(AuthSession.expires_at) > now,
            )
            .order_by(col(AuthSession.last_seen_at).desc())
        ).all()
    return pd.DataFrame(
        rows, columns=["id", "created_at", "last_seen_at", "expires_at", "user_agent"]
    )


def revoke_sessions(
    engine: Engine, actor: Actor, user_id: int, *, session_ids: list[int] | None = None
) -> int:
    """Close some (``session_ids``) or all open sessions of a user; returns how many."""
    authorize(actor, "update", "user")
    with session_scope(engine) as session:
        user = user_or_404(session, user_id)
        if session_ids is None:
            count = auth.revoke_user_sessions(session, user_id)
        else:
            count = session.exec(
                update(AuthSession)
                .where(
                    col(AuthSession.user_id) == user_id,
                    col(AuthSession.id).in_([int(i) for i in session_ids]),
                    col(AuthSession.revoked_at).is_(None),
                )
                .values(revoked_at=utcnow())
            ).rowcount
        if count:
            log_marker(session, actor, user, "sessions", t("{n} session(s) fermée(s)", n=count))
        return count
