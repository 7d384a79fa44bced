"""Who may read or write what, checked on the stored rows: a network's ownership, a cohort's
readability and closure (the one closed-cohort refusal), and the anonymisation of other
networks for leads. Input cleaning and validation messages live in
:mod:`dashboard.services.shared.forms`."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import pandas as pd
from sqlalchemy import or_, true
from sqlmodel import Session, SQLModel, col

from dashboard.core.errors import NotFound, PermissionDenied
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.shared.audit import Versioned, update_versioned
from models import Cohort, Lesson, Network
from models.enums import CohortStatus, Role, Visibility


class _NetworkRow(Protocol):
    """A row that belongs to a network (``None``: a collective lesson)."""

    @property
    def network_id(self) -> int | None: ...


_Owned = TypeVar("_Owned", bound=_NetworkRow)
_Row = TypeVar("_Row", bound=SQLModel)
_Updated = TypeVar("_Updated", bound=Versioned)


def row_by_id(session: Session, model: type[_Row], row_id: Any) -> _Row | None:
    """The row whose id is ``row_id``, or None — also when the id is not a whole number: a
    forged id such as « 1 OR 1=1 » never reaches the database (PostgreSQL would refuse it)."""
    try:
        return session.get(model, int(row_id))
    except (TypeError, ValueError, OverflowError):
        return None


def owned_row(
    session: Session,
    actor: Actor | None,
    model: type[_Owned],
    row_id: Any,
    *,
    entity: str,
    what: str,
    action: str = "update",
    network_id: int | None = None,
) -> _Owned:
    """Load a row and check the actor may ``action`` it, from the row's own ``network_id``
    (never from what the caller claims). ``network_id``, when given, must match the row."""
    try:
        row = session.get(model, int(row_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(t("{what} n'existe pas (ou plus).", what=what))
    ensure_network_writable(session, actor, action, entity, row.network_id)
    if network_id is not None and row.network_id != network_id:
        raise PermissionDenied(t("{what} n'appartient pas à ce réseau.", what=what))
    return row


def update_owned(
    session: Session,
    actor: Actor | None,
    model: type[_Updated],
    row: Any,
    version: int | None,
    changes: dict[str, Any],
    *,
    entity: str,
    what: str,
    reason: str | None = None,
) -> dict:
    """Versioned update of a row already checked by :func:`owned_row`, change-logged under
    the row's network and cohort. Returns ``{"id", "version"}``."""
    network = session.get(Network, row.network_id)
    if network is None:
        raise NotFound(t("Ce réseau n'existe pas."))
    updated = update_versioned(
        session,
        actor,
        model,
        row.id,
        version,
        changes,
        entity=entity,
        what=what,
        network_id=network.id,
        cohort_id=network.cohort_id,
        reason=reason,
    )
    return {"id": updated.id, "version": updated.version}


def readable_network(session: Session, actor: Actor | None, network_id: Any) -> Network:
    """A network the actor may read (a lead: only within their own cohort)."""
    authorize(actor, "read", "network")
    try:
        network = session.get(Network, int(network_id))
    except (TypeError, ValueError):
        network = None
    if network is None or not _lead_may_read(session, actor, network):
        raise NotFound(t("Ce réseau n'existe pas ou ne vous est pas accessible."))
    return network


def _lead_may_read(session: Session, actor: Actor | None, network: Network) -> bool:
    """A lead reads the networks of their own cohort, and when that cohort anonymises the
    networks for leads, the details (roadmap, lessons) of their own network only."""
    if actor is None:
        return False  # authorize() has refused already
    if actor.role is not Role.lead or network.id == actor.network_id:
        return True
    if network.cohort_id != actor.cohort_id:
        return False
    cohort = session.get(Cohort, network.cohort_id)
    return not (cohort and cohort.anonymise_for_leads)


def lesson_visibility(actor: Actor) -> Any:
    """SQL condition on ``Lesson`` for the lessons ``actor`` may read. A lesson's visibility is
    its network's consent to share: ``network`` — that network and the programme team;
    ``cohort`` and ``public`` — everyone who reads the cohort."""
    if actor.role is Role.admin:
        return true()
    shared = col(Lesson.visibility).in_([Visibility.cohort.value, Visibility.public.value])
    if actor.role is Role.lead:
        return or_(col(Lesson.network_id) == actor.network_id, shared)
    return shared


