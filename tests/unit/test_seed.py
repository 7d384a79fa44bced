"""The demo cohort loaded from ``seed_data/``: sizes, derived indicators that agree with the
roadmap, the storylines the data must tell, idempotence, determinism and all-or-nothing loading.

Every assertion reads what the database stores."""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
from collections import Counter, defaultdict
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from dashboard.core.clock import month_end
from dashboard.core.errors import ValidationFailed
from dashboard.seed.read import DEFAULT_DATA_DIR, seed_demo
from models import (
    Alliance,
    AllianceStageChange,
    Cohort,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Lesson,
    MaturityAssessment,
    MaturityScore,
    Milestone,
    Network,
    Partner,
    ProgrammeSession,
    User,
)
from models.enums import SIGNED_STAGES
from tests.conftest import DEMO_AS_OF

AS_OF = dt.date(2026, 11, 26)
NETWORKS = [f"R{i:02d}" for i in range(1, 13)]
INDICATORS = {
    "PRIVATE_RESOURCES_SHARE", "ALLIANCE_RESOURCES_EUR", "AGREEMENTS_SIGNED",
    "ALLIANCES_IN_PIPELINE", "PARTNERSHIP_FORMS", "MEMBERS_INVOLVED", "PEER_REPLICATIONS",
    "DEPARTEMENTS_COVERED", "VOLUNTEERS_MOBILISED", "SKILLS_SPONSORSHIP_HOURS", "IN_KIND_EUR",
    "PUBLIC_POLICY_CONTRIBUTIONS", "EXPERIMENTS_LAUNCHED", "BENEFICIARIES_REACHED",
    "TRUST_SCORE", "MATURITY_SCORE",
}  # fmt: skip


def _all(engine, statement) -> list:
    with engine.connect() as conn:
        return list(conn.execute(statement))


def _count(engine, model) -> int:
    return _all(engine, select(func.count()).select_from(model))[0][0]


def _network_codes(engine) -> dict[int, str]:
    return dict(_all(engine, select(Network.id, Network.code)))


def _values(engine) -> dict[tuple[str, str], list]:
    """(network, indicator) → [(period_start, value, status, comment)] in period order."""
    rows = _all(
        engine,
        select(
            Network.code,
            Indicator.code,
            IndicatorValue.period_start,
            IndicatorValue.value,
            IndicatorValue.status,
            IndicatorValue.comment,
        )
        .join(Network, Network.id == IndicatorValue.network_id)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .order_by(IndicatorValue.period_start),
    )
    out: dict[tuple[str, str], list] = defaultdict(list)
    for net, code, start, value, status, comment in rows:
        out[(net, code)].append((start, value, status, comment))
    return out


def _targets(engine) -> dict[tuple[str, str], tuple]:
    rows = _all(
        engine,
        select(
            Network.code,
            Indicator.code,
            IndicatorTarget.baseline_value,
            IndicatorTarget.target_value,
        )
        .join(Network, Network.id == IndicatorTarget.network_id)
        .join(Indicator, Indicator.id == IndicatorTarget.indicator_id),
    )
    return {(net, code): (base, target) for net, code, base, target in rows}


def _histories(engine) -> dict[int, list[tuple[dt.date, str | None, str, str | None]]]:
    """alliance id → [(changed_on, from_stage, to_stage, comment)] in insertion order."""
    rows = _all(
        engine,
        select(
            AllianceStageChange.alliance_id,
            AllianceStageChange.changed_on,
            AllianceStageChange.from_stage,
            AllianceStageChange.to_stage,
            AllianceStageChange.comment,
        ).order_by(AllianceStageChange.id),
    )
    out: dict[int, list] = defaultdict(list)
    for alliance_id, *change in rows:
        out[alliance_id].append(tuple(change))
    return out


def _dump(engine, *, skip: frozenset[tuple[str, str]] = frozenset()) -> dict[str, list[tuple]]:
    """Every row of every table, all columns (minus ``skip``), ordered by primary key."""
    out = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in skip]
            query = select(*columns).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in conn.execute(query)]
    return out


