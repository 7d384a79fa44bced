"""Who may read or write what, checked on the stored rows: a network's ownership, a cohort's
readability and closure, and the anonymisation of other networks for leads. Also, for now, the
roadmap services' French validation messages and value clean-ups."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlparse

import pandas as pd
from pydantic import ValidationError
from sqlmodel import Session, SQLModel

from dashboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from dashboard.core.i18n import fmt_number, labels_for, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.shared.audit import ensure_network_writable, update_versioned
from models import Cohort, Network
from models.enums import Role


def clean(value: Any) -> Any:
    """Normalise what a grid or a form sends: NaN/NaT/NA → None, strings stripped, "" → None."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in {"NAType", "NaTType"}:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def is_web_link(value: str) -> bool:
    """True for an absolute http(s) address with a host and no spaces."""
    if any(ch.isspace() for ch in value):
        return False
    parsed = urlparse(value)
    return parsed.scheme in {"http", "https"} and bool(parsed.netloc)


def _num(value: Any) -> str:
    return fmt_number(value, 2) if isinstance(value, int | float) else str(value)


def _message(error: dict, enums: dict[str, type[StrEnum]]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    field = str(error["loc"][0]) if error.get("loc") else ""
    if kind in {"missing", "string_too_short"} or error.get("input", "") is None:
        return t("est obligatoire")
    if kind == "string_too_long":
        return t("dépasse {n} caractères", n=ctx.get("max_length"))
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return t("doit être un nombre entier")
    if kind in {"float_parsing", "float_type", "finite_number"}:
        return t("doit être un nombre")
    if kind in {"greater_than_equal", "greater_than"}:
        return t("doit être supérieur ou égal à {n}", n=_num(ctx.get("ge", ctx.get("gt"))))
    if kind in {"less_than_equal", "less_than"}:
        return t("doit être inférieur ou égal à {n}", n=_num(ctx.get("le", ctx.get("lt"))))
    if kind.startswith("date") or kind.startswith("datetime"):
        return t("doit être une date valide (jj/mm/aaaa)")
    if kind in {"enum", "literal_error"}:
        if field in enums:
            choices = ", ".join(labels_for(enums[field]).values())
            return t("contient une valeur non reconnue (choix possibles : {c})", c=choices)
        return t("contient une valeur non reconnue")
    if kind in {"bool_type", "bool_parsing"}:
        return t("doit valoir oui ou non")
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    return t("contient une valeur non valide")


def field_error(prefix: str, label: str, message: str) -> str:
    """``Ligne 3 (« Titre ») : le champ « Échéance » est obligatoire.``"""
    if prefix:
        return t(
            "{prefix} : le champ « {label} » {message}.",
            prefix=prefix,
            label=label,
            message=message,
        )
    return t("Le champ « {label} » {message}.", label=label, message=message)


def validate(
    model: type[SQLModel],
    data: dict[str, Any],
    *,
    labels: dict[str, str],
    enums: dict[str, type[StrEnum]] | None = None,
    prefix: str = "",
) -> tuple[SQLModel | None, list[str]]:
    """Validate ``data`` through a non-table model; French messages naming row and field."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        out = []
        for error in exc.errors(include_url=False):
            name = str(error["loc"][0]) if error.get("loc") else ""
            out.append(field_error(prefix, t(labels.get(name, name)), _message(error, enums or {})))
        return None, out


def validated(
    model: type[SQLModel],
    data: dict[str, Any],
    *,
    labels: dict[str, str],
    enums: dict[str, type[StrEnum]] | None = None,
) -> SQLModel:
    """Like :func:`validate`, raising :class:`ValidationFailed` on any error."""
    obj, errors = validate(model, data, labels=labels, enums=enums)
    if errors:
        raise ValidationFailed(errors)
    return obj


def owned_row(
    session: Session,
    actor: Actor | None,
    model: type[SQLModel],
    row_id: Any,
    *,
    entity: str,
    what: str,
    action: str = "update",
    network_id: int | None = None,
):
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
    model: type[SQLModel],
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
    if network is None or (actor.role is Role.lead and network.cohort_id != actor.cohort_id):
        raise NotFound(t("Ce réseau n'existe pas ou ne vous est pas accessible."))
    return network


def writable_network(
    session: Session, actor: Actor | None, entity: str, network_id: Any
) -> Network:
    """The network ``network_id`` if the actor may create ``entity`` rows in it."""
    try:
        nid = int(network_id)
    except (TypeError, ValueError):
        raise NotFound(t("Ce réseau n'existe pas.")) from None
    return ensure_network_writable(session, actor, "create", entity, nid)


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
