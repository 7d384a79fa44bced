"""In a real browser, what a lead types is kept or refused with its reason: letters in an
indicator value, a long paste, a bad date in the stage form, a future « Réalisé le », and a
grid date typed jj/mm/aaaa in an English-language browser."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import choose, login

TIMEOUT = 45_000
LEAD, PASSWORD = "lead.r01", "demo-referent-2026"


@pytest.fixture(scope="module")
def database(live_server, tmp_path_factory) -> Path:
    """The live server's SQLite file (created by the ``live_server`` fixture)."""
    found = sorted(tmp_path_factory.getbasetemp().glob("e2e*/e2e.sqlite"))
    assert found, "the live server's database file"
    return found[0]


def _query(database: Path, sql: str, *args):
    with sqlite3.connect(database) as db:
        return db.execute(sql, args).fetchall()


def _open(page: Page, base: str, path: str) -> None:
    login(page, base, LEAD, PASSWORD)
    expect(page.get_by_text("Mon réseau")).to_be_visible(timeout=TIMEOUT)
    page.goto(f"{base}/{path}")


def _grid(page: Page):
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible(timeout=TIMEOUT)
    return grid


def _type_in_cell(page: Page, grid, column: int, text: str, row: int = 0) -> None:
    """Select the grid's first cell, move to (row, column) with the keyboard, type, Enter.

    Each move is confirmed on the grid's accessible table (the cell ``glide-cell-<col>-<row>``
    marked ``aria-selected``) before the next key, so a key pressed while the page still
    re-renders cannot land the text in a neighbouring column."""
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 40, box["y"] + 35 + 17 + 35 * 0)  # first body row, first cell
    first = grid.locator('td[aria-selected="true"]').first
    expect(first).to_have_id(re.compile(r"glide-cell-\d+-0"), timeout=10_000)
    origin = int((first.get_attribute("id") or "").split("-")[2])  # a hidden index column: 1
    for step in range(1, column + 1):
        page.keyboard.press("ArrowRight")
        _selected(grid, origin + step, 0)
    for step in range(1, row + 1):
        page.keyboard.press("ArrowDown")
        _selected(grid, origin + column, step)
    page.keyboard.press("Enter")  # open the cell's editor
    page.wait_for_timeout(400)
    page.keyboard.press("Control+a")  # replace what the cell held
    page.keyboard.type(text, delay=30)
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)  # the edit reaches the form state


def _selected(grid, column: int, row: int) -> None:
    cell = grid.locator(f"#glide-cell-{column}-{row}")
    expect(cell).to_have_attribute("aria-selected", "true", timeout=10_000)


def _error(page: Page):
    return page.locator('[data-testid="stAlertContentError"]').first


def test_letters_in_a_value_cell_are_refused(page, live_server, database):
    before = _query(database, "SELECT count(*), max(updated_at) FROM indicator_value")
    _open(page, live_server, "indicateurs")
    grid = _grid(page)
    _type_in_cell(page, grid, column=1, text="abc")  # « Valeur »
    page.get_by_role("button", name="Enregistrer en brouillon").click()
    expect(_error(page)).to_contain_text(
        "« Valeur » : « abc » n'est pas un nombre", timeout=TIMEOUT
    )
    assert _query(database, "SELECT count(*), max(updated_at) FROM indicator_value") == before


def test_a_link_without_its_scheme_is_refused_with_a_message(page, live_server, database):
    before = _query(database, "SELECT count(*), max(updated_at) FROM indicator_value")
    _open(page, live_server, "indicateurs")
    grid = _grid(page)
    _type_in_cell(page, grid, column=8, text="www.exemple.fr/bilan")  # « Lien de preuve »
    page.get_by_role("button", name="Enregistrer en brouillon").click()
    expect(_error(page)).to_contain_text(
        "« Lien de preuve » : l'adresse doit commencer par https://", timeout=TIMEOUT
    )
    assert _query(database, "SELECT count(*), max(updated_at) FROM indicator_value") == before


def test_a_long_paste_is_kept_and_refused_as_too_long(page, live_server, database):
    before = _query(database, "SELECT count(*) FROM lesson")
    _open(page, live_server, "enseignements")
    text = ("Les partenaires viennent quand on parle de leur métier. " * 90).strip()
    page.get_by_text("Écrire un enseignement").click()
    area = page.get_by_label("Enseignement", exact=True).first
    expect(area).to_be_visible(timeout=TIMEOUT)
    area.fill(text)
    page.get_by_role("button", name="Enregistrer l'enseignement").click()
    expect(_error(page)).to_contain_text("« Enseignement » : texte trop long", timeout=TIMEOUT)
    assert area.input_value() == text
    assert _query(database, "SELECT count(*) FROM lesson") == before


def test_a_future_date_in_the_stage_form_is_refused(page, live_server, database):
    before = _query(database, "SELECT count(*) FROM alliance_stage_change")
    _open(page, live_server, "alliances")
    box = page.get_by_role("combobox", name="Nouvelle étape")
    expect(box).to_be_visible(timeout=TIMEOUT)
    choose(page, box)
    date = page.get_by_label("Date", exact=True)
    date.fill("31/12/2099")
    page.get_by_role("button", name="Changer d'étape").click()
    expect(_error(page)).to_contain_text(
        "« Date » : le 31/12/2099 est dans le futur", timeout=TIMEOUT
    )
    assert date.input_value() == "31/12/2099"
    assert _query(database, "SELECT count(*) FROM alliance_stage_change") == before


def test_a_future_done_date_is_refused_not_emptied(page, live_server, database):
    before = _query(database, "SELECT id, version, done_date FROM milestone ORDER BY id")
    _open(page, live_server, "jalons")
    grid = _grid(page)
    _type_in_cell(page, grid, column=5, text="31/12/2099")  # « Réalisé le »
    page.get_by_role("button", name="Enregistrer les jalons").click()
    expect(_error(page)).to_contain_text(
        "« Réalisé le » : le 31/12/2099 est dans le futur", timeout=TIMEOUT
    )
    assert _query(database, "SELECT id, version, done_date FROM milestone ORDER BY id") == before


def test_a_grid_date_typed_in_an_english_browser_is_read_jj_mm_aaaa(browser, live_server, database):
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        (first_id,) = _query(
            database,
            "SELECT m.id FROM milestone m JOIN network n ON n.id = m.network_id "
            "WHERE n.code = 'R01' ORDER BY m.due_date, m.id LIMIT 1",
        )[0]
        _open(page, live_server, "jalons")
        grid = _grid(page)
        _type_in_cell(page, grid, column=4, text="04/03/2027")  # « Échéance »: 4 March
        page.get_by_role("button", name="Enregistrer les jalons").click()
        expect(page.get_by_text("Jalons enregistrés")).to_be_visible(timeout=TIMEOUT)
        stored = _query(database, "SELECT due_date FROM milestone WHERE id = ?", first_id)
        assert stored == [(dt.date(2027, 3, 4).isoformat(),)]
    finally:
        context.close()