# --------------------------------------------------------------------------- sizes and people


def test_demo_cohort_sizes(demo_engine):
    cohorts = _all(demo_engine, select(Cohort.code, Cohort.start_date, Cohort.end_date))
    assert cohorts == [("AI-2026", dt.date(2025, 10, 1), dt.date(2026, 6, 30))]
    networks = _all(demo_engine, select(Network.code, Network.is_fictional, Network.rna))
    assert sorted(code for code, _, _ in networks) == NETWORKS
    assert all(fictional for _, fictional, _ in networks)
    assert all(rna is None or rna.startswith("W0000000") for _, _, rna in networks)
    sessions = _all(
        demo_engine,
        select(ProgrammeSession.code, ProgrammeSession.number).order_by(
            ProgrammeSession.session_date
        ),
    )
    assert sessions == [("S1", 1), ("S2", 2), ("W1", 3), ("S3", 4), ("S4", 5), ("COPIL", 6)]
    assert {code for (code,) in _all(demo_engine, select(Indicator.code))} == INDICATORS
    assert 20 <= _count(demo_engine, Lesson) <= 30
    assert _all(demo_engine, select(func.count()).where(Partner.is_fictional.is_(False))) == [(0,)]


def test_alliance_families_follow_the_intended_mix(demo_engine):
    families = Counter(
        family
        for (family,) in _all(
            demo_engine, select(Partner.family).join(Alliance, Alliance.partner_id == Partner.id)
        )
    )
    total = sum(families.values())
    assert 50 <= total <= 70
    assert 0.30 <= families["peer"] / total <= 0.40
    assert 0.25 <= families["public"] / total <= 0.35
    assert 0.25 <= (families["company"] + families["foundation"]) / total <= 0.35
    assert 0.02 <= families["academic"] / total <= 0.10
    # A company partnership type exactly when the partner is a company or a foundation.
    rows = _all(
        demo_engine,
        select(Partner.family, Alliance.company_type).join(
            Alliance, Alliance.partner_id == Partner.id
        ),
    )
    assert all((f in ("company", "foundation")) == (ct is not None) for f, ct in rows)


def test_users_roles_and_leads_linked_to_their_network(demo_engine):
    codes = _network_codes(demo_engine)
    users = _all(demo_engine, select(User.username, User.role, User.network_id, User.password_hash))
    assert len(users) == 15
    assert Counter(role for _, role, _, _ in users) == {
        "lead": 12,
        "steering": 1,
        "ministry": 1,
        "admin": 1,
    }
    leads = {name: codes[net] for name, role, net, _ in users if role == "lead"}
    assert leads == {f"lead.{code.lower()}": code for code in NETWORKS}
    others = {name: (role, net) for name, role, net, _ in users if role != "lead"}
    assert others == {
        "copil": ("steering", None),
        "ministere": ("ministry", None),
        "animation": ("admin", None),
    }
    assert all(h.startswith("$argon2id$") for _, _, _, h in users)


def test_milestones_per_network_and_late_share(demo_engine):
    codes = _network_codes(demo_engine)
    rows = _all(
        demo_engine,
        select(
            Milestone.network_id,
            Milestone.status,
            Milestone.due_date,
            Milestone.done_date,
            Milestone.progress,
        ),
    )
    per_network = Counter(codes[net] for net, *_ in rows)
    assert set(per_network) == set(NETWORKS)
    assert all(8 <= n <= 12 for n in per_network.values())
    late = [r for r in rows if r[1] in ("planned", "in_progress", "postponed") and r[2] < AS_OF]
    assert 0.10 <= len(late) / len(rows) <= 0.20
    statuses = Counter(status for _, status, *_ in rows)
    assert statuses["postponed"] >= 2 and statuses["cancelled"] >= 2
    for _, status, _, done_date, progress in rows:
        if status == "done":
            assert done_date is not None and done_date <= AS_OF and progress == 100
        else:
            assert done_date is None


# --------------------------------------------------------------------------- roadmap consistency


