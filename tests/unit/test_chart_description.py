"""Every chart also in words and as a table (« Données du graphique »), and Plotly in French
without its English toolbar: what a screen-reader or colour-blind reader gets instead of
the picture."""

from __future__ import annotations

import pandas as pd

from dashboard.charts import indicators as charts_indicators
from dashboard.charts import maturity as charts_maturity
from dashboard.charts import milestones as charts_milestones
from dashboard.charts.describe import (
    altair_summary,
    altair_table,
    figure_summary,
    figure_table,
)
from dashboard.ui.charts import plotly_config


def _counts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "network_name": ["Réseau A", "Réseau A", "Réseau <B>"],
            "status": ["done", "late", "late"],
            "count": [3, 1, 2],
        }
    )


def test_bar_chart_table_has_one_french_row_per_bar():
    table = figure_table(charts_milestones.milestone_status_bars(_counts()))
    assert list(table.columns[:3]) == ["Série", "Réseau", "Nombre de jalons"]
    rows = {(r["Série"], r["Réseau"]): r["Nombre de jalons"] for _, r in table.iterrows()}
    assert rows == {
        ("Réalisé", "Réseau A"): "3",
        ("Réalisé", "Réseau <B>"): "0",
        ("En retard", "Réseau A"): "1",
        ("En retard", "Réseau <B>"): "2",
    }
    # The hover text comes along as plain text (escaped names decoded, no tags).
    assert "Réseau <B>" in " ".join(table["Détail"])
    assert "<b>" not in " ".join(table["Détail"])
    assert "Réseau A · En retard : 1 jalon(s) sur 4" in list(table["Détail"])


def test_summary_names_the_chart_its_series_and_where_the_values_are():
    summary = figure_summary(charts_milestones.milestone_status_bars(_counts()))
    assert summary == (
        "Graphique en barres « Jalons par réseau et par statut » ; "
        "2 série(s) : Réalisé, En retard ; "
        "4 valeur(s), détaillées dans « Données du graphique »."
    )


def test_empty_chart_summary_is_its_message_and_it_has_no_table():
    fig = charts_milestones.milestone_status_bars(_counts().iloc[0:0])
    assert figure_summary(fig) == "Jalons par réseau et par statut Aucun jalon sur la période."
    assert figure_table(fig).empty


def test_heatmap_table_gives_each_cell_its_shown_text_and_skips_nothing_written():
    progress = pd.DataFrame(
        {
            "network_name": ["Réseau A", "Réseau B"],
            "indicator_code": ["AGREEMENTS_SIGNED", "AGREEMENTS_SIGNED"],
            "indicator_label": ["Conventions signées", "Conventions signées"],
            "progress": [0.425, None],
            "progress_raw": [0.425, None],
            "current": [4.0, None],
            "baseline": [1.0, None],
            "target": [8.0, None],
            "unit": ["count", "count"],
            "accumulation": ["cumulative", "cumulative"],
        }
    )
    table = figure_table(charts_indicators.progress_heatmap(progress))
    values = {r["Ligne"]: r["Valeur"] for _, r in table.iterrows()}
    assert values["Réseau A"].replace("\u202f", " ").replace("\xa0", " ") == "42 %"
    assert values["Réseau B"] == "—"  # no progress is said, never 0 %


def test_altair_table_uses_the_french_titles_of_the_encodings():
    maturity = pd.DataFrame(
        {
            "network_name": ["Réseau A"] * 2,
            "axis": ["vision", "evaluation"],
            "assessor": ["self", "self"],
            "first_level": [1, 2],
            "latest_level": [2, 3],
        }
    )
    chart = charts_maturity.maturity_distribution(maturity)
    table = altair_table(chart)
    assert {"Axe", "Nombre de réseaux", "Niveau", "Moment"} <= set(table.columns)
    assert "count" not in table.columns and "axis_label" not in table.columns
    assert altair_summary(chart).startswith(
        "Graphique « Répartition des réseaux par niveau de maturité, axe par axe » ; 4 valeur(s)"
    )


def test_plotly_charts_use_the_french_locale_and_show_no_english_toolbar():
    config = plotly_config()
    assert config["locale"] == "fr"
    french = config["locales"]["fr"]
    assert (
        french["dictionary"]["Download plot as a PNG"] == "Télécharger le graphique en fichier PNG"
    )
    assert french["format"]["months"][0] == "Janvier"
    assert french["format"]["decimal"] == ","
    assert config["displayModeBar"] is False
    assert config["displaylogo"] is False
