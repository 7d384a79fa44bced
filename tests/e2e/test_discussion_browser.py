"""In a real browser: a lead answers in a milestone's discussion; what they typed shows as
typed — no script runs, no Markdown turns into bold."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import login

TIMEOUT = 45_000
TYPED = "<script>alert('x')</script> **gras** <b>balise</b>"


def test_a_lead_posts_in_a_thread_and_sees_the_text_as_typed(page, live_server):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(page, live_server, "lead.r05", "demo-referent-2026")
    expect(page.get_by_text("Mon réseau")).to_be_visible(timeout=TIMEOUT)
    page.goto(live_server + "/jalons")
    panel = page.get_by_text("Discussion :").first
    expect(panel).to_be_visible(timeout=TIMEOUT)
    panel.click()
    page.get_by_role("textbox", name="Votre message").fill(TYPED)
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_text("Commentaire publié.")).to_be_visible(timeout=TIMEOUT)
    page.get_by_text("Discussion :").first.click()
    shown = page.locator("span").filter(has_text=TYPED)
    expect(shown).to_be_visible(timeout=TIMEOUT)
    assert page.locator("strong", has_text="gras").count() == 0
    assert page.locator("b", has_text="balise").count() == 0
    assert dialogs == []
    page.screenshot(path="test-results/discussion_thread.png", full_page=True)
