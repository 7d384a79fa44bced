"""Programme administration: cohorts, their networks and their sessions.

A closed cohort is read-only: every write on it, its networks or its sessions is refused
(exports still read it).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError, field_validator, model_validator
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.db import session_scope
from dashboard.errors import NotFound, PermissionDenied, ValidationFailed
from dashboard.i18n import fmt_date, t
from dashboard.permissions import Actor, authorize
from dashboard.services import audit
from models import Cohort, Network, ProgrammeSession
from models.enums import CohortStatus, Phase, SessionKind

# ---------------------------------------------------------------- shared input helpers


def plain(value: Any) -> Any:
    """Editor/DataFrame cell → plain Python (NaN, NA, NaT and blank text become None)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):  # lists, arrays: not a missing scalar
        return value
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def rows_from_editor(original: pd.DataFrame, state: dict | None) -> list[dict]:
    """Rows a data editor changed: edited rows (whole row, with their hidden id and version)
    followed by added rows. ``state`` is the editor's ``{"edited_rows", "added_rows"}``."""
    state = state or {}
    rows = []
    for position, edits in sorted(
        (state.get("edited_rows") or {}).items(), key=lambda kv: int(kv[0])
    ):
        row = original.iloc[int(position)].to_dict()
        row.update(edits)
        rows.append({k: plain(v) for k, v in row.items()})
    for added in state.get("added_rows") or []:
        if any(plain(v) is not None for v in added.values()):
            rows.append({k: plain(v) for k, v in added.items()})
    return rows


