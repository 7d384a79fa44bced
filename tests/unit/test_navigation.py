"""The sidebar groups pages by what each role does; a page keeps its address in every menu."""

from __future__ import annotations

from dashboard.ui.navigation import PAGES, pages_for, sections_for
from models.enums import Role


def test_steering_sidebar_follows_the_cohort_and_what_changed():
    assert sections_for(Role.steering) == {
        "Suivre la cohorte": [
            "Accueil",
            "Tableau de bord",
            "Fiche réseau",
            "Enseignements de la cohorte",
        ],
        "Ce qui a changé": ["Comparer les sessions", "Historique"],
        "Compte": ["Mon compte"],
    }


def test_only_a_lead_has_a_roadmap_of_their_own():
    for role in Role:
        assert ("Ma feuille de route" in sections_for(role)) == (role is Role.lead), role
    assert "Feuilles de route des réseaux" in sections_for(Role.admin)


def test_every_page_keeps_one_address_whatever_its_section():
    addresses = {p.file: p.url_path for p in PAGES}
    for role in Role:
        for spec in pages_for(role):
            assert spec.url_path == addresses[spec.file]
    assert {p.url_path for p in PAGES} >= {
        "accueil",
        "tableau-de-bord",
        "fiche-reseau",
        "comparer",
        "enseignements-cohorte",
        "historique",
        "objectifs",
        "exports",
        "validation",
        "mon-compte",
    }
    assert len(addresses) == len(set(addresses.values()))
