"""What a thread hangs on and who reaches it: the item (milestone, alliance, indicator value,
lesson) named by a kind and an id, checked on the stored row — never on what the page claims.

Reading a thread needs reading its item first: a lead reads another network's items only within
their own cohort when it is not anonymised, and a lesson marked « Réseau » only in its own
network and by the programme team. Then :func:`comment_visibilities` says which comments of the
thread the person reads. An item out of reach answers as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from dashboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from dashboard.core.i18n import fmt_month_long, label_of, t
from dashboard.core.permissions import Actor, authorize, comment_visibilities
from dashboard.services.shared import access
from models import (
    Alliance,
    ChangeLog,
    Cohort,
    Comment,
    Indicator,
    IndicatorValue,
    Lesson,
    Milestone,
    Network,
    User,
)
from models.enums import COMMENT_TARGETS, CommentVisibility, Entity, Role, Visibility

KINDS: tuple[str, ...] = tuple(kind.value for kind in COMMENT_TARGETS)
KIND_LABELS: dict[str, str] = {
    Entity.milestone: "Jalon",
    Entity.alliance: "Alliance",
    Entity.indicator_value: "Valeur d'indicateur",
    Entity.lesson: "Enseignement",
}
# The table of each kind of item.
ITEM_MODELS: dict[str, type] = {
    Entity.milestone: Milestone,
    Entity.alliance: Alliance,
    Entity.indicator_value: IndicatorValue,
    Entity.lesson: Lesson,
}
_TITLE_MAX = 80


@dataclass(frozen=True)
class Thread:
    """A thread's item as plain data, with what the acting person may do in it."""

    kind: str
    target_id: int
    network_id: int | None  # None: a collective lesson
    cohort_id: int
    network_code: str | None
    title: str
    readable: tuple[str, ...]  # visibilities the actor reads here, CommentVisibility order
    anonymised_cohort: bool
    private_item: bool  # a lesson its network keeps to itself: no cohort-wide readers

    @property
    def kind_label(self) -> str:
        return t(KIND_LABELS.get(self.kind, self.kind))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _TITLE_MAX else text[: _TITLE_MAX - 1] + "…"


def _not_reachable() -> NotFound:
    return NotFound(t("Cet élément n'existe pas ou ne vous est pas accessible."))


def _item(session: Session, kind: str, target_id: Any) -> tuple[int | None, int, str, str | None]:
    """(network id, cohort id, title, lesson visibility) of the item, or NotFound."""
    if kind == Entity.milestone:
        milestone = access.row_by_id(session, Milestone, target_id)
        if milestone is None:
            raise _not_reachable()
        network_id, title, shared = milestone.network_id, milestone.title, None
    elif kind == Entity.alliance:
        alliance = access.row_by_id(session, Alliance, target_id)
        if alliance is None:
            raise _not_reachable()
        network_id, title, shared = alliance.network_id, alliance.title, None
    elif kind == Entity.indicator_value:
        value = access.row_by_id(session, IndicatorValue, target_id)
        if value is None:
            raise _not_reachable()
        indicator = session.get(Indicator, value.indicator_id)
        name = indicator.label if indicator else "?"
        network_id, shared = value.network_id, None
        title = t("{label}, {month}", label=name, month=fmt_month_long(value.period_start))
    elif kind == Entity.lesson:
        lesson = access.row_by_id(session, Lesson, target_id)
        if lesson is None:
            raise _not_reachable()
        if lesson.network_id is None:
            return None, lesson.cohort_id, _short(lesson.statement), lesson.visibility
        network_id, title, shared = lesson.network_id, _short(lesson.statement), lesson.visibility
    else:
        raise ValidationFailed(t("Les discussions portent sur un jalon, une alliance, une valeur "
                                 "d'indicateur ou un enseignement."))  # fmt: skip
    network = session.get(Network, network_id)
    if network is None:
        raise _not_reachable()
    return network_id, network.cohort_id, title, shared


