"""What changed in a network, by whom and when, read from the append-only change log.

A lead reads their own network's history; the steering committee and the programme team any
network's. "Since the last session" means the change-log rows written from the day of the
cohort's last session strictly before today (Paris time), so what was updated during the
session itself counts as new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from dashboard.db import session_scope
from dashboard.errors import NotFound
from dashboard.i18n import PARIS, fmt_date, fmt_month_long, fmt_number, label, label_of, t
from dashboard.permissions import Actor, authorize
from dashboard.services import clock
from models import (
    Alliance,
    ChangeLog,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Lesson,
    MaturityAssessment,
    Milestone,
    Network,
    Objective,
    Partner,
    ProgrammeSession,
    User,
)
from models.enums import (
    MATURITY_LEVELS,
    AllianceStage,
    Assessor,
    CapitalisationStatus,
    ChangeAction,
    CompanyPartnershipType,
    LessonCategory,
    MaturityAxis,
    MilestoneStatus,
    Motivation,
    PartnerFamily,
    RelationLogic,
    ValueStatus,
    Visibility,
)

ENTITY_LABELS = {
    "objective": "Objectif",
    "alliance": "Alliance",
    "partner": "Partenaire",
    "milestone": "Jalon",
    "lesson": "Enseignement",
    "indicator_value": "Valeur d'indicateur",
    "indicator_target": "Cible d'indicateur",
    "maturity_assessment": "Diagnostic de maturité",
    "network": "Réseau",
}
FIELD_LABELS = {
    "title": "Intitulé",
    "motivation": "Motivation",
    "description": "Description",
    "archived": "Archivé",
    "name": "Nom",
    "family": "Famille",
    "partner_id": "Partenaire",
    "objective_id": "Objectif",
    "alliance_id": "Alliance",
    "session_id": "Session",
    "company_type": "Type de partenariat entreprise",
    "relation_logic": "Logique de relation",
    "stage": "Étape",
    "stage_changed_on": "Date de l'étape",
    "signed_on": "Date de contractualisation",
    "expected_value_eur": "Valeur attendue (€)",
    "owner": "Responsable",
    "due_date": "Échéance",
    "done_date": "Date de réalisation",
    "status": "Statut",
    "progress": "Avancement (%)",
    "evidence_url": "Lien vers une preuve",
    "comment": "Commentaire",
    "category": "Catégorie",
    "statement": "Enseignement",
    "visibility": "Visibilité",
    "capitalisation": "Capitalisation",
    "value": "Valeur",
    "indicator_id": "Indicateur",
    "period_start": "Mois",
    "baseline_value": "Valeur de référence",
    "baseline_date": "Date de référence",
    "target_value": "Cible",
    "target_date": "Échéance de la cible",
    "assessor": "Regard",
    "assessed_on": "Date du diagnostic",
}
_ENUMS: dict[tuple[str | None, str], type[StrEnum]] = {
    (None, "stage"): AllianceStage,
    (None, "motivation"): Motivation,
    (None, "family"): PartnerFamily,
    (None, "company_type"): CompanyPartnershipType,
    (None, "relation_logic"): RelationLogic,
    (None, "category"): LessonCategory,
    (None, "visibility"): Visibility,
    (None, "capitalisation"): CapitalisationStatus,
    ("milestone", "status"): MilestoneStatus,
    ("indicator_value", "status"): ValueStatus,
    (None, "assessor"): Assessor,
}
# Fields holding the id of another row: shown by that row's name.
_REFERENCES = {
    "objective_id": (Objective, Objective.title),
    "alliance_id": (Alliance, Alliance.title),
    "partner_id": (Partner, Partner.name),
    "session_id": (ProgrammeSession, ProgrammeSession.code),
    "indicator_id": (Indicator, Indicator.label),
}
_NUMBERS = {"value", "progress", "expected_value_eur", "baseline_value", "target_value"}
_TITLES = {
    "objective": (Objective, Objective.title),
    "alliance": (Alliance, Alliance.title),
    "milestone": (Milestone, Milestone.title),
    "lesson": (Lesson, Lesson.statement),
}
COLUMNS = [
    "changed_at",
    "user_id",
    "user_name",
    "entity",
    "entity_label",
    "entity_id",
    "item",
    "action",
    "action_label",
    "field",
    "field_label",
    "before",
    "after",
    "reason",
]


@dataclass(frozen=True)
class HistoryView:
    """Change-log rows (newest first, values shown in French) and what the filters offer."""

    rows: pd.DataFrame
    people: dict[int, str]
    entities: dict[str, str]
    last_session: dict | None  # {"code", "date"} of the last session before today
    truncated: bool


def _utc_start(day: dt.date) -> dt.datetime:
    """Midnight (Paris) of ``day``, in UTC like the change log's timestamps."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=PARIS).astimezone(dt.UTC)


