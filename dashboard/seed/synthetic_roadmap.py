"""Synthetic cohorts: the roadmap side of a network, drawn from the demo's distributions —
its sessions, objectives, alliances moving forward through their stages, milestones (about 15 %
late), self-assessments and lessons. Every draw comes from the ``random.Random`` it is given, in
a fixed order, so the same generator gives the same rows."""

from __future__ import annotations

import datetime as dt
import random

from dashboard.core.clock import add_months
from dashboard.core.i18n import t
from models.enums import MaturityAxis

# Partner families as in the demo: ≈35 % peers, 30 % public, 30 % companies/foundations, 5 %
# academic (20 slots, so a partner's family follows from its number alone).
FAMILY_SLOTS = ["peer"] * 7 + ["public"] * 6 + ["company"] * 4 + ["foundation"] * 2 + ["academic"]
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


def draw_sessions(d: dict, start: dt.date, months: int) -> list[dict]:
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


def draw_objectives(d: dict, rng: random.Random, net: str) -> list[str]:
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


def draw_alliances(
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
        family = FAMILY_SLOTS[partner % len(FAMILY_SLOTS)]
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


def draw_milestones(
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


def draw_assessments(
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


def draw_lessons(d: dict, rng: random.Random, net: str, sessions: list[dict]) -> None:
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
