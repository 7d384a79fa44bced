"""Export tables of the roadmaps: objectives, alliances, milestones and lessons."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import col as sql_col

from dashboard.services.exports.schema import (
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    STRING,
    ExportTable,
    Selection,
    col,
    enum_col,
    network_cols,
    network_exprs,
    network_scope,
)
from models import (
    Alliance,
    AllianceStageChange,
    Cohort,
    Lesson,
    Milestone,
    Network,
    Objective,
    Partner,
    ProgrammeSession,
)
from models.enums import AllianceStage as Stage
from models.enums import (
    CapitalisationStatus,
    CompanyPartnershipType,
    LessonCategory,
    MilestoneStatus,
    Motivation,
    PartnerFamily,
    RelationLogic,
    Visibility,
)

# objectives ------------------------------------------------------------------------------


def _build_objectives(selection: Selection):
    exprs = {
        "objective_id": Objective.id,
        **network_exprs(),
        "objective_code": Objective.code,
        "title": Objective.title,
        "motivation": Objective.motivation,
        "description": Objective.description,
        "archived": Objective.archived,
    }

    def finish(stmt: Select) -> Select:
        return (
            stmt.select_from(Objective)
            .join(Network, sql_col(Network.id) == Objective.network_id)
            .join(Cohort, sql_col(Cohort.id) == Network.cohort_id)
            .where(network_scope(selection))
            .order_by(Cohort.code, Network.code, sql_col(Objective.id))
        )

    return exprs, finish


OBJECTIVES = ExportTable(
    "objectives",
    "Objectifs des feuilles de route",
    "Une ligne par objectif de la feuille de route d'un réseau.",
    (
        col("objective_id", INTEGER, "Identifiant de l'objectif dans l'export", required=True),
        *network_cols(),
        col("objective_code", STRING, "Code de référence de l'objectif, s'il en a un"),
        col("title", STRING, "Intitulé de l'objectif", required=True),
        enum_col("motivation", Motivation, "Motivation de l'objectif", required=True),
        col("description", STRING, "Description de l'objectif"),
        col("archived", BOOLEAN, "Objectif archivé (abandonné ou remplacé)", required=True),
    ),
    ("objective_id",),
    _build_objectives,
)


# alliances -------------------------------------------------------------------------------


def _build_alliances(selection: Selection):
    first_stage = (
        select(
            sql_col(AllianceStageChange.alliance_id).label("alliance_id"),
            func.min(AllianceStageChange.changed_on).label("first_on"),
        )
        .group_by(sql_col(AllianceStageChange.alliance_id))
        .subquery()
    )
    exprs = {
        "alliance_id": Alliance.id,
        **network_exprs(),
        "alliance_code": Alliance.code,
        "title": Alliance.title,
        "objective_id": Alliance.objective_id,
        "partner_name": Partner.name,
        "partner_family": Partner.family,
        "company_type": Alliance.company_type,
        "relation_logic": Alliance.relation_logic,
        "stage": Alliance.stage,
        "first_stage_on": first_stage.c.first_on,
        "stage_changed_on": Alliance.stage_changed_on,
        "signed_on": Alliance.signed_on,
        "expected_value_eur": Alliance.expected_value_eur,
        "description": Alliance.description,
    }

    def finish(stmt: Select) -> Select:
        return (
            stmt.select_from(Alliance)
            .join(Network, sql_col(Network.id) == Alliance.network_id)
            .join(Cohort, sql_col(Cohort.id) == Network.cohort_id)
            .join(Partner, sql_col(Partner.id) == Alliance.partner_id)
            .outerjoin(first_stage, first_stage.c.alliance_id == Alliance.id)
            .where(network_scope(selection))
            .order_by(Cohort.code, Network.code, sql_col(Alliance.id))
        )

    return exprs, finish


ALLIANCES = ExportTable(
    "alliances",
    "Alliances et partenariats",
    "Une ligne par alliance d'un réseau, avec son partenaire, son étape et ses dates.",
    (
        col("alliance_id", INTEGER, "Identifiant de l'alliance dans l'export", required=True),
        *network_cols(),
        col("alliance_code", STRING, "Code de référence de l'alliance, s'il en a un"),
        col("title", STRING, "Intitulé de l'alliance", required=True),
        col("objective_id", INTEGER, "Objectif servi par l'alliance (objectives.objective_id)"),
        col("partner_name", STRING, "Nom de l'organisation partenaire", required=True),
        enum_col("partner_family", PartnerFamily, "Famille du partenaire", required=True),
        enum_col(
            "company_type",
            CompanyPartnershipType,
            "Type de partenariat avec une entreprise ou une fondation (typologie du RAMEAU)",
        ),
        enum_col(
            "relation_logic",
            RelationLogic,
            "Logique de la relation : exchange (contrat-échange), alliance (contrat-alliance)",
            required=True,
        ),
        enum_col("stage", Stage, "Étape actuelle de l'alliance", required=True),
        col("first_stage_on", DATE, "Date de la première étape enregistrée"),
        col("stage_changed_on", DATE, "Date du passage à l'étape actuelle"),
        col("signed_on", DATE, "Date de contractualisation"),
        col("expected_value_eur", NUMBER, "Valeur attendue de l'alliance, en euros", minimum=0),
        col("description", STRING, "Description de l'alliance"),
    ),
    ("alliance_id",),
    _build_alliances,
    (("objective_id", "objectives", "objective_id"),),
)


# milestones ------------------------------------------------------------------------------


def _build_milestones(selection: Selection):
    exprs = {
        "milestone_id": Milestone.id,
        **network_exprs(),
        "milestone_code": Milestone.code,
        "title": Milestone.title,
        "objective_id": Milestone.objective_id,
        "alliance_id": Milestone.alliance_id,
        "session_code": ProgrammeSession.code,
        "due_date": Milestone.due_date,
        "done_date": Milestone.done_date,
        "status": Milestone.status,
        "progress": Milestone.progress,
        "owner": Milestone.owner,
        "evidence_url": Milestone.evidence_url,
        "comment": Milestone.comment,
    }

    def finish(stmt: Select) -> Select:
        return (
            stmt.select_from(Milestone)
            .join(Network, sql_col(Network.id) == Milestone.network_id)
            .join(Cohort, sql_col(Cohort.id) == Network.cohort_id)
            .outerjoin(ProgrammeSession, sql_col(ProgrammeSession.id) == Milestone.session_id)
            .where(network_scope(selection))
            .order_by(Cohort.code, Network.code, sql_col(Milestone.due_date), sql_col(Milestone.id))
        )

    return exprs, finish


MILESTONES = ExportTable(
    "milestones",
    "Jalons des feuilles de route",
    "Une ligne par jalon d'un réseau. Le retard se déduit : non réalisé et échéance passée.",
    (
        col("milestone_id", INTEGER, "Identifiant du jalon dans l'export", required=True),
        *network_cols(),
        col("milestone_code", STRING, "Code de référence du jalon, s'il en a un"),
        col("title", STRING, "Intitulé du jalon", required=True),
        col("objective_id", INTEGER, "Objectif du jalon (objectives.objective_id)"),
        col("alliance_id", INTEGER, "Alliance du jalon (alliances.alliance_id)"),
        col("session_code", STRING, "Session du parcours pour laquelle le jalon est attendu"),
        col("due_date", DATE, "Échéance", required=True),
        col("done_date", DATE, "Date de réalisation"),
        enum_col("status", MilestoneStatus, "Statut du jalon", required=True),
        col(
            "progress",
            INTEGER,
            "Avancement en pourcentage (0 à 100)",
            required=True,
            minimum=0,
            maximum=100,
        ),
        col("owner", STRING, "Personne responsable (donnée personnelle)", opendata=False),
        col("evidence_url", STRING, "Lien vers une preuve (usage interne)", opendata=False),
        col("comment", STRING, "Commentaire (usage interne)", opendata=False),
    ),
    ("milestone_id",),
    _build_milestones,
    (
        ("objective_id", "objectives", "objective_id"),
        ("alliance_id", "alliances", "alliance_id"),
    ),
)


# lessons ---------------------------------------------------------------------------------


def _build_lessons(selection: Selection):
    lesson_network = aliased(Network)
    exprs = {
        "lesson_id": Lesson.id,
        "cohort_code": Cohort.code,
        "network_code": lesson_network.code,
        "network_name": lesson_network.name,
        "session_code": ProgrammeSession.code,
        "alliance_id": Lesson.alliance_id,
        "lesson_code": Lesson.code,
        "category": Lesson.category,
        "statement": Lesson.statement,
        "capitalisation": Lesson.capitalisation,
        "visibility": Lesson.visibility,
    }
    levels = ["public"] if selection.public_lessons_only else ["cohort", "public"]

    def finish(stmt: Select) -> Select:
        stmt = (
            stmt.select_from(Lesson)
            .join(Cohort, sql_col(Cohort.id) == Lesson.cohort_id)
            .outerjoin(lesson_network, sql_col(Lesson.network_id) == lesson_network.id)
            .outerjoin(ProgrammeSession, sql_col(ProgrammeSession.id) == Lesson.session_id)
            .where(
                sql_col(Lesson.cohort_id).in_(selection.cohort_ids),
                sql_col(Lesson.visibility).in_(levels),
            )
        )
        if selection.network_ids is not None:
            # Collective lessons (no network) belong to every selection of the cohort, unless
            # they are about an alliance of a network left out (no dangling reference).
            selected_alliances = select(sql_col(Alliance.id)).where(
                sql_col(Alliance.network_id).in_(selection.network_ids)
            )
            collective = and_(
                sql_col(Lesson.network_id).is_(None),
                or_(
                    sql_col(Lesson.alliance_id).is_(None),
                    sql_col(Lesson.alliance_id).in_(selected_alliances),
                ),
            )
            stmt = stmt.where(
                or_(collective, sql_col(Lesson.network_id).in_(selection.network_ids))
            )
        return stmt.order_by(Cohort.code, sql_col(Lesson.id))

    return exprs, finish


LESSONS = ExportTable(
    "lessons",
    "Enseignements",
    "Une ligne par enseignement visible au niveau de l'export (open data : publics seulement).",
    (
        col("lesson_id", INTEGER, "Identifiant de l'enseignement dans l'export", required=True),
        *network_cols(nullable=True),
        col("session_code", STRING, "Session du parcours où l'enseignement a été formulé"),
        col("alliance_id", INTEGER, "Alliance concernée (alliances.alliance_id)"),
        col("lesson_code", STRING, "Code de référence de l'enseignement, s'il en a un"),
        enum_col("category", LessonCategory, "Catégorie de l'enseignement", required=True),
        col("statement", STRING, "Énoncé de l'enseignement", required=True),
        enum_col("capitalisation", CapitalisationStatus, "Stade de capitalisation", required=True),
        enum_col(
            "visibility", Visibility, "Niveau de visibilité choisi par l'auteur", required=True
        ),
    ),
    ("lesson_id",),
    _build_lessons,
    (("alliance_id", "alliances", "alliance_id"),),
)
