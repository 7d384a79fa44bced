"""What the exports contain: the indicator and maturity tables, the registry of every export
table, and the data dictionary.

Columns holding people or internal notes are marked ``opendata=False``: they are not even
selected for the open-data profile.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, String, case, type_coerce
from sqlmodel import col as sql_col

from dashboard.services.exports.roadmap_tables import ALLIANCES, LESSONS, MILESTONES, OBJECTIVES
from dashboard.services.exports.schema import (
    DATE,
    INTEGER,
    NUMBER,
    STRING,
    TYPE_LABELS,
    ExportTable,
    Selection,
    col,
    enum_col,
    indicator_cols,
    indicator_exprs,
    month_end,
    network_cols,
    network_exprs,
    network_scope,
    sql_day,
    sql_month_end,
)
from models import (
    Cohort,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    MaturityAssessment,
    MaturityScore,
    Network,
    ProgrammeSession,
)
from models.enums import (
    MATURITY_LEVELS,
    Accumulation,
    Assessor,
    ImpactAxis,
    Lever,
    MaturityAxis,
    ValueStatus,
    codes,
)


def _level_label(level) -> ColumnElement:
    """The French label of a maturity level, in SQL (no label: NULL)."""
    return type_coerce(case(MATURITY_LEVELS, value=level, else_=None), String)


# indicator_values ------------------------------------------------------------------------


def _build_values(selection: Selection):
    exprs = {
        **network_exprs(),
        **indicator_exprs(),
        "accumulation": Indicator.accumulation,
        "period_start": IndicatorValue.period_start,
        "value": IndicatorValue.value,
        "status": IndicatorValue.status,
        "impact_axis": Indicator.impact_axis,
        "lever": Indicator.lever,
        "comment": IndicatorValue.comment,
    }

    def finish(stmt: Select) -> Select:
        stmt = (
            stmt.select_from(IndicatorValue)
            .join(Network, sql_col(Network.id) == IndicatorValue.network_id)
            .join(Cohort, sql_col(Cohort.id) == Network.cohort_id)
            .join(Indicator, sql_col(Indicator.id) == IndicatorValue.indicator_id)
            .where(network_scope(selection))
        )
        if selection.indicator_ids is not None:
            stmt = stmt.where(sql_col(IndicatorValue.indicator_id).in_(selection.indicator_ids))
        if selection.month_from is not None:
            stmt = stmt.where(sql_col(IndicatorValue.period_start) >= selection.month_from)
        if selection.month_to is not None:
            stmt = stmt.where(sql_col(IndicatorValue.period_start) <= month_end(selection.month_to))
        if selection.validated_only:
            stmt = stmt.where(sql_col(IndicatorValue.status) == ValueStatus.validated)
        return stmt.order_by(
            Cohort.code,
            Network.code,
            sql_col(Indicator.position),
            Indicator.code,
            sql_col(IndicatorValue.period_start),
        )

    return exprs, finish


INDICATOR_VALUES = ExportTable(
    "indicator_values",
    "Valeurs des indicateurs",
    "Une ligne par valeur mensuelle d'un indicateur pour un réseau (format long).",
    (
        *network_cols(),
        *indicator_cols(),
        enum_col(
            "accumulation",
            Accumulation,
            "Règle de cumul : cumulative (cumul depuis le début), per_period (flux du mois), "
            "level (niveau à date, jamais additionné)",
            required=True,
        ),
        col("period_start", DATE, "Premier jour du mois de la valeur", required=True),
        col(
            "period_end",
            DATE,
            "Dernier jour du mois de la valeur",
            required=True,
            source="period_start",
            sql=sql_month_end,
        ),
        col("value", NUMBER, "Valeur saisie, dans l'unité de l'indicateur", required=True),
        enum_col(
            "status",
            ValueStatus,
            "Statut de la valeur : draft (brouillon), submitted (soumise), validated (validée)",
            required=True,
        ),
        enum_col("impact_axis", ImpactAxis, "Axe d'impact de l'indicateur", required=True),
        enum_col(
            "lever", Lever, "Levier de l'indicateur : people, money, alliances", required=True
        ),
        col(
            "comment", STRING, "Commentaire du réseau sur la valeur (usage interne)", opendata=False
        ),
    ),
    ("cohort_code", "network_code", "indicator_code", "period_start"),
    _build_values,
)


# indicator_targets -----------------------------------------------------------------------


def _build_targets(selection: Selection):
    exprs = {
        **network_exprs(),
        **indicator_exprs(),
        "baseline_value": IndicatorTarget.baseline_value,
        "baseline_date": IndicatorTarget.baseline_date,
        "target_value": IndicatorTarget.target_value,
        "target_date": IndicatorTarget.target_date,
        "initial_target_value": IndicatorTarget.initial_target_value,
        "revised_at": IndicatorTarget.revised_at,
        "revision_reason": IndicatorTarget.revision_reason,
    }

    def finish(stmt: Select) -> Select:
        stmt = (
            stmt.select_from(IndicatorTarget)
            .join(Network, sql_col(Network.id) == IndicatorTarget.network_id)
            .join(Cohort, sql_col(Cohort.id) == Network.cohort_id)
            .join(Indicator, sql_col(Indicator.id) == IndicatorTarget.indicator_id)
            .where(network_scope(selection))
        )
        if selection.indicator_ids is not None:
            stmt = stmt.where(sql_col(IndicatorTarget.indicator_id).in_(selection.indicator_ids))
        return stmt.order_by(Cohort.code, Network.code, sql_col(Indicator.position), Indicator.code)

    return exprs, finish


INDICATOR_TARGETS = ExportTable(
    "indicator_targets",
    "Valeurs de référence et cibles",
    "Une ligne par indicateur suivi par un réseau : valeur de départ, cible et révision.",
    (
        *network_cols(),
        *indicator_cols(),
        col("baseline_value", NUMBER, "Valeur de référence (situation de départ)"),
        col("baseline_date", DATE, "Date de la valeur de référence"),
        col("target_value", NUMBER, "Valeur cible en vigueur"),
        col("target_date", DATE, "Date à laquelle la cible doit être atteinte"),
        col(
            "initial_target_value",
            NUMBER,
            "Cible initiale, renseignée seulement si la cible a été révisée",
        ),
        col(
            "revised_on",
            DATE,
            "Date de la révision de la cible",
            source="revised_at",
            sql=sql_day,
        ),
        col("revision_reason", STRING, "Motif de la révision (usage interne)", opendata=False),
    ),
    ("cohort_code", "network_code", "indicator_code"),
    _build_targets,
)


# maturity --------------------------------------------------------------------------------


def _build_maturity(selection: Selection):
    exprs = {
        **network_exprs(),
        "session_code": ProgrammeSession.code,
        "assessor": MaturityAssessment.assessor,
        "assessed_on": MaturityAssessment.assessed_on,
        "axis": MaturityScore.axis,
        "level": MaturityScore.level,
        "evidence": MaturityScore.evidence,
    }
    axis_order = {axis: i for i, axis in enumerate(codes(MaturityAxis))}

    def finish(stmt: Select) -> Select:
        return (
            stmt.select_from(MaturityScore)
            .join(MaturityAssessment, sql_col(MaturityAssessment.id) == MaturityScore.assessment_id)
            .join(Network, sql_col(Network.id) == MaturityAssessment.network_id)
            .join(Cohort, sql_col(Cohort.id) == Network.cohort_id)
            .join(ProgrammeSession, sql_col(ProgrammeSession.id) == MaturityAssessment.session_id)
            .where(network_scope(selection))
            .order_by(
                Cohort.code,
                Network.code,
                sql_col(ProgrammeSession.session_date),
                ProgrammeSession.code,
                MaturityAssessment.assessor,
                case(axis_order, value=MaturityScore.axis, else_=len(axis_order)),
            )
        )

    return exprs, finish


MATURITY = ExportTable(
    "maturity",
    "Maturité à faire alliance",
    "Une ligne par axe d'une évaluation de maturité (réseau × session × évaluateur).",
    (
        *network_cols(),
        col("session_code", STRING, "Session du parcours de l'évaluation", required=True),
        enum_col(
            "assessor",
            Assessor,
            "Qui évalue : self (auto-diagnostic), facilitator (équipe d'animation)",
            required=True,
        ),
        col("assessed_on", DATE, "Date de l'évaluation", required=True),
        enum_col("axis", MaturityAxis, "Axe de maturité", required=True),
        col(
            "level",
            INTEGER,
            "Niveau de 1 à 4 (1 découverte, 2 expérimentation, 3 structuration, "
            "4 alliance stratégique)",
            required=True,
            minimum=1,
            maximum=4,
        ),
        col(
            "level_label",
            STRING,
            "Libellé du niveau",
            required=True,
            enum=tuple(MATURITY_LEVELS.values()),
            source="level",
            sql=_level_label,
        ),
        col("evidence", STRING, "Éléments justifiant le niveau (usage interne)", opendata=False),
    ),
    ("cohort_code", "network_code", "session_code", "assessor", "axis"),
    _build_maturity,
)


TABLES: dict[str, ExportTable] = {
    t.name: t
    for t in (
        INDICATOR_VALUES,
        INDICATOR_TARGETS,
        OBJECTIVES,
        ALLIANCES,
        MILESTONES,
        MATURITY,
        LESSONS,
    )
}


def dictionary_rows(table_names: list[str], *, opendata: bool) -> list[tuple]:
    """The data dictionary: (table, column, French header of the excel_fr profile, type,
    required, description, allowed values: each code with its French label)."""
    rows = []
    for name in table_names:
        table = TABLES[name]
        for column in table.columns_for(opendata):
            allowed = ", ".join(f"{code} ({label})" for code, label in column.value_labels or ())
            if not allowed and column.enum:
                allowed = ", ".join(column.enum)
            if column.minimum is not None or column.maximum is not None:
                low = "" if column.minimum is None else f"{column.minimum:g}"
                high = "" if column.maximum is None else f"{column.maximum:g}"
                allowed = f"{low} à {high}".strip()
            rows.append(
                (
                    name,
                    column.name,
                    column.french_header,
                    TYPE_LABELS[column.type],
                    "oui" if column.required else "non",
                    column.description,
                    allowed,
                )
            )
    return rows
