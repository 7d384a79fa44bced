"""French names of what the change log records: kinds of objects, their fields, and stored
values as a reader expects them (enum labels, yes/no, dd/mm/yyyy dates, French numbers).

Pure mappings, no database access: the history service adds the names of referenced rows.
Secrets are never shown: the account's password fields only ever show a marker.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from dashboard.core.i18n import (
    fmt_date,
    fmt_datetime,
    fmt_month_long,
    fmt_number,
    label,
    label_of,
    t,
)
from models.enums import (
    MATURITY_LEVELS,
    Accumulation,
    AllianceStage,
    Assessor,
    CapitalisationStatus,
    CohortStatus,
    CommentVisibility,
    CompanyPartnershipType,
    Direction,
    Entity,
    ImpactAxis,
    LessonCategory,
    Lever,
    MaturityAxis,
    MilestoneStatus,
    Motivation,
    PartnerFamily,
    Phase,
    RelationLogic,
    Role,
    SessionKind,
    Unit,
    ValueStatus,
    Visibility,
)

# (field or entity, row id) → the row's name or title, as found in the database.
RowNames = dict[tuple[str, int | None], str]

ENTITY_LABELS: dict[str, str] = {
    Entity.cohort: "Cohorte",
    Entity.network: "Réseau",
    Entity.session: "Session",
    Entity.user: "Compte utilisateur",
    Entity.objective: "Objectif",
    Entity.partner: "Partenaire",
    Entity.alliance: "Alliance",
    Entity.milestone: "Jalon",
    Entity.indicator: "Indicateur (catalogue)",
    Entity.indicator_target: "Cible d'indicateur",
    Entity.indicator_value: "Valeur d'indicateur",
    Entity.maturity: "Diagnostic de maturité",
    Entity.lesson: "Enseignement",
    Entity.snapshot: "Instantané",
    Entity.change_log: "Journal des modifications",
    Entity.export: "Export",
    Entity.comment: "Commentaire",
}
# Field names shared by every kind of object; ``_ENTITY_FIELD_LABELS`` overrides them where a
# name means something else (a cohort's "status" is its state, a session's "title"…).
FIELD_LABELS = {
    "code": "Code",
    "title": "Intitulé",
    "label": "Libellé",
    "name": "Nom",
    "motivation": "Motivation",
    "description": "Description",
    "definition": "Définition",
    "archived": "Archivé",
    "family": "Famille",
    "is_fictional": "Fictif",
    "partner_id": "Partenaire",
    "objective_id": "Objectif",
    "alliance_id": "Alliance",
    "session_id": "Session",
    "network_id": "Réseau",
    "cohort_id": "Cohorte",
    "author_id": "Auteur",
    "company_type": "Type de partenariat entreprise",
    "relation_logic": "Logique de relation",
    "stage": "Étape",
    "from_stage": "Étape de départ",
    "to_stage": "Nouvelle étape",
    "changed_on": "Date du changement",
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
    "return_reason": "Motif du renvoi",
    "category": "Catégorie",
    "statement": "Enseignement",
    "visibility": "Visibilité",
    "capitalisation": "Capitalisation",
    "value": "Valeur",
    "indicator_id": "Indicateur",
    "period_start": "Mois",
    "followed": "Suivi",
    "baseline_value": "Valeur de référence",
    "baseline_date": "Date de référence",
    "target_value": "Cible",
    "target_date": "Échéance de la cible",
    "initial_target_value": "Cible initiale",
    "revision_reason": "Raison de la révision",
    "revised_at": "Révisée le",
    "revised_by_id": "Révisée par",
    "assessor": "Regard",
    "assessed_on": "Date du diagnostic",
    "unit": "Unité",
    "direction": "Sens",
    "accumulation": "Cumul",
    "is_key": "Indicateur clé",
    "impact_axis": "Axe d'impact",
    "lever": "Levier",
    "scale_min": "Échelle min.",
    "scale_max": "Échelle max.",
    "position": "Ordre",
    "start_date": "Début",
    "end_date": "Fin",
    "anonymise_for_leads": "Anonymisation pour les référents",
    "reminder_days": "Rappels (jours avant la session)",
    "auto_session_id": "Session figée automatiquement",
    "acronym": "Sigle",
    "sector": "Secteur",
    "region_code": "Région",
    "member_count": "Associations membres",
    "rna": "RNA",
    "siren": "SIREN",
    "number": "Numéro",
    "kind": "Type",
    "phase": "Phase",
    "session_date": "Date",
    "host": "Accueil",
    "theme": "Thème",
    "username": "Identifiant",
    "full_name": "Nom",
    "email": "Courriel",
    "role": "Rôle",
    "active": "Compte actif",
    "must_change_password": "Mot de passe à changer",
    "password": "Mot de passe",
    "password_hash": "Mot de passe",
    "sessions": "Connexions ouvertes",
    "last_login_at": "Dernière connexion",
    "anonymised_at": "Anonymisé·e le",
    "oidc_subject": "Identifiant chez le fournisseur d'identité",
    "updated_by_id": "Saisie par",
    "submitted_at": "Soumise le",
    "validated_by_id": "Validée par",
    "validated_at": "Validée le",
    "taken_at": "Pris le",
    "taken_by_id": "Pris par",
    "target_kind": "Élément commenté",
    "target_id": "Élément (n°)",
    "body": "Texte du commentaire",
    "edited_at": "Modifié le",
    "deleted_at": "Supprimé le",
    "mentions": "Personnes mentionnées",
}
_ENTITY_FIELD_LABELS: dict[tuple[str, str], str] = {
    (Entity.cohort, "status"): "État",
    (Entity.session, "title"): "Intitulé de la session",
    (Entity.snapshot, "label"): "Intitulé",
    (Entity.comment, "visibility"): "Visibilité du commentaire",
}
_ENUMS: dict[tuple[str | None, str], type[StrEnum]] = {
    (None, "stage"): AllianceStage,
    (None, "from_stage"): AllianceStage,
    (None, "to_stage"): AllianceStage,
    (None, "motivation"): Motivation,
    (None, "family"): PartnerFamily,
    (None, "company_type"): CompanyPartnershipType,
    (None, "relation_logic"): RelationLogic,
    (None, "category"): LessonCategory,
    (None, "visibility"): Visibility,
    (None, "capitalisation"): CapitalisationStatus,
    (None, "assessor"): Assessor,
    (None, "role"): Role,
    (None, "kind"): SessionKind,
    (None, "phase"): Phase,
    (None, "unit"): Unit,
    (None, "direction"): Direction,
    (None, "accumulation"): Accumulation,
    (None, "impact_axis"): ImpactAxis,
    (None, "lever"): Lever,
    ("milestone", "status"): MilestoneStatus,
    ("indicator_value", "status"): ValueStatus,
    ("cohort", "status"): CohortStatus,
    ("comment", "visibility"): CommentVisibility,
}
_NUMBERS = {
    "value",
    "progress",
    "expected_value_eur",
    "baseline_value",
    "target_value",
    "initial_target_value",
    "scale_min",
    "scale_max",
    "member_count",
}
_DATETIMES = {
    "revised_at",
    "last_login_at",
    "anonymised_at",
    "submitted_at",
    "validated_at",
    "taken_at",
    "edited_at",
    "deleted_at",
}
_SECRETS = {"password", "password_hash"}
# What the account markers say (written by the users' administration), shown as such.
_SECRET_MARKERS = {
    "invitation": "Invitation : mot de passe à usage unique créé",
    "réinitialis": "Mot de passe réinitialisé",
}


def entity_label(entity: str) -> str:
    """French name of a kind of logged object (``indicator_target`` → ``Cible d'indicateur``)."""
    return t(ENTITY_LABELS.get(entity, entity))


def field_label(field: str | None, entity: str | None = None) -> str:
    """French name of a logged field (``vision.level`` → ``Vision — niveau``)."""
    if not field:
        return ""
    axis, _, part = field.partition(".")
    if part and axis in MaturityAxis.__members__:
        what = t("niveau") if part == "level" else t("justification")
        return f"{label(MaturityAxis(axis))} — {what}"
    specific = _ENTITY_FIELD_LABELS.get((entity or "", field))
    return t(specific or FIELD_LABELS.get(field, field))


# Fields holding the id of another row: shown by that row's name.
REFERENCE_FIELDS = {
    "objective_id",
    "alliance_id",
    "partner_id",
    "session_id",
    "indicator_id",
    "network_id",
    "cohort_id",
    "author_id",
    "revised_by_id",
    "updated_by_id",
    "validated_by_id",
    "taken_by_id",
}


def _secret(value: str | None) -> str | None:
    if value is None:
        return None
    lowered = value.lower()
    for clue, text in _SECRET_MARKERS.items():
        if clue in lowered:
            return t(text)
    return t("Mot de passe modifié")


def shown_value(
    entity: str,
    field: str | None,
    value: str | None,
    names: RowNames | None = None,
) -> str | None:
    """A stored change-log value as a French reader expects it (labels, names, dates, yes/no).
    ``names`` maps (field, id) to the name of the row an ``…_id`` field points to."""
    if value is None or field is None:
        return value
    if field in _SECRETS:
        return _secret(value)
    if field == "target_kind":  # a comment's item: a kind of object
        return entity_label(value)
    enum_cls = _ENUMS.get((entity, field)) or _ENUMS.get((None, field))
    if enum_cls is not None:
        return label_of(enum_cls, value)
    if field in REFERENCE_FIELDS and value.isdigit():
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
    if field in _DATETIMES:
        try:
            return fmt_datetime(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if len(value) == 10 and (field.endswith(("_date", "_on")) or field == "period_start"):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
        return fmt_month_long(day) if field == "period_start" else fmt_date(day)
    return value
