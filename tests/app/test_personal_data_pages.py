"""Personal data in the pages: the programme team anonymises a departed lead from « Personnes »
(with a confirmation), after which no page of any role shows their name or e-mail; « Mon
compte » offers everyone the download of their own data."""

from __future__ import annotations

import json
import re

from sqlmodel import select
from streamlit.runtime.media_file_manager import MediaFileManager

from dashboard.auth import accounts as auth
from dashboard.core.db import session_scope
from dashboard.services import privacy
from dashboard.ui import get_engine
from dashboard.ui.navigation import pages_for
from models import Network, User
from models.enums import Role
from tests.app.conftest import page

OLD_NAME = "Claire Dumontel"
NEEDLES = (OLD_NAME, "Dumontel", "claire.dumontel@exemple.org")


def _page_text(at) -> str:
    """Everything the page sends to the browser (texts, tables' data, widgets' options,
    charts' specs), as text."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def _actor(username: str):
    with session_scope(get_engine()) as s:
        user = s.exec(select(User).where(User.username == username)).one()
        network = s.get(Network, user.network_id) if user.network_id else None
        return auth.actor_for(user, network)


def _lead_id() -> int:
    with session_scope(get_engine()) as s:
        return s.exec(select(User.id).where(User.full_name == OLD_NAME)).one()


def test_the_programme_team_anonymises_a_departed_lead_after_confirming(login_as):
    at = login_as("admin").switch_page(page("admin/users")).run()
    box = next(w for w in at.selectbox if w.key == "manage_user")
    box.set_value(_lead_id()).run()
    assert OLD_NAME in _page_text(at)
    anonymise = next(b for b in at.button if b.label == "Anonymiser")
    anonymise.click().run()
    assert [e.value for e in at.error] == [
        "Cochez la case de confirmation pour anonymiser ce compte."
    ]
    with session_scope(get_engine()) as s:
        assert s.get(User, _lead_id()).anonymised_at is None  # nothing done yet
    next(c for c in at.checkbox if c.label.startswith("Je confirme")).check()
    next(b for b in at.button if b.label == "Anonymiser").click().run()
    assert not at.exception, at.exception
    lead_id = box.value
    assert [s.value for s in at.success] == [
        f"Compte anonymisé : il apparaît désormais comme « Personne anonymisée n° {lead_id} »."
    ]
    assert any("Compte anonymisé le" in i.value for i in at.info)
    accounts = at.dataframe[0].value
    row = accounts[accounts["Identifiant"] == f"anonyme-{lead_id}"].iloc[0]
    assert (row["Nom"], row["Courriel"], row["Actif"]) == (
        f"Personne anonymisée n° {lead_id}",
        "",
        "anonymisé",
    )
    assert not [n for n in NEEDLES if n in _page_text(at)]
    assert not [b for b in at.button if b.label in ("Anonymiser", "Réactiver le compte")]
    assert not auth.login(get_engine(), "lead.r01", "demo-referent-2026").ok


def test_the_last_admin_cannot_anonymise_themselves_from_the_page(login_as):
    at = login_as("admin").switch_page(page("admin/users")).run()
    box = next(w for w in at.selectbox if w.key == "manage_user")
    me = _actor("animation")
    box.set_value(me.id).run()
    next(c for c in at.checkbox if c.label.startswith("Je confirme")).check()
    next(b for b in at.button if b.label == "Anonymiser").click().run()
    assert any("votre propre compte" in e.value for e in at.error)
    with session_scope(get_engine()) as s:
        assert s.get(User, me.id).full_name != f"Personne anonymisée n° {me.id}"


def test_no_page_of_any_role_shows_the_anonymised_lead(login_as):
    at = login_as("admin").switch_page(page("cohort/history")).run()
    assert OLD_NAME in _page_text(at)  # the check below can fail: the name is shown before
    privacy.anonymise_user(get_engine(), _actor("animation"), _lead_id(), version=None)
    shown = []
    for who, role in (
        ("admin", Role.admin),
        ("steering", Role.steering),
        ("ministry", Role.ministry),
        ("lead.r02", Role.lead),
    ):
        at = login_as(who)
        for spec in pages_for(role):
            at.switch_page(f"../{spec.file}").run()
            assert not at.exception, (who, spec.file, at.exception)
            text = _page_text(at)
            shown += [(who, spec.file, n) for n in NEEDLES if n in text]
    assert shown == []


def test_my_account_offers_my_own_data_as_json(login_as, monkeypatch):
    # The button builds the file when clicked (a callable handed to Streamlit's media files):
    # keep what it registers, to read the file the person would download.
    offered = []
    real = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        offered.append((data_callable, mimetype, file_name))
        return real(self, data_callable, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = login_as("lead").switch_page(page("account/account")).run()
    assert not at.exception, at.exception
    assert "Mes données personnelles" in [h.value for h in at.subheader]
    (button,) = at.get("download_button")
    assert button.proto.label == "Télécharger mes données (JSON)"
    (build, mimetype, file_name) = offered[-1]
    assert mimetype == "application/json"
    assert re.fullmatch(r"mes-donnees-lead\.r01-\d{4}-\d\d-\d\d\.json", file_name), file_name
    data = json.loads(build())
    assert (data["account"]["username"], data["account"]["full_name"]) == ("lead.r01", OLD_NAME)
    assert data["account"]["email"] == "claire.dumontel@exemple.org"
    assert data["login_sessions"], "the session this test opened"
