"""A new cohort's networks and people from one CSV or XLSX (sheet « Personnes »), for the
programme team: the same preview (what will be created, every error by row and column) and
one transaction, through the services of the administration pages — ``save_networks`` for the
networks, ``invite_user`` for each person (an account without a password and a one-time
secret, exactly as on the People page).

The preview runs those services in a transaction that is rolled back, each row in its own
savepoint, so every row's refusal is reported with its row; applying runs them again and
commits only when no row was refused. Networks already in the cohort (same code) are linked
to, never modified; a person whose identifier exists is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlmodel import select

from dashboard.core.db import read_scope, storage_failure
from dashboard.core.errors import AppError, ValidationFailed
from dashboard.core.i18n import labels_for, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.admin import networks as admin_networks
from dashboard.services.admin import users as admin_users
from dashboard.services.imports import guard
from dashboard.services.imports.layout import NETWORK_FIELDS, PEOPLE, PERSON_FIELDS, Code
from dashboard.services.imports.plan_common import Issue, RowChange, as_text, digest_of, shown
from dashboard.services.imports.reader import FileRefused, read_file
from dashboard.services.shared import access
from dashboard.services.shared.forms import clean, row_where
from models import Network
from models.enums import Role

_HEADERS = {c.field: c.header for c in PEOPLE.columns}


@dataclass(frozen=True)
class Invitation:
    """A created account and its one-time secret (shown once to the programme team)."""

    username: str
    full_name: str
    secret: str
    expires_at: dt.datetime


@dataclass
class PeoplePlan:
    file_name: str
    digest: str
    cohort_id: int
    changes: list[RowChange] = field(default_factory=list)
    unchanged: list[tuple[str, int, str]] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def file_error(self, code: str, message: str) -> None:
        self.errors.append(Issue("", None, "", self.file_name, code, message))


class PeopleImportRefused(ValidationFailed):
    def __init__(self, plan: PeoplePlan):
        super().__init__([i.message for i in plan.errors] or [t("Import refusé.")])
        self.plan = plan


def _roles() -> dict[str, str]:
    out = {code.casefold(): code for code in labels_for(Role)}
    return out | {label.casefold(): code for code, label in labels_for(Role).items()}


def _column_of(message: str) -> str:
    """The column a service message names first (« Réseau : … », « Courriel : … »)."""
    labels = {
        "Identifiant": "Identifiant", "Nom": "Nom", "Courriel": "Courriel", "Rôle": "Rôle",
        "Réseau": "Code réseau", "Code": "Code réseau", "Sigle": "Sigle", "Secteur": "Secteur",
        "Région": "Région", "Associations membres": "Associations membres", "RNA": "RNA",
        "SIREN": "SIREN",
    }  # fmt: skip
    found = [(message.find(f"« {k} »"), v) for k, v in labels.items() if f"« {k} »" in message]
    found += [(message.find(f"{k} :"), v) for k, v in labels.items() if f"{k} :" in message]
    found += [(message.find(f"— {k}"), v) for k, v in labels.items() if f"— {k}" in message]
    return min(found)[1] if found else ""


def _code_of(message: str) -> str:
    lowered = message.lower()
    if "existe déjà" in lowered or "déjà utilisé" in lowered or "en double" in lowered:
        return Code.duplicate
    if "obligatoire" in lowered:
        return Code.required
    if "caractère de contrôle" in lowered:
        return Code.control_character
    if "trop long" in lowered or "au plus" in lowered:
        return Code.too_long
    return Code.invalid


def preview_people(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    name: str,
    content: bytes,
    *,
    max_bytes: int | None = None,
) -> PeoplePlan:
    """What importing this file would create in the cohort (nothing is written)."""
    return _run(engine, actor, cohort_id, name, content, commit=False, max_bytes=max_bytes)


def apply_people(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    name: str,
    content: bytes,
    *,
    expected_digest: str | None = None,
    max_bytes: int | None = None,
) -> PeoplePlan:
    """Create the file's networks and invite its people in one transaction, or raise
    :class:`PeopleImportRefused` and write nothing. The plan returned carries the one-time
    secrets of the invitations."""
    if expected_digest is not None and digest_of(content) != expected_digest:
        plan = PeoplePlan(name, digest_of(content), cohort_id)
        plan.file_error(
            "file_changed",
            t("Ce n'est pas le fichier de l'aperçu : importez-le à nouveau pour le prévisualiser."),
        )
        raise PeopleImportRefused(plan)
    plan = _run(engine, actor, cohort_id, name, content, commit=True, max_bytes=max_bytes)
    if not plan.ok:
        raise PeopleImportRefused(plan)
    return plan


def _run(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    name: str,
    content: bytes,
    *,
    commit: bool,
    max_bytes: int | None,
) -> PeoplePlan:
    plan = PeoplePlan(name, digest_of(content), cohort_id)
    authorize(actor, "create", "user")
    authorize(actor, "create", "network")
    refusal = guard.inspect(name, content, max_bytes=max_bytes)
    if refusal is not None:
        plan.file_error(refusal.code, refusal.message)
        return plan
    try:
        parsed = read_file(name, content, (PEOPLE,))
    except FileRefused as refused:
        for r in refused.refusals:
            plan.file_error(r.code, r.message)
        return plan
    plan.warnings += parsed.warnings
    rows = [(number, rec) for table in parsed.tables for number, rec in table.rows]
    plan.rows_read = len(rows)
    sheet = parsed.tables[0].sheet if parsed.tables else PEOPLE.name
    with read_scope(engine) as session:
        access.writable_cohort(session, cohort_id)
        existing = {
            code: int(nid or 0)
            for code, nid in session.exec(
                select(Network.code, Network.id).where(Network.cohort_id == cohort_id)
            )
        }
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            network_ids = _networks(conn, actor, cohort_id, sheet, rows, existing, plan)
            _people(conn, actor, sheet, rows, network_ids, plan)
            if commit and plan.ok:
                outer.commit()
            else:
                outer.rollback()
        except BaseException as exc:
            if outer.is_active:
                outer.rollback()
            failure = storage_failure(exc)
            if failure is not None:
                raise failure from exc
            raise
    if not commit:
        plan.invitations.clear()  # rehearsal secrets were rolled back with their accounts
    return plan


def _savepoint(conn: Connection, call: Any) -> str | None:
    """Run one service call in a savepoint: its refusal undoes only that row."""
    point = conn.begin_nested()
    try:
        call()
    except AppError as error:
        if point.is_active:
            point.rollback()
        return "\n".join(getattr(error, "errors", None) or [error.message])
    point.commit()
    return None


def _networks(
    conn: Connection,
    actor: Actor,
    cohort_id: int,
    sheet: str,
    rows: list[tuple[int, dict[str, Any]]],
    existing: dict[str, int],
    plan: PeoplePlan,
) -> dict[str, int]:
    """Networks by code: those of the cohort, and the file's new ones (first row wins)."""
    ids = {code.upper(): nid for code, nid in existing.items()}
    for number, rec in rows:
        code = as_text(rec.get("code"))
        if code is None:
            continue
        key = code.strip().upper()
        if key in ids:
            continue  # a network of the cohort, or repeated on a later row: linked to
        values = {f: as_text(rec.get(f)) if f != "member_count" else clean(rec.get(f))
                  for f in NETWORK_FIELDS}  # fmt: skip
        created: list[int] = []
        problem = _savepoint(
            conn,
            lambda values=values, created=created: created.extend(
                admin_networks.save_networks(cast(Engine, conn), actor, cohort_id, [values])
            ),
        )
        if problem:
            for message in problem.split("\n"):
                column = _column_of(message) or _HEADERS["code"]
                plan.errors.append(
                    Issue(sheet, number, column, shown(rec.get(_field(column))),
                          _code_of(message), f"{row_where(number)} : {message}")
                )  # fmt: skip
            ids[key] = -1  # refused: its people are not checked against it again
            continue
        ids[key] = created[0]
        plan.changes.append(
            RowChange(sheet, number, t("Réseau {code}", code=key), "create",
                      tuple((h, "", shown(values[f])) for f, h in _HEADERS.items()
                            if f in NETWORK_FIELDS and values.get(f) is not None))
        )  # fmt: skip
    return ids


