"""Every chart on the cohort dashboard comes with its French summary and its data table
(« Données du graphique »), and Plotly gets the French locale with no English toolbar."""

from __future__ import annotations

import json

from tests.app.conftest import page


def test_every_dashboard_chart_has_a_summary_a_table_and_the_french_config(login_as):
    at = login_as("steering")
    at.switch_page(page("cohort/dashboard")).run()
    assert not at.exception, at.exception
    charts = at.get("plotly_chart")
    assert charts
    for chart in charts:
        config = json.loads(chart.proto.config)
        assert config["locale"] == "fr"
        assert config["locales"]["fr"]["format"]["months"][2] == "Mars"
        assert config["displayModeBar"] is False
    expanders = [e for e in at.expander if e.label == "Données du graphique"]
    # One table per chart that has data (Plotly and Vega-Lite alike).
    assert len(expanders) >= len(charts)
    captions = [c.value for c in at.caption]
    assert any(
        c.startswith("Graphique en barres « Jalons par réseau et par statut » ; ") for c in captions
    )
    heat = [c for c in captions if c.startswith("Tableau de couleurs « Avancement vers la cible")]
    assert heat and "valeur(s), détaillées dans « Données du graphique »" in heat[0]
