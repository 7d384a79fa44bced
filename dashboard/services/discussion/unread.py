"""What a person has not read yet: comments in the threads they follow, and mentions of them.

A lead follows every thread of their own network's items; the programme team every thread of
the cohort it reads (not the networks' own notes). Anyone follows the threads they are
mentioned in, through the mention itself. A person's own comments are never unread; a deleted
comment is not either. Marking a thread read moves a marker (the last comment id read) and
closes the mentions of that thread.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import and_, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import AppError
from dashboard.core.permissions import Actor, comment_visibilities
from dashboard.services.discussion.comments import mark_read_up_to
from dashboard.services.discussion.threads import ITEM_MODELS, KIND_LABELS, Thread, open_thread
from models import Comment, CommentMention, CommentRead, Network, User
from models.base import table_of, utcnow
from models.enums import Role

UNREAD_COLUMNS = ["kind", "kind_label", "target_id", "network_code", "title", "unread", "last_at"]
MENTION_COLUMNS = [
    "comment_id",
    "cohort_id",
    "kind",
    "kind_label",
    "target_id",
    "network_code",
    "title",
    "author",
    "created_at",
    "excerpt",
]
_EXCERPT = 140


def _followed(actor: Actor, cohort_id: int) -> Any:
    """SQL condition on ``Comment``: the threads ``actor`` follows in the cohort."""
    in_cohort = col(Comment.cohort_id) == cohort_id
    if actor.role is Role.lead and actor.network_id is not None:
        return and_(in_cohort, col(Comment.network_id) == actor.network_id)
    if actor.role is Role.admin:
        return and_(in_cohort, col(Comment.visibility).in_(comment_visibilities(actor, None)))
    return col(Comment.id).is_(None)  # the steering committee and the ministry: mentions only


def _title(session: Session, actor: Actor, kind: str, target_id: int) -> Thread | None:
    try:
        return open_thread(session, actor, kind, target_id)
    except AppError:  # the item is gone, or no longer readable: nothing to show
        return None


def _item_exists() -> Any:
    """SQL condition on ``Comment``: its item still exists (a deleted value leaves its thread
    behind, unreachable: never counted as unread)."""
    return or_(
        *(
            and_(
                col(Comment.target_kind) == kind,
                col(Comment.target_id).in_(sa_select(col(model.id))),  # type: ignore[attr-defined]
            )
            for kind, model in ITEM_MODELS.items()
        )
    )


def read_marker_of(actor: Actor) -> Any:
    """Join condition: ``actor``'s read marker (``CommentRead``) of a comment's thread; an
    outer join leaves it NULL for a thread never read."""
    return and_(
        col(CommentRead.user_id) == actor.id,
        col(CommentRead.target_kind) == Comment.target_kind,
        col(CommentRead.target_id) == Comment.target_id,
    )


def _unread_rows(session: Session, actor: Actor, cohort_id: int) -> list[tuple]:
    """(kind, target id, unread count, last comment at) per followed thread, newest first."""
    marker = func.coalesce(col(CommentRead.last_read_comment_id), 0)
    stmt = (
        sa_select(
            col(Comment.target_kind),
            col(Comment.target_id),
            func.count(),
            func.max(col(Comment.created_at)),
        )
        .outerjoin(CommentRead, read_marker_of(actor))
        .where(
            _followed(actor, cohort_id),
            col(Comment.deleted_at).is_(None),
            col(Comment.author_id) != actor.id,
            col(Comment.id) > marker,
            _item_exists(),
        )
        .group_by(col(Comment.target_kind), col(Comment.target_id))
        .order_by(func.max(col(Comment.created_at)).desc(), col(Comment.target_id))
    )
    return [tuple(row) for row in session.execute(stmt).all()]


def unread_threads(
    engine: Engine, actor: Actor, cohort_id: int, *, limit: int | None = None
) -> pd.DataFrame:
    """Threads followed by ``actor`` with comments they have not read (UNREAD_COLUMNS), the
    most recent activity first; ``limit``: only the first ones (each is named by a lookup)."""
    out = []
    with read_scope(engine) as session:
        for kind, target_id, count, last_at in _unread_rows(session, actor, cohort_id)[:limit]:
            thread = _title(session, actor, kind, target_id)
            if thread is None:
                continue
            label = KIND_LABELS.get(kind, kind)
            out.append([kind, label, target_id, thread.network_code, thread.title, count, last_at])
    return pd.DataFrame(out, columns=UNREAD_COLUMNS)


def _excerpt(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


def _unread_mentions(session: Session, actor: Actor) -> list[list[Any]]:
    rows = session.execute(
        sa_select(
            col(Comment.id),
            col(Comment.target_kind),
            col(Comment.target_id),
            col(User.full_name),
            col(Comment.created_at),
            col(Comment.body),
            col(Comment.visibility),
            col(Comment.cohort_id),
        )
        .join(CommentMention, col(CommentMention.comment_id) == Comment.id)
        .join(User, col(User.id) == Comment.author_id)
        .where(
            col(CommentMention.user_id) == actor.id,
            col(CommentMention.read_at).is_(None),
            col(Comment.deleted_at).is_(None),
        )
        .order_by(col(Comment.id).desc())
    ).all()
    out = []
    for cid, kind, target_id, author, created, body, vis, cohort_id in rows:
        thread = _title(session, actor, kind, target_id)
        if thread is None or vis not in thread.readable:
            continue  # never shown to someone who no longer reads it
        label = KIND_LABELS.get(kind, kind)
        excerpt = _excerpt(body)
        out.append([cid, cohort_id, kind, label, target_id, thread.network_code, thread.title, author,
                    created, excerpt])  # fmt: skip
    return out


def unread_mentions(engine: Engine, actor: Actor) -> pd.DataFrame:
    """Comments mentioning ``actor`` that they have not read yet (MENTION_COLUMNS), newest
    first — only those they still may read."""
    with read_scope(engine) as session:
        return pd.DataFrame(_unread_mentions(session, actor), columns=MENTION_COLUMNS)


def unread_mentions_of(
    session: Session, user_id: int, *, cohort_id: int | None = None
) -> pd.DataFrame:
    """:func:`unread_mentions` for the person ``user_id`` inside the caller's unit of work (the
    reminders read them for each recipient), only those of ``cohort_id`` when given."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return pd.DataFrame([], columns=MENTION_COLUMNS)
    network = session.get(Network, user.network_id) if user.network_id else None
    actor = Actor(
        id=user_id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        network_id=user.network_id,
        cohort_id=network.cohort_id if network else None,
    )
    rows = _unread_mentions(session, actor)
    if cohort_id is not None:
        rows = [row for row in rows if row[1] == cohort_id]
    return pd.DataFrame(rows, columns=MENTION_COLUMNS)


