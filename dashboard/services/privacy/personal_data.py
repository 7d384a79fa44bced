"""A person's own data, as one JSON file they download from « Mon compte » (right of access
and portability). UTF-8, dates and times in ISO 8601 (UTC).

The file is a list of sections (account, changes made, login sessions and attempts, reminders
received, comments written, mentions), each built by one function ``(session, user_id) -> data``
listed in :data:`SECTIONS`: adding what a new feature stores about a person is one line there.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.core.db import read_scope
from dashboard.core.errors import NotFound, PermissionDenied
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from dashboard.services.discussion import comments_by_author
from models import (
    AuthSession,
    ChangeLog,
    Comment,
    CommentMention,
    LoginAttempt,
    Network,
    ProgrammeSession,
    ReminderLog,
    ReminderOptOut,
    User,
)
from models.base import utcnow

__all__ = ["SECTIONS", "personal_data", "personal_data_filename", "personal_data_json"]

Section = Callable[[Session, int], Any]


def _account(session: Session, user_id: int) -> dict[str, Any]:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(t("Cette personne n'existe pas."))
    network = session.get(Network, user.network_id) if user.network_id else None
    opt_out = session.get(ReminderOptOut, user_id)
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "role": user.role,
        "network": {"code": network.code, "name": network.name} if network else None,
        "active": user.active,
        "has_password": bool(user.password_hash),
        "must_change_password": user.must_change_password,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
        "anonymised_at": user.anonymised_at,
        "reminders_turned_off_at": opt_out.opted_out_at if opt_out else None,
    }


def _changes(session: Session, user_id: int) -> list[dict[str, Any]]:
    """Every change-log row the person wrote (as its author)."""
    rows = session.exec(
        select(ChangeLog).where(ChangeLog.user_id == user_id).order_by(col(ChangeLog.id))
    ).all()
    return [
        {
            "changed_at": row.changed_at,
            "entity": row.entity,
            "entity_id": row.entity_id,
            "action": row.action,
            "field": row.field,
            "before": row.before,
            "after": row.after,
            "reason": row.reason,
        }
        for row in rows
    ]


def _login_sessions(session: Session, user_id: int) -> list[dict[str, Any]]:
    """Login sessions still kept (never the cookie's value nor its hash)."""
    rows = session.exec(
        select(AuthSession).where(AuthSession.user_id == user_id).order_by(col(AuthSession.id))
    ).all()
    return [
        {
            "created_at": row.created_at,
            "last_seen_at": row.last_seen_at,
            "expires_at": row.expires_at,
            "revoked_at": row.revoked_at,
            "user_agent": row.user_agent,
        }
        for row in rows
    ]


def _login_attempts(session: Session, user_id: int) -> list[dict[str, Any]]:
    user = session.get(User, user_id)
    if user is None:
        return []
    rows = session.exec(
        select(LoginAttempt)
        .where(LoginAttempt.username == user.username)
        .order_by(col(LoginAttempt.id))
    ).all()
    return [
        {
            "attempted_at": row.attempted_at,
            "success": row.success,
            "client_address": row.client_address,
        }
        for row in rows
    ]


def _reminders(session: Session, user_id: int) -> list[dict[str, Any]]:
    """Reminders sent to the person."""
    rows = session.exec(
        select(ReminderLog, ProgrammeSession.code)
        .join(ProgrammeSession, col(ProgrammeSession.id) == ReminderLog.session_id)
        .where(ReminderLog.user_id == user_id)
        .order_by(col(ReminderLog.id))
    ).all()
    return [
        {
            "session": code,
            "days_before": row.days_before,
            "kind": row.kind,
            "recipient": row.recipient,
            "subject": row.subject,
            "created_at": row.created_at,
            "sent_at": row.sent_at,
        }
        for row, code in rows
    ]


def _mentions(session: Session, user_id: int) -> list[dict[str, Any]]:
    """Where the person was mentioned in a comment, and whether they read it (not the
    comment's text: it is its author's)."""
    rows = session.exec(
        select(CommentMention, Comment.target_kind, Comment.target_id, Comment.created_at)
        .join(Comment, col(Comment.id) == CommentMention.comment_id)
        .where(CommentMention.user_id == user_id)
        .order_by(col(CommentMention.id))
    ).all()
    return [
        {
            "comment_id": mention.comment_id,
            "target_kind": kind,
            "target_id": target_id,
            "mentioned_at": created_at,
            "read_at": mention.read_at,
        }
        for mention, kind, target_id, created_at in rows
    ]


# Section name → the function building it, in the file's order.
SECTIONS: list[tuple[str, Section]] = [
    ("account", _account),
    ("changes", _changes),
    ("login_sessions", _login_sessions),
    ("login_attempts", _login_attempts),
    ("reminders", _reminders),
    ("comments", comments_by_author),
    ("mentions", _mentions),
]


def personal_data(engine: Engine, actor: Actor | None) -> dict[str, Any]:
    """Everything the application holds about the acting person, section by section.

    Only ever the actor's own data: the id comes from the login, never from a form."""
    if actor is None:
        raise PermissionDenied(t("Vous devez être connecté·e pour faire cela."))
    with read_scope(engine) as session:
        data: dict[str, Any] = {"generated_at": utcnow()}
        for name, build in SECTIONS:
            data[name] = build(session, actor.id)
        return data


def _iso(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def personal_data_json(engine: Engine, actor: Actor | None) -> bytes:
    """:func:`personal_data` as UTF-8 JSON (accents kept as such, dates in ISO 8601)."""
    data = personal_data(engine, actor)
    return json.dumps(data, ensure_ascii=False, indent=2, default=_iso).encode("utf-8")


def personal_data_filename(actor: Actor, day: dt.date) -> str:
    """``mes-donnees-<identifiant>-<date>.json``."""
    return f"mes-donnees-{actor.username}-{day.isoformat()}.json"