def check(model: type[BaseModel], data: dict, labels: dict[str, str], where: str = ""):
    """Validate ``data`` through a non-table model; French messages naming row and field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(french_errors(exc, labels, where)) from exc


def french_errors(exc: ValidationError, labels: dict[str, str], where: str = "") -> list[str]:
    """One French message per pydantic error: « where — Field : problem »."""
    out = []
    prefix = f"{where} — " if where else ""
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        name = t(labels[field]) if field in labels else field
        if err["type"] == "value_error":
            message = str(err.get("ctx", {}).get("error", err["msg"]))
        elif err["type"] == "missing" or err.get("input", "") is None:
            message = t("valeur obligatoire")
        elif err["type"] == "enum":
            message = t("valeur non autorisée")
        else:
            message = t("valeur invalide")
        out.append(f"{prefix}{name} : {message}" if name else f"{prefix}{message}")
    return out


def _strip(value: Any) -> Any:
    return value.strip() or None if isinstance(value, str) else value


def siren_is_valid(siren: str) -> bool:
    """9 digits whose Luhn checksum is 0 (INSEE's rule for SIREN numbers)."""
    if not re.fullmatch(r"\d{9}", siren or ""):
        return False
    total = 0
    for i, ch in enumerate(reversed(siren)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


# ---------------------------------------------------------------- validation models

COHORT_LABELS = {
    "code": "Code",
    "name": "Nom",
    "start_date": "Début",
    "end_date": "Fin",
    "status": "État",
    "anonymise_for_leads": "Anonymisation",
}
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
SESSION_LABELS = {
    "code": "Code",
    "number": "Numéro",
    "kind": "Type",
    "phase": "Phase",
    "title": "Intitulé",
    "session_date": "Date",
    "host": "Accueil",
    "theme": "Thème",
}
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class CohortInput(BaseModel):
    code: str
    name: str
    start_date: dt.date
    end_date: dt.date
    status: CohortStatus = CohortStatus.active
    anonymise_for_leads: bool = False

    strip_text = field_validator("code", "name", mode="before")(_strip)

    @field_validator("code")
    @classmethod
    def check_code(cls, v: str) -> str:
        if len(v) > 40 or not _CODE.match(v):
            raise ValueError(t("lettres, chiffres, « - », « _ » ou « . », 40 caractères au plus"))
        return v

    @field_validator("name")
    @classmethod
    def check_name(cls, v: str) -> str:
        if len(v) > 200:
            raise ValueError(t("200 caractères au plus"))
        return v

    @model_validator(mode="after")
    def check_dates(self):
        if self.end_date < self.start_date:
            raise ValueError(t("la date de fin précède la date de début"))
        return self


class NetworkInput(BaseModel):
    code: str
    name: str
    acronym: str | None = None
    sector: str | None = None
    region_code: str | None = None
    member_count: int | None = None
    rna: str | None = None
    siren: str | None = None

    strip_text = field_validator(
        "code", "name", "acronym", "sector", "region_code", "rna", "siren", mode="before"
    )(_strip)

    @field_validator("code")
    @classmethod
    def check_code(cls, v: str) -> str:
        if len(v) > 20 or not _CODE.match(v):
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


class SessionInput(BaseModel):
    code: str
    number: int | None = None
    kind: SessionKind
    phase: Phase | None = None
    title: str
    session_date: dt.date
    host: str | None = None
    theme: str | None = None

    strip_text = field_validator("code", "title", "host", "theme", "phase", mode="before")(_strip)

    @field_validator("code")
    @classmethod
    def check_code(cls, v: str) -> str:
        if len(v) > 10 or not _CODE.match(v):
            raise ValueError(t("lettres et chiffres, 10 caractères au plus (ex. S1, W1)"))
        return v.upper()

    @field_validator("number")
    @classmethod
    def check_number(cls, v: int | None) -> int | None:
        if v is not None and v < 1:
            raise ValueError(t("entier à partir de 1"))
        return v


# ---------------------------------------------------------------- cohorts


def _writable_cohort(session: Session, cohort_id: int) -> Cohort:
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound(t("Cette cohorte n'existe pas."))
    if cohort.status == CohortStatus.closed:
        raise PermissionDenied(
            t(
                "La cohorte « {name} » est clôturée : ses données ne sont plus modifiables.",
                name=cohort.name,
            )
        )
    return cohort


def create_cohort(
    engine: Engine,
    actor: Actor,
    *,
    code: str,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    status: str = CohortStatus.active,
    anonymise_for_leads: bool = False,
) -> int:
    """Create a cohort (draft or active); returns its id."""
    authorize(actor, "create", "cohort")
    data = check(
        CohortInput,
        {
            "code": code,
            "name": name,
            "start_date": start_date,
            "end_date": end_date,
            "status": status,
            "anonymise_for_leads": anonymise_for_leads,
        },
        COHORT_LABELS,
    )
    if data.status is CohortStatus.closed:
        raise ValidationFailed(t("Une nouvelle cohorte ne peut pas être créée clôturée."))
    with session_scope(engine) as session:
        if session.exec(select(Cohort.id).where(Cohort.code == data.code)).first():
            raise ValidationFailed(t("Le code de cohorte « {code} » existe déjà.", code=data.code))
        cohort = Cohort(**data.model_dump() | {"status": data.status.value})
        session.add(cohort)
        session.flush()
        audit.log_create(
            session, actor, "cohort", cohort, fields=list(COHORT_LABELS), cohort_id=cohort.id
        )
        return cohort.id


def update_cohort(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    version: int,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    anonymise_for_leads: bool,
    status: str | None = None,
) -> int:
    """Edit a cohort (name, dates, draft/active, how leads see other networks). Returns the
    new version. A closed cohort is refused; closing goes through :func:`close_cohort`."""
    authorize(actor, "update", "cohort")
    with session_scope(engine) as session:
        cohort = _writable_cohort(session, cohort_id)
        status = status or cohort.status
        data = check(
            CohortInput,
            {
                "code": cohort.code,
                "name": name,
                "start_date": start_date,
                "end_date": end_date,
                "status": status,
                "anonymise_for_leads": anonymise_for_leads,
            },
            COHORT_LABELS,
        )
        if data.status is CohortStatus.closed:
            raise ValidationFailed(t("Pour clôturer une cohorte, utilisez « Clôturer »."))
        outside = session.exec(
            select(func.count())
            .select_from(ProgrammeSession)
            .where(
                ProgrammeSession.cohort_id == cohort_id,
                (ProgrammeSession.session_date < data.start_date)
                | (ProgrammeSession.session_date > data.end_date),
            )
        ).one()
        if outside:
            raise ValidationFailed(
                t("{n} session(s) tomberaient hors des nouvelles dates de la cohorte.", n=outside)
            )
        row = audit.update_versioned(
            session,
            actor,
            Cohort,
            cohort_id,
            version,
            {
                "name": data.name,
                "start_date": data.start_date,
                "end_date": data.end_date,
                "status": data.status.value,
                "anonymise_for_leads": data.anonymise_for_leads,
            },
            entity="cohort",
            what=t("La cohorte « {name} »", name=cohort.name),
            cohort_id=cohort_id,
        )
        return row.version


def close_cohort(engine: Engine, actor: Actor, cohort_id: int, *, version: int) -> None:
    """Close a cohort: its data becomes read-only (still readable and exportable)."""
    authorize(actor, "update", "cohort")
    with session_scope(engine) as session:
        cohort = _writable_cohort(session, cohort_id)
        audit.update_versioned(
            session,
            actor,
            Cohort,
            cohort_id,
            version,
            {"status": CohortStatus.closed.value},
            entity="cohort",
            what=t("La cohorte « {name} »", name=cohort.name),
            cohort_id=cohort_id,
        )


def reopen_cohort(
    engine: Engine, actor: Actor, cohort_id: int, *, version: int, reason: str
) -> None:
    """Reopen a closed cohort (a mistake, a late correction); the reason is logged."""
    authorize(actor, "update", "cohort")
    if not (reason or "").strip():
        raise ValidationFailed(t("Indiquez la raison de la réouverture."))
    with session_scope(engine) as session:
        cohort = session.get(Cohort, cohort_id)
        if cohort is None:
            raise NotFound(t("Cette cohorte n'existe pas."))
        audit.update_versioned(
            session,
            actor,
            Cohort,
            cohort_id,
            version,
            {"status": CohortStatus.active.value},
            entity="cohort",
            what=t("La cohorte « {name} »", name=cohort.name),
            cohort_id=cohort_id,
            reason=reason.strip(),
        )


# ---------------------------------------------------------------- networks

NETWORK_COLUMNS = ["id", "code", "name", "acronym", "sector", "region_code"]
NETWORK_COLUMNS += ["member_count", "rna", "siren", "is_fictional", "version"]


def network_rows(engine: Engine, actor: Actor, cohort_id: int) -> pd.DataFrame:
    """The cohort's networks with every editable field and their version (admin editor)."""
    authorize(actor, "update", "network")
    with session_scope(engine) as session:
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
        cohort = _writable_cohort(session, cohort_id)
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
                ids.append(net.id)
            else:
                existing = session.get(Network, network_id)
                if existing is None or existing.cohort_id != cohort_id:
                    raise NotFound(t("Ce réseau n'existe pas."))
                audit.ensure_network_writable(session, actor, "update", "network", network_id)
                audit.update_versioned(
                    session,
                    actor,
                    Network,
                    network_id,
                    int(row["version"]) if row.get("version") is not None else None,
                    data.model_dump(),
                    entity="network",
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


# ---------------------------------------------------------------- sessions


def _session_where(row: dict, index: int) -> str:
    return t("Session {code}", code=row.get("code") or f"n° {index + 1}")


def save_sessions(engine: Engine, actor: Actor, cohort_id: int, rows: list[dict]) -> list[int]:
    """Plan sessions (rows without ``id``) and edit or reschedule planned ones (``id`` +
    ``version`` seen), all or nothing. Dates must fall within the cohort; a missing number
    follows the last one. Returns the ids, in the order of ``rows``."""
    authorize(actor, "create" if any(not r.get("id") for r in rows) else "update", "session")
    errors: list[str] = []
    checked = []
    for i, row in enumerate(rows):
        try:
            checked.append(check(SessionInput, row, SESSION_LABELS, _session_where(row, i)))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            checked.append(None)
    if errors:
        raise ValidationFailed(errors)
    ids = []
    with session_scope(engine) as session:
        cohort = _writable_cohort(session, cohort_id)
        taken = dict(
            session.exec(
                select(ProgrammeSession.code, ProgrammeSession.id).where(
                    ProgrammeSession.cohort_id == cohort_id
                )
            ).all()
        )
        last_number = session.exec(
            select(func.coalesce(func.max(ProgrammeSession.number), 0)).where(
                ProgrammeSession.cohort_id == cohort_id
            )
        ).one()
        for i, (row, data) in enumerate(zip(rows, checked, strict=True)):
            where = _session_where(row, i)
            session_id = int(row["id"]) if row.get("id") else None
            if taken.get(data.code) not in (None, session_id):
                errors.append(f"{where} — " + t("Code : déjà utilisé dans la cohorte"))
            if not cohort.start_date <= data.session_date <= cohort.end_date:
                errors.append(
                    f"{where} — "
                    + t(
                        "Date : en dehors de la cohorte (du {start} au {end})",
                        start=fmt_date(cohort.start_date),
                        end=fmt_date(cohort.end_date),
                    )
                )
            if errors:
                continue
            values = data.model_dump()
            values["kind"] = data.kind.value
            values["phase"] = data.phase.value if data.phase else None
            if session_id is None:
                if values["number"] is None:
                    last_number += 1
                    values["number"] = last_number
                ps = ProgrammeSession(cohort_id=cohort_id, **values)
                session.add(ps)
                session.flush()
                audit.log_create(
                    session, actor, "session", ps, fields=list(SESSION_LABELS), cohort_id=cohort_id
                )
                ids.append(ps.id)
            else:
                existing = session.get(ProgrammeSession, session_id)
                if existing is None or existing.cohort_id != cohort_id:
                    raise NotFound(t("Cette session n'existe pas."))
                if values["number"] is None:
                    values["number"] = existing.number
                audit.update_versioned(
                    session,
                    actor,
                    ProgrammeSession,
                    session_id,
                    int(row["version"]) if row.get("version") is not None else None,
                    values,
                    entity="session",
                    what=t("La session {code}", code=existing.code),
                    cohort_id=cohort_id,
                )
                ids.append(session_id)
            last_number = max(last_number, values["number"])
            taken[data.code] = ids[-1]
        if errors:
            raise ValidationFailed(errors)
    return ids


def plan_session(engine: Engine, actor: Actor, cohort_id: int, **fields: Any) -> int:
    """Plan one session (code, kind, phase, title, session_date, host, theme); returns its id."""
    return save_sessions(engine, actor, cohort_id, [fields])[0]


def reschedule_session(
    engine: Engine, actor: Actor, session_id: int, *, version: int, session_date: dt.date
) -> None:
    """Move a session to another date (given the version the user saw)."""
    authorize(actor, "update", "session")
    with session_scope(engine) as session:
        ps = session.get(ProgrammeSession, session_id)
        if ps is None:
            raise NotFound(t("Cette session n'existe pas."))
        current = {k: getattr(ps, k) for k in SESSION_LABELS}
        cohort_id = ps.cohort_id
    save_sessions(
        engine,
        actor,
        cohort_id,
        [current | {"session_date": session_date, "id": session_id, "version": version}],
    )