def _reaches_item(
    session: Session, actor: Actor, network_id: int | None, cohort: Cohort, shared: str | None
) -> bool:
    """The item is within what ``actor`` reads (see the module's docstring)."""
    if actor.role is Role.admin:
        return True
    own = actor.role is Role.lead and network_id is not None and network_id == actor.network_id
    if own:
        return True
    if shared == Visibility.network:  # a lesson its network keeps to itself
        return False
    if actor.role is Role.lead:
        if cohort.id != actor.cohort_id:
            return False
        return network_id is None or not cohort.anonymise_for_leads
    return True


def open_thread(session: Session, actor: Actor | None, kind: str, target_id: Any) -> Thread:
    """The thread of item ``kind`` / ``target_id`` if ``actor`` may read it, else NotFound."""
    authorize(actor, "read", Entity.comment)
    assert actor is not None  # authorize() refuses nobody-signed-in
    network_id, cohort_id, title, shared = _item(session, kind, target_id)
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or not _reaches_item(session, actor, network_id, cohort, shared):
        raise _not_reachable()
    readable = comment_visibilities(actor, network_id)
    if not readable:
        raise _not_reachable()
    code = None
    if network_id is not None:
        network = session.get(Network, network_id)
        code = network.code if network else None
    return Thread(
        kind=kind,
        target_id=int(target_id),
        network_id=network_id,
        cohort_id=cohort_id,
        network_code=code,
        title=title,
        readable=tuple(readable),
        anonymised_cohort=cohort.anonymise_for_leads,
        private_item=shared == Visibility.network,
    )


def writable_thread(session: Session, actor: Actor | None, kind: str, target_id: Any) -> Thread:
    """The thread, when ``actor`` may also post in it: their own network's item (a lead), any
    item (the programme team); never in a closed cohort."""
    thread = open_thread(session, actor, kind, target_id)
    if thread.network_id is None:  # a collective lesson: the programme team's
        if actor is not None and actor.role is not Role.admin:
            raise PermissionDenied(
                t(
                    "Seule l'équipe d'animation écrit dans la discussion d'un enseignement collectif."
                )
            )
        authorize(actor, "create", Entity.comment)
        access.writable_cohort(session, thread.cohort_id)
    else:
        access.ensure_network_writable(session, actor, "create", Entity.comment, thread.network_id)
    return thread


def visibility_choices(thread: Thread) -> list[str]:
    """The visibilities a comment may be posted with: only those its author reads."""
    return list(thread.readable)


def readers(session: Session, thread: Thread, visibility: str) -> list[tuple[int, str, str]]:
    """Active people who read a comment of ``visibility`` in ``thread``:
    ``(id, username, full_name)``, by name. The one place mentions ask who may be notified."""
    own = (col(User.role) == Role.lead.value) & (col(User.network_id) == thread.network_id)
    clauses: list[Any] = []
    if thread.network_id is not None:
        clauses.append(own)
    if visibility in (CommentVisibility.team, CommentVisibility.cohort):
        clauses.append(col(User.role) == Role.admin.value)
    if visibility == CommentVisibility.cohort and not thread.private_item:
        clauses.append(col(User.role).in_([Role.steering.value, Role.ministry.value]))
        if thread.network_id is None or not thread.anonymised_cohort:
            clauses.append(
                (col(User.role) == Role.lead.value)
                & col(User.network_id).in_(
                    sa_select(col(Network.id)).where(col(Network.cohort_id) == thread.cohort_id)
                )
            )
    if not clauses:
        return []
    rows = session.execute(
        sa_select(col(User.id), col(User.username), col(User.full_name))
        .where(col(User.active).is_(True), or_(*clauses))
        .order_by(col(User.full_name), col(User.id))
    ).all()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def visibility_label(code: str) -> str:
    return label_of(CommentVisibility, code)


def comment_log_condition(actor: Actor) -> Any:
    """SQL condition on ``ChangeLog``: comment rows only for comments ``actor`` may read (a
    history never shows the text of a comment its reader could not read in the thread)."""
    own = comment_visibilities(actor, actor.network_id) if actor.network_id else []
    others = comment_visibilities(actor, None)
    readable = sa_select(col(Comment.id)).where(
        or_(
            col(Comment.visibility).in_(others),
            (col(Comment.network_id) == actor.network_id) & col(Comment.visibility).in_(own),
        )
    )
    return or_(
        col(ChangeLog.entity) != Entity.comment.value, col(ChangeLog.entity_id).in_(readable)
    )
