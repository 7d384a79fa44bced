"""What every editing page shares (dashboard/ui/flash.py): after a save the page says so once,
and its forms start again from the stored data."""

from __future__ import annotations

from dashboard.services import roadmap
from dashboard.ui import get_engine
from tests.app.conftest import page
from tests.app.test_lead_roadmap_pages import _actors, _button


def test_after_a_save_the_message_shows_once_and_the_form_is_empty(login_as):
    at = login_as("lead")
    at.switch_page(page("lead/objectives")).run()
    title = next(w for w in at.text_input if w.label == "Intitulé")
    title.input("Essaimer dans deux nouvelles régions")
    _button(at, "Ajouter l'objectif").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["Objectif ajouté."]
    assert next(w for w in at.text_input if w.label == "Intitulé").value == ""
    net_id, _, admin = _actors()
    titles = list(roadmap.list_objectives(get_engine(), admin, net_id)["title"])
    assert titles.count("Essaimer dans deux nouvelles régions") == 1

    at.run()  # any later rerun: the message was for the run right after the save
    assert not at.success
    assert not at.exception


def test_the_message_of_one_page_is_not_shown_by_another(login_as):
    at = login_as("lead")
    at.switch_page(page("lead/objectives")).run()
    next(w for w in at.text_input if w.label == "Intitulé").input("Un objectif de plus")
    _button(at, "Ajouter l'objectif").click().run()
    assert [s.value for s in at.success] == ["Objectif ajouté."]
    at.switch_page(page("lead/lessons")).run()
    assert not at.exception
    assert not at.success
