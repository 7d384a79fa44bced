"""Reading the roadmap's seed files: alliances and their stage history, milestones, targets,
monthly values, maturity assessments and lessons, each row through the app's input models
(:mod:`dashboard.seed.checker`), the references to the programme's files checked by hand."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dashboard.core.clock import months_between
from dashboard.core.i18n import t
from dashboard.seed.checker import Checker, file_numbers, in_order, refs
from dashboard.seed.derive import AXES, DERIVED_CODES
from dashboard.seed.rows import AssessmentRow, Coded, StageStep, ValueRow
from dashboard.services.indicators.target_store import TARGET_LABELS, TargetInput
from dashboard.services.indicators.value_rules import ValueEntry
from dashboard.services.roadmap.alliances import ALLIANCE_LABELS, AllianceInput
from dashboard.services.roadmap.lessons import LABELS as LESSON_LABELS
from dashboard.services.roadmap.lessons import LessonInput
from dashboard.services.roadmap.maturity import ScoreInput
from dashboard.services.roadmap.milestone_checks import MilestoneInput
from dashboard.services.roadmap.milestone_grid import LABELS as MILESTONE_LABELS
from models import enums as E

# Each file's keys in the order the writers read them.
_ALLIANCE = (
    "code network partner objective title company_type relation_logic expected_value_eur "
    "description"
).split()


_LESSON = "code network session alliance category statement capitalisation visibility".split()


_MILESTONE = (
    "code network title owner due_date done_date status progress objective alliance session "
    "evidence_url comment"
).split()


def read_alliances(c: Checker, d: dict[str, list]) -> None:
    """alliances.yaml: alliances of known networks and partners, with their stage history."""
    for where, row in c.rows("alliances.yaml", "alliances", "alliance"):
        a = c.model_fields(where, row, Coded) | refs(
            c, where, row, network="networks", partner="partners", objective="objectives?"
        )
        a |= c.model_fields(
            where,
            row,
            AllianceInput,
            labels=ALLIANCE_LABELS,
            required=("relation_logic",),
            fixed={"objective_id": None},
        )
        a = in_order(a, _ALLIANCE)
        c.unique(where, c.refs["alliances"], a["code"])
        c.refs["alliances"][a["code"]] = a["network"]
        c.same_network(where, a)
        if (
            c.refs["partners"].get(a["partner"])
            in (E.PartnerFamily.company, E.PartnerFamily.foundation)
        ) != bool(a["company_type"]):
            c.fail(
                where,
                "« company_type » est requis pour une entreprise ou une fondation, et seulement pour elles.",
            )
        a["history"] = _read_history(c, where, row.get("history"))
        d["alliances"].append(a)


def read_milestones(c: Checker, d: dict[str, list]) -> None:
    """milestones.csv: a done milestone has its done date and 100 % progress, and only it."""
    for where, row in c.rows("milestones.csv"):
        m = c.model_fields(where, row, Coded) | refs(
            c,
            where,
            row,
            network="networks",
            objective="objectives?",
            alliance="alliances?",
            session="sessions?",
        )
        m |= c.model_fields(
            where,
            row,
            MilestoneInput,
            labels=MILESTONE_LABELS,
            required=("status", "progress"),
            fixed={"objective_id": None, "alliance_id": None, "session_id": None},
        )
        m = in_order(m, _MILESTONE)
        c.unique(where, c.refs["milestones"], m["code"])
        c.same_network(where, m)
        if (m["status"] == E.MilestoneStatus.done) != (m["done_date"] is not None):
            c.fail(
                where,
                "« done_date » est renseignée si et seulement si le jalon est réalisé (done).",
            )
        if m["status"] == E.MilestoneStatus.done and m["progress"] != 100:
            c.fail(where, "un jalon réalisé (done) a un avancement de 100.")
        d["milestones"].append(m)


def read_targets(c: Checker, d: dict[str, list]) -> set:
    """targets.csv: baselines and targets; returns the (network, indicator) pairs followed."""
    followed: set = set()
    for where, row in c.rows("targets.csv"):
        ind = c.refs["indicators"].get(row.get("indicator") or "")
        tg = refs(c, where, row, network="networks", indicator="indicators")
        tg |= c.model_fields(
            where,
            file_numbers(row, "baseline_value", "target_value"),
            TargetInput,
            labels=TARGET_LABELS,
            fixed={"indicator_id": 0, "followed": True, "reason": None, "version": None},
        )
        for key in ("baseline_value", "target_value"):
            tg[key] = c.in_scale(where, key, row, tg[key], ind)
        c.unit_rules(where, ind, tg, ("baseline_value", "target_value"))
        c.unique(where, followed, (tg["network"], tg["indicator"]))
        d["targets"].append(tg)
    return followed


def read_values(c: Checker, d: dict[str, list], cohort: dict[str, Any], followed: set) -> None:
    """indicator_values.csv: typed values of followed indicators, one per month of the cohort."""
    indicators = c.refs["indicators"]
    months = set(
        months_between(cohort["start_date"] or dt.date.max, cohort["end_date"] or dt.date.min)
    )
    seen: set = set()
    for where, row in c.rows("indicator_values.csv"):
        ind = indicators.get(row.get("indicator") or "")
        v = refs(c, where, row, network="networks", indicator="indicators")
        v |= c.model_fields(where, row, ValueRow, required=("period",))
        value = c.model_fields(
            where,
            file_numbers(row, "value"),
            ValueEntry,
            required=("value",),
            fixed={
                "indicator_id": 0,
                "period_start": dt.date.min,  # the period is checked below
                "evidence_url": None,
                "version": None,
            },
        )
        v = {
            "network": v["network"],
            "indicator": v["indicator"],
            "period": v["period"],
            "value": c.in_scale(where, "value", row, value["value"], ind),
            "status": v["status"],
            "comment": value["comment"],
        }
        c.unit_rules(where, ind, v, ("value",))
        if v["indicator"] in DERIVED_CODES:
            c.fail(
                where,
                "{code} est calculé au chargement : il ne doit pas figurer ici.",
                code=v["indicator"],
            )
        elif (
            None not in (v["network"], v["indicator"])
            and (v["network"], v["indicator"]) not in followed
        ):
            c.fail(
                where,
                "{network} ne suit pas {code} (absent de targets.csv).",
                network=v["network"],
                code=v["indicator"],
            )
        match = re.fullmatch(r"(\d{4})-(\d{2})", v["period"] or "")
        v["period_start"] = (
            dt.date(int(match[1]), int(match[2]), 1) if match and 0 < int(match[2]) < 13 else None
        )
        if v["period_start"] not in months:
            c.fail(
                where,
                "période « {value} » invalide (AAAA-MM, pendant la cohorte).",
                value=v["period"],
            )
        c.unique(where, seen, (v["network"], v["indicator"], v["period_start"]))
        d["values"].append(v)


def read_assessments(c: Checker, d: dict[str, list]) -> None:
    """maturity.yaml: one assessment per network × session × assessor, every axis scored."""
    seen: set = set()
    for where, row in c.rows("maturity.yaml", "assessments", "auto-diagnostic", "network"):
        m = refs(c, where, row, network="networks", session="sessions")
        m |= c.model_fields(where, row, AssessmentRow)
        where = t(
            "{where} {session} {assessor}",
            where=where,
            session=m["session"],
            assessor=m["assessor"],
        )
        c.unique(where, seen, (m["network"], m["session"], m["assessor"]))
        scores = row.get("scores") if isinstance(row.get("scores"), dict) else {}
        if sorted(scores) != sorted(AXES):
            c.fail(where, "« scores » doit noter exactement les axes {axes}.", axes=", ".join(AXES))
        m["scores"] = {
            axis: c.model_fields(
                t("{where}, axe {axis}", where=where, axis=axis),
                s if isinstance(s, dict) else {},
                ScoreInput,
                fixed={"axis": axis if axis in AXES else AXES[0]},
            )
            for axis, s in scores.items()
        }
        d["assessments"].append(m)


def read_lessons(c: Checker, d: dict[str, list]) -> None:
    """lessons.yaml: lessons, by code."""
    for where, row in c.rows("lessons.yaml", "lessons", "enseignement"):
        lesson = c.model_fields(where, row, Coded) | refs(
            c, where, row, network="networks?", session="sessions?", alliance="alliances?"
        )
        lesson |= c.model_fields(
            where,
            row,
            LessonInput,
            labels=LESSON_LABELS,
            required=("capitalisation", "visibility"),
            fixed={"session_id": None, "alliance_id": None},
        )
        d["lessons"].append(in_order(lesson, _LESSON))
        c.unique(where, c.refs["lessons"], d["lessons"][-1]["code"])
        c.same_network(where, d["lessons"][-1])


def _read_history(c: Checker, where: str, steps: Any) -> list[dict]:
    """Stage history: starts at ``identified``, moves only forward, a terminal stage last."""
    history: list[dict] = []
    if not isinstance(steps, list) or not steps:
        c.fail(where, "l'historique des étapes (« history ») est vide.")
    for n, step in enumerate(steps or [], 1):
        w = t("{where}, étape {n}", where=where, n=n)
        h = c.model_fields(w, step if isinstance(step, dict) else {}, StageStep)
        if h["date"] is None or h["stage"] is None:
            continue
        prev = history[-1] if history else None
        order = E.STAGE_ORDER.index
        if prev is None and h["stage"] != E.AllianceStage.identified:
            c.fail(w, "l'historique doit commencer par « identified ».")
        elif prev and (
            prev["stage"] in E.TERMINAL_STAGES
            or (h["stage"] not in E.TERMINAL_STAGES and order(h["stage"]) <= order(prev["stage"]))
        ):
            msg = "l'étape « {stage} » ne peut pas suivre « {prev} » (les étapes n'avancent que vers l'avant)."
            c.fail(w, msg, stage=h["stage"], prev=prev["stage"])
        if prev and h["date"] < prev["date"]:
            c.fail(w, "la date {date} précède celle de l'étape précédente.", date=h["date"])
        history.append(h)
    return history