def test_alliance_rows_agree_with_their_stage_history(demo_engine):
    histories = _histories(demo_engine)
    alliances = _all(
        demo_engine,
        select(Alliance.id, Alliance.stage, Alliance.stage_changed_on, Alliance.signed_on),
    )
    assert len(alliances) == len(histories)
    for alliance_id, stage, changed_on, signed_on in alliances:
        history = histories[alliance_id]
        assert history[0][1:3] == (None, "identified")
        assert all(later[1] == earlier[2] for earlier, later in pairwise(history))
        assert all(earlier[0] <= later[0] for earlier, later in pairwise(history))
        assert (stage, changed_on) == (history[-1][2], history[-1][0])
        reached = [d for d, _, to, _ in history if to in SIGNED_STAGES]
        assert signed_on == (reached[0] if reached else None)


def _stage_at(history, day):
    stage = None
    for changed_on, _, to_stage, _ in history:
        if changed_on <= day:
            stage = to_stage
    return stage


def test_derived_indicators_agree_with_stage_changes_and_assessments(demo_engine):
    codes = _network_codes(demo_engine)
    histories = _histories(demo_engine)
    by_network = defaultdict(list)
    for alliance_id, network_id in _all(demo_engine, select(Alliance.id, Alliance.network_id)):
        by_network[codes[network_id]].append(histories[alliance_id])
    assessments = defaultdict(list)
    rows = _all(
        demo_engine,
        select(MaturityAssessment.network_id, MaturityAssessment.assessed_on, MaturityScore.level)
        .join(MaturityScore, MaturityScore.assessment_id == MaturityAssessment.id)
        .where(MaturityAssessment.assessor == "self"),
    )
    levels = defaultdict(list)
    for network_id, assessed_on, level in rows:
        levels[(codes[network_id], assessed_on)].append(level)
    for (net, assessed_on), found in levels.items():
        assert len(found) == 7
        assessments[net].append((assessed_on, sum(found) / 7))
    values = _values(demo_engine)
    checked = 0
    for net in NETWORKS:
        typed_months = {v[0] for (n, code), vs in values.items() if n == net for v in vs}
        for code in ("AGREEMENTS_SIGNED", "ALLIANCES_IN_PIPELINE", "MATURITY_SCORE"):
            assert {v[0] for v in values[(net, code)]} == typed_months
        for start, value, *_ in values[(net, "AGREEMENTS_SIGNED")]:
            day = month_end(start)
            signed = sum(
                any(to in SIGNED_STAGES and d <= day for d, _, to, _ in h) for h in by_network[net]
            )
            assert value == signed, (net, start)
            checked += 1
        for start, value, *_ in values[(net, "ALLIANCES_IN_PIPELINE")]:
            pipeline = sum(_stage_at(h, month_end(start)) == "preparing" for h in by_network[net])
            assert value == pipeline, (net, start)
        for start, value, *_ in values[(net, "MATURITY_SCORE")]:
            latest = max(a for a in assessments[net] if a[0] <= month_end(start))
            assert value == pytest.approx(round(latest[1], 1)), (net, start)
    assert checked >= 12 * 6


def test_values_respect_scales_statuses_and_cumulation(demo_engine):
    scales = {
        code: (unit, accumulation, lo, hi)
        for code, unit, accumulation, lo, hi in _all(
            demo_engine,
            select(
                Indicator.code,
                Indicator.unit,
                Indicator.accumulation,
                Indicator.scale_min,
                Indicator.scale_max,
            ),
        )
    }
    decreases = []
    values = _values(demo_engine)
    assert len(values) == 12 * 16
    for (net, code), series in values.items():
        unit, accumulation, lo, hi = scales[code]
        for start, value, status, _ in series:
            assert (lo is None or value >= lo) and (hi is None or value <= hi), (net, code, start)
            if unit in ("count", "persons"):
                assert float(value).is_integer()
            if start <= dt.date(2026, 4, 1):
                assert status == "validated"
            else:
                assert status in ("draft", "submitted")
        if accumulation == "cumulative":
            decreases += [
                (net, code, later[3])
                for earlier, later in pairwise(series)
                if later[1] < earlier[1]
            ]
    # Cumulative values never go down, except R08's documented correction.
    assert len(decreases) == 1
    net, code, comment = decreases[0]
    assert net == "R08" and comment and "Correction" in comment
    statuses_of = Counter((v[0], v[2]) for series in values.values() for v in series)
    may, june = dt.date(2026, 5, 1), dt.date(2026, 6, 1)
    assert statuses_of[(may, "submitted")] > statuses_of[(may, "draft")]
    assert statuses_of[(june, "submitted")] > 0 and statuses_of[(june, "draft")] > 0


