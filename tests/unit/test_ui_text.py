"""User-typed text quoted in messages is shown literally."""

from dashboard.ui import escape_markdown


def test_links_emphasis_and_html_are_neutralised():
    shown = escape_markdown("Ligne 2 (« [clic](https://exemple.org) **gras** <b>x</b> »)")
    assert "\\[clic\\](https://exemple.org)" in shown
    assert "\\*\\*gras\\*\\*" in shown and "\\<b\\>" in shown


def test_plain_french_text_keeps_its_letters():
    assert escape_markdown("Réseau Clicommun : échéance dépassée") == (
        "Réseau Clicommun : échéance dépassée"
    )
