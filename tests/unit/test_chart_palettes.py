"""Chart colours readable by everyone: every status/category colour reaches 3:1 against the
white background (WCAG 1.4.11), « Réalisé » and « En retard » differ by more than hue
(marker symbol, bar pattern), and the heatmap's labels reach 4.5:1 on every cell."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.charts import base as charts
from dashboard.charts import maturity as charts_maturity
from dashboard.charts import milestones as charts_milestones

WHITE = "#ffffff"


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _interpolate(a: str, b: str, f: float) -> str:
    a, b = a.lstrip("#"), b.lstrip("#")
    return "#" + "".join(
        f"{round(int(a[i : i + 2], 16) * (1 - f) + int(b[i : i + 2], 16) * f):02x}"
        for i in (0, 2, 4)
    )


CATEGORICAL = {
    "MILESTONE_STATUS_COLORS": charts.MILESTONE_STATUS_COLORS,
    "FAMILY_COLORS": charts.FAMILY_COLORS,
    "VALUE_STATUS_COLORS": charts.VALUE_STATUS_COLORS,
    "LOGIC_COLORS": charts.LOGIC_COLORS,
    "COMPANY_TYPE_COLORS": charts.COMPANY_TYPE_COLORS,
    "FRESHNESS_COLORS": charts.FRESHNESS_COLORS,
    "ASSESSOR_COLORS": charts_maturity.ASSESSOR_COLORS,
    "lines": {
        "target": charts.TARGET_COLOR,
        "baseline": charts.BASELINE_COLOR,
        "today": charts.TODAY_COLOR,
        "session": charts.SESSION_COLOR,
    },
}


@pytest.mark.parametrize("name", list(CATEGORICAL))
def test_every_category_colour_reaches_3_to_1_on_white(name):
    weak = {k: round(contrast(c, WHITE), 2) for k, c in CATEGORICAL[name].items()}
    assert {k: r for k, r in weak.items() if r < 3} == {}


def test_done_and_late_are_not_told_apart_by_hue_alone():
    counts = pd.DataFrame({"network_name": ["A", "A"], "status": ["done", "late"], "count": [2, 1]})
    bars = {tr.name: tr for tr in charts_milestones.milestone_status_bars(counts).data}
    assert bars["Réalisé"].marker.pattern.shape != bars["En retard"].marker.pattern.shape
    # The hatching is drawn over the status colour: the bar keeps its fill.
    assert bars["En retard"].marker.pattern.fillmode == "overlay"
    rows = pd.DataFrame(
        {
            "network_name": ["A", "A"],
            "title": ["Fait", "Pas fait"],
            "due_date": [dt.date(2026, 1, 5), dt.date(2026, 1, 10)],
            "done_date": [dt.date(2026, 1, 5), None],
            "derived_status": ["done", "late"],
        }
    )
    sessions = pd.DataFrame({"session_date": [], "code": []})
    timeline = charts_milestones.milestone_timeline(rows, sessions, dt.date(2026, 1, 20))
    markers = {tr.name: tr.marker.symbol for tr in timeline.data if tr.mode == "markers"}
    assert markers["Réalisé"] != markers["En retard"]


def test_heatmap_labels_reach_4_5_to_1_on_every_cell_colour():
    stops = charts.PROGRESS_SCALE
    samples = [
        _interpolate(a[1], b[1], f / 10)
        for a, b in zip(stops, stops[1:], strict=False)
        for f in range(11)
    ]
    worst = min(contrast(charts.HEATMAP_TEXT_COLOR, c) for c in samples)
    assert worst >= 4.5
    # One hue: the scale gets darker as progress grows (no red/green).
    lum = [_luminance(c) for _, c in stops]
    assert lum == sorted(lum, reverse=True)


def test_chart_text_is_dark_not_the_theme_grey():
    counts = pd.DataFrame({"network_name": ["A"], "status": ["done"], "count": [1]})
    fig = charts_milestones.milestone_status_bars(counts)
    assert fig.layout.font.color == charts.TEXT_COLOR
    assert fig.layout.xaxis.tickfont.color == charts.TEXT_COLOR
    assert contrast(charts.TEXT_COLOR, WHITE) >= 4.5
    maturity = pd.DataFrame(
        {
            "network_name": ["A"],
            "axis": ["vision"],
            "assessor": ["self"],
            "first_level": [1],
            "latest_level": [2],
        }
    )
    config = charts_maturity.maturity_distribution(maturity).to_dict()["config"]
    assert config["axis"]["labelColor"] == charts.TEXT_COLOR
    assert config["legend"]["labelColor"] == charts.TEXT_COLOR


def test_heatmap_column_headers_are_whole_and_slanted_so_they_do_not_overlap():
    from dashboard.charts import indicators as charts_indicators

    labels = ["Conventions de partenariat signées", "Associations membres impliquées"]
    progress = pd.DataFrame(
        {
            "network_name": ["A", "A"],
            "indicator_code": ["X", "Y"],
            "indicator_label": labels,
            "progress": [0.5, 0.2],
            "progress_raw": [0.5, 0.2],
            "current": [1.0, 2.0],
            "baseline": [0.0, 0.0],
            "target": [2.0, 10.0],
            "unit": ["count", "count"],
            "accumulation": ["level", "level"],
        }
    )
    fig = charts_indicators.progress_heatmap(progress)
    assert list(fig.data[0].x) == labels  # one line each, no <br> stacking into neighbours
    assert fig.layout.xaxis.tickangle not in (None, 0)
    assert fig.data[0].textfont.color == charts.HEATMAP_TEXT_COLOR
