"""The sidebar's unread badge: how many comments a person has not read in the threads they
follow, and how many mentions of them are still open — one statement, on every page.

The same rules as :mod:`.unread` (a lead follows their network's threads, the programme team
every thread it reads, the others only their mentions; never one's own or a deleted comment,
never a thread whose item is gone), counted over every cohort in a single query; the home
pages give the detail, cohort by cohort.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import col

from dashboard.core.db import read_scope
from dashboard.core.permissions import Actor, comment_visibilities
from dashboard.services.discussion.commented import readable_condition
from dashboard.services.discussion.unread import _item_exists, read_marker_of
from models import Comment, CommentMention, CommentRead
from models.enums import Role


def _followed(actor: Actor) -> Any:
    """SQL condition on ``Comment``: the threads ``actor`` follows, in every cohort."""
    if actor.role is Role.lead and actor.network_id is not None:
        return col(Comment.network_id) == actor.network_id
    if actor.role is Role.admin:
        return col(Comment.visibility).in_(comment_visibilities(actor, None))
    return col(Comment.id).is_(None)  # the steering committee and the ministry: mentions only


def unread_badge(engine: Engine, actor: Actor) -> dict[str, int]:
    """``{"comments", "mentions"}`` not read yet by ``actor`` (one query, read scope)."""
    marker = func.coalesce(col(CommentRead.last_read_comment_id), 0)
    comments = (
        sa_select(func.count())
        .select_from(Comment)
        .outerjoin(CommentRead, read_marker_of(actor))
        .where(
            _followed(actor),
            col(Comment.deleted_at).is_(None),
            col(Comment.author_id) != actor.id,
            col(Comment.id) > marker,
            _item_exists(),
        )
        .scalar_subquery()
    )
    mentions = (
        sa_select(func.count())
        .select_from(CommentMention)
        .join(Comment, col(Comment.id) == CommentMention.comment_id)
        .where(
            col(CommentMention.user_id) == actor.id,
            col(CommentMention.read_at).is_(None),
            col(Comment.deleted_at).is_(None),
            readable_condition(actor),
            _item_exists(),
        )
        .scalar_subquery()
    )
    with read_scope(engine) as session:
        row = session.execute(sa_select(comments, mentions)).one()
    return {"comments": int(row[0] or 0), "mentions": int(row[1] or 0)}
