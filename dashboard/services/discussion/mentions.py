"""Mentions in a comment: ``@identifiant`` in the text, or people picked from the list of those
who may read the thread. Only a person who reads the comment is ever notified: a picked person
who does not is refused (a forged choice), a typed ``@name`` who does not is reported back as
not notified."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.core.db import read_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from dashboard.services.discussion.threads import Thread, open_thread, readers
from models import ChangeLog, CommentMention, User
from models.enums import Entity

# ``@`` not preceded by a word character (an e-mail address is not a mention), then a login.
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9._-]*)")


def mentioned_usernames(body: str) -> list[str]:
    """Logins written ``@identifiant`` in ``body``, lower-case, in order, once each (a final
    full stop belongs to the sentence, not to the login)."""
    out: list[str] = []
    for match in _MENTION.finditer(body or ""):
        name = match.group(1).rstrip(".-_").lower()
        if name and name not in out:
            out.append(name)
    return out


@dataclass
class Mentions:
    """Who a comment notifies, and the typed names that could not be notified."""

    user_ids: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    not_notified: list[str] = field(default_factory=list)


def resolve_mentions(
    session: Session,
    actor: Actor,
    thread: Thread,
    visibility: str,
    body: str,
    chosen: Iterable[Any] = (),
    *,
    already: Iterable[int] = (),
) -> Mentions:
    """The people ``body`` and ``chosen`` mention who read a comment of ``visibility`` in
    ``thread`` (never the author, never twice: ``already`` notified are left out)."""
    people = {pid: (login, name) for pid, login, name in readers(session, thread, visibility)}
    by_login = {login: pid for pid, (login, _name) in people.items()}
    skip: set[int] = {actor.id, *already}
    out = Mentions()
    errors = []
    for raw in chosen:
        try:
            pid = int(raw)
        except (TypeError, ValueError):
            pid = -1
        if pid not in people:
            errors.append(
                t("Mention : la personne n° {id} ne peut pas lire ce commentaire.", id=raw)
            )
        elif pid not in skip and pid not in out.user_ids:
            out.user_ids.append(pid)
    if errors:
        raise ValidationFailed(errors)
    for login in mentioned_usernames(body):
        found = by_login.get(login)
        if found is None:
            out.not_notified.append(login)
        elif found not in skip and found not in out.user_ids:
            out.user_ids.append(found)
    out.names = [people[pid][1] for pid in out.user_ids]
    return out


def store_mentions(
    session: Session,
    actor: Actor,
    thread: Thread,
    comment_id: int,
    mentions: Mentions,
) -> None:
    """The mention rows (one notification each) and their change-log line."""
    for pid in mentions.user_ids:
        session.add(CommentMention(comment_id=comment_id, user_id=pid))
    if mentions.user_ids:
        session.add(
            ChangeLog(
                user_id=actor.id or None,
                cohort_id=thread.cohort_id,
                network_id=thread.network_id,
                entity=Entity.comment,
                entity_id=comment_id,
                action="update",
                field="mentions",
                after=", ".join(mentions.names),
            )
        )


def mentioned_ids(session: Session, comment_id: int) -> list[int]:
    return list(
        session.exec(
            select(CommentMention.user_id).where(col(CommentMention.comment_id) == comment_id)
        ).all()
    )


def mention_candidates(session: Session, thread: Thread, visibility: str) -> dict[int, str]:
    """``{id: "Nom (@identifiant)"}`` of the people a comment of ``visibility`` may mention."""
    return {pid: f"{name} (@{login})" for pid, login, name in readers(session, thread, visibility)}


def user_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    return {
        int(pid): name
        for pid, name in session.exec(
            select(User.id, User.full_name).where(col(User.id).in_(ids))
        ).all()
        if pid is not None
    }


def mention_choices(
    engine: Engine, actor: Actor, kind: str, target_id: Any, visibility: str
) -> dict[int, str]:
    """``{id: "Nom (@identifiant)"}``: who a new comment of ``visibility`` in the thread may
    mention (those who will read it), the author left out."""
    with read_scope(engine) as session:
        thread = open_thread(session, actor, kind, target_id)
        if visibility not in thread.readable:
            return {}
        choices = mention_candidates(session, thread, visibility)
    choices.pop(actor.id, None)
    return choices
