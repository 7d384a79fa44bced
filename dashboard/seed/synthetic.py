"""Synthetic cohorts for measuring the app at scale: N fictional networks over M months, drawn
with a seeded random generator from the demo's rules and distributions, then written by the same
code as the demo (:func:`dashboard.seed.write.write_cohort`).

What the demo's rules give them:

- the catalogue is the demo's (``seed_data/indicators.yaml``); each network follows every
  indicator, with the baseline and target of one of the twelve demo networks scaled by a factor
  of its own, and about one target in ten revised (the first target kept, with a reason);
- alliances move forward through their stages (the same partner families and stage mix as the
  demo, some suspended or abandoned, some switching to the contrat-alliance logic), and the four
  derived indicators (agreements signed, pipeline, partnership forms, maturity) are counted from
  those histories and the self-assessments, never drawn;
- about 15 % of the milestones are late (not done and past due), a few postponed or cancelled;
- typed values follow each indicator's accumulation rule from baseline towards the network's
  own share of its target; some networks miss whole months; the last month reported is a draft,
  the two before submitted, the rest validated.

Every date is fixed relative to :data:`LAST_MONTH` (never the clock) and every draw comes from
``random.Random(seed)``: the same arguments give the same rows. The cohort's code names its
arguments, so running the command twice changes nothing. Accounts get one random password that
is not printed: nobody signs in as a synthetic person.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from collections import defaultdict
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from dashboard.core.clock import add_months, month_end
from dashboard.core.db import session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import t
from dashboard.seed.derive import DERIVED_CODES
from dashboard.seed.read import DEFAULT_DATA_DIR, SeedReport, read_seed_files
from dashboard.seed.write import write_cohort
from models import Cohort
from models.enums import MaturityAxis

LAST_MONTH = dt.date(2026, 12, 1)  # the synthetic cohort's month in progress (not yet reported)
DEFAULT_MONTHS = 60  # 1 000 networks × 16 indicators × 59 reported months ≈ 0.94 M values
MAX_NETWORKS = 10_000
MAX_MONTHS = 120
_REGIONS = ["11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"]
_SECTORS = [
    "aide alimentaire", "développement rural", "lutte contre l'illettrisme", "environnement",
    "inclusion numérique", "sport", "santé des aidants", "culture en milieu rural",
    "insertion par l'activité économique", "jeunesse", "logement", "santé en milieu rural",
]  # fmt: skip
# Partner families as in the demo: ≈35 % peers, 30 % public, 30 % companies/foundations, 5 %
# academic (20 slots, so a partner's family follows from its number alone).
_FAMILY_SLOTS = ["peer"] * 7 + ["public"] * 6 + ["company"] * 4 + ["foundation"] * 2 + ["academic"]
_COMPANY_TYPES = [
    "philanthropy", "responsible_practices", "economic_cooperation", "societal_innovation",
]  # fmt: skip
_FORWARD = ["identified", "contacted", "scoping", "preparing", "signed", "running", "evaluating"]
_FINAL_STAGES = [  # (stage an alliance ends at, weight)
    ("identified", 6), ("contacted", 8), ("scoping", 10), ("preparing", 14), ("signed", 16),
    ("running", 22), ("evaluating", 8), ("renewed", 6), ("suspended", 5), ("abandoned", 5),
]  # fmt: skip
_MOTIVATIONS = ["resource_diversification", "public_policy_coconstruction", "peer_scaling", "other"]
_LESSON_CATEGORIES = [
    "obstacle", "lever", "method", "posture", "tool", "governance", "economic_model",
]  # fmt: skip
_AXES = [a.value for a in MaturityAxis]


def cohort_code(networks: int, months: int, seed: int) -> str:
    return f"SYN-{networks}-{months}-{seed}"


def synthetic_data(
    networks: int, months: int = DEFAULT_MONTHS, seed: int = 0, *, template: dict | None = None
) -> dict[str, Any]:
    """The rows of a synthetic cohort, in the shape :func:`read_seed_files` returns."""
    if not 1 <= networks <= MAX_NETWORKS:
        raise ValidationFailed(
            t("Nombre de réseaux entre 1 et {n} attendu.", n=f"{MAX_NETWORKS:_}".replace("_", " "))
        )
    if not 3 <= months <= MAX_MONTHS:
        raise ValidationFailed(t("Nombre de mois entre 3 et {n} attendu.", n=MAX_MONTHS))
    demo = template or read_seed_files(DEFAULT_DATA_DIR)
    rng = random.Random(f"synthetic-{networks}-{months}-{seed}")
    start = add_months(LAST_MONTH, -(months - 1))
    end = month_end(LAST_MONTH)
    data_day = LAST_MONTH - dt.timedelta(days=1)  # the day the data was seen: end of last report
    code = cohort_code(networks, months, seed)
    d: dict[str, Any] = defaultdict(list)
    d["cohort"] = {
        "code": code,
        "name": t("Cohorte synthétique {n} réseaux, {m} mois (graine {s})", n=networks, m=months,
                  s=seed),
        "start_date": start,
        "end_date": end,
        "status": "active",
        "anonymise_for_leads": False,
    }  # fmt: skip
    d["indicators"] = list(demo["indicators"])
    sessions = _sessions(d, start, months)
    partner_count = max(20, 2 * networks)
    d["partners"] = [
        {
            "name": t("Partenaire fictif n° {k}", k=f"{k:05d}"),
            "family": _FAMILY_SLOTS[k % len(_FAMILY_SLOTS)],
            "is_fictional": True,
        }
        for k in range(partner_count)
    ]
    d["users"].append(
        {
            "username": f"animation.syn{seed}",
            "full_name": t("Équipe d'animation (synthétique)"),
            "email": None,
            "role": "admin",
            "network": None,
            "password": secrets.token_urlsafe(24),
        }
    )
    password = d["users"][0]["password"]
    demo_targets = defaultdict(list)
    for tg in demo["targets"]:
        demo_targets[tg["network"]].append(tg)
    demo_codes = sorted(demo_targets)
    indicators = {i["code"]: i for i in demo["indicators"]}
    for n in range(1, networks + 1):
        net = f"N{n:04d}"
        d["networks"].append(
            {
                "code": net,
                "name": t("Réseau fictif n° {n}", n=f"{n:04d}"),
                "acronym": f"RF{n:04d}",
                "sector": rng.choice(_SECTORS),
                "region_code": rng.choice(_REGIONS),
                "member_count": rng.randint(5, 400),
                "rna": None,
                "siren": None,
                "is_fictional": True,
            }
        )
        d["users"].append(
            {
                "username": f"lead.{code.lower()}.{n:04d}",
                "full_name": t("Référent·e du réseau fictif n° {n}", n=f"{n:04d}"),
                "email": None,
                "role": "lead",
                "network": net,
                "password": password,
            }
        )
        objectives = _objectives(d, rng, net)
        _alliances(d, rng, net, objectives, partner_count, start, data_day)
        _milestones(d, rng, net, objectives, sessions, start, end, data_day)
        _assessments(d, rng, net, sessions, data_day)
        _lessons(d, rng, net, sessions)
        template_net = demo_codes[(n - 1) % len(demo_codes)]
        _targets_and_values(
            d, rng, net, demo_targets[template_net], indicators, start, months, data_day
        )
    return d


def seed_synthetic(
    engine: Engine, networks: int, months: int = DEFAULT_MONTHS, seed: int = 0
) -> SeedReport:
    """Write the synthetic cohort in one transaction; nothing if its code is already there."""
    code = cohort_code(networks, months, seed)
    with session_scope(engine) as session:
        if session.exec(select(Cohort).where(Cohort.code == code)).first() is not None:
            return SeedReport(cohort_code=code, already_present=True)
    data = synthetic_data(networks, months, seed)
    with session_scope(engine) as session:
        if session.exec(select(Cohort).where(Cohort.code == code)).first() is not None:
            return SeedReport(cohort_code=code, already_present=True)
        counts = write_cohort(session, data)
    return SeedReport(cohort_code=code, counts=dict(sorted(counts.items())))


def _sessions(d: dict, start: dt.date, months: int) -> list[dict]:
    plan = [
        ("S1", "collective", "understand"), ("S2", "collective", "implement"),
        ("W1", "webinar", "deepen"), ("S3", "collective", "deepen"),
        ("S4", "collective", "perspective"), ("C1", "steering", None),
    ]  # fmt: skip
    for number, (code, kind, phase) in enumerate(plan, 1):
        offset = round((number - 1) * (months - 1) / (len(plan) - 1))
        d["sessions"].append(
            {
                "code": code,
                "number": number,
                "kind": kind,
                "phase": phase,
                "date": add_months(start, offset) + dt.timedelta(days=13),
                "title": t("Session synthétique {code}", code=code),
                "host": None,
                "theme": None,
            }
        )
    return d["sessions"]


def _objectives(d: dict, rng: random.Random, net: str) -> list[str]:
    codes = []
    for k in range(1, rng.randint(2, 3) + 1):
        codes.append(f"{net}-O{k}")
        d["objectives"].append(
            {
                "code": codes[-1],
                "title": t("Objectif {k} du réseau {net}", k=k, net=net),
                "motivation": rng.choice(_MOTIVATIONS),
                "description": None,
                "network": net,
            }
        )
    return codes


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _alliances(
    d: dict,
    rng: random.Random,
    net: str,
    objectives: list[str],
    partner_count: int,
    start: dt.date,
    data_day: dt.date,
) -> None:
    stages, weights = zip(*_FINAL_STAGES, strict=True)
    for k in range(1, rng.randint(3, 7) + 1):
        partner = rng.randrange(partner_count)
        family = _FAMILY_SLOTS[partner % len(_FAMILY_SLOTS)]
        final = rng.choices(stages, weights)[0]
        if final in ("suspended", "abandoned"):
            path = _FORWARD[: rng.randint(2, 6)] + [final]
        elif final == "renewed":
            path = _FORWARD + ["renewed"]
        else:
            path = _FORWARD[: _FORWARD.index(final) + 1]
        day = _day_between(rng, start, start + (data_day - start) / 2)
        logic = "alliance" if rng.random() < 0.15 else "exchange"
        switch = logic == "exchange" and rng.random() < 0.3
        history = []
        room = max(1, (data_day - day).days // len(path))
        for stage in path:
            history.append(
                {
                    "date": day,
                    "stage": stage,
                    "comment": None,
                    "logic": "alliance" if switch and stage == "signed" else None,
                }
            )
            day = min(data_day, day + dt.timedelta(days=rng.randint(1, room)))
        d["alliances"].append(
            {
                "code": f"{net}-A{k}",
                "network": net,
                "partner": d["partners"][partner]["name"],
                "objective": rng.choice(objectives) if rng.random() < 0.7 else None,
                "title": t("Alliance {k} du réseau {net}", k=k, net=net),
                "company_type": rng.choice(_COMPANY_TYPES)
                if family in ("company", "foundation")
                else None,
                "relation_logic": logic,
                "expected_value_eur": float(rng.randrange(0, 200_000, 500)),
                "description": None,
                "history": history,
            }
        )


def _milestones(
    d: dict,
    rng: random.Random,
    net: str,
    objectives: list[str],
    sessions: list[dict],
    start: dt.date,
    end: dt.date,
    data_day: dt.date,
) -> None:
    for k in range(1, rng.randint(8, 12) + 1):
        due = _day_between(rng, start + dt.timedelta(days=20), end)
        done_date, progress = None, rng.choice([0, 10, 25, 40, 60, 80])
        draw = rng.random()
        if draw < 0.05:
            status = "cancelled"
        elif draw < 0.10:
            status = "postponed"
        elif due <= data_day and draw < 0.80:
            status, progress = "done", 100
            done_date = min(data_day, due + dt.timedelta(days=rng.randint(-20, 15)))
        else:
            status = "in_progress" if progress else "planned"
        d["milestones"].append(
            {
                "code": f"{net}-M{k:02d}",
                "network": net,
                "title": t("Jalon {k} du réseau {net}", k=k, net=net),
                "owner": None,
                "due_date": due,
                "done_date": done_date,
                "status": status,
                "progress": progress,
                "objective": rng.choice(objectives),
                "alliance": None,
                "session": rng.choice(sessions)["code"] if rng.random() < 0.5 else None,
                "evidence_url": None,
                "comment": None,
            }
        )


def _assessments(
    d: dict, rng: random.Random, net: str, sessions: list[dict], data_day: dt.date
) -> None:
    """Self-diagnoses at S1 and S4 (S4 once it has happened), the later one a level up on some
    axes; evaluation is usually the weakest axis."""
    first = {axis: rng.randint(1, 3) for axis in _AXES}
    first["evaluation"] = max(1, min(first.values()) - rng.randint(0, 1))
    by_code = {s["code"]: s for s in sessions}
    rounds = [("S1", first)]
    if by_code["S4"]["date"] <= data_day:
        later = {a: min(4, level + (rng.random() < 0.4)) for a, level in first.items()}
        rounds.append(("S4", later))
    for session, levels in rounds:
        d["assessments"].append(
            {
                "network": net,
                "session": session,
                "assessor": "self",
                "assessed_on": by_code[session]["date"],
                "comment": None,
                "scores": {a: {"level": levels[a], "evidence": None} for a in _AXES},
            }
        )


def _lessons(d: dict, rng: random.Random, net: str, sessions: list[dict]) -> None:
    for k in range(1, rng.randint(1, 3) + 1):
        d["lessons"].append(
            {
                "code": f"{net}-L{k}",
                "network": net,
                "session": rng.choice(sessions)["code"],
                "alliance": None,
                "category": rng.choice(_LESSON_CATEGORIES),
                "statement": t("Enseignement {k} du réseau {net}", k=k, net=net),
                "capitalisation": rng.choice(["observed", "modelled", "capitalised"]),
                "visibility": rng.choice(["network", "cohort", "cohort", "public"]),
            }
        )


def _rounded(indicator: dict, value: float) -> float:
    low, high = indicator["scale_min"], indicator["scale_max"]
    if low is not None:
        value = max(low, value)
    if high is not None:
        value = min(high, value)
    if indicator["unit"] in ("count", "persons"):
        return float(math.floor(value))
    if indicator["unit"] == "eur":
        return float(round(value, -2))
    return round(value, 1)


def _targets_and_values(
    d: dict,
    rng: random.Random,
    net: str,
    template: list[dict],
    indicators: dict[str, dict],
    start: dt.date,
    months: int,
    data_day: dt.date,
) -> None:
    """Targets scaled from a demo network; typed values month by month (the derived indicators
    are counted by the writer for every month reported)."""
    size = rng.uniform(0.5, 3.0)
    reach = rng.choice([0.4, 0.7, 0.9, 1.0, 1.1, 1.3])  # share of its target a network reaches
    reported = months - 1
    # Months missed in the middle (never the first nor the last reported month).
    middle = range(1, reported - 1)
    missing = set(rng.sample(middle, k=min(len(middle), rng.randint(1, 3))))
    if rng.random() >= 0.1:
        missing = set()  # about one network in ten misses whole months
    for tg in template:
        ind = indicators[tg["indicator"]]
        scaled = ind["unit"] in ("eur", "count", "persons", "hours") and ind["scale_max"] is None
        factor = size if scaled else 1.0
        baseline = _rounded(ind, (tg["baseline_value"] or 0) * factor)
        target = _rounded(ind, (tg["target_value"] or 0) * factor)
        row = {
            "network": net,
            "indicator": tg["indicator"],
            "baseline_value": baseline,
            "baseline_date": start,
            "target_value": target,
            "target_date": month_end(LAST_MONTH),
        }
        if rng.random() < 0.1 and target > baseline:
            revised = _rounded(ind, baseline + (target - baseline) * 0.8)
            row |= {
                "initial_target_value": target,
                "target_value": revised,
                "revision_reason": t("Cible revue à mi-parcours."),
            }
        d["targets"].append(row)
        if tg["indicator"] in DERIVED_CODES:
            continue
        total = 0.0
        for m in range(reported):
            if m in missing:
                continue
            share = (m + 1) / reported * reach
            if ind["accumulation"] == "per_period":
                value = target / 9 * rng.uniform(0.6, 1.4) * reach
            elif ind["accumulation"] == "cumulative":
                total = max(total, baseline + (target - baseline) * share * rng.uniform(0.9, 1.0))
                value = total
            else:
                value = (
                    baseline
                    + (target - baseline) * share
                    + rng.gauss(0, 0.03) * (abs(target - baseline) or 1)
                )
            status = "draft" if m == reported - 1 else "submitted" if m >= reported - 3 else (
                "validated"
            )  # fmt: skip
            d["values"].append(
                {
                    "network": net,
                    "indicator": tg["indicator"],
                    "period": None,
                    "period_start": add_months(start, m),
                    "value": _rounded(ind, value),
                    "status": status,
                    "comment": None,
                }
            )
