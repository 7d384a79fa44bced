"""Every page of the app, with the roles that may open it. ``dashboard/app.py`` builds the
role-based navigation from this table; each page also calls ``require_role`` itself.

The sidebar groups pages by what each role does there: a lead works on their own roadmap, the
steering committee follows the cohort and what changed between sessions, the ministry exports,
the programme team administers. A page keeps one address whatever the section it sits in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dashboard.core.config import PROJECT_ROOT
from models.enums import Role

LEAD, STEERING, MINISTRY, ADMIN = Role.lead, Role.steering, Role.ministry, Role.admin
EVERYONE = (LEAD, STEERING, MINISTRY, ADMIN)
FOLLOW = "Suivre la cohorte"  # steering: the cohort, its networks and lessons
CHANGED = "Ce qui a changé"  # steering: between sessions, and change by change
ROADMAPS = "Feuilles de route des réseaux"  # the programme team works on every network's


@dataclass(frozen=True)
class PageSpec:
    file: str  # relative to the project root
    title: str  # French, translated at render time
    icon: str
    roles: tuple[Role, ...]
    section: str
    url_path: str
    default: bool = False
    # Sections that differ by role, e.g. ((STEERING, "Ce qui a changé"),).
    role_sections: tuple[tuple[Role, str], ...] = ()

    @property
    def path(self):
        return PROJECT_ROOT / self.file

    def section_for(self, role: Role) -> str:
        return dict(self.role_sections).get(role, self.section)


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "pages/cohort/home.py",
        "Accueil",
        ":material/home:",
        EVERYONE,
        "Cohorte",
        "accueil",
        True,
        role_sections=((STEERING, FOLLOW),),
    ),
    PageSpec(
        "pages/cohort/dashboard.py",
        "Tableau de bord",
        ":material/monitoring:",
        EVERYONE,
        "Cohorte",
        "tableau-de-bord",
        role_sections=((STEERING, FOLLOW),),
    ),
    PageSpec(
        "pages/cohort/network_detail.py",
        "Fiche réseau",
        ":material/hub:",
        EVERYONE,
        "Cohorte",
        "fiche-reseau",
        role_sections=((STEERING, FOLLOW),),
    ),
    PageSpec(
        "pages/cohort/snapshots.py",
        "Comparer les sessions",
        ":material/compare_arrows:",
        EVERYONE,
        "Cohorte",
        "comparer",
        role_sections=((STEERING, CHANGED),),
    ),
    PageSpec(
        "pages/cohort/lessons_board.py",
        "Enseignements de la cohorte",
        ":material/lightbulb:",
        EVERYONE,
        "Cohorte",
        "enseignements-cohorte",
        role_sections=((STEERING, FOLLOW),),
    ),
    PageSpec(
        "pages/lead/before_session.py",
        "Avant la prochaine session",
        ":material/checklist:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "avant-session",
        role_sections=((ADMIN, ROADMAPS),),
    ),
    PageSpec(
        "pages/lead/objectives.py",
        "Objectifs",
        ":material/flag:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "objectifs",
        role_sections=((ADMIN, ROADMAPS),),
    ),
    PageSpec(
        "pages/lead/alliances.py",
        "Alliances",
        ":material/handshake:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "alliances",
        role_sections=((ADMIN, ROADMAPS),),
    ),
    PageSpec(
        "pages/lead/milestones.py",
        "Jalons",
        ":material/event:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "jalons",
        role_sections=((ADMIN, ROADMAPS),),
    ),
    PageSpec(
        "pages/lead/indicators.py",
        "Indicateurs",
        ":material/query_stats:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "indicateurs",
        role_sections=((ADMIN, ROADMAPS),),
    ),
    PageSpec(
        "pages/lead/import.py",
        "Importer un tableur",
        ":material/upload_file:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "importer",
        role_sections=((ADMIN, ROADMAPS),),
    ),
    PageSpec(
        "pages/lead/maturity.py",
        "Maturité",
        ":material/radar:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "maturite",
        role_sections=((ADMIN, ROADMAPS),),
    ),
    PageSpec(
        "pages/lead/lessons.py",
        "Enseignements",
        ":material/school:",
        (LEAD, ADMIN),
        "Ma feuille de route",
        "enseignements",
        role_sections=((ADMIN, ROADMAPS),),
    ),
    PageSpec(
        "pages/cohort/history.py",
        "Historique",
        ":material/history:",
        (LEAD, STEERING, ADMIN),
        "Ma feuille de route",
        "historique",
        role_sections=((STEERING, CHANGED), (ADMIN, ROADMAPS)),
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
        "pages/admin/reminders.py",
        "Rappels avant les sessions",
        ":material/notifications:",
        (ADMIN,),
        "Administration",
        "rappels",
    ),
    PageSpec(
        "pages/admin/cohort_import.py",
        "Importer une cohorte",
        ":material/group_add:",
        (ADMIN,),
        "Administration",
        "importer-cohorte",
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
    """The pages ``role`` may open, in menu order (only those whose file exists), each with
    the section it sits in for that role."""
    return [
        replace(p, section=p.section_for(role))
        for p in PAGES
        if role in p.roles and p.path.exists()
    ]


def sections_for(role: Role) -> dict[str, list[str]]:
    """``{section: [page title, …]}`` of the sidebar of ``role``, in menu order."""
    out: dict[str, list[str]] = {}
    for spec in pages_for(role):
        out.setdefault(spec.section, []).append(spec.title)
    return out


def spec_for(file: str) -> PageSpec:
    for p in PAGES:
        if p.file == file:
            return p
    raise KeyError(file)