def unread_counts(engine: Engine, actor: Actor, cohort_id: int) -> dict[str, int]:
    """``{"comments", "threads", "mentions"}``: the unread badge's figures (mentions: of this
    cohort)."""
    with read_scope(engine) as session:
        rows = _unread_rows(session, actor, cohort_id)
        mentions = [m for m in _unread_mentions(session, actor) if m[1] == cohort_id]
    return {
        "comments": sum(int(row[2]) for row in rows),
        "threads": len(rows),
        "mentions": len(mentions),
    }


def mark_thread_read(engine: Engine, actor: Actor, kind: str, target_id: Any) -> int:
    """Everything ``actor`` reads in the thread is read now (its mentions of them too).
    Returns the id of the last comment read (0: an empty thread)."""
    with session_scope(engine) as session:
        thread = open_thread(session, actor, kind, target_id)
        last = session.execute(
            sa_select(func.coalesce(func.max(col(Comment.id)), 0)).where(
                col(Comment.target_kind) == thread.kind,
                col(Comment.target_id) == thread.target_id,
                col(Comment.visibility).in_(thread.readable),
            )
        ).scalar_one()
        if last:
            mark_read_up_to(session, actor, thread, int(last))
        in_thread = sa_select(col(Comment.id)).where(
            col(Comment.target_kind) == thread.kind,
            col(Comment.target_id) == thread.target_id,
        )
        mentions = table_of(CommentMention)
        session.execute(
            update(mentions)
            .where(
                mentions.c.user_id == actor.id,
                mentions.c.read_at.is_(None),
                mentions.c.comment_id.in_(in_thread),
            )
            .values(read_at=utcnow())
        )
        return int(last)
