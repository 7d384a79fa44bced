"""Threads of comments on items: read one, post, correct within the edit window, delete one's
own (softly: the thread keeps its shape, the text is gone from view, the change log keeps it).

Every write re-checks the thread from the stored item (:mod:`.threads`), that the comment
belongs to that thread, and that it is the actor's own; everything is change-logged in the
same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from dashboard.core.config import get_settings
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import AppError, NotFound, PermissionDenied, ValidationFailed
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from dashboard.services.discussion import mentions as mention_rules
from dashboard.services.discussion.threads import (
    Thread,
    open_thread,
    visibility_choices,
    visibility_label,
    writable_thread,
)
from dashboard.services.shared import audit
from dashboard.services.shared.fields import MultiLineText
from dashboard.services.shared.forms import clean, validated
from models import Comment, CommentRead, User
from models.base import saved_id, utcnow
from models.discussion import COMMENT_MAX_LENGTH
from models.enums import CommentVisibility, Entity

LABELS = {"body": "Commentaire", "visibility": "Visibilité"}
_LOGGED = ["target_kind", "target_id", "visibility", "body"]
THREAD_COLUMNS = [
    "id",
    "version",
    "author_id",
    "author",
    "body",
    "visibility",
    "visibility_label",
    "created_at",
    "edited_at",
    "deleted",
    "mine",
    "editable",
    "unread",
]


class CommentInput(SQLModel):
    body: MultiLineText = Field(min_length=1, max_length=COMMENT_MAX_LENGTH)
    visibility: CommentVisibility = CommentVisibility.team


def edit_minutes() -> int:
    """The edit window (``COMMENT_EDIT_MINUTES``)."""
    return max(0, get_settings().comment_edit_minutes)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _within_window(created_at: dt.datetime, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return now - _aware(created_at) <= dt.timedelta(minutes=edit_minutes())


@dataclass(frozen=True)
class ThreadView:
    thread: Thread
    comments: pd.DataFrame  # THREAD_COLUMNS, oldest first
    can_post: bool
    choices: list[str]  # visibilities a new comment may take
    unread: int
    edit_minutes: int


def _last_read(session: Session, actor: Actor, thread: Thread) -> int:
    row = session.get(CommentRead, (actor.id, thread.kind, thread.target_id))
    return row.last_read_comment_id if row else 0


def _may_post(session: Session, actor: Actor, kind: str, target_id: Any) -> bool:
    try:
        writable_thread(session, actor, kind, target_id)
    except AppError:
        return False
    return True


def list_thread(engine: Engine, actor: Actor, kind: str, target_id: Any) -> ThreadView:
    """The comments of a thread ``actor`` reads (their visibility allows it), oldest first;
    a deleted comment keeps its place without its text."""
    with read_scope(engine) as session:
        thread = open_thread(session, actor, kind, target_id)
        last_read = _last_read(session, actor, thread)
        rows = session.execute(
            sa_select(
                col(Comment.id),
                col(Comment.version),
                col(Comment.author_id),
                col(User.full_name),
                col(Comment.body),
                col(Comment.visibility),
                col(Comment.created_at),
                col(Comment.edited_at),
                col(Comment.deleted_at),
            )
            .join(User, col(User.id) == Comment.author_id)
            .where(
                col(Comment.target_kind) == thread.kind,
                col(Comment.target_id) == thread.target_id,
                col(Comment.visibility).in_(thread.readable),
            )
            .order_by(col(Comment.id))
        ).all()
        can_post = _may_post(session, actor, kind, target_id)
    now = utcnow()
    out = []
    for cid, version, author_id, author, body, vis, created, edited, deleted_at in rows:
        deleted = deleted_at is not None
        mine = author_id == actor.id
        out.append(
            [
                cid,
                version,
                author_id,
                author,
                None if deleted else body,
                vis,
                visibility_label(vis),
                created,
                edited,
                deleted,
                mine,
                mine and not deleted and can_post and _within_window(created, now),
                cid > last_read and not mine and not deleted,
            ]
        )
    comments = pd.DataFrame(out, columns=THREAD_COLUMNS)
    return ThreadView(
        thread=thread,
        comments=comments,
        can_post=can_post,
        choices=visibility_choices(thread) if can_post else [],
        unread=int(comments["unread"].sum()) if not comments.empty else 0,
        edit_minutes=edit_minutes(),
    )


def mark_read_up_to(session: Session, actor: Actor, thread: Thread, comment_id: int) -> None:
    """Move the actor's read marker of ``thread`` forward to ``comment_id``."""
    row = session.get(CommentRead, (actor.id, thread.kind, thread.target_id))
    if row is None:
        session.add(
            CommentRead(
                user_id=actor.id,
                target_kind=thread.kind,
                target_id=thread.target_id,
                last_read_comment_id=comment_id,
            )
        )
    elif row.last_read_comment_id < comment_id:
        row.last_read_comment_id = comment_id
        row.read_at = utcnow()


