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
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from dashboard.auth.accounts import normalise_username, username_problem
from dashboard.core import clock
from dashboard.core.config import PROJECT_ROOT
from dashboard.core.db import session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import t
from dashboard.seed.calendar import as_seen_on
from dashboard.seed.checker import Checker, in_order, refs
from dashboard.seed.comments import read_comments
from dashboard.seed.derive import DERIVED_CODES
from dashboard.seed.read_roadmap import (
    read_alliances,
    read_assessments,
    read_lessons,
    read_milestones,
    read_targets,
    read_values,
)
from dashboard.seed.rows import (
    Coded,
    CohortDay,
    Fictional,
    IndicatorPosition,
    Password,
    SessionNumber,
)
from dashboard.seed.write import write_cohort
from dashboard.services.admin.cohorts import COHORT_LABELS, CohortInput
from dashboard.services.admin.networks import NETWORK_LABELS, NetworkInput
from dashboard.services.admin.sessions import SESSION_LABELS, SessionInput
from dashboard.services.admin.users import USER_LABELS, UserInput
from dashboard.services.indicators.catalogue import INDICATOR_LABELS, IndicatorInput
from dashboard.services.roadmap.objectives import OBJECTIVE_LABELS, ObjectiveInput
from dashboard.services.roadmap.partners import PARTNER_LABELS, PartnerInput
from models import Cohort
from models import enums as E

DEFAULT_DATA_DIR = PROJECT_ROOT / "seed_data"
_MAX_ERRORS = 50  # listed in the error; a broken file should not produce a thousand lines
# Each file's keys in the order the writers read them (the services' models check them).
_SESSION = ("code", "number", "kind", "phase", "date", "title", "host", "theme")
_INDICATOR = (
    "code position label definition unit direction accumulation is_key impact_axis lever "
    "scale_min scale_max"
).split()
_NETWORK = "code name acronym sector region_code member_count rna siren is_fictional".split()


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
    read_alliances(c, d)
    read_milestones(c, d)
    followed = read_targets(c, d)
    read_values(c, d, cohort, followed)
    read_assessments(c, d)
    read_lessons(c, d)
    _read_users(c, d)
    read_comments(c, d)
    if c.errors:
        more = len(c.errors) - _MAX_ERRORS
        extra = [t("… et {n} autres problèmes.", n=more)] if more > 0 else []
        raise ValidationFailed(c.errors[:_MAX_ERRORS] + extra)
    return {**d, "cohort": cohort}


def _read_cohort(c: Checker, d: dict[str, list]) -> dict[str, Any]:
    """cohort.yaml: the cohort and its sessions."""
    raw = c.yaml("cohort.yaml")
    required = ("status", "anonymise_for_leads")
    cohort = c.model_fields(
        "cohort.yaml", raw, CohortInput, labels=COHORT_LABELS, required=required
    )
    cohort |= c.model_fields("cohort.yaml", raw, CohortDay)
    for where, row in c.rows("cohort.yaml", "sessions", "session", data=raw):
        s = c.model_fields(
            where,
            row,
            SessionInput,
            {"date": "session_date"},
            labels=SESSION_LABELS,
            by_hand=("number",),
        )
        s |= c.model_fields(where, row, SessionNumber)
        d["sessions"].append(in_order(s, _SESSION))
        c.unique(where, c.refs["sessions"], d["sessions"][-1]["code"])
        c.unique(where, c.refs["numbers"], d["sessions"][-1]["number"])
    return cohort


def _read_indicators(c: Checker, d: dict[str, list]) -> None:
    """indicators.yaml: the catalogue (only the derived codes say ``derived: true``)."""
    indicators = c.refs["indicators"]
    for where, row in c.rows("indicators.yaml", "indicators", "indicateur"):
        i = c.model_fields(
            where,
            row,
            IndicatorInput,
            labels=INDICATOR_LABELS,
            required=("direction", "is_key"),
            by_hand=("position",),
        )
        i = in_order(i | c.model_fields(where, row, IndicatorPosition), _INDICATOR)
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
        n = c.model_fields(where, row, NetworkInput, labels=NETWORK_LABELS)
        n = in_order(n | c.model_fields(where, row, Fictional), _NETWORK)
        c.unique(where, c.refs["networks"], n["code"])
        c.refs["networks"][n["code"]] = n
        d["networks"].append(n)
        for obj in [o for o in row.get("objectives") or [] if isinstance(o, dict)]:
            w = t("{where}, objectif {code}", where=where, code=obj.get("code"))
            o = c.model_fields(w, obj, Coded)
            o |= c.model_fields(w, obj, ObjectiveInput, labels=OBJECTIVE_LABELS)
            c.unique(w, c.refs["objectives"], o["code"])
            c.refs["objectives"][o["code"]] = n["code"]
            d["objectives"].append({**o, "network": n["code"]})


def _read_partners(c: Checker, d: dict[str, list]) -> None:
    """partners.yaml: the shared partner list, by name."""
    for where, row in c.rows("partners.yaml", "partners", "partenaire", "name"):
        p = c.model_fields(where, row, PartnerInput, labels=PARTNER_LABELS)
        p |= c.model_fields(where, row, Fictional)
        c.unique(where, c.refs["partners"], p["name"])
        c.refs["partners"][p["name"]] = p["family"]
        d["partners"].append(p)


def _read_users(c: Checker, d: dict[str, list]) -> None:
    """users.yaml: demo accounts (a lead belongs to a network, no one else does)."""
    for where, row in c.rows("users.yaml", "users", "compte", "username"):
        u = c.model_fields(
            where,
            row,
            UserInput,
            labels=USER_LABELS,
            by_hand=("username",),
            fixed={"network_id": None},
        )
        u |= refs(c, where, row, network="networks?") | c.model_fields(where, row, Password)
        c.unique(where, c.refs["users"], u["username"])
        typed = str(row.get("username") or "").strip()
        if typed and (problem := username_problem(normalise_username(typed))):
            c.fail(where, "identifiant refusé : {rule}.", rule=problem)
        if (u["role"] == E.Role.lead) != bool(u["network"]):
            c.fail(
                where,
                "un·e référent·e (lead) est rattaché·e à un réseau, les autres rôles à aucun.",
            )
        d["users"].append(u)
