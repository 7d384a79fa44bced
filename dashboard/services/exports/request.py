"""An export request: profile, tables and filters as codes, checked and resolved to database
ids with French messages naming every problem at once."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlmodel import Session, col

from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import t
from dashboard.services.exports.schema import Selection
from dashboard.services.exports.tables import TABLES
from models import Cohort, Indicator, Network

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ExportProfile(StrEnum):
    excel_fr = "excel_fr"
    opendata = "opendata"
    xlsx = "xlsx"
    json = "json"


PROFILE_LABELS = {
    ExportProfile.excel_fr: "CSV pour Excel en français (point-virgule, virgule décimale)",
    ExportProfile.opendata: "Open data : CSV standard et datapackage.json, sans données personnelles",
    ExportProfile.xlsx: "Classeur Excel (.xlsx), une feuille par table",
    ExportProfile.json: "JSON, un document unique",
}


class ExportFilters(BaseModel):
    """What the user asked for, as codes (the page and the command line speak the same way).
    ``None`` means "no filter"; months are ``YYYY-MM``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    cohort: str | None = None
    networks: tuple[str, ...] | None = None
    indicators: tuple[str, ...] | None = None
    month_from: str | None = None
    month_to: str | None = None
    validated_only: bool = False


class ExportRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    profile: str
    filters: ExportFilters = ExportFilters()
    tables: tuple[str, ...] = TABLE_NAMES


def _parse_month(text: str | None, what: str, errors: list[str]) -> dt.date | None:
    if text is None or not str(text).strip():
        return None
    match = _MONTH.match(str(text).strip())
    if match and 1 <= int(match.group(2)) <= 12:
        return dt.date(int(match.group(1)), int(match.group(2)), 1)
    errors.append(
        t(
            "{what} « {text} » invalide : attendu un mois au format AAAA-MM (par exemple 2026-01).",
            what=what,
            text=text,
        )
    )
    return None


def clean_codes(values: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def check_request(request: ExportRequest) -> tuple[ExportProfile, tuple[str, ...]]:
    errors = []
    try:
        profile = ExportProfile(request.profile)
    except ValueError:
        profile = None
        errors.append(
            t(
                "Format d'export « {p} » inconnu. Formats possibles : {all}.",
                p=request.profile,
                all=", ".join(p.value for p in ExportProfile),
            )
        )
    unknown = [name for name in request.tables if name not in TABLES]
    if unknown:
        errors.append(
            t(
                "Table(s) inconnue(s) : {names}. Tables possibles : {all}.",
                names=", ".join(unknown),
                all=", ".join(TABLE_NAMES),
            )
        )
    elif not request.tables:
        errors.append(t("Choisissez au moins une table à exporter."))
    if errors:
        raise ValidationFailed(errors)
    assert profile is not None  # an unknown profile is among the errors above
    # Always in the registry's order, whatever order they were ticked in.
    return profile, tuple(n for n in TABLE_NAMES if n in request.tables)


def resolve(session: Session, filters: ExportFilters, profile: ExportProfile) -> Selection:
    """Codes → ids; every problem reported at once, in French."""
    errors: list[str] = []
    month_from = _parse_month(filters.month_from, t("Mois de début"), errors)
    month_to = _parse_month(filters.month_to, t("Mois de fin"), errors)
    if month_from and month_to and month_from > month_to:
        errors.append(
            t(
                "Période inversée : le mois de début ({start}) est après le mois de fin ({end}).",
                start=filters.month_from,
                end=filters.month_to,
            )
        )
    cohorts = session.execute(
        select(col(Cohort.id), col(Cohort.code)).order_by(col(Cohort.code))
    ).all()
    cohort_ids = tuple(c.id for c in cohorts)
    if filters.cohort is not None:
        code = filters.cohort.strip()
        cohort_ids = tuple(c.id for c in cohorts if c.code == code)
        if not cohort_ids:
            errors.append(
                t(
                    "Cohorte « {code} » inconnue. Cohortes existantes : {all}.",
                    code=code,
                    all=", ".join(c.code for c in cohorts) or t("aucune"),
                )
            )
    network_ids = indicator_ids = None
    networks = clean_codes(filters.networks)
    if networks is not None and not networks:
        errors.append(t("La liste des réseaux est vide : donnez au moins un code (ex. R01)."))
    elif networks:
        found = session.execute(
            select(col(Network.id), col(Network.code)).where(
                col(Network.cohort_id).in_(cohort_ids), col(Network.code).in_(networks)
            )
        ).all()
        network_ids = tuple(sorted(r.id for r in found))
        missing = [c for c in networks if c not in {r.code for r in found}]
        if missing and cohort_ids:
            errors.append(
                t("Réseau(x) inconnu(s) dans la sélection : {codes}.", codes=", ".join(missing))
            )
    indicators = clean_codes(filters.indicators)
    if indicators is not None and not indicators:
        errors.append(t("La liste des indicateurs est vide : donnez au moins un code."))
    elif indicators:
        found = session.execute(
            select(col(Indicator.id), col(Indicator.code)).where(
                col(Indicator.code).in_(indicators)
            )
        ).all()
        indicator_ids = tuple(sorted(r.id for r in found))
        missing = [c for c in indicators if c not in {r.code for r in found}]
        if missing:
            errors.append(t("Indicateur(s) inconnu(s) : {codes}.", codes=", ".join(missing)))
    if errors:
        raise ValidationFailed(errors)
    return Selection(
        cohort_ids=cohort_ids,
        network_ids=network_ids,
        indicator_ids=indicator_ids,
        month_from=month_from,
        month_to=month_to,
        validated_only=filters.validated_only,
        public_lessons_only=profile is ExportProfile.opendata,
    )


def metadata(request: ExportRequest, profile: ExportProfile, tables: tuple[str, ...]) -> dict:
    f = request.filters
    return {
        "profile": profile.value,
        "tables": list(tables),
        "cohort": f.cohort,
        "networks": list(clean_codes(f.networks) or ()) if f.networks is not None else None,
        "indicators": list(clean_codes(f.indicators) or ()) if f.indicators is not None else None,
        "month_from": f.month_from,
        "month_to": f.month_to,
        "validated_only": f.validated_only,
    }