def add_comment(
    session: Session,
    actor: Actor,
    thread: Thread,
    body: Any,
    visibility: Any,
    *,
    mention_ids: Iterable[Any] = (),
) -> dict:
    """Write a comment in ``thread`` (already checked writable) inside the caller's unit of
    work: validation, the row, its mentions, its change-log rows. The validation queue's
    « renvoyer avec un motif » calls it in its own transaction."""
    data = {"body": clean(body), "visibility": clean(visibility)}
    obj = validated(
        CommentInput,
        {k: v for k, v in data.items() if v is not None},
        labels=LABELS,
        enums={"visibility": CommentVisibility},
    )
    vis = obj.visibility.value
    if vis not in visibility_choices(thread):
        raise ValidationFailed(
            t(
                "Visibilité : « {label} » n'est pas possible pour vous sur ce fil.",
                label=visibility_label(vis),
            )
        )
    found = mention_rules.resolve_mentions(session, actor, thread, vis, obj.body, mention_ids)
    row = Comment(
        target_kind=thread.kind,
        target_id=thread.target_id,
        network_id=thread.network_id,
        cohort_id=thread.cohort_id,
        author_id=actor.id,
        body=obj.body,
        visibility=vis,
    )
    session.add(row)
    session.flush()
    comment_id = saved_id(row)
    audit.log_create(
        session,
        actor,
        Entity.comment,
        row,
        fields=_LOGGED,
        network_id=thread.network_id,
        cohort_id=thread.cohort_id,
    )
    mention_rules.store_mentions(session, actor, thread, comment_id, found)
    mark_read_up_to(session, actor, thread, comment_id)
    return {
        "id": comment_id,
        "version": row.version,
        "mentioned": found.names,
        "not_notified": found.not_notified,
    }


def post_comment(
    engine: Engine,
    actor: Actor,
    kind: str,
    target_id: Any,
    body: Any,
    *,
    visibility: Any = CommentVisibility.team.value,
    mention_ids: Iterable[Any] = (),
) -> dict:
    """Post a comment on item ``kind`` / ``target_id``. Returns ``{"id", "version",
    "mentioned": names notified, "not_notified": typed @logins who cannot read it}``."""
    with session_scope(engine) as session:
        thread = writable_thread(session, actor, kind, target_id)
        return add_comment(session, actor, thread, body, visibility, mention_ids=mention_ids)


def _own_comment(
    session: Session, actor: Actor, kind: str, target_id: Any, comment_id: Any
) -> tuple[Thread, Comment]:
    """The thread (writable by the actor) and one of its comments, the actor's own."""
    thread = writable_thread(session, actor, kind, target_id)
    try:
        row = session.get(Comment, int(comment_id))
    except (TypeError, ValueError, OverflowError):
        row = None
    if row is None:
        raise NotFound(t("Ce commentaire n'existe pas (ou plus)."))
    if (
        row.target_kind != thread.kind
        or row.target_id != thread.target_id
        or row.visibility not in thread.readable
    ):
        raise PermissionDenied(t("Ce commentaire n'appartient pas à ce fil de discussion."))
    if row.author_id != actor.id:
        raise PermissionDenied(t("Vous ne pouvez modifier ou supprimer que vos commentaires."))
    if row.deleted_at is not None:
        raise ValidationFailed(t("Ce commentaire a été supprimé."))
    return thread, row


def edit_comment(
    engine: Engine,
    actor: Actor,
    kind: str,
    target_id: Any,
    comment_id: Any,
    version: int | None,
    body: Any,
) -> dict:
    """Correct one's own comment within ``COMMENT_EDIT_MINUTES`` of posting it; a newly typed
    ``@identifiant`` is notified (those already notified are not, twice)."""
    with session_scope(engine) as session:
        thread, row = _own_comment(session, actor, kind, target_id, comment_id)
        if not _within_window(row.created_at):
            raise ValidationFailed(
                t(
                    "Un commentaire se modifie dans les {n} minutes qui suivent son envoi : "
                    "ce délai est passé. Écrivez plutôt un nouveau commentaire.",
                    n=edit_minutes(),
                )
            )
        obj = validated(
            CommentInput,
            {"body": clean(body), "visibility": row.visibility},
            labels=LABELS,
            enums={"visibility": CommentVisibility},
        )
        cid = saved_id(row)
        found = mention_rules.resolve_mentions(
            session,
            actor,
            thread,
            row.visibility,
            obj.body,
            already=mention_rules.mentioned_ids(session, cid),
        )
        with session.no_autoflush:
            row.edited_at = utcnow()  # bookkeeping: the change-log row is the body's
            updated = audit.update_versioned(
                session,
                actor,
                Comment,
                cid,
                version,
                {"body": obj.body},
                entity=Entity.comment,
                what=t("Ce commentaire"),
                network_id=thread.network_id,
                cohort_id=thread.cohort_id,
            )
        mention_rules.store_mentions(session, actor, thread, cid, found)
        return {
            "id": cid,
            "version": updated.version,
            "mentioned": found.names,
            "not_notified": found.not_notified,
        }


def delete_comment(
    engine: Engine,
    actor: Actor,
    kind: str,
    target_id: Any,
    comment_id: Any,
    version: int | None,
) -> None:
    """Delete one's own comment (soft: its place in the thread stays, its text is no longer
    shown and it notifies nobody any more)."""
    with session_scope(engine) as session:
        thread, row = _own_comment(session, actor, kind, target_id, comment_id)
        audit.update_versioned(
            session,
            actor,
            Comment,
            saved_id(row),
            version,
            {"deleted_at": utcnow()},
            entity=Entity.comment,
            what=t("Ce commentaire"),
            network_id=thread.network_id,
            cohort_id=thread.cohort_id,
        )


def comments_by_author(session: Session, user_id: int) -> list[dict]:
    """Every comment a person wrote, deleted ones included (their text is still stored): for
    the export of a person's own data. No permission check: the caller has done it."""
    rows = session.exec(
        select(Comment).where(col(Comment.author_id) == user_id).order_by(col(Comment.id))
    ).all()
    return [
        {
            "id": row.id,
            "target_kind": row.target_kind,
            "target_id": row.target_id,
            "network_id": row.network_id,
            "cohort_id": row.cohort_id,
            "visibility": row.visibility,
            "body": row.body,
            "created_at": row.created_at,
            "edited_at": row.edited_at,
            "deleted_at": row.deleted_at,
        }
        for row in rows
    ]
