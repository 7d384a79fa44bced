"""``python -m dashboard bench --json`` on a small synthetic cohort: one JSON object with every
figure the benchmark reports, each of a sane kind (no timing is compared with a target here)."""

from __future__ import annotations

import json

from sqlalchemy import text

from dashboard.__main__ import main
from dashboard.core.config import get_settings
from dashboard.core.db import make_engine
from dashboard.seed.synthetic import cohort_code

KEYS = {
    "networks", "dashboard_rerun_ms", "dashboard_cold_ms", "dashboard_floor_ms",
    "dashboard_ratio", "figure_bytes", "statements_small", "statements_large",
    "csv_export_ratio", "xlsx_export_ratio", "export_peak_mb", "save_p95_ms", "lost_updates",
}  # fmt: skip


def test_bench_json_reports_every_figure(engine_url, monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    args = ["bench", "--networks", "3", "--months", "4", "--runs", "1", "--edits", "2"]
    assert main([*args, "--database-url", engine_url, "--json"]) == 0
    out = capsys.readouterr().out
    figures = json.loads(out)  # one object, nothing else on the output
    assert set(figures) >= KEYS
    assert figures["networks"] == 3
    engine = make_engine(engine_url)
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT COUNT(*) FROM indicator_value v JOIN network n ON n.id = v.network_id "
                "JOIN cohort c ON c.id = n.cohort_id WHERE c.code = :code"
            ),
            {"code": cohort_code(3, 4, 0)},
        ).scalar_one()
        accepted = conn.execute(
            text(
                "SELECT COUNT(*) FROM change_log l JOIN milestone m ON m.id = l.entity_id "
                "WHERE l.entity = 'milestone' AND l.action = 'update' AND l.field = 'comment' "
                "AND m.title LIKE 'Compteur du banc%'"
            )
        )
        saves_logged = accepted.scalar_one()
    engine.dispose()
    assert figures["indicator_values"] == stored > 0
    assert figures["export_rows"] == stored and figures["export_rows_agree"] is True
    for key in ("dashboard_rerun_ms", "dashboard_cold_ms", "dashboard_floor_ms", "save_p95_ms"):
        assert figures[key] > 0, key
    assert figures["dashboard_ratio"] > 0
    assert figures["csv_export_ratio"] > 0 and figures["xlsx_export_ratio"] > 0
    assert figures["export_peak_mb"] > 0
    assert figures["figure_bytes"] > 1000  # the page sent its charts
    assert figures["statements_small"] > 0 and figures["statements_large"] > 0
    # Every writer saved its edits, each accepted save is in the final counter and logged once.
    assert figures["saves_accepted"] == figures["writers"] * 2
    assert figures["lost_updates"] == 0
    assert saves_logged == figures["saves_accepted"]
