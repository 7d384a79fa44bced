"""The shape of an export: resolved filters, tables and typed columns with French descriptions.

Each table is an :class:`ExportTable`: its columns (stable name, type, French description,
constraints, whether the column may appear in open data) and a query builder. Queries select
the columns in their export order, derived ones computed in SQL (:attr:`ExportColumn.sql`),
filtered and ordered in SQL, so rows stream in batches and are written as fetched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, false, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col as sql_col

from dashboard.core import clock
from dashboard.core.i18n import labels_for
from models import Cohort, Indicator, Network
from models.enums import Unit, codes

STRING, INTEGER, NUMBER, DATE, BOOLEAN = "string", "integer", "number", "date", "boolean"


@dataclass(frozen=True)
class Selection:
    """Resolved filters (database ids), shared by every table query."""

    cohort_ids: tuple[int, ...]
    network_ids: tuple[int, ...] | None = None  # None: every network of the cohorts
    indicator_ids: tuple[int, ...] | None = None  # None: every indicator
    month_from: dt.date | None = None  # first day of the first month kept
    month_to: dt.date | None = None  # first day of the last month kept
    validated_only: bool = False
    public_lessons_only: bool = False


@dataclass(frozen=True)
class ExportColumn:
    name: str
    type: str
    description: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    opendata: bool = True  # False: a person or an internal note, never in open data
    source: str | None = None  # derived column: name of the stored column it is computed from
    sql: Callable[[Any], ColumnElement] | None = None  # the derivation, as an SQL expression
    # {code: French label} of a coded column: the excel_fr profile writes the labels.
    value_labels: tuple[tuple[str, str], ...] | None = None

    @property
    def french_header(self) -> str:
        """The column's header in the excel_fr profile (``FRENCH_HEADERS``; every exported
        column has one, see the export tests)."""
        return FRENCH_HEADERS.get(self.name, self.name)

    def french_value(self, code: str) -> str:
        return dict(self.value_labels or ()).get(code, code)


@dataclass(frozen=True)
class ExportTable:
    name: str
    title: str
    description: str
    columns: tuple[ExportColumn, ...]
    primary_key: tuple[str, ...]
    build: Callable[[Selection], tuple[dict[str, ColumnElement], Callable[[Select], Select]]]
    foreign_keys: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)

    def columns_for(self, opendata: bool) -> tuple[ExportColumn, ...]:
        return tuple(c for c in self.columns if c.opendata or not opendata)

    def query(self, selection: Selection, columns: tuple[ExportColumn, ...]) -> Select:
        """The filtered, ordered SELECT of ``columns``, in their order: stored columns as such,
        derived ones computed by the database from their source."""
        exprs, finish = self.build(selection)
        return finish(select(*(_expression(exprs, c).label(c.name) for c in columns)))


def _expression(exprs: dict[str, ColumnElement], column: ExportColumn) -> ColumnElement:
    if column.sql is None:
        return exprs[column.name]
    return column.sql(exprs[column.source or column.name])


@dataclass
class TableRows:
    """One table to write: its definition, the columns kept and a lazy row iterator."""

    table: ExportTable
    columns: tuple[ExportColumn, ...]
    rows: Iterable[Sequence[Any]]


def month_end(start: dt.date | None) -> dt.date | None:
    """Last day of the period's month (None stays None)."""
    return None if start is None else clock.month_end(start)


class sql_month_end(FunctionElement):
    """SQL twin of :func:`month_end`: the last day of the month of a date column."""

    type = Date()
    inherit_cache = True
    name = "month_end"


