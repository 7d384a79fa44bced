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

The roadmap draws are in :mod:`dashboard.seed.synthetic_roadmap`, the targets and values in
:mod:`dashboard.seed.synthetic_values`. Every date is fixed relative to :data:`LAST_MONTH` (never the clock) and every draw comes from
``random.Random(seed)``: the same arguments give the same rows. The cohort's code names its
arguments, so running the command twice changes nothing. Accounts get one random password that
is not printed: nobody signs in as a synthetic person.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import defaultdict
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from dashboard.core.clock import add_months, month_end
from dashboard.core.db import refresh_statistics, session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import t
from dashboard.seed.read import DEFAULT_DATA_DIR, SeedReport, read_seed_files
from dashboard.seed.synthetic_roadmap import (
    FAMILY_SLOTS,
    draw_alliances,
    draw_assessments,
    draw_lessons,
    draw_milestones,
    draw_objectives,
    draw_sessions,
)
from dashboard.seed.synthetic_values import LAST_MONTH, draw_targets_and_values
from dashboard.seed.write import write_cohort
from models import Cohort

DEFAULT_MONTHS = 60  # 1 000 networks × 16 indicators × 59 reported months ≈ 0.94 M values
MAX_NETWORKS = 10_000
MAX_MONTHS = 120
_REGIONS = ["11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"]
_SECTORS = [
    "aide alimentaire", "développement rural", "lutte contre l'illettrisme", "environnement",
    "inclusion numérique", "sport", "santé des aidants", "culture en milieu rural",
    "insertion par l'activité économique", "jeunesse", "logement", "santé en milieu rural",
]  # fmt: skip


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
    sessions = draw_sessions(d, start, months)
    partner_count = max(20, 2 * networks)
    password = _partners_and_team(d, partner_count, seed)
    demo_targets = defaultdict(list)
    for tg in demo["targets"]:
        demo_targets[tg["network"]].append(tg)
    demo_codes = sorted(demo_targets)
    indicators = {i["code"]: i for i in demo["indicators"]}
    for n in range(1, networks + 1):
        net = _network(d, rng, n, code, password)
        objectives = draw_objectives(d, rng, net)
        draw_alliances(d, rng, net, objectives, partner_count, start, data_day)
        draw_milestones(d, rng, net, objectives, sessions, start, end, data_day)
        draw_assessments(d, rng, net, sessions, data_day)
        draw_lessons(d, rng, net, sessions)
        template_net = demo_codes[(n - 1) % len(demo_codes)]
        draw_targets_and_values(
            d, rng, net, demo_targets[template_net], indicators, start, months, data_day
        )
    return d


def _partners_and_team(d: dict, partner_count: int, seed: int) -> str:
    """The fictional partners and the programme-team account; returns the one random password
    every synthetic account gets (never printed)."""
    d["partners"] = [
        {
            "name": t("Partenaire fictif n° {k}", k=f"{k:05d}"),
            "family": FAMILY_SLOTS[k % len(FAMILY_SLOTS)],
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
    return d["users"][0]["password"]


def _network(d: dict, rng: random.Random, n: int, code: str, password: str) -> str:
    """The n-th fictional network and its lead's account; returns the network's code."""
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
    return net


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
    refresh_statistics(engine)  # a bulk load: the planner's statistics are read again
    return SeedReport(cohort_code=code, counts=dict(sorted(counts.items())))


__all__ = [
    "DEFAULT_MONTHS",
    "LAST_MONTH",
    "MAX_MONTHS",
    "MAX_NETWORKS",
    "cohort_code",
    "seed_synthetic",
    "synthetic_data",
]