def _field(header: str) -> str:
    return next((f for f, h in _HEADERS.items() if h == header), "")


def _people(
    conn: Connection,
    actor: Actor,
    sheet: str,
    rows: list[tuple[int, dict[str, Any]]],
    network_ids: dict[str, int],
    plan: PeoplePlan,
) -> None:
    roles = _roles()
    for number, rec in rows:
        person = {f: as_text(rec.get(f)) for f in PERSON_FIELDS}
        if all(v is None for v in person.values()):
            continue
        role = person["role"]
        role = roles.get(role.casefold(), role) if role else role
        code = as_text(rec.get("code"))
        network_id = network_ids.get(code.strip().upper()) if code else None
        if network_id == -1:
            continue  # the network's own refusal is reported already
        if role != Role.lead.value:
            network_id = None  # other roles see the whole cohort: the code only groups rows
        made: list[admin_users.OneTimeAccess] = []
        problem = _savepoint(
            conn,
            lambda person=person, role=role, network_id=network_id, made=made: made.append(
                admin_users.invite_user(
                    cast(Engine, conn), actor,
                    full_name=person["full_name"] or "", email=person["email"] or "",
                    role=role or "", network_id=network_id, username=person["username"],
                )
            ),
        )  # fmt: skip
        if problem:
            for message in problem.split("\n"):
                column = _column_of(message) or _HEADERS["full_name"]
                plan.errors.append(
                    Issue(sheet, number, column, shown(rec.get(_field(column))),
                          _code_of(message), f"{row_where(number)} : {message}")
                )  # fmt: skip
            continue
        granted = made[0]
        plan.invitations.append(
            Invitation(granted.username, person["full_name"] or "", granted.secret,
                       granted.expires_at)
        )  # fmt: skip
        plan.changes.append(
            RowChange(sheet, number, t("Compte {name}", name=granted.username), "create",
                      ((t("Nom"), "", shown(person["full_name"])),
                       (t("Courriel"), "", shown(person["email"])),
                       (t("Rôle"), "", shown(rec.get("role"))),
                       (t("Code réseau"), "", shown(code) if network_id else "")))
        )  # fmt: skip


def people_template_csv() -> bytes:
    """The empty table to fill in (excel_fr: « ; », UTF-8 with BOM, CRLF), with one example
    row of each kind."""
    header = ";".join(c.header for c in PEOPLE.columns)
    example = [
        "N01;Réseau exemple;RE;culture;84;12;;;Prénom Nom;prenom.nom@exemple.fr;;"
        + labels_for(Role)[Role.lead.value],
        ";;;;;;;;Prénom Nom;prenom2.nom@exemple.fr;;" + labels_for(Role)[Role.steering.value],
    ]
    return ("\ufeff" + "\r\n".join([header, *example]) + "\r\n").encode("utf-8")