# --------------------------------------------------------------------------- storylines


def _latest(values, net, code):
    return values[(net, code)][-1][1]


def test_storyline_milestones_of_the_alliances(demo_engine):
    codes = _network_codes(demo_engine)
    histories = _histories(demo_engine)
    rows = _all(demo_engine, select(Alliance.id, Alliance.network_id, Alliance.stage))
    final = defaultdict(list)
    for alliance_id, network_id, stage in rows:
        final[(codes[network_id], stage)].append(histories[alliance_id][-1])
    abandoned = final[("R03", "abandoned")]
    assert len(abandoned) == 1 and abandoned[0][1] == "scoping"
    suspended = final[("R11", "suspended")]
    assert len(suspended) == 1 and "gouvernance" in suspended[0][3]
    assert len(final[("R10", "renewed")]) == 1
    company_types = _all(
        demo_engine,
        select(Network.code, Alliance.company_type, Partner.family)
        .join(Network, Network.id == Alliance.network_id)
        .join(Partner, Partner.id == Alliance.partner_id)
        .where(Alliance.stage.in_(SIGNED_STAGES)),
    )
    kinds = Counter((net, ct) for net, ct, _ in company_types)
    assert kinds[("R05", "societal_innovation")] == 1
    assert kinds[("R01", "economic_cooperation")] == 1
    assert kinds[("R06", "responsible_practices")] == 1
    assert sum(n for (net, ct), n in kinds.items() if net == "R09" and ct) >= 3
    families = Counter((net, family) for net, _, family in company_types)
    assert families[("R02", "public")] >= 3 and families[("R02", "company")] == 0


def test_storyline_values(demo_engine):
    values = _values(demo_engine)
    months = {v[0] for series in values.values() for v in series}
    assert len(months) == 9
    r07 = {v[0] for (net, _), series in values.items() if net == "R07" for v in series}
    assert 0 < len(r07) < len(months)  # R07 left months without any value
    share = values[("R01", "PRIVATE_RESOURCES_SHARE")]
    assert 6 <= share[0][1] < 7 and share[-1][1] == 10
    assert _latest(values, "R04", "PEER_REPLICATIONS") == 5
    assert _latest(values, "R10", "PEER_REPLICATIONS") == 2
    funding = values[("R04", "ALLIANCE_RESOURCES_EUR")]
    assert funding[-1][1] < _targets(demo_engine)[("R04", "ALLIANCE_RESOURCES_EUR")][1] / 2


def test_r05_and_r09_overshoot_r12_stays_under_half(demo_engine):
    values, targets = _values(demo_engine), _targets(demo_engine)
    key = [c for (c,) in _all(demo_engine, select(Indicator.code).where(Indicator.is_key))]
    assert 6 <= len(key) <= 8
    for net in ("R05", "R09"):
        above = [c for c in key if _latest(values, net, c) > targets[(net, c)][1]]
        assert len(above) > len(key) / 2, (net, above)
    followed = [c for (net, c) in targets if net == "R12"]
    reached = [c for c in followed if _latest(values, "R12", c) >= targets[("R12", c)][1]]
    assert len(reached) < len(followed) / 2
    progress = [
        (_latest(values, "R12", c) - targets[("R12", c)][0])
        / (targets[("R12", c)][1] - targets[("R12", c)][0])
        for c in followed
    ]
    assert statistics.median(progress) < 0.5


