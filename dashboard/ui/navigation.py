"""Every page of the app, with the roles that may open it. ``dashboard/app.py`` builds the
role-based navigation from this table; each page also calls ``require_role`` itself."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.core.config import PROJECT_ROOT
from models.enums import Role

LEAD, STEERING, MINISTRY, ADMIN = Role.lead, Role.steering, Role.ministry, Role.admin
EVERYONE = (LEAD, STEERING, MINISTRY, ADMIN)


@dataclass(frozen=True)
class PageSpec:
    file: str  # relative to the project root
    title: str  # French, translated at render time
    icon: str
    roles: tuple[Role, ...]
    section: str
    url_path: str
    default: bool = False

    @property
    def path(self):
        return PROJECT_ROOT / self.file


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "pages/cohort/home.py", "Accueil", ":material/home:", EVERYONE, "Cohorte", "accueil", True
    ),
    PageSpec(
        "pages/cohort/dashboard.py",
        "Tableau de bord",
        ":material/monitoring:",
        EVERYONE,
        "Cohorte",
        "tableau-de-bord",
    ),
    PageSpec(
        "pages/cohort/network_detail.py",
        "Fiche réseau",
        ":material/hub:",
        EVERYONE,
        "Cohorte",
        "fiche-reseau",
    ),
    PageSpec(
        "pages/cohort/snapshots.py",
        "Comparer les sessions",
        ":material/compare_arrows:",
        EVERYONE,
        "Cohorte",
        "comparer",
    ),
    PageSpec(
        "pages/cohort/lessons_board.py",
        "Enseignements de la cohorte",
        ":material/lightbulb:",
        EVERYONE,
        "Cohorte",
        "enseignements-cohorte",
    ),
    PageSpec(
        "pages/lead/before_session.py",
        "Avant la prochaine session",
        ":material/checklist:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "avant-session",
    ),
    PageSpec(
        "pages/lead/objectives.py",
        "Objectifs",
        ":material/flag:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "objectifs",
    ),
    PageSpec(
        "pages/lead/alliances.py",
        "Alliances",
        ":material/handshake:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "alliances",
    ),
    PageSpec(
        "pages/lead/milestones.py",
        "Jalons",
        ":material/event:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "jalons",
    ),
    PageSpec(
        "pages/lead/indicators.py",
        "Indicateurs",
        ":material/query_stats:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "indicateurs",
    ),
    PageSpec(
        "pages/lead/maturity.py",
        "Maturité",
        ":material/radar:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "maturite",
    ),
    PageSpec(
        "pages/lead/lessons.py",
        "Enseignements",
        ":material/school:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "enseignements",
    ),
    PageSpec(
        "pages/cohort/history.py",
        "Historique",
        ":material/history:",
        (LEAD, STEERING, ADMIN),
        "Ma feuille de route",
        "historique",
    ),
    PageSpec(
        "pages/ministry/exports.py",
        "Exports",
        ":material/download:",
        (MINISTRY, ADMIN),
        "Données",
        "exports",
    ),
    PageSpec(
        "pages/admin/validation.py",
        "File de validation",
        ":material/fact_check:",
        (ADMIN,),
        "Administration",
        "validation",
    ),
    PageSpec(
        "pages/admin/users.py",
        "Personnes",
        ":material/group:",
        (ADMIN,),
        "Administration",
        "personnes",
    ),
    PageSpec(
        "pages/admin/cohorts.py",
        "Cohortes et sessions",
        ":material/calendar_month:",
        (ADMIN,),
        "Administration",
        "cohortes",
    ),
    PageSpec(
        "pages/admin/indicators.py",
        "Indicateurs et cibles",
        ":material/tune:",
        (ADMIN,),
        "Administration",
        "catalogue",
    ),
    PageSpec(
        "pages/account/account.py",
        "Mon compte",
        ":material/person:",
        EVERYONE,
        "Compte",
        "mon-compte",
    ),
)


def pages_for(role: Role) -> list[PageSpec]:
    """The pages ``role`` may open, in menu order (only those whose file exists)."""
    return [p for p in PAGES if role in p.roles and p.path.exists()]


def spec_for(file: str) -> PageSpec:
    for p in PAGES:
        if p.file == file:
            return p
    raise KeyError(file)
