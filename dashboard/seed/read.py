"""Load the fictional demo cohort from the reviewable files of ``seed_data/``, in one transaction.

Every file is read and checked before anything is written: an unknown code, an unknown
reference or an out-of-range value raises :class:`ValidationFailed` listing French messages
that name the file and the row, and the database is left untouched. Seeding a cohort whose code
already exists changes nothing. Timestamps come from the data, never from the clock, so two
seeds of the same files store the same content (password hashes aside: they are salted).
Partners and indicators are shared by all cohorts: they are looked up by name and by code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from dashboard.auth.accounts import normalise_username, username_problem
from dashboard.core import clock
from dashboard.core.clock import months_between
from dashboard.core.config import PROJECT_ROOT
from dashboard.core.db import session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import t
from dashboard.seed.calendar import as_seen_on
from dashboard.seed.checker import Checker, scale_of, siren_ok
from dashboard.seed.derive import AXES, DERIVED_CODES
from dashboard.seed.write import write_cohort
from models import Cohort
from models import enums as E

DEFAULT_DATA_DIR = PROJECT_ROOT / "seed_data"
_MAX_ERRORS = 50  # listed in the error; a broken file should not produce a thousand lines
_SESSION = "code number:int1 kind:SessionKind phase?:Phase date:date title host? theme?"
_INDICATOR = (
    "code position:int label definition? unit:Unit direction:Direction accumulation:Accumulation "
    "is_key:bool impact_axis:ImpactAxis lever:Lever scale_min?:real scale_max?:real"
)
_NETWORK = "code name acronym? sector? region_code member_count?:int rna? siren? is_fictional:bool"
_ALLIANCE = (
    "code network:@networks partner:@partners objective?:@objectives title "
    "company_type?:CompanyPartnershipType relation_logic:RelationLogic "
    "expected_value_eur?:num description?"
)
_STEP = "date:date stage:AllianceStage comment? logic?:RelationLogic"
_MILESTONE = (
    "code network:@networks title owner? due_date:date done_date?:date status:MilestoneStatus "
    "progress:pct objective?:@objectives alliance?:@alliances session?:@sessions "
    "evidence_url? comment?"
)
_TARGET = (
    "network:@networks indicator:@indicators baseline_value?:scaled baseline_date?:date "
    "target_value?:scaled target_date?:date"
)
_VALUE = "network:@networks indicator:@indicators period value:scaled status:ValueStatus comment?"
_ASSESSMENT = "network:@networks session:@sessions assessor:Assessor assessed_on:date comment?"
_LESSON = (
    "code network?:@networks session?:@sessions alliance?:@alliances category:LessonCategory "
    "statement capitalisation:CapitalisationStatus visibility:Visibility"
)
_USER = "username full_name email? role:Role network?:@networks password"


@dataclass
class SeedReport:
    """What a seed did: rows created per table, or nothing if the cohort was already there."""

    cohort_code: str
    already_present: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def seed_demo(
    engine: Engine,
    as_of: dt.date | None = None,
    whole_storyline: bool = False,
    *,
    data_dir: Path = DEFAULT_DATA_DIR,
) -> SeedReport:
    """Check every file of ``data_dir``, then write the cohort in one transaction, as seen on
    ``as_of`` (default: today): its calendar moved so that it is in progress on that day, and
    nothing dated after it (see :mod:`dashboard.seed.calendar`). ``whole_storyline`` writes
    the files' calendar and statuses unchanged, with the history and snapshots up to ``as_of``.
    """
    data = as_seen_on(
        read_seed_files(Path(data_dir)), as_of or clock.today(), whole_storyline=whole_storyline
    )
    code = data["cohort"]["code"]
    with session_scope(engine) as session:
        if session.exec(select(Cohort).where(Cohort.code == code)).first() is not None:
            return SeedReport(cohort_code=code, already_present=True)
        counts = write_cohort(session, data)
    return SeedReport(cohort_code=code, counts=dict(sorted(counts.items())))


def read_seed_files(data_dir: Path) -> dict[str, Any]:
    """Parse and check every seed file; raise :class:`ValidationFailed` listing every problem."""
    c = Checker(data_dir)
    d: dict[str, list] = defaultdict(list)
    cohort = _read_cohort(c, d)
    _read_indicators(c, d)
    _read_networks(c, d)
    _read_partners(c, d)
    _read_alliances(c, d)
    _read_milestones(c, d)
    followed = _read_targets(c, d)
    _read_values(c, d, cohort, followed)
    _read_assessments(c, d)
    _read_lessons(c, d)
    _read_users(c, d)
    if c.errors:
        more = len(c.errors) - _MAX_ERRORS
        extra = [t("… et {n} autres problèmes.", n=more)] if more > 0 else []
        raise ValidationFailed(c.errors[:_MAX_ERRORS] + extra)
    return {**d, "cohort": cohort}


def _read_cohort(c: Checker, d: dict[str, list]) -> dict[str, Any]:
    """cohort.yaml: the cohort and its sessions."""
    raw = c.yaml("cohort.yaml")
    spec = (
        "code name start_date:date end_date:date status:CohortStatus anonymise_for_leads:bool "
        "seen_on?:date"
    )
    cohort = c.fields("cohort.yaml", raw, spec)
    for where, row in c.rows("cohort.yaml", "sessions", "session", data=raw):
        d["sessions"].append(c.fields(where, row, _SESSION))
        c.unique(where, c.refs["sessions"], d["sessions"][-1]["code"])
        c.unique(where, c.refs["numbers"], d["sessions"][-1]["number"])
    return cohort


def _read_indicators(c: Checker, d: dict[str, list]) -> None:
    """indicators.yaml: the catalogue (only the derived codes say ``derived: true``)."""
    indicators = c.refs["indicators"]
    for where, row in c.rows("indicators.yaml", "indicators", "indicateur"):
        i = c.fields(where, row, _INDICATOR)
        if None not in (i["scale_min"], i["scale_max"]) and i["scale_max"] <= i["scale_min"]:
            c.fail(where, "« scale_max » doit être supérieur à « scale_min ».")
        if bool(row.get("derived")) != (i["code"] in DERIVED_CODES):
            c.fail(
                where,
                "seuls {codes} sont calculés (derived: true).",
                codes=", ".join(DERIVED_CODES),
            )
        c.unique(where, indicators, i["code"])
        indicators[i["code"]] = i
        d["indicators"].append(i)


def _read_networks(c: Checker, d: dict[str, list]) -> None:
    """networks.yaml: networks (INSEE region, RNA, SIREN checked) and their objectives."""
    for where, row in c.rows("networks.yaml", "networks", "réseau"):
        n = c.fields(where, row, _NETWORK)
        if n["region_code"] and not re.fullmatch(r"\d{2,3}", n["region_code"]):
            c.fail(where, "code région INSEE invalide « {value} ».", value=n["region_code"])
        if n["rna"] and not re.fullmatch(r"W\d{9}", n["rna"]):
            c.fail(
                where, "numéro RNA invalide « {value} » (W suivi de 9 chiffres).", value=n["rna"]
            )
        if n["siren"] and not siren_ok(n["siren"]):
            c.fail(where, "numéro SIREN invalide « {value} ».", value=n["siren"])
        c.unique(where, c.refs["networks"], n["code"])
        c.refs["networks"][n["code"]] = n
        d["networks"].append(n)
        for obj in [o for o in row.get("objectives") or [] if isinstance(o, dict)]:
            w = t("{where}, objectif {code}", where=where, code=obj.get("code"))
            o = c.fields(w, obj, "code title motivation:Motivation description?")
            c.unique(w, c.refs["objectives"], o["code"])
            c.refs["objectives"][o["code"]] = n["code"]
            d["objectives"].append({**o, "network": n["code"]})


def _read_partners(c: Checker, d: dict[str, list]) -> None:
    """partners.yaml: the shared partner list, by name."""
    for where, row in c.rows("partners.yaml", "partners", "partenaire", "name"):
        p = c.fields(where, row, "name family:PartnerFamily is_fictional:bool")
        c.unique(where, c.refs["partners"], p["name"])
        c.refs["partners"][p["name"]] = p["family"]
        d["partners"].append(p)


def _read_alliances(c: Checker, d: dict[str, list]) -> None:
    """alliances.yaml: alliances of known networks and partners, with their stage history."""
    for where, row in c.rows("alliances.yaml", "alliances", "alliance"):
        a = c.fields(where, row, _ALLIANCE)
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


def _read_milestones(c: Checker, d: dict[str, list]) -> None:
    """milestones.csv: a done milestone has its done date and 100 % progress, and only it."""
    for where, row in c.rows("milestones.csv"):
        m = c.fields(where, row, _MILESTONE)
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


def _read_targets(c: Checker, d: dict[str, list]) -> set:
    """targets.csv: baselines and targets; returns the (network, indicator) pairs followed."""
    followed: set = set()
    for where, row in c.rows("targets.csv"):
        ind = c.refs["indicators"].get(row.get("indicator") or "")
        tg = c.fields(where, row, _TARGET, scale_of(ind))
        c.unit_rules(where, ind, tg, ("baseline_value", "target_value"))
        c.unique(where, followed, (tg["network"], tg["indicator"]))
        d["targets"].append(tg)
    return followed


def _read_values(c: Checker, d: dict[str, list], cohort: dict[str, Any], followed: set) -> None:
    """indicator_values.csv: typed values of followed indicators, one per month of the cohort."""
    indicators = c.refs["indicators"]
    months = set(
        months_between(cohort["start_date"] or dt.date.max, cohort["end_date"] or dt.date.min)
    )
    seen: set = set()
    for where, row in c.rows("indicator_values.csv"):
        ind = indicators.get(row.get("indicator") or "")
        v = c.fields(where, row, _VALUE, scale_of(ind))
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


def _read_assessments(c: Checker, d: dict[str, list]) -> None:
    """maturity.yaml: one assessment per network × session × assessor, every axis scored."""
    seen: set = set()
    for where, row in c.rows("maturity.yaml", "assessments", "auto-diagnostic", "network"):
        m = c.fields(where, row, _ASSESSMENT)
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
            axis: c.fields(
                t("{where}, axe {axis}", where=where, axis=axis), s or {}, "level:level evidence?"
            )
            for axis, s in scores.items()
        }
        d["assessments"].append(m)


def _read_lessons(c: Checker, d: dict[str, list]) -> None:
    """lessons.yaml: lessons, by code."""
    for where, row in c.rows("lessons.yaml", "lessons", "enseignement"):
        d["lessons"].append(c.fields(where, row, _LESSON))
        c.unique(where, c.refs["lessons"], d["lessons"][-1]["code"])
        c.same_network(where, d["lessons"][-1])


def _read_users(c: Checker, d: dict[str, list]) -> None:
    """users.yaml: demo accounts (a lead belongs to a network, no one else does)."""
    for where, row in c.rows("users.yaml", "users", "compte", "username"):
        u = c.fields(where, row, _USER)
        c.unique(where, c.refs["users"], u["username"])
        if u["username"] and (problem := username_problem(normalise_username(u["username"]))):
            c.fail(where, "identifiant refusé : {rule}.", rule=problem)
        if (u["role"] == E.Role.lead) != bool(u["network"]):
            c.fail(
                where,
                "un·e référent·e (lead) est rattaché·e à un réseau, les autres rôles à aucun.",
            )
        d["users"].append(u)


def _read_history(c: Checker, where: str, steps: Any) -> list[dict]:
    """Stage history: starts at ``identified``, moves only forward, a terminal stage last."""
    history: list[dict] = []
    if not isinstance(steps, list) or not steps:
        c.fail(where, "l'historique des étapes (« history ») est vide.")
    for n, step in enumerate(steps or [], 1):
        w = t("{where}, étape {n}", where=where, n=n)
        h = c.fields(w, step if isinstance(step, dict) else {}, _STEP)
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
