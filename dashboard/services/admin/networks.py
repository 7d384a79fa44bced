"""Programme administration: a cohort's networks (code, name, sector, region, RNA, SIREN…).

A closed cohort's networks are read-only.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, BeforeValidator, Field, field_validator
from sqlalchemy.engine import Engine
from sqlmodel import select

from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import NotFound, ValidationFailed
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.shared import access, audit
from dashboard.services.shared.fields import SingleLineText, WholeNumber
from dashboard.services.shared.forms import CODE, check, max_length, parse_number, strip_blank
from models import Network
from models.base import saved_id
from models.enums import Entity

NETWORK_LABELS = {
    "code": "Code",
    "name": "Nom",
    "acronym": "Sigle",
    "sector": "Secteur",
    "region_code": "Région",
    "member_count": "Associations membres",
    "rna": "RNA",
    "siren": "SIREN",
}


def siren_is_valid(siren: str) -> bool:
    """9 digits whose Luhn checksum is 0 (INSEE's rule for SIREN numbers)."""
    if not re.fullmatch(r"\d{9}", siren or ""):
        return False
    total = 0
    for i, ch in enumerate(reversed(siren)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


class NetworkInput(BaseModel):
    code: SingleLineText = Field(max_length=max_length(Network, "code"))
    name: SingleLineText = Field(max_length=max_length(Network, "name"))
    acronym: SingleLineText | None = Field(default=None, max_length=max_length(Network, "acronym"))
    sector: SingleLineText | None = Field(default=None, max_length=max_length(Network, "sector"))
    region_code: SingleLineText | None = None  # its format bounds it
    member_count: Annotated[WholeNumber | None, BeforeValidator(parse_number)] = None
    rna: SingleLineText | None = None  # its format bounds it (typed spaces allowed)
    siren: SingleLineText | None = None  # its format bounds it (typed spaces allowed)

    strip_text = field_validator(
        "code", "name", "acronym", "sector", "region_code", "rna", "siren", mode="before"
    )(strip_blank)

    @field_validator("code")
    @classmethod
    def check_code(cls, v: str) -> str:
        if len(v) > 20 or not CODE.match(v):
            raise ValueError(t("lettres, chiffres, « - », « _ » ou « . », 20 caractères au plus"))
        return v.upper()

    @field_validator("region_code")
    @classmethod
    def check_region(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"\d{2,3}", v):
            raise ValueError(t("code INSEE de région attendu (2 ou 3 chiffres, ex. 84)"))
        return v

    @field_validator("member_count")
    @classmethod
    def check_members(cls, v: int | None) -> int | None:
        if v is not None and v < 0:
            raise ValueError(t("nombre positif attendu"))
        return v

    @field_validator("rna")
    @classmethod
    def check_rna(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"W\d{9}", v.upper()):
            raise ValueError(t("« W » suivi de 9 chiffres attendu (ex. W751234567)"))
        return v.upper() if v else v

    @field_validator("siren")
    @classmethod
    def check_siren(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = v.replace(" ", "")
        if not siren_is_valid(v):
            raise ValueError(t("9 chiffres avec une clé de contrôle valide attendus"))
        return v


NETWORK_COLUMNS = ["id", "code", "name", "acronym", "sector", "region_code"]
NETWORK_COLUMNS += ["member_count", "rna", "siren", "is_fictional", "version"]


def network_rows(engine: Engine, actor: Actor, cohort_id: int) -> pd.DataFrame:
    """The cohort's networks with every editable field and their version (admin editor)."""
    authorize(actor, "update", "network")
    with read_scope(engine) as session:
        rows = session.exec(
            select(*(getattr(Network, c) for c in NETWORK_COLUMNS))
            .where(Network.cohort_id == cohort_id)
            .order_by(Network.code)
        ).all()
    return pd.DataFrame(rows, columns=NETWORK_COLUMNS)


def _network_where(row: dict, index: int) -> str:
    return t("Réseau {code}", code=row.get("code") or f"n° {index + 1}")


def save_networks(engine: Engine, actor: Actor, cohort_id: int, rows: list[dict]) -> list[int]:
    """Add networks (rows without ``id``) and edit existing ones (``id`` + ``version`` seen),
    all or nothing. Returns the ids, in the order of ``rows``."""
    authorize(actor, "create" if any(not r.get("id") for r in rows) else "update", "network")
    errors: list[str] = []
    checked = []
    for i, row in enumerate(rows):
        try:
            checked.append(check(NetworkInput, row, NETWORK_LABELS, _network_where(row, i)))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            checked.append(None)
    codes = [c.code for c in checked if c is not None]
    errors += [
        t("Réseau {code} — Code : en double", code=c) for c in set(codes) if codes.count(c) > 1
    ]
    if errors:
        raise ValidationFailed(errors)
    ids = []
    with session_scope(engine) as session:
        cohort = access.writable_cohort(session, cohort_id)
        taken = dict(
            session.exec(
                select(Network.code, Network.id).where(Network.cohort_id == cohort_id)
            ).all()
        )
        for row, data in zip(rows, checked, strict=True):
            network_id = int(row["id"]) if row.get("id") else None
            owner = taken.get(data.code)
            if owner is not None and owner != network_id:
                errors.append(
                    t("Réseau {code} — Code : déjà utilisé dans la cohorte", code=data.code)
                )
                continue
            if network_id is None:
                net = Network(cohort_id=cohort_id, **data.model_dump())
                session.add(net)
                session.flush()
                audit.log_create(
                    session,
                    actor,
                    "network",
                    net,
                    fields=list(NETWORK_LABELS),
                    network_id=net.id,
                    cohort_id=cohort_id,
                )
                ids.append(saved_id(net))
            else:
                existing = session.get(Network, network_id)
                if existing is None or existing.cohort_id != cohort_id:
                    raise NotFound(t("Ce réseau n'existe pas."))
                access.ensure_network_writable(session, actor, "update", "network", network_id)
                audit.update_versioned(
                    session,
                    actor,
                    Network,
                    network_id,
                    int(row["version"]) if row.get("version") is not None else None,
                    data.model_dump(),
                    entity=Entity.network,
                    what=t("Le réseau {code}", code=existing.code),
                    network_id=network_id,
                    cohort_id=cohort.id,
                )
                ids.append(network_id)
            taken[data.code] = ids[-1]
        if errors:
            raise ValidationFailed(errors)
    return ids


def add_network(engine: Engine, actor: Actor, cohort_id: int, **fields: Any) -> int:
    """Add one network to a cohort (code, name, acronym, sector, region_code, member_count,
    rna, siren); returns its id."""
    return save_networks(engine, actor, cohort_id, [fields])[0]


def update_network(
    engine: Engine, actor: Actor, network_id: int, *, version: int, **fields: Any
) -> None:
    """Edit one network, given the version the user saw."""
    authorize(actor, "update", "network")
    with session_scope(engine) as session:
        net = session.get(Network, network_id)
        if net is None:
            raise NotFound(t("Ce réseau n'existe pas."))
        current = {k: getattr(net, k) for k in NETWORK_LABELS}
        cohort_id = net.cohort_id
    save_networks(
        engine, actor, cohort_id, [current | fields | {"id": network_id, "version": version}]
    )
