"""The programme team's pages through the real entry point: people, cohorts and sessions,
indicators and targets — and a whole new cohort set up from the pages alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from dashboard.auth import accounts as auth
from dashboard.core import clock
from dashboard.core.config import get_settings
from dashboard.core.db import make_engine, session_scope
from dashboard.services.admin import cohorts as admin_cohorts
from dashboard.services.admin import networks as admin_networks
from dashboard.services.indicators import catalogue
from dashboard.services.reporting import cohorts
from dashboard.ui import TOKEN_KEY
from models import Cohort, IndicatorTarget, Network, OneTimeSecret, User
from tests.app.conftest import APP, page
from tests.factories import PASSWORD, make_user

ADMIN_PAGES = ("admin/users", "admin/cohorts", "admin/indicators")


# ---------------------------------------------------------------- harness


@pytest.fixture
def fresh_app(monkeypatch, engine_url) -> Iterator[Engine]:
    """The app on an empty, migrated database with one admin: a brand-new installation."""
    monkeypatch.setenv("DATABASE_URL", engine_url)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    engine = make_engine(engine_url)
    make_user(engine, "admin", username="animation", full_name="Équipe d'animation")
    yield engine
    engine.dispose()
    st.cache_resource.clear()
    st.cache_data.clear()
    get_settings.cache_clear()


def _open(engine: Engine, username: str, password: str) -> AppTest:
    result = auth.login(engine, username, password)
    assert result.ok, result.message
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = result.token
    return at.run()


@pytest.fixture
def admin_at(fresh_app) -> Callable[[str], AppTest]:
    def _go(name: str) -> AppTest:
        at = _open(fresh_app, "animation", PASSWORD)
        at.switch_page(page(name)).run()
        assert not at.exception, at.exception
        return at

    return _go


class Clicks:
    """Counts the form submissions a scenario needs."""

    def __init__(self) -> None:
        self.count = 0

    def submit(self, at: AppTest, label: str) -> AppTest:
        self.count += 1
        button = next(b for b in at.button if b.label == label)
        button.click().run()
        assert not at.exception, at.exception
        return at


def _widget(elements, key: str):
    """The widget whose key is ``key`` or ``key_<n>`` (forms renew their keys once saved)."""
    return next(w for w in elements if w.key and key in (w.key, w.key.rsplit("_", 1)[0]))


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _create_cohort(at: AppTest, clicks: Clicks, code: str, name: str, start, end) -> AppTest:
    _widget(at.text_input, "new_cohort_code").input(code)
    _widget(at.text_input, "new_cohort_name").input(name)
    _widget(at.text_input, "new_cohort_start").input(f"{start:%d/%m/%Y}")
    _widget(at.text_input, "new_cohort_end").input(f"{end:%d/%m/%Y}")
    return clicks.submit(at, "Créer la cohorte")


def _cohort_id(engine: Engine, code: str) -> int:
    with session_scope(engine) as s:
        return s.exec(select(Cohort.id).where(Cohort.code == code)).one()


def _edit(at: AppTest, key: str, *, added=(), edited=None) -> None:
    at.session_state[key] = {
        "edited_rows": edited or {},
        "added_rows": list(added),
        "deleted_rows": [],
    }


def _invite(at: AppTest, clicks: Clicks, name: str, email: str, role: str, network_id=None):
    _widget(at.text_input, "invite_full_name").input(name)
    _widget(at.text_input, "invite_email").input(email)
    _widget(at.selectbox, "invite_role").set_value(role)
    _widget(at.selectbox, "invite_network").set_value(network_id or 0)
    return clicks.submit(at, "Inviter")


# ---------------------------------------------------------------- every page, every role


def test_admin_pages_render_for_admin(admin_at):
    for name, title in zip(
        ADMIN_PAGES, ("Personnes", "Cohortes et sessions", "Indicateurs et cibles"), strict=True
    ):
        at = admin_at(name)
        assert at.title[0].value == title
        assert not at.error


@pytest.mark.parametrize("role", ["lead", "steering", "ministry"])
def test_other_roles_cannot_switch_to_admin_pages(fresh_app, role):
    cohort = admin_cohorts.create_cohort(
        fresh_app,
        auth.login(fresh_app, "animation", PASSWORD).actor,
        code="C1",
        name="Cohorte",
        start_date=dt.date(2026, 10, 1),
        end_date=dt.date(2027, 6, 30),
    )
    with session_scope(fresh_app) as s:
        net = Network(cohort_id=cohort, code="R01", name="Un")
        s.add(net)
        s.flush()
        net_id = net.id
    make_user(fresh_app, role, username="visiteur", network_id=net_id if role == "lead" else None)
    at = _open(fresh_app, "visiteur", PASSWORD)
    for name in ADMIN_PAGES:
        with pytest.raises(ValueError):
            at.switch_page(page(name))


# ---------------------------------------------------------------- cohorts page


def test_create_a_cohort_through_the_form(admin_at, fresh_app):
    at = admin_at("admin/cohorts")
    clicks = Clicks()
    # Errors keep the input on screen and save nothing.
    _widget(at.text_input, "new_cohort_code").input("AI-2027")
    _widget(at.text_input, "new_cohort_name").input("Alliances innovantes 2027")
    _widget(at.text_input, "new_cohort_start").input(f"{dt.date(2027, 6, 30):%d/%m/%Y}")
    _widget(at.text_input, "new_cohort_end").input(f"{dt.date(2026, 10, 1):%d/%m/%Y}")
    clicks.submit(at, "Créer la cohorte")
    assert any("fin précède" in e for e in _errors(at))
    assert _widget(at.text_input, "new_cohort_code").value == "AI-2027"
    with session_scope(fresh_app) as s:
        assert s.exec(select(Cohort)).all() == []

    _create_cohort(
        at,
        clicks,
        "AI-2027",
        "Alliances innovantes 2027",
        dt.date(2026, 10, 1),
        dt.date(2027, 6, 30),
    )
    assert at.success[0].value == "Cohorte « Alliances innovantes 2027 » créée."
    assert at.subheader[0].value == "Alliances innovantes 2027"
    with session_scope(fresh_app) as s:
        cohort = s.exec(select(Cohort)).one()
        assert (cohort.code, cohort.start_date, cohort.status) == (
            "AI-2027",
            dt.date(2026, 10, 1),
            "active",
        )


def test_networks_and_sessions_through_the_editors(admin_at, fresh_app):
    at = admin_at("admin/cohorts")
    clicks = Clicks()
    _create_cohort(
        at, clicks, "AI-2027", "Cohorte 2027", dt.date(2026, 10, 1), dt.date(2027, 6, 30)
    )
    _edit(
        at,
        "networks_AI-2027_0",
        added=[
            {"code": "N1", "name": "Réseau Nord", "siren": "732829321"},  # bad Luhn key
        ],
    )
    clicks.submit(at, "Enregistrer les réseaux")
    assert any("« SIREN » : 9 chiffres avec une clé de contrôle valide" in e for e in _errors(at))
    _edit(
        at,
        "networks_AI-2027_0",
        added=[{"code": "N1", "name": "Réseau Nord", "siren": "732829320"}],
    )
    clicks.submit(at, "Enregistrer les réseaux")
    assert at.success[0].value == "1 réseau(x) enregistré(s)."
    # The editor now shows the saved row; renaming it goes through edited_rows.
    _edit(at, "networks_AI-2027_1", edited={0: {"name": "Réseau du Nord"}})
    clicks.submit(at, "Enregistrer les réseaux")
    cohort_id = _cohort_id(fresh_app, "AI-2027")
    admin = auth.login(fresh_app, "animation", PASSWORD).actor
    assert cohorts.cohort_networks(fresh_app, admin, cohort_id)["name"].tolist() == [
        "Réseau du Nord"
    ]

    _edit(
        at,
        "sessions_AI-2027_0",
        added=[
            {
                "code": "S1",
                "kind": "collective",
                "phase": "understand",
                "title": "Lancement",
                "session_date": "2026-10-13",
            },
            {"code": "W1", "kind": "webinar", "title": "Évaluer", "session_date": "2027-01-26"},
        ],
    )
    clicks.submit(at, "Enregistrer les sessions")
    assert at.success[0].value == "2 session(s) enregistrée(s)."
    # Reschedule W1 (second row in date order).
    _edit(at, "sessions_AI-2027_1", edited={1: {"session_date": "2027-02-02"}})
    clicks.submit(at, "Enregistrer les sessions")
    sessions = cohorts.cohort_sessions(fresh_app, admin, cohort_id).set_index("code")
    assert sessions.loc["W1", "session_date"] == dt.date(2027, 2, 2)
    assert sessions.loc["S1", "number"] == 1 and sessions.loc["W1", "number"] == 2


def test_close_cohort_makes_the_page_read_only(admin_at, fresh_app):
    at = admin_at("admin/cohorts")
    clicks = Clicks()
    _create_cohort(at, clicks, "OLD", "Ancienne", dt.date(2024, 10, 1), dt.date(2025, 6, 30))
    next(c for c in at.checkbox if c.label.startswith("Je confirme")).check()
    clicks.submit(at, "Clôturer")
    assert at.success[0].value == "Cohorte clôturée."
    assert any("clôturée" in i.value for i in at.info)
    assert next(b for b in at.button if b.label == "Enregistrer les réseaux").disabled
    with session_scope(fresh_app) as s:
        assert s.exec(select(Cohort)).one().status == "closed"


# ---------------------------------------------------------------- people page


def test_invite_shows_the_one_time_secret_once_and_it_works(admin_at, fresh_app):
    at = admin_at("admin/users")
    clicks = Clicks()
    _invite(at, clicks, "Camille Copil", "camille.copil@exemple.fr", "steering", None)
    assert at.success[0].value == "Compte « camille.copil » créé."
    assert len(at.code) == 1
    secret = at.code[0].value
    with session_scope(fresh_app) as s:
        stored = s.exec(select(OneTimeSecret)).one()
        assert secret not in stored.secret_hash
    # The form is empty again, and the secret is not shown on the next run.
    assert _widget(at.text_input, "invite_full_name").value == ""
    at.run()
    assert len(at.code) == 0
    # The secret opens a session restricted to "Mon compte" until a password is chosen.
    first = _open(fresh_app, "camille.copil", secret)
    assert first.title[0].value == "Mon compte"
    assert any("choisissez votre propre mot de passe" in w.value for w in first.warning)
    labels = [w.label for w in first.text_input]
    assert "Mot de passe actuel" not in labels
    _widget_by_label = {w.label: w for w in first.text_input}
    _widget_by_label["Nouveau mot de passe"].input("camille-choisit-2026")
    _widget_by_label["Confirmer le nouveau mot de passe"].input("camille-choisit-2026")
    next(b for b in first.button if b.label == "Enregistrer le nouveau mot de passe").click().run()
    assert not first.exception
    assert auth.login(fresh_app, "camille.copil", "camille-choisit-2026").ok
    assert not auth.login(fresh_app, "camille.copil", secret).ok  # used once


def test_invite_errors_keep_the_input(admin_at, fresh_app):
    at = admin_at("admin/users")
    _invite(at, Clicks(), "Sans Réseau", "sans.reseau@exemple.fr", "lead", None)
    assert any("obligatoire pour un·e référent·e" in e for e in _errors(at))
    assert _widget(at.text_input, "invite_full_name").value == "Sans Réseau"
    assert len(at.code) == 0
    with session_scope(fresh_app) as s:
        assert len(s.exec(select(User)).all()) == 1


def test_deactivate_and_reset_from_the_page(admin_at, fresh_app):
    make_user(fresh_app, "steering", username="copil", full_name="Copil")
    token = auth.login(fresh_app, "copil", PASSWORD).token
    at = admin_at("admin/users")
    user_box = _widget(at.selectbox, "manage_user")
    user_box.set_value(next(o for o in user_box.options if o.startswith("copil"))).run()
    next(b for b in at.button if b.label == "Désactiver le compte").click().run()
    assert at.success[0].value == "Compte désactivé ; 1 session(s) fermée(s)."
    assert auth.resolve_session(fresh_app, token) is None
    next(b for b in at.button if b.label == "Réactiver le compte").click().run()
    next(b for b in at.button if b.label == "Réinitialiser le mot de passe").click().run()
    assert at.success[0].value.startswith("Mot de passe réinitialisé")
    assert auth.login(fresh_app, "copil", at.code[0].value).ok


def test_last_admin_cannot_deactivate_themselves(admin_at, fresh_app):
    at = admin_at("admin/users")
    next(b for b in at.button if b.label == "Désactiver le compte").click().run()
    assert any("au moins un compte actif" in e for e in _errors(at))
    with session_scope(fresh_app) as s:
        assert s.exec(select(User)).one().active


# ---------------------------------------------------------------- indicators page


def _add_indicator(at: AppTest, clicks: Clicks, code: str, label: str, unit: str) -> AppTest:
    form = [w for w in at.text_input if w.label.startswith("Code (stable")][0]
    form.input(code)
    next(w for w in at.text_input if w.label == "Libellé").input(label)
    next(w for w in at.selectbox if w.label == "Unité").set_value(unit)
    return clicks.submit(at, "Ajouter l'indicateur")


def test_catalogue_and_target_change_with_a_reason(admin_at, fresh_app):
    admin = auth.login(fresh_app, "animation", PASSWORD).actor
    cohort_id = admin_cohorts.create_cohort(
        fresh_app,
        admin,
        code="AI-2026",
        name="Cohorte en cours",
        start_date=dt.date(2025, 10, 1),
        end_date=dt.date(2026, 12, 31),
    )
    net = admin_networks.add_network(fresh_app, admin, cohort_id, code="R01", name="Un")
    at = admin_at("admin/indicators")
    clicks = Clicks()
    _add_indicator(at, clicks, "agreements_signed", "Conventions signées", "count")
    assert at.success[0].value == "Indicateur AGREEMENTS_SIGNED enregistré."
    ind = int(catalogue.list_indicators(fresh_app, admin)["id"].iloc[0])
    # Follow it, with a baseline and a target (cohort already started: first target is free).
    _edit(
        at,
        f"targets_{net}_0",
        edited={
            0: {
                "followed": True,
                "baseline_value": 0,
                "baseline_date": "2025-10-01",
                "target_value": 4,
                "target_date": "2026-06-30",
            }
        },
    )
    clicks.submit(at, "Enregistrer les cibles")
    assert at.success[0].value == "Cibles enregistrées (1 ligne(s))."
    # Changing the target without a reason is refused, with the row and field named.
    _edit(at, f"targets_{net}_1", edited={0: {"target_value": 6}})
    clicks.submit(at, "Enregistrer les cibles")
    assert any("« Raison » : obligatoire pour changer une cible" in e for e in _errors(at))
    _edit(at, f"targets_{net}_1", edited={0: {"target_value": 6, "reason": "Nouveau partenaire"}})
    clicks.submit(at, "Enregistrer les cibles")
    with session_scope(fresh_app) as s:
        target = s.exec(select(IndicatorTarget)).one()
        assert (target.indicator_id, target.initial_target_value, target.target_value) == (
            ind,
            4,
            6,
        )
        assert target.revision_reason == "Nouveau partenaire"
    revisions = at.dataframe[-1].value
    assert revisions.iloc[0].tolist()[:5] == [
        "R01",
        "Conventions signées",
        "4",
        "6",
        "Nouveau partenaire",
    ]


# ---------------------------------------------------------------- the "done when"


def test_new_cohort_set_up_from_the_pages_alone(admin_at, fresh_app, capsys):
    """Cohort, three networks, sessions, indicators, targets and leads from the pages alone;
    then each lead logs in with the secret shown, chooses a password and reaches their home."""
    # A nine-month cohort that started last month, so the leads have a month to report.
    start = clock.add_months(clock.today(), -1)
    end = clock.add_months(start, 9) - dt.timedelta(days=1)
    clicks = Clicks()
    at = admin_at("admin/cohorts")
    _create_cohort(at, clicks, "AI-2027", "Alliances innovantes 2027", start, end)
    _edit(
        at,
        "networks_AI-2027_0",
        added=[
            {"code": "N1", "name": "Réseau Nord", "region_code": "32", "member_count": 40},
            {"code": "N2", "name": "Réseau Ouest", "region_code": "53", "rna": "W531000001"},
            {"code": "N3", "name": "Réseau Sud", "region_code": "93", "siren": "732829320"},
        ],
    )
    clicks.submit(at, "Enregistrer les réseaux")
    _edit(
        at,
        "sessions_AI-2027_0",
        added=[
            {
                "code": "S1",
                "kind": "collective",
                "phase": "understand",
                "title": "Lancement",
                "session_date": str(start + dt.timedelta(days=12)),
            },
            {
                "code": "S2",
                "kind": "collective",
                "phase": "implement",
                "title": "Feuilles",
                "session_date": str(start + dt.timedelta(days=68)),
            },
            {
                "code": "COPIL",
                "kind": "steering",
                "phase": "perspective",
                "title": "Bilan",
                "session_date": str(end - dt.timedelta(days=14)),
            },
        ],
    )
    clicks.submit(at, "Enregistrer les sessions")
    assert not _errors(at)

    at.switch_page(page("admin/indicators")).run()
    _add_indicator(at, clicks, "AGREEMENTS_SIGNED", "Conventions signées", "count")
    _add_indicator(at, clicks, "MEMBERS_INVOLVED", "Membres impliqués", "count")
    cohort_id = _cohort_id(fresh_app, "AI-2027")
    with session_scope(fresh_app) as s:
        networks = s.exec(
            select(Network.id, Network.code)
            .where(Network.cohort_id == cohort_id)
            .order_by(Network.code)
        ).all()
    for i, (net_id, _code) in enumerate(networks):
        box = _widget(at.selectbox, f"targets_network_{cohort_id}")
        box.set_value(net_id).run()
        row = {
            "followed": True,
            "baseline_value": 0,
            "baseline_date": str(start),
            "target_date": str(end),
        }
        _edit(
            at,
            f"targets_{net_id}_{i}",
            edited={0: row | {"target_value": 3 + i}, 1: row | {"target_value": 10}},
        )
        clicks.submit(at, "Enregistrer les cibles")
        assert not _errors(at)

    at.switch_page(page("admin/users")).run()
    secrets = {}
    for net_id, code in networks:
        _invite(at, clicks, f"Référente {code}", f"ref.{code.lower()}@exemple.fr", "lead", net_id)
        assert not _errors(at)
        secrets[f"ref.{code.lower()}"] = (at.code[0].value, net_id)

    # What the programme team set up is what the dashboard shows.
    admin = auth.login(fresh_app, "animation", PASSWORD).actor
    assert cohorts.headline(fresh_app, admin, cohort_id)["networks"] == 3
    assert cohorts.cohort_sessions(fresh_app, admin, cohort_id)["code"].tolist() == [
        "S1",
        "S2",
        "COPIL",
    ]
    with session_scope(fresh_app) as s:
        assert len(s.exec(select(IndicatorTarget)).all()) == 6

    # Each lead logs in with the secret shown once, chooses a password, lands on their home.
    for username, (secret, net_id) in secrets.items():
        lead = _open(fresh_app, username, secret)
        assert lead.title[0].value == "Mon compte"
        fields = {w.label: w for w in lead.text_input}
        fields["Nouveau mot de passe"].input("mon-mot-de-passe-2027")
        fields["Confirmer le nouveau mot de passe"].input("mon-mot-de-passe-2027")
        next(b for b in lead.button if b.label == "Enregistrer le nouveau mot de passe").click()
        lead.run()
        assert not lead.exception
        lead.switch_page(page("cohort/home")).run()
        code = next(c for n, c in networks if n == net_id)
        assert any(tx.value.startswith(f"{code} — ") for tx in lead.text)
        assert auth.login(fresh_app, username, "mon-mot-de-passe-2027").actor.network_id == net_id
        # …and can start reporting: the indicators page offers the indicators they follow.
        lead.switch_page(page("lead/indicators")).run()
        assert not lead.exception
        assert lead.title[0].value == "Indicateurs"
        assert not any("Aucun indicateur" in i.value for i in lead.info)

    assert clicks.count == 11  # 1 cohort + 1 networks + 1 sessions + 2 indicators + 3 + 3
    with capsys.disabled():
        print(f"\n[done when] new cohort set up from the pages in {clicks.count} form submissions")


# ---------------------------------------------------------------- on the demo cohort


def test_admin_pages_on_the_demo(login_as):
    at = login_as("admin")
    at.switch_page(page("admin/users")).run()
    assert not at.exception
    accounts = at.dataframe[0].value
    assert len(accounts) == 15 and "lead.r05" in set(accounts["Identifiant"])
    at.switch_page(page("admin/cohorts")).run()
    assert not at.exception and at.subheader[0].value.startswith("Alliances innovantes")
    at.switch_page(page("admin/indicators")).run()
    assert not at.exception
    # The targets editor (first tab) lists the whole catalogue for R01, all followed; the
    # catalogue tab lists the 16 indicators.
    editor, table = at.dataframe[0].value, at.dataframe[1].value
    assert len(editor) == 16 and editor["followed"].all()
    assert len(table) == 16 and "AGREEMENTS_SIGNED" in set(table["Code"])


def test_lead_cannot_open_admin_pages_on_the_demo(login_as):
    at = login_as("lead")
    for name in ADMIN_PAGES:
        with pytest.raises(ValueError):
            at.switch_page(page(name))


def test_next_cohort_set_up_next_to_the_demo(login_as, capsys):
    """The realistic case: the catalogue exists from the previous cohort."""
    from dashboard.ui import get_engine

    engine = get_engine()
    clicks = Clicks()
    at = login_as("admin")
    at.switch_page(page("admin/cohorts")).run()
    start = clock.add_months(clock.today(), -1)
    end = clock.add_months(start, 9) - dt.timedelta(days=1)
    _create_cohort(at, clicks, "AI-2027", "Alliances innovantes 2027", start, end)
    assert at.subheader[0].value == "Alliances innovantes 2027"  # the new cohort is selected
    _edit(
        at,
        "networks_AI-2027_0",
        added=[{"code": f"N{i}", "name": f"Réseau {i}"} for i in (1, 2, 3)],
    )
    clicks.submit(at, "Enregistrer les réseaux")
    _edit(
        at,
        "sessions_AI-2027_0",
        added=[
            {
                "code": "S1",
                "kind": "collective",
                "title": "Lancement",
                "session_date": str(start + dt.timedelta(days=12)),
            },
            {
                "code": "S2",
                "kind": "collective",
                "title": "Feuilles de route",
                "session_date": str(start + dt.timedelta(days=68)),
            },
        ],
    )
    clicks.submit(at, "Enregistrer les sessions")
    assert not _errors(at)
    cohort_id = _cohort_id(engine, "AI-2027")
    with session_scope(engine) as s:
        networks = s.exec(
            select(Network.id, Network.code)
            .where(Network.cohort_id == cohort_id)
            .order_by(Network.code)
        ).all()

    at.switch_page(page("admin/indicators")).run()
    for i, (net_id, _code) in enumerate(networks):
        _widget(at.selectbox, f"targets_network_{cohort_id}").set_value(net_id).run()
        followed = {"followed": True, "baseline_value": 0, "target_value": 5}
        _edit(at, f"targets_{net_id}_{i}", edited={0: followed, 2: followed, 5: followed})
        clicks.submit(at, "Enregistrer les cibles")
        assert not _errors(at)

    at.switch_page(page("admin/users")).run()
    for net_id, code in networks:
        _invite(at, clicks, f"Référente {code}", f"ref27.{code.lower()}@exemple.fr", "lead", net_id)
        assert not _errors(at) and len(at.code) == 1

    admin = auth.login(engine, "animation", "demo-animation-2026").actor
    assert cohorts.headline(engine, admin, cohort_id)["networks"] == 3
    with session_scope(engine) as s:
        follows = s.exec(
            select(IndicatorTarget.id).join(Network).where(Network.cohort_id == cohort_id)
        ).all()
    assert len(follows) == 3 * 3
    assert clicks.count == 9  # 1 cohort + 1 networks + 1 sessions + 3 targets + 3 invitations
    with capsys.disabled():
        print(f"\n[done when, demo catalogue] next cohort set up in {clicks.count} submissions")
