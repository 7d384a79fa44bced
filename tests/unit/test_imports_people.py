"""A new cohort's networks and people from one file (programme team): the preview lists what
will be created and every refused row (row, column, code) with nothing written; applying
creates the networks and invites each person as the People page does (no password, a one-time
secret), in one transaction."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import text

from dashboard.core.errors import PermissionDenied
from dashboard.services.imports import people
from tests.factories import make_cohort
from tests.unit.import_files import actor

HEADER = (
    "Code réseau;Nom du réseau;Sigle;Secteur;Région;Associations membres;RNA;SIREN;Nom;"
    "Courriel;Identifiant;Rôle"
)
GOOD = [
    "N01;Réseau Nouvelles Pousses;RNP;culture;84;12;W000000123;;Alice Martin;"
    "alice.martin@exemple.fr;;Référent·e réseau",
    "N01;;;;;;;;Bruno Petit;bruno@exemple.fr;bruno.n01;Référent·e réseau",
    "N02;Union des Jardins;;environnement;53;;;;;;;",
    ";;;;;;;;Claire Copil;claire@exemple.fr;;Comité de pilotage",
]


def _csv(lines: list[str]) -> bytes:
    return ("\ufeff" + "\r\n".join([HEADER, *lines]) + "\r\n").encode("utf-8")


def _counts(engine, cohort_id):
    with engine.connect() as conn:
        nets = conn.execute(
            text("SELECT count(*) FROM network WHERE cohort_id = :c"), {"c": cohort_id}
        ).scalar_one()
        users = conn.execute(text("SELECT count(*) FROM app_user")).scalar_one()
        log = conn.execute(text("SELECT count(*) FROM change_log")).scalar_one()
    return nets, users, log


def test_preview_then_apply_creates_networks_and_invitations(demo_engine):
    admin = actor(demo_engine, "animation")
    cohort_id = make_cohort(demo_engine, code="AI-2027", status="draft")
    before = _counts(demo_engine, cohort_id)
    plan = people.preview_people(demo_engine, admin, cohort_id, "cohorte.csv", _csv(GOOD))
    assert plan.errors == []
    assert [(c.row, c.what) for c in plan.changes] == [
        (2, "Réseau N01"), (4, "Réseau N02"), (2, "Compte alice.martin"), (3, "Compte bruno.n01"),
        (5, "Compte claire"),
    ]  # fmt: skip
    assert plan.invitations == []  # a preview hands out no secret
    assert _counts(demo_engine, cohort_id) == before

    done = people.apply_people(
        demo_engine, admin, cohort_id, "cohorte.csv", _csv(GOOD), expected_digest=plan.digest
    )
    assert [i.username for i in done.invitations] == ["alice.martin", "bruno.n01", "claire"]
    assert all(len(i.secret) >= 16 for i in done.invitations)
    with demo_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT u.username, u.role, n.code, u.password_hash IS NULL, "
                "u.must_change_password FROM app_user u LEFT JOIN network n "
                "ON n.id = u.network_id WHERE u.username IN ('alice.martin', 'bruno.n01', 'claire') "
                "ORDER BY u.username"
            )
        ).all()
        nets = conn.execute(
            text("SELECT code, name, rna FROM network WHERE cohort_id = :c ORDER BY code"),
            {"c": cohort_id},
        ).all()
    assert [tuple(r) for r in rows] == [
        ("alice.martin", "lead", "N01", True, True),
        ("bruno.n01", "lead", "N01", True, True),
        ("claire", "steering", None, True, True),
    ]
    assert [tuple(n) for n in nets] == [
        ("N01", "Réseau Nouvelles Pousses", "W000000123"),
        ("N02", "Union des Jardins", None),
    ]
    # The same file again: every account exists, refused, nothing written.
    again = _counts(demo_engine, cohort_id)
    with pytest.raises(people.PeopleImportRefused) as refused:
        people.apply_people(demo_engine, admin, cohort_id, "cohorte.csv", _csv(GOOD))
    assert {(i.row, i.column, i.code) for i in refused.value.plan.errors} == {
        (2, "Identifiant", "duplicate_row"), (3, "Identifiant", "duplicate_row"),
        (5, "Identifiant", "duplicate_row"),
    }  # fmt: skip
    assert _counts(demo_engine, cohort_id) == again


def test_refused_rows_are_named_and_nothing_is_written(demo_engine):
    admin = actor(demo_engine, "animation")
    cohort_id = make_cohort(demo_engine, code="AI-2028", status="draft")
    lines = [
        *GOOD,
        "N03;Réseau Trois;;;;;W12;;Dora;dora@exemple.fr;;Référent·e réseau",  # bad RNA
        ";;;;;;;;Émile;emile-sans-arobase;;Comité de pilotage",  # bad e-mail
        ";;;;;;;;Fanny;fanny@exemple.fr;;Stagiaire",  # unknown role
        ";;;;;;;;Gaston;gaston@exemple.fr;;Référent·e réseau",  # a lead without a network
        "N01;;;;;;;;Alice bis;alice.martin@exemple.fr;;Référent·e réseau",  # same identifier
    ]
    before = _counts(demo_engine, cohort_id)
    plan = people.preview_people(demo_engine, admin, cohort_id, "cohorte.csv", _csv(lines))
    assert {(i.row, i.column, i.code) for i in plan.errors} == {
        (6, "RNA", "invalid_value"),
        (7, "Courriel", "invalid_value"),
        (7, "Identifiant", "required"),  # taken from the e-mail, which has none to give
        (8, "Rôle", "invalid_value"),
        (9, "Code réseau", "required"),
        (10, "Identifiant", "duplicate_row"),
    }
    assert all(i.message.startswith(f"Ligne {i.row} : ") for i in plan.errors)
    with pytest.raises(people.PeopleImportRefused):
        people.apply_people(demo_engine, admin, cohort_id, "cohorte.csv", _csv(lines))
    assert _counts(demo_engine, cohort_id) == before


def test_workbook_sheet_and_lead_refused(demo_engine):
    admin = actor(demo_engine, "animation")
    cohort_id = make_cohort(demo_engine, code="AI-2029", status="draft")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Personnes"
    for line in [HEADER, GOOD[0]]:
        ws.append(line.split(";"))
    out = io.BytesIO()
    book.save(out)
    plan = people.preview_people(demo_engine, admin, cohort_id, "cohorte.xlsx", out.getvalue())
    assert plan.errors == [] and len(plan.changes) == 2
    with pytest.raises(PermissionDenied):
        people.preview_people(
            demo_engine, actor(demo_engine, "lead.r01"), cohort_id, "c.xlsx", out.getvalue()
        )
