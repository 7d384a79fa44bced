"""Stable ASCII codes of the domain vocabulary, with their French labels."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    lead = "lead"
    steering = "steering"
    ministry = "ministry"
    admin = "admin"


class CohortStatus(StrEnum):
    draft = "draft"
    active = "active"
    closed = "closed"


class SessionKind(StrEnum):
    collective = "collective"
    webinar = "webinar"
    steering = "steering"


class Phase(StrEnum):
    understand = "understand"
    implement = "implement"
    deepen = "deepen"
    perspective = "perspective"


class Motivation(StrEnum):
    resource_diversification = "resource_diversification"
    public_policy_coconstruction = "public_policy_coconstruction"
    peer_scaling = "peer_scaling"
    other = "other"


class PartnerFamily(StrEnum):
    peer = "peer"
    public = "public"
    company = "company"
    foundation = "foundation"
    academic = "academic"


class CompanyPartnershipType(StrEnum):
    philanthropy = "philanthropy"
    responsible_practices = "responsible_practices"
    economic_cooperation = "economic_cooperation"
    societal_innovation = "societal_innovation"


class RelationLogic(StrEnum):
    exchange = "exchange"
    alliance = "alliance"


class AllianceStage(StrEnum):
    identified = "identified"
    contacted = "contacted"
    scoping = "scoping"
    preparing = "preparing"
    signed = "signed"
    running = "running"
    evaluating = "evaluating"
    renewed = "renewed"
    suspended = "suspended"
    abandoned = "abandoned"


# Stages in pipeline order (terminal stages last); "signed or later" means an agreement exists.
STAGE_ORDER = [s.value for s in AllianceStage]
SIGNED_STAGES = {"signed", "running", "evaluating", "renewed"}
PIPELINE_STAGES = {"preparing"}  # past scoping, not yet signed
TERMINAL_STAGES = {"suspended", "abandoned"}


class MilestoneStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    postponed = "postponed"
    cancelled = "cancelled"


class Unit(StrEnum):
    # The member is named after the stored code; it shadows str.count, which nothing here uses.
    count = "count"  # type: ignore[assignment]
    percent = "percent"
    eur = "eur"
    hours = "hours"
    persons = "persons"
    score = "score"


@dataclass(frozen=True)
class UnitRange:
    """The values a number in a unit may take (bounds included); ``whole``: no decimals."""

    low: float
    high: float
    whole: bool = False


# The one declaration of each unit's range. Indicator values, baselines and targets, scales of
# the catalogue and alliances' expected amounts (eur) are checked against it; an indicator's
# own scale (score 1–5, count 0–6…) narrows it further. The README's "How figures are computed"
# states the same table.
UNIT_RANGES: dict[str, UnitRange] = {
    "count": UnitRange(0, 1e9, whole=True),
    "persons": UnitRange(0, 1e9, whole=True),
    "hours": UnitRange(0, 1e9),
    "eur": UnitRange(0, 1e12),
    "percent": UnitRange(0, 100),
    "score": UnitRange(0, 100),
}
# Whole numbers of other fields (members of a network, a session's number, a catalogue
# position) stay within what a database integer column holds, far above any real figure.
MAX_WHOLE = 10**9


class Direction(StrEnum):
    higher_is_better = "higher_is_better"
    lower_is_better = "lower_is_better"


class Accumulation(StrEnum):
    cumulative = "cumulative"  # running total since the start: the latest value is the total
    per_period = "per_period"  # a flow per month: totals add the months up
    level = "level"  # a state at a date: the latest value stands, never added up


class ImpactAxis(StrEnum):
    performance = "performance"
    innovation = "innovation"
    trust = "trust"


class Lever(StrEnum):
    people = "people"
    money = "money"
    alliances = "alliances"


class ValueStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    validated = "validated"


class Assessor(StrEnum):
    self = "self"
    facilitator = "facilitator"


class MaturityAxis(StrEnum):
    vision = "vision"
    ecosystem = "ecosystem"
    diversity = "diversity"
    governance = "governance"
    member_mobilisation = "member_mobilisation"
    evaluation = "evaluation"
    economic_model = "economic_model"


class LessonCategory(StrEnum):
    obstacle = "obstacle"
    lever = "lever"
    method = "method"
    posture = "posture"
    tool = "tool"
    governance = "governance"
    economic_model = "economic_model"


class CapitalisationStatus(StrEnum):
    observed = "observed"
    modelled = "modelled"
    capitalised = "capitalised"
    published = "published"


class Visibility(StrEnum):
    network = "network"
    cohort = "cohort"
    public = "public"


class ChangeAction(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"


class Entity(StrEnum):
    """What a permission, a change-log row and a history line are about: one vocabulary.
    A maturity diagnostic is logged as ``maturity_assessment`` (the stored spelling)."""

    cohort = "cohort"
    network = "network"
    session = "session"
    user = "user"
    objective = "objective"
    partner = "partner"
    alliance = "alliance"
    milestone = "milestone"
    indicator = "indicator"
    indicator_target = "indicator_target"
    indicator_value = "indicator_value"
    maturity = "maturity_assessment"
    lesson = "lesson"
    snapshot = "snapshot"
    change_log = "change_log"
    export = "export"
    comment = "comment"


class CommentVisibility(StrEnum):
    """Who reads a comment besides its network's leads (see dashboard/core/permissions.py)."""

    network = "network"  # the network's leads only
    team = "team"  # the network and the programme team
    cohort = "cohort"  # every signed-in reader of the cohort