# --------------------------------------------------------------------------- loading rules


def test_seeding_twice_changes_nothing(demo_engine):
    before = _dump(demo_engine)
    report = seed_demo(demo_engine)
    assert report.already_present and report.counts == {}
    assert _dump(demo_engine) == before
    assert len(before["indicator_value"]) > 1000


def test_seed_content_does_not_depend_on_when_it_runs(engine, demo_engine):
    report = seed_demo(engine, DEMO_AS_OF, whole_storyline=True)
    assert not report.already_present
    assert report.counts["alliance"] == _count(demo_engine, Alliance)
    skip = frozenset({("app_user", "password_hash")})  # argon2 hashes are salted
    assert _dump(engine, skip=skip) == _dump(demo_engine, skip=skip)


def test_a_second_cohort_reuses_partners_and_indicators(demo_engine, tmp_path):
    data = tmp_path / "seed"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    cohort = data / "cohort.yaml"
    cohort.write_text(cohort.read_text(encoding="utf-8").replace("AI-2026", "AI-2027"), "utf-8")
    users = data / "users.yaml"
    users.write_text(users.read_text(encoding="utf-8").replace("lead.r", "lead2.r"), "utf-8")
    comments = data / "comments.yaml"
    comments.write_text(comments.read_text(encoding="utf-8").replace("lead.r", "lead2.r"), "utf-8")
    partners, indicators = _count(demo_engine, Partner), _count(demo_engine, Indicator)
    report = seed_demo(demo_engine, data_dir=data)
    assert "partner" not in report.counts and "indicator" not in report.counts
    assert (_count(demo_engine, Partner), _count(demo_engine, Indicator)) == (partners, indicators)
    assert _count(demo_engine, Cohort) == 2 and _count(demo_engine, Network) == 24
    assert _count(demo_engine, User) == 15 + 12  # shared steering, ministry and admin accounts


def _corrupt(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "words"),
    [
        ("alliances.yaml", "stage: scoping", "stage: cadrage", ["cadrage", "R01-A1", "inconnu"]),
        ("milestones.csv", "R04-J03,R04,", "R04-J03,R99,", ["R99", "ligne", "inconnue"]),
        ("indicator_values.csv", "2026-06,10.0,", "2026-06,140.0,", ["140", "intervalle"]),
        ("networks.yaml", "rna: W000000001", "rna: X1", ["RNA", "R01"]),
    ],
)
def test_broken_seed_files_write_nothing(engine, tmp_path, file, old, new, words):
    data = tmp_path / "seed"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    _corrupt(data / file, old, new)
    with pytest.raises(ValidationFailed) as caught:
        seed_demo(engine, data_dir=data)
    message = str(caught.value)
    assert file in message and all(word in message for word in words), message
    for model in (Cohort, Network, Partner, User, Alliance, IndicatorValue):
        assert _count(engine, model) == 0


def test_a_conflict_found_while_writing_rolls_everything_back(engine):
    with engine.begin() as conn:
        conn.execute(
            Partner.__table__.insert().values(
                name="Télécom Hexaline",
                family="public",
                is_fictional=True,
                created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            )
        )
    with pytest.raises(ValidationFailed, match="Télécom Hexaline"):
        seed_demo(engine)
    assert _count(engine, Cohort) == 0 and _count(engine, Network) == 0
    assert _count(engine, Partner) == 1


def test_relation_logic_switches_are_in_the_change_log(demo_engine):
    """Each « logic: » step of alliances.yaml is logged, so the shift can be read back."""
    from sqlmodel import Session, select

    from models import Alliance, ChangeLog

    with Session(demo_engine) as s:
        rows = s.exec(
            select(ChangeLog.entity_id, ChangeLog.before, ChangeLog.after).where(
                ChangeLog.entity == "alliance", ChangeLog.field == "relation_logic"
            )
        ).all()
        assert len(rows) == 4
        for alliance_id, before, after in rows:
            assert (before, after) == ("exchange", "alliance")
            assert s.get(Alliance, alliance_id).relation_logic == "alliance"