def field_label(field: str | None) -> str:
    """French name of a logged field (``vision.level`` → ``Vision — niveau``)."""
    if not field:
        return ""
    axis, _, part = field.partition(".")
    if part and axis in MaturityAxis.__members__:
        what = t("niveau") if part == "level" else t("justification")
        return f"{label(MaturityAxis(axis))} — {what}"
    return t(FIELD_LABELS.get(field, field))


def shown_value(
    entity: str,
    field: str | None,
    value: str | None,
    names: dict[tuple[str, int], str] | None = None,
) -> str | None:
    """A stored change-log value as a French reader expects it (labels, names, dates, yes/no).
    ``names`` maps (field, id) to the name of the row an ``…_id`` field points to."""
    if value is None or field is None:
        return value
    enum_cls = _ENUMS.get((entity, field)) or _ENUMS.get((None, field))
    if enum_cls is not None:
        return label_of(enum_cls, value)
    if field in _REFERENCES and value.isdigit():
        return (names or {}).get((field, int(value)), f"#{value}")
    if field.endswith(".level") and value.isdigit() and int(value) in MATURITY_LEVELS:
        return f"{value} — {t(MATURITY_LEVELS[int(value)])}"
    if value in ("True", "False"):
        return t("Oui") if value == "True" else t("Non")
    if field in _NUMBERS:
        try:
            return fmt_number(float(value), 2)
        except ValueError:
            return value
    if len(value) == 10 and (field.endswith(("_date", "_on")) or field == "period_start"):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
        return fmt_month_long(day) if field == "period_start" else fmt_date(day)
    return value


def _names(session: Session, rows: list) -> dict[tuple[str, int], str]:
    """Names of the rows that ``…_id`` values point to (one query per kind of reference)."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.field in _REFERENCES:
            for value in (row.before, row.after):
                if value and value.isdigit():
                    wanted.setdefault(row.field, set()).add(int(value))
    out: dict[tuple[str, int], str] = {}
    for field, ids in wanted.items():
        model, column = _REFERENCES[field]
        for i, name in session.exec(select(model.id, column).where(model.id.in_(ids))):
            out[(field, i)] = name
    return out


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:79] + "…"


def _titles(session: Session, rows: list) -> dict[tuple[str, int], str]:
    """What each changed row is, for a reader (one query per kind of object)."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.entity_id is not None:
            wanted.setdefault(row.entity, set()).add(row.entity_id)
    out: dict[tuple[str, int], str] = {}
    for entity, (model, column) in _TITLES.items():
        if ids := wanted.get(entity):
            for i, title in session.exec(select(model.id, column).where(model.id.in_(ids))):
                out[(entity, i)] = _short(title)
    if ids := wanted.get("indicator_value"):
        for i, name, month in session.exec(
            select(IndicatorValue.id, Indicator.label, IndicatorValue.period_start)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .where(IndicatorValue.id.in_(ids))
        ):
            out[("indicator_value", i)] = f"{name} — {fmt_month_long(month)}"
    if ids := wanted.get("indicator_target"):
        for i, name in session.exec(
            select(IndicatorTarget.id, Indicator.label)
            .join(Indicator, Indicator.id == IndicatorTarget.indicator_id)
            .where(IndicatorTarget.id.in_(ids))
        ):
            out[("indicator_target", i)] = name
    if ids := wanted.get("maturity_assessment"):
        for i, code, assessor in session.exec(
            select(MaturityAssessment.id, ProgrammeSession.code, MaturityAssessment.assessor)
            .join(ProgrammeSession, ProgrammeSession.id == MaturityAssessment.session_id)
            .where(MaturityAssessment.id.in_(ids))
        ):
            out[("maturity_assessment", i)] = f"{code} — {label_of(Assessor, assessor)}"
    # Deleted objects keep the summary written by the delete row.
    for row in rows:
        if row.action == "delete" and (row.entity, row.entity_id) not in out:
            out[(row.entity, row.entity_id)] = row.before or ""
    return out


