"""Synthetic cohorts (``python -m dashboard seed --synthetic``): their figures agree across
tables as the demo's do, the same seed gives the same rows, and a second run changes nothing."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from dashboard.__main__ import main
from dashboard.core.clock import month_end
from dashboard.core.config import get_settings
from dashboard.seed.derive import maturity_mean
from dashboard.seed.synthetic import LAST_MONTH, cohort_code, seed_synthetic
from models import (
    Alliance,
    Cohort,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    MaturityAssessment,
    MaturityScore,
    Milestone,
    Network,
)
from models.enums import SIGNED_STAGES

NETWORKS, MONTHS, SEED = 14, 8, 3
TABLES = [
    "network", "objective", "alliance", "alliance_stage_change", "milestone",
    "indicator_target", "indicator_value", "maturity_assessment", "maturity_score", "lesson",
]  # fmt: skip


@pytest.fixture
def cli(engine_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _values_by(session: Session, cohort_id: int) -> dict[tuple[int, str], list[tuple]]:
    rows = session.exec(
        select(IndicatorValue.network_id, Indicator.code, IndicatorValue.period_start,
               IndicatorValue.value, IndicatorValue.status)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .join(Network, Network.id == IndicatorValue.network_id)
        .where(Network.cohort_id == cohort_id)
        .order_by(IndicatorValue.period_start)
    ).all()  # fmt: skip
    out: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    for network_id, code, start, value, status in rows:
        out[(network_id, code)].append((start, value, status))
    return out


def test_derived_counts_agree_with_the_roadmap_rows(engine):
    report = seed_synthetic(engine, NETWORKS, MONTHS, SEED)
    assert not report.already_present
    with Session(engine) as s:
        cohort = s.exec(select(Cohort).where(Cohort.code == report.cohort_code)).one()
        networks = s.exec(select(Network).where(Network.cohort_id == cohort.id)).all()
        assert len(networks) == NETWORKS
        values = _values_by(s, cohort.id)
        followed = Counter(
            nid
            for nid in s.exec(
                select(IndicatorTarget.network_id)
                .join(Network)
                .where(Network.cohort_id == cohort.id)
            )
        )
        late = 0
        for net in networks:
            alliances = s.exec(select(Alliance).where(Alliance.network_id == net.id)).all()
            signed = s.exec(
                select(Alliance.id).where(Alliance.network_id == net.id, Alliance.signed_on != None)  # noqa: E711
            ).all()
            assert alliances, net.code
            assert followed[net.id] == 16
            # The last month reported: every followed indicator has a value that month.
            months = {
                start for (nid, _), rows in values.items() if nid == net.id for start, *_ in rows
            }
            last = max(months)
            assert month_end(last) < LAST_MONTH
            for start in months:
                assert (
                    sum(
                        1
                        for (nid, _), rows in values.items()
                        if nid == net.id
                        for s_, *_ in rows
                        if s_ == start
                    )
                    == 16
                )
            latest = {code: rows[-1] for (nid, code), rows in values.items() if nid == net.id}
            # AGREEMENTS_SIGNED equals the alliances signed by then; the pipeline those preparing.
            assert latest["AGREEMENTS_SIGNED"][1] == sum(
                1 for a in alliances if a.signed_on is not None and a.signed_on <= month_end(last)
            )
            assert latest["AGREEMENTS_SIGNED"][1] == len(signed)
            assert latest["ALLIANCES_IN_PIPELINE"][1] == sum(
                1 for a in alliances if a.stage == "preparing"
            )
            active = [a for a in alliances if a.stage in SIGNED_STAGES]
            assert 0 <= latest["PARTNERSHIP_FORMS"][1] <= min(6, len(active))
            # MATURITY_SCORE is the mean of the latest self-assessment's seven levels.
            assessment = s.exec(
                select(MaturityAssessment)
                .where(
                    MaturityAssessment.network_id == net.id, MaturityAssessment.assessor == "self"
                )
                .order_by(MaturityAssessment.assessed_on.desc())  # type: ignore[union-attr]
            ).first()
            assert assessment is not None
            levels = s.exec(
                select(MaturityScore.level).where(MaturityScore.assessment_id == assessment.id)
            ).all()
            assert len(levels) == 7
            assert latest["MATURITY_SCORE"][1] == maturity_mean(list(levels))
            # The month reported last is a draft, older ones validated.
            assert {row[2] for row in latest.values()} == {"draft"}
            assert values[(net.id, "TRUST_SCORE")][0][2] == "validated"
            late += len(
                s.exec(
                    select(Milestone.id).where(
                        Milestone.network_id == net.id,
                        Milestone.status.in_(["planned", "in_progress", "postponed"]),  # type: ignore[attr-defined]
                        Milestone.due_date < LAST_MONTH,
                    )
                ).all()
            )
        assert late > 0
        # Values stay within their indicator's scale.
        out_of_scale = s.exec(
            select(IndicatorValue.id)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .where(
                (IndicatorValue.value < Indicator.scale_min)
                | (IndicatorValue.value > Indicator.scale_max)
            )
        ).all()
        assert out_of_scale == []


def _dump(engine, code: str) -> dict[str, list[tuple]]:
    """Every synthetic row of the cohort, ids replaced by codes (ids differ between databases)."""
    queries = {
        "network": "SELECT n.code, n.name, n.sector, n.region_code, n.member_count FROM network n "
        "JOIN cohort c ON c.id = n.cohort_id WHERE c.code = :code",
        "alliance": "SELECT a.code, a.title, a.stage, a.signed_on, a.relation_logic, p.name "
        "FROM alliance a JOIN partner p ON p.id = a.partner_id JOIN network n ON n.id = a.network_id "
        "JOIN cohort c ON c.id = n.cohort_id WHERE c.code = :code",
        "milestone": "SELECT m.code, m.due_date, m.done_date, m.status, m.progress FROM milestone m "
        "JOIN network n ON n.id = m.network_id JOIN cohort c ON c.id = n.cohort_id WHERE c.code = :code",
        "target": "SELECT n.code, i.code, t.baseline_value, t.target_value, t.initial_target_value "
        "FROM indicator_target t JOIN indicator i ON i.id = t.indicator_id "
        "JOIN network n ON n.id = t.network_id JOIN cohort c ON c.id = n.cohort_id WHERE c.code = :code",
        "value": "SELECT n.code, i.code, v.period_start, v.value, v.status FROM indicator_value v "
        "JOIN indicator i ON i.id = v.indicator_id JOIN network n ON n.id = v.network_id "
        "JOIN cohort c ON c.id = n.cohort_id WHERE c.code = :code",
    }
    with engine.connect() as conn:
        return {
            name: sorted(tuple(map(str, r)) for r in conn.execute(text(sql), {"code": code}))
            for name, sql in queries.items()
        }


def _row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}


def test_same_seed_same_rows_and_a_second_run_changes_nothing(engine, cli, capsys, tmp_path):
    assert main(["seed", "--synthetic", "--networks", "5", "--months", "6", "--seed", "7"]) == 0
    assert f"Cohorte {cohort_code(5, 6, 7)} chargée" in capsys.readouterr().out
    first = _dump(engine, cohort_code(5, 6, 7))
    counts = _row_counts(engine)
    assert len(first["value"]) > 0
    assert main(["seed", "--synthetic", "--networks", "5", "--months", "6", "--seed", "7"]) == 0
    assert "déjà chargée : rien n'a été modifié" in capsys.readouterr().out
    assert _row_counts(engine) == counts
    # The same arguments on another database give the same rows; another seed other rows.
    from dashboard.core.db import make_engine, migrate

    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite'}", create=True)
    migrate(other)
    seed_synthetic(other, 5, 6, 7)
    seed_synthetic(other, 5, 6, 8)
    assert _dump(other, cohort_code(5, 6, 7)) == first
    assert _dump(other, cohort_code(5, 6, 8))["value"] != first["value"]
    other.dispose()


def test_synthetic_needs_a_number_of_networks(cli, capsys):
    assert main(["seed", "--synthetic"]) == 2
    assert "--synthetic demande --networks N" in capsys.readouterr().err
