"""Items that have a discussion someone may read: the network page and the lessons board list
the indicator values and lessons with comments their reader's visibility allows, so the
steering committee and the ministry open those threads where they read the items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import col

from dashboard.core.db import read_scope
from dashboard.core.errors import AppError
from dashboard.core.permissions import Actor, authorize, comment_visibilities
from dashboard.services.discussion.threads import open_thread
from models import Comment, Network
from models.enums import Entity


def readable_condition(actor: Actor) -> Any:
    """SQL condition on ``Comment``: the comments ``actor`` reads, by their visibility."""
    others = comment_visibilities(actor, None)
    clauses: list[Any] = [col(Comment.visibility).in_(others)]
    if actor.network_id is not None:
        own = comment_visibilities(actor, actor.network_id)
        clauses.append(
            (col(Comment.network_id) == actor.network_id) & col(Comment.visibility).in_(own)
        )
    return or_(*clauses)


def commented_items(
    engine: Engine,
    actor: Actor,
    kind: str,
    cohort_id: int,
    *,
    network_code: str | None = None,
    limit: int = 200,
) -> dict[int, str]:
    """``{item id: title}`` of the items of ``kind`` in the cohort (of the network
    ``network_code`` when given) with at least one comment ``actor`` reads, the most recently discussed first.
    Items ``actor`` cannot reach are left out, as the thread would refuse them."""
    authorize(actor, "read", Entity.comment)
    conditions = [
        col(Comment.target_kind) == kind,
        col(Comment.cohort_id) == cohort_id,
        col(Comment.deleted_at).is_(None),
        readable_condition(actor),
    ]
    if network_code is not None:
        of_network = sa_select(col(Network.id)).where(
            col(Network.cohort_id) == cohort_id, col(Network.code) == network_code
        )
        conditions.append(col(Comment.network_id).in_(of_network))
    out: dict[int, str] = {}
    with read_scope(engine) as session:
        rows = session.execute(
            sa_select(col(Comment.target_id))
            .where(*conditions)
            .group_by(col(Comment.target_id))
            .order_by(func.max(col(Comment.id)).desc())
            .limit(limit)
        ).all()
        for (target_id,) in rows:
            try:
                thread = open_thread(session, actor, kind, target_id)
            except AppError:  # out of reach (a lesson kept to its network, an anonymised one)
                continue
            where = f"{thread.network_code} — " if thread.network_code else ""
            out[int(target_id)] = f"{where}{thread.title}"
    return out