def network_history(
    engine: Engine,
    actor: Actor,
    network_id: int,
    *,
    entity: str | None = None,
    user_id: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    since_last_session: bool = False,
    as_of: dt.date | None = None,
    limit: int = 1000,
) -> HistoryView:
    """The network's change log, newest first, filtered by kind of object, person and period
    (``start``/``end`` inclusive, Paris days), or since the last session before ``as_of``."""
    authorize(actor, "read", "change_log", network_id=network_id)
    today = as_of or clock.today()
    with session_scope(engine) as session:
        network = session.get(Network, network_id)
        if network is None:
            raise NotFound(t("Ce réseau n'existe pas."))
        last = session.exec(
            select(ProgrammeSession.code, ProgrammeSession.session_date)
            .where(
                ProgrammeSession.cohort_id == network.cohort_id,
                ProgrammeSession.session_date < today,
            )
            .order_by(ProgrammeSession.session_date.desc())
            .limit(1)
        ).first()
        last_session = {"code": last[0], "date": last[1]} if last else None

        stmt = (
            select(ChangeLog, User.full_name)
            .outerjoin(User, User.id == ChangeLog.user_id)
            .where(ChangeLog.network_id == network_id)
        )
        if entity:
            stmt = stmt.where(ChangeLog.entity == entity)
        if user_id is not None:
            stmt = stmt.where(ChangeLog.user_id == user_id)
        if start is not None:
            stmt = stmt.where(ChangeLog.changed_at >= _utc_start(start))
        if end is not None:
            stmt = stmt.where(ChangeLog.changed_at < _utc_start(end + dt.timedelta(days=1)))
        if since_last_session and last_session is not None:
            stmt = stmt.where(ChangeLog.changed_at >= _utc_start(last_session["date"]))
        found = session.exec(stmt.order_by(ChangeLog.id.desc()).limit(limit + 1)).all()
        truncated = len(found) > limit
        found = found[:limit]
        logs = [log for log, _ in found]
        titles = _titles(session, logs)
        names = _names(session, logs)
        people = dict(
            session.exec(
                select(User.id, User.full_name)
                .where(
                    User.id.in_(
                        select(ChangeLog.user_id)
                        .where(ChangeLog.network_id == network_id)
                        .distinct()
                    )
                )
                .order_by(User.full_name)
            ).all()
        )
        entities = list(
            session.exec(
                select(ChangeLog.entity)
                .where(ChangeLog.network_id == network_id)
                .group_by(ChangeLog.entity)
                .order_by(func.min(ChangeLog.id))
            ).all()
        )
    records = [
        (
            log.changed_at,
            log.user_id,
            name or t("Système"),
            log.entity,
            t(ENTITY_LABELS.get(log.entity, log.entity)),
            log.entity_id,
            titles.get((log.entity, log.entity_id), f"#{log.entity_id}"),
            log.action,
            label_of(ChangeAction, log.action),
            log.field,
            field_label(log.field),
            shown_value(log.entity, log.field, log.before, names),
            shown_value(log.entity, log.field, log.after, names),
            log.reason,
        )
        for log, name in found
    ]
    return HistoryView(
        rows=pd.DataFrame(records, columns=COLUMNS),
        people=people,
        entities={e: t(ENTITY_LABELS.get(e, e)) for e in entities},
        last_session=last_session,
        truncated=truncated,
    )
