"""Streamlit's English defaults cannot reach a page: every table says how an empty cell
looks (« — » or blank, never Streamlit's « None »), and every chart goes through the one
helper that puts Plotly in French (``dashboard.ui.charts.show_chart``)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.joinpath("pages").rglob("*.py"), *ROOT.joinpath("dashboard").rglob("*.py")])


def _calls(method: str):
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == method
            ):
                yield path.relative_to(ROOT).as_posix(), node


def test_every_table_shows_empty_cells_without_english_none():
    calls = [*_calls("dataframe"), *_calls("data_editor")]
    assert len(calls) > 20  # the scan sees the pages
    missing = [
        f"{path}:{node.lineno}"
        for path, node in calls
        if not any(k.arg == "placeholder" for k in node.keywords)
    ]
    assert missing == []


def test_every_chart_goes_through_show_chart():
    direct = [
        f"{path}:{node.lineno}"
        for method in ("plotly_chart", "altair_chart", "vega_lite_chart")
        for path, node in _calls(method)
        if path != "dashboard/ui/charts.py"
    ]
    assert direct == []
    assert "show_chart(" in (ROOT / "pages/cohort/dashboard.py").read_text(encoding="utf-8")


def test_every_multiselect_has_a_french_placeholder():
    calls = list(_calls("multiselect"))
    assert calls
    missing = [
        f"{path}:{node.lineno}"
        for path, node in calls
        if not any(k.arg == "placeholder" for k in node.keywords)
    ]
    assert missing == []  # never Streamlit's « Choose options »
