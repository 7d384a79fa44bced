"""Discussion threads on roadmap items: comments, the people they mention, and how far each
person has read each thread.

A thread is the list of comments on one item (``target_kind``, ``target_id``): a milestone, an
alliance, an indicator value or a lesson. ``network_id`` and ``cohort_id`` are copied from the
item when the comment is written, so permission filters never need to join the item's table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import check_codes, utcnow, version_column
from models.enums import COMMENT_TARGETS, CommentVisibility

# The one declaration of a comment's length limit (the input model and the form read it here).
COMMENT_MAX_LENGTH = 2000
_TARGETS = ", ".join(f"'{kind.value}'" for kind in COMMENT_TARGETS)


class Comment(SQLModel, table=True):
    """One comment in a thread. Deleting is soft (``deleted_at``): the thread keeps its shape
    and the change log its history; the text is no longer shown."""

    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint(f"target_kind IN ({_TARGETS})", name="ck_comment_target_kind"),
        check_codes("visibility", CommentVisibility, "ck_comment_visibility"),
        Index("ix_comment_thread", "target_kind", "target_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    target_kind: str = Field(max_length=40)
    target_id: int
    # Copied from the item (None: a collective lesson, the programme team's).
    network_id: int | None = Field(default=None, foreign_key="network.id", index=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    author_id: int = Field(foreign_key="app_user.id", index=True)
    body: str = Field(max_length=COMMENT_MAX_LENGTH, sa_column=Column(Text, nullable=False))
    visibility: str = Field(default=CommentVisibility.team.value, max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow)
    edited_at: dt.datetime | None = None
    deleted_at: dt.datetime | None = None
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)


class CommentMention(SQLModel, table=True):
    """A person named in a comment (``@identifiant`` or picked from the list): their in-app
    notification until ``read_at`` is set, and a line of their next reminder e-mail."""

    __tablename__ = "comment_mention"
    __table_args__ = (UniqueConstraint("comment_id", "user_id", name="uq_comment_mention"),)
    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    read_at: dt.datetime | None = None


class CommentRead(SQLModel, table=True):
    """How far a person has read a thread: the last comment id they marked as read."""

    __tablename__ = "comment_read"
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    target_kind: str = Field(max_length=40, primary_key=True)
    target_id: int = Field(primary_key=True)
    last_read_comment_id: int = Field(default=0)
    read_at: dt.datetime = Field(default_factory=utcnow)