def refuse_if_closed(cohort: Cohort) -> None:
    """Refuse any change to a closed cohort's data (the one closed-cohort rule)."""
    if cohort.status == CohortStatus.closed:
        raise PermissionDenied(
            t(
                "La cohorte « {name} » est clôturée : ses données ne sont plus modifiables.",
                name=cohort.name,
            )
        )


def writable_cohort(session: Session, cohort_id: int) -> Cohort:
    """The cohort, refused when it does not exist or is closed (read-only)."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound(t("Cette cohorte n'existe pas."))
    refuse_if_closed(cohort)
    return cohort


def ensure_network_writable(
    session: Session, actor: Actor | None, action: str, entity: str, network_id: int | None
) -> Network:
    """Permission for ``action`` on ``entity`` of ``network_id``, and its cohort not closed."""
    authorize(actor, action, entity, network_id=network_id)
    network = session.get(Network, network_id) if network_id is not None else None
    if network is None:
        raise NotFound(t("Ce réseau n'existe pas."))
    writable_cohort(session, network.cohort_id)
    return network


def writable_network(
    session: Session, actor: Actor | None, entity: str, network_id: Any, *, action: str = "create"
) -> Network:
    """The network ``network_id`` if the actor may ``action`` (default: create) ``entity`` rows
    in it and its cohort is not closed."""
    try:
        nid = int(network_id)
    except (TypeError, ValueError):
        raise NotFound(t("Ce réseau n'existe pas.")) from None
    return ensure_network_writable(session, actor, action, entity, nid)


# ------------------------------------------------------------------------------------- cohorts


@dataclass(frozen=True)
class CohortInfo:
    id: int
    code: str
    name: str
    start_date: dt.date
    end_date: dt.date
    status: str
    anonymise_for_leads: bool
    version: int


def cohort_info(c: Cohort) -> CohortInfo:
    assert c.id is not None  # a stored cohort
    return CohortInfo(
        c.id, c.code, c.name, c.start_date, c.end_date, c.status, c.anonymise_for_leads, c.version
    )


def read_cohort(session: Session, actor: Actor, cohort_id: int) -> CohortInfo:
    """The cohort as plain data after the read check, inside the caller's unit of work
    (a lead reads only their own network's cohort)."""
    authorize(actor, "read", "cohort")
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or (actor.role is Role.lead and cohort_id != actor.cohort_id):
        raise NotFound(t("Cette cohorte n'existe pas ou ne vous est pas accessible."))
    return cohort_info(cohort)


def anonymous_label(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA"… (letters for anonymised networks)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def anonymise(networks: pd.DataFrame, actor: Actor, cohort: CohortInfo) -> pd.DataFrame:
    """Hide the other networks' identities from a lead when the cohort asks for it.

    ``networks`` has at least ``id``, ``code`` and ``name``. For a lead of an anonymised cohort,
    every network but their own becomes "Réseau A", "Réseau B"… (code "A", "B"…), and its
    identifying columns (acronym, sector, region, members, RNA, SIREN) are blanked. Letters
    follow a keyed hash of the cohort and network ids: stable across views and processes, and
    unrelated to the codes' order. A column ``anonymised`` says which rows were replaced.
    """
    out = networks.copy()
    out["anonymised"] = False
    if actor.role is not Role.lead or not cohort.anonymise_for_leads or out.empty:
        return out
    others = out[out["id"] != actor.network_id]
    order = sorted(
        others["id"],
        key=lambda nid: hashlib.sha256(f"{cohort.id}:{int(nid)}".encode()).hexdigest(),
    )
    letters = {nid: anonymous_label(i) for i, nid in enumerate(order)}
    mask = out["id"] != actor.network_id
    out.loc[mask, "code"] = out.loc[mask, "id"].map(letters)
    out.loc[mask, "name"] = out.loc[mask, "code"].map(lambda c: t("Réseau {letter}", letter=c))
    for column in ("acronym", "sector", "region_code", "member_count", "rna", "siren"):
        if column in out.columns:
            out[column] = out[column].astype(object)
            out.loc[mask, column] = None
    out.loc[mask, "anonymised"] = True
    # Row order must not give the codes' order away: own network first, then by letter.
    out["_key"] = out["code"].map(lambda c: (len(c), c))
    out = out.sort_values(["anonymised", "_key"]).drop(columns="_key")
    return out.reset_index(drop=True)
