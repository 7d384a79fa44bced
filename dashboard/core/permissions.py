"""Who may do what: one table (role × entity × action → scope) and one function every service
calls before reading scoped data or writing anything.

A lead's scope is their own network; everyone else reads the whole cohort. Widgets that hide a
button are a convenience only: this check is the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dashboard.core.errors import PermissionDenied
from dashboard.core.i18n import t
from models.enums import CommentVisibility, Entity, Role


class Scope(StrEnum):
    all = "all"  # any network of any cohort
    own = "own"  # only the acting lead's network


@dataclass(frozen=True)
class Actor:
    """The acting user, as services see it: plain data, never an ORM object."""

    id: int
    username: str
    full_name: str
    role: Role
    network_id: int | None = None
    cohort_id: int | None = None  # the lead's cohort (from their network)
    must_change_password: bool = False


ENTITIES = tuple(Entity)
ACTIONS = ("read", "create", "update", "delete", "submit", "validate", "reopen", "export")

ALL, OWN = Scope.all, Scope.own
_ROADMAP = (Entity.objective, Entity.alliance, Entity.milestone, Entity.lesson, Entity.maturity)
_READ_ALL: dict[Entity, dict[str, Scope]] = {
    e: {"read": ALL} for e in ENTITIES if e not in (Entity.user, Entity.export, Entity.change_log)
}


def _merge(*tables: dict[Entity, dict[str, Scope]]) -> dict[str, dict[str, Scope]]:
    out: dict[str, dict[str, Scope]] = {}
    for table in tables:
        for entity, actions in table.items():
            out.setdefault(entity, {}).update(actions)
    return out


PERMISSIONS: dict[Role, dict[str, dict[str, Scope]]] = {
    Role.admin: {e: dict.fromkeys(ACTIONS, ALL) for e in ENTITIES},
    Role.lead: _merge(
        _READ_ALL,
        {e: {"create": OWN, "update": OWN, "delete": OWN} for e in _ROADMAP},
        {Entity.indicator_value: {"create": OWN, "update": OWN, "submit": OWN}},
        {Entity.partner: {"create": ALL}},
        {Entity.change_log: {"read": OWN}},
        # Threads of their own network's items; only their own comments (checked by the service).
        {Entity.comment: {"create": OWN, "update": OWN, "delete": OWN}},
    ),
    Role.steering: _merge(_READ_ALL, {Entity.change_log: {"read": ALL}}),
    Role.ministry: _merge(_READ_ALL, {Entity.export: {"read": ALL, "export": ALL}}),
}


# Who reads a comment, by its visibility. The table above only says whether a role reads
# comments at all; this one narrows it per comment. ``OWN_NETWORK`` stands for the leads of the
# item's own network. « Réseau uniquement » is the network's own notes: neither the programme
# team, nor the steering committee, the ministry or another network reads it.
OWN_NETWORK = "own_network"
COMMENT_READERS: dict[CommentVisibility, frozenset[str]] = {
    CommentVisibility.network: frozenset({OWN_NETWORK}),
    CommentVisibility.team: frozenset({OWN_NETWORK, Role.admin}),
    CommentVisibility.cohort: frozenset(
        {OWN_NETWORK, Role.admin, Role.lead, Role.steering, Role.ministry}
    ),
}


def comment_visibilities(actor: Actor | None, network_id: int | None) -> list[str]:
    """The comment visibilities ``actor`` reads on an item of ``network_id`` (None: a
    collective lesson), in :class:`CommentVisibility` order. A lead of another network reads
    only what the whole cohort reads."""
    if actor is None or scope_of(actor, "read", Entity.comment) is None:
        return []
    own = actor.role is Role.lead and network_id is not None and network_id == actor.network_id
    return [
        v.value
        for v in CommentVisibility
        if (own and OWN_NETWORK in COMMENT_READERS[v]) or actor.role.value in COMMENT_READERS[v]
    ]


def scope_of(actor: Actor, action: str, entity: str) -> Scope | None:
    """The scope ``actor`` has for ``action`` on ``entity`` (None: not allowed at all)."""
    if entity not in ENTITIES or action not in ACTIONS:
        raise ValueError(f"unknown permission {entity}.{action}")
    return PERMISSIONS.get(actor.role, {}).get(entity, {}).get(action)


def can(actor: Actor | None, action: str, entity: str, *, network_id: int | None = None) -> bool:
    """True when ``actor`` may do ``action`` on ``entity`` (of ``network_id`` when scoped)."""
    if actor is None:
        return False
    scope = scope_of(actor, action, entity)
    if scope is None:
        return False
    if scope is Scope.all:
        return True
    return network_id is not None and network_id == actor.network_id


def authorize(
    actor: Actor | None, action: str, entity: str, *, network_id: int | None = None
) -> None:
    """Raise :class:`PermissionDenied` (French message) unless :func:`can` allows it."""
    if actor is None:
        raise PermissionDenied(t("Vous devez être connecté·e pour faire cela."))
    if can(actor, action, entity, network_id=network_id):
        return
    if scope_of(actor, action, entity) is Scope.own:
        raise PermissionDenied(t("Vous ne pouvez modifier que les données de votre propre réseau."))
    raise PermissionDenied(t("Votre rôle ne permet pas cette action."))