# The items a discussion thread hangs on (``Comment.target_kind``): a subset of Entity.
COMMENT_TARGETS = (Entity.milestone, Entity.alliance, Entity.indicator_value, Entity.lesson)


MATURITY_LEVELS = {
    1: "Découverte",
    2: "Expérimentation",
    3: "Structuration",
    4: "Alliance stratégique",
}

LABELS: dict[type, dict[str, str]] = {
    Role: {
        "lead": "Référent·e réseau",
        "steering": "Comité de pilotage",
        "ministry": "Agent du ministère",
        "admin": "Équipe d'animation",
    },
    CohortStatus: {"draft": "En préparation", "active": "En cours", "closed": "Clôturée"},
    SessionKind: {
        "collective": "Session collective",
        "webinar": "Webinaire",
        "steering": "Comité de pilotage",
    },
    Phase: {
        "understand": "Comprendre",
        "implement": "Mettre en œuvre",
        "deepen": "Approfondir",
        "perspective": "Mettre en perspective",
    },
    Motivation: {
        "resource_diversification": "Diversification des ressources",
        "public_policy_coconstruction": "Co-construction des politiques publiques",
        "peer_scaling": "Démultiplication entre pairs",
        "other": "Autre",
    },
    PartnerFamily: {
        "peer": "Pair associatif",
        "public": "Acteur public",
        "company": "Entreprise",
        "foundation": "Fondation",
        "academic": "Monde académique",
    },
    CompanyPartnershipType: {
        "philanthropy": "Mécénat",
        "responsible_practices": "Pratiques responsables",
        "economic_cooperation": "Coopération économique",
        "societal_innovation": "Innovation sociétale",
    },
    RelationLogic: {"exchange": "Contrat-échange", "alliance": "Contrat-alliance"},
    AllianceStage: {
        "identified": "Identifiée",
        "contacted": "Contactée",
        "scoping": "Cadrage",
        "preparing": "En préparation",
        "signed": "Contractualisée",
        "running": "Mise en œuvre",
        "evaluating": "En évaluation",
        "renewed": "Renouvelée",
        "suspended": "Suspendue",
        "abandoned": "Abandonnée",
    },
    MilestoneStatus: {
        "planned": "Prévu",
        "in_progress": "En cours",
        "done": "Réalisé",
        "postponed": "Reporté",
        "cancelled": "Annulé",
    },
    Unit: {
        "count": "Nombre",
        "percent": "Pourcentage",
        "eur": "Euros",
        "hours": "Heures",
        "persons": "Personnes",
        "score": "Score",
    },
    Direction: {"higher_is_better": "Plus haut = mieux", "lower_is_better": "Plus bas = mieux"},
    Accumulation: {
        "cumulative": "Cumul depuis le début",
        "per_period": "Flux mensuel",
        "level": "Niveau à date",
    },
    ImpactAxis: {"performance": "Performance", "innovation": "Innovation", "trust": "Confiance"},
    Lever: {"people": "Hommes", "money": "Argent", "alliances": "Alliances"},
    ValueStatus: {"draft": "Brouillon", "submitted": "Soumise", "validated": "Validée"},
    Assessor: {"self": "Auto-diagnostic", "facilitator": "Regard de l'équipe d'animation"},
    MaturityAxis: {
        "vision": "Vision",
        "ecosystem": "Connaissance de l'écosystème",
        "diversity": "Diversité des partenariats",
        "governance": "Gouvernance",
        "member_mobilisation": "Mobilisation des membres",
        "evaluation": "Évaluation",
        "economic_model": "Modèle socio-économique",
    },
    LessonCategory: {
        "obstacle": "Freins",
        "lever": "Leviers",
        "method": "Méthode",
        "posture": "Posture",
        "tool": "Outil",
        "governance": "Gouvernance",
        "economic_model": "Modèle économique",
    },
    CapitalisationStatus: {
        "observed": "Observé",
        "modelled": "Modélisé",
        "capitalised": "Capitalisé",
        "published": "Publié",
    },
    Visibility: {"network": "Réseau", "cohort": "Cohorte", "public": "Public"},
    ChangeAction: {"create": "Création", "update": "Modification", "delete": "Suppression"},
    CommentVisibility: {
        "network": "Réseau uniquement",
        "team": "Réseau et équipe d'animation",
        "cohort": "Toute la cohorte",
    },
}


def codes(enum_cls: type[StrEnum]) -> list[str]:
    return [m.value for m in enum_cls]