@compiles(sql_month_end)
def _month_end_default(element: sql_month_end, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(element.clauses, **kw)
    return f"CAST(date_trunc('month', {day}) + INTERVAL '1 month' - INTERVAL '1 day' AS DATE)"


@compiles(sql_month_end, "sqlite")
def _month_end_sqlite(element: sql_month_end, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(element.clauses, **kw)
    return f"date({day}, 'start of month', '+1 month', '-1 day')"


class sql_day(FunctionElement):
    """The calendar day of a timestamp column (``datetime.date()`` in SQL)."""

    type = Date()
    inherit_cache = True
    name = "day_of"


@compiles(sql_day)
def _day_default(element: sql_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


@compiles(sql_day, "sqlite")
def _day_sqlite(element: sql_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


def col(name: str, type_: str, description: str, **kw) -> ExportColumn:
    return ExportColumn(name, type_, description, **kw)


def enum_col(name: str, enum_cls, description: str, **kw) -> ExportColumn:
    return ExportColumn(
        name,
        STRING,
        description,
        enum=tuple(codes(enum_cls)),
        value_labels=tuple(labels_for(enum_cls).items()),
        **kw,
    )


def network_cols(*, nullable: bool = False) -> tuple[ExportColumn, ...]:
    return (
        col("cohort_code", STRING, "Code de la cohorte", required=True),
        col("network_code", STRING, "Code du réseau dans la cohorte", required=not nullable),
        col("network_name", STRING, "Nom du réseau", required=not nullable),
    )


def network_exprs() -> dict[str, Mapped[Any]]:
    return {
        "cohort_code": sql_col(Cohort.code),
        "network_code": sql_col(Network.code),
        "network_name": sql_col(Network.name),
    }


def network_scope(selection: Selection) -> ColumnElement:
    clause: ColumnElement[bool] = (
        sql_col(Network.cohort_id).in_(selection.cohort_ids) if selection.cohort_ids else false()
    )
    if selection.network_ids is not None:
        clause = and_(clause, sql_col(Network.id).in_(selection.network_ids))
    return clause


def indicator_cols() -> tuple[ExportColumn, ...]:
    return (
        col("indicator_code", STRING, "Code stable de l'indicateur", required=True),
        col("indicator_label", STRING, "Libellé de l'indicateur", required=True),
        enum_col("unit", Unit, "Unité de l'indicateur", required=True),
    )


def indicator_exprs() -> dict[str, Mapped[Any]]:
    return {
        "indicator_code": sql_col(Indicator.code),
        "indicator_label": sql_col(Indicator.label),
        "unit": sql_col(Indicator.unit),
    }


# Headers of the excel_fr profile, for a person opening the file in French Excel; the opendata
# profile, XLSX and JSON keep the stable names (the data dictionary gives both).
FRENCH_HEADERS = {
    "cohort_code": "Code de la cohorte",
    "network_code": "Code du réseau",
    "network_name": "Réseau",
    "indicator_code": "Code de l'indicateur",
    "indicator_label": "Indicateur",
    "unit": "Unité",
    "accumulation": "Règle de cumul",
    "period_start": "Début de la période",
    "period_end": "Fin de la période",
    "value": "Valeur",
    "status": "Statut",
    "impact_axis": "Axe d'impact",
    "lever": "Levier",
    "comment": "Commentaire",
    "baseline_value": "Valeur de référence",
    "baseline_date": "Date de la valeur de référence",
    "target_value": "Valeur cible",
    "target_date": "Date de la cible",
    "initial_target_value": "Cible initiale",
    "revised_on": "Cible révisée le",
    "revision_reason": "Motif de la révision",
    "objective_id": "N° de l'objectif",
    "objective_code": "Code de l'objectif",
    "title": "Intitulé",
    "motivation": "Motivation",
    "description": "Description",
    "archived": "Archivé",
    "alliance_id": "N° de l'alliance",
    "alliance_code": "Code de l'alliance",
    "partner_name": "Partenaire",
    "partner_family": "Famille du partenaire",
    "company_type": "Type de partenariat entreprise",
    "relation_logic": "Logique de la relation",
    "stage": "Étape",
    "first_stage_on": "Première étape le",
    "stage_changed_on": "Étape actuelle depuis le",
    "signed_on": "Contractualisée le",
    "expected_value_eur": "Valeur attendue (€)",
    "milestone_id": "N° du jalon",
    "milestone_code": "Code du jalon",
    "session_code": "Session",
    "due_date": "Échéance",
    "done_date": "Réalisé le",
    "progress": "Avancement (%)",
    "owner": "Responsable",
    "evidence_url": "Lien de preuve",
    "assessor": "Évaluateur",
    "assessed_on": "Évalué le",
    "axis": "Axe de maturité",
    "level": "Niveau",
    "level_label": "Libellé du niveau",
    "evidence": "Justification",
    "lesson_id": "N° de l'enseignement",
    "lesson_code": "Code de l'enseignement",
    "category": "Catégorie",
    "statement": "Énoncé",
    "capitalisation": "Stade de capitalisation",
    "visibility": "Visibilité",
}


TYPE_LABELS = {
    STRING: "texte",
    INTEGER: "nombre entier",
    NUMBER: "nombre",
    DATE: "date (AAAA-MM-JJ)",
    BOOLEAN: "booléen",
}


DICTIONARY_COLUMNS = (
    col("table", STRING, "Nom du fichier ou de la feuille", required=True),
    col("column", STRING, "Nom stable de la colonne", required=True),
    col("header_fr", STRING, "En-tête de la colonne dans le profil excel_fr", required=True),
    col("type", STRING, "Type des valeurs", required=True),
    col("required", STRING, "Valeur toujours renseignée (oui / non)", required=True),
    col("description", STRING, "Description en français", required=True),
    col(
        "allowed_values",
        STRING,
        "Valeurs autorisées (code stable et, entre parenthèses, libellé du profil excel_fr) "
        "ou bornes",
    ),
)
