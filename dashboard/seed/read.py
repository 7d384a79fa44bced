"""Load the fictional demo cohort from the reviewable files of ``seed_data/``, in one transaction.

Every file is read and checked before anything is written: an unknown code, an unknown
reference or an out-of-range value raises :class:`ValidationFailed` listing French messages
that name the file and the row, and the database is left untouched. Seeding a cohort whose code
already exists changes nothing. Timestamps come from the data, never from the clock, so two
seeds of the same files store the same content (password hashes aside: they are salted).
Partners and indicators are shared by all cohorts: they are looked up by name and by code.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
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
from dashboard.seed.derive import AXES, DERIVED_CODES
from dashboard.seed.write import write_cohort
from dashboard.services.indicators.value_rules import unit_problem
from models import Cohort
from models import enums as E

DEFAULT_DATA_DIR = PROJECT_ROOT / "seed_data"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
_MAX_ERRORS = 50  # listed in the error; a broken file should not produce a thousand lines
# Field kinds of the specs below; any other kind is an enum of models.enums or "@refs".
_KINDS: dict[str, Any] = {
    "text": str,
    "date": dt.date,
    "bool": bool,
    "int": (0, None, True),  # (minimum, maximum, integer)
    "int1": (1, None, True),
    "num": (0, None, False),
    "real": (None, None, False),
    "pct": (0, 100, True),
    "level": (1, 4, True),
}
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


class _Checker:
    """Reads the seed files and collects one French message per problem."""

    def __init__(self, data_dir: Path):
        self.dir = data_dir
        self.errors: list[str] = []
        # Known codes per table → their network (objectives, alliances), family (partners)…
        self.refs: dict[str, dict[str, Any]] = defaultdict(dict)

    def fail(self, where: str, message: str, **values: Any) -> None:
        self.errors.append(t("{where} : {message}", where=where, message=t(message, **values)))

    def not_utf8(self, name: str, error: UnicodeDecodeError) -> None:
        self.fail(
            name,
            "le fichier n'est pas encodé en UTF-8 (octet illisible à la position {pos}) : "
            "enregistrez-le en UTF-8 puis relancez le chargement.",
            pos=error.start,
        )

    def yaml(self, name: str) -> dict:
        path = self.dir / name
        data = None
        try:
            # Strict UTF-8 (a byte-order mark is accepted); any other encoding is refused.
            data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_YAML_LOADER)
        except FileNotFoundError:
            self.fail(name, "fichier introuvable.")
        except UnicodeDecodeError as exc:
            self.not_utf8(name, exc)
        except yaml.YAMLError as exc:
            self.fail(name, "YAML illisible ({error}).", error=exc)
        return data if isinstance(data, dict) else {}

    def rows(self, name: str, key: str = "", label: str = "", id_key: str = "code", data=None):
        """(where, row) for each item of the YAML list ``key``, or each line of a .csv file."""
        if name.endswith(".csv"):
            try:
                with (self.dir / name).open(encoding="utf-8-sig", newline="") as handle:
                    reader = csv.DictReader(handle)
                    return [
                        (t("{file}, ligne {n}", file=name, n=reader.line_num), r) for r in reader
                    ]
            except FileNotFoundError:
                self.fail(name, "fichier introuvable.")
                return []
            except UnicodeDecodeError as exc:
                self.not_utf8(name, exc)
                return []
        data = self.yaml(name) if data is None else data
        if not data:
            return []
        items = data.get(key)
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            self.fail(name, "la liste « {key} » est absente ou mal formée.", key=key)
            return []
        return [
            (t("{file}, {label} {id}", file=name, label=label, id=i.get(id_key)), i) for i in items
        ]

    def fields(self, where: str, row: dict, spec: str, scaled: Any = None) -> dict[str, Any]:
        """Read the fields of ``spec`` (``name[?][:kind]``, ``?`` = optional) from ``row``."""
        out = {}
        for token in spec.split():
            name, _, kind = token.partition(":")
            key = name.rstrip("?")
            out[key] = self.value(
                where, row.get(key), key, kind or "text", name.endswith("?"), scaled
            )
        return out

    def value(self, where, raw, key, kind, optional, scaled) -> Any:
        raw = raw.strip() if isinstance(raw, str) else raw
        if kind == "bool":
            if not isinstance(raw, bool):
                self.fail(where, "« {field} » doit valoir true ou false.", field=key)
            return bool(raw)
        if raw is None or raw == "":
            if not optional:
                self.fail(where, "le champ « {field} » est obligatoire.", field=key)
            return None
        spec = scaled if kind == "scaled" else _KINDS.get(kind)
        if spec is str:
            return str(raw)
        if spec is dt.date:
            if isinstance(raw, dt.date):
                return raw
            try:
                return dt.date.fromisoformat(str(raw))
            except ValueError:
                return self.fail(
                    where,
                    "« {field} » : date AAAA-MM-JJ attendue, reçu « {value} ».",
                    field=key,
                    value=raw,
                )
        if isinstance(spec, tuple):
            return self.number(where, key, raw, *spec)
        if kind.startswith("@"):
            if str(raw) not in self.refs[kind[1:]]:
                self.fail(
                    where, "référence inconnue « {value} » dans « {field} ».", value=raw, field=key
                )
                return None
            return str(raw)
        allowed = [m.value for m in getattr(E, kind)]
        if str(raw) not in allowed:
            msg = "code « {value} » inconnu pour « {field} » (codes admis : {allowed})."
            return self.fail(where, msg, value=raw, field=key, allowed=", ".join(allowed))
        return str(raw)

    def number(self, where, key, raw, lo, hi, integer) -> float | int | None:
        try:
            number = math.nan if isinstance(raw, bool) else float(raw)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or (integer and not number.is_integer()):
            kind = "un nombre entier" if integer else "un nombre"
            self.fail(
                where,
                "« {field} » doit être {kind} (reçu « {value} »).",
                field=key,
                kind=t(kind),
                value=raw,
            )
        elif (lo is not None and number < lo) or (hi is not None and number > hi):
            bounds = f"[{'-∞' if lo is None else lo} ; {'+∞' if hi is None else hi}]"
            self.fail(
                where,
                "« {field} » vaut {value}, hors de l'intervalle {bounds}.",
                field=key,
                value=raw,
                bounds=bounds,
            )
        else:
            return int(number) if integer else number
        return None

    def unit_rules(self, where: str, indicator: dict | None, row: dict, keys: tuple) -> None:
        """The services' rules for a value of ``indicator`` (its unit's bounds and range)."""
        if not indicator or not indicator.get("unit"):
            return
        for key in keys:
            if row.get(key) is not None and (problem := unit_problem(indicator, row[key])):
                self.fail(where, "« {field} » : {problem}", field=key, problem=problem)

    def unique(self, where: str, seen: set | dict, value: Any) -> None:
        if value in seen:
            self.fail(where, "« {value} » figure deux fois.", value=value)
        elif isinstance(seen, set):
            seen.add(value)
        else:
            seen[value] = None

    def same_network(self, where: str, row: dict) -> None:
        for key, table in (("objective", "objectives"), ("alliance", "alliances")):
            code, network = row.get(key), row.get("network")
            if code and network and self.refs[table][code] != network:
                self.fail(
                    where,
                    "{code} n'appartient pas au réseau {network}.",
                    code=code,
                    network=network,
                )


def _siren_ok(siren: str) -> bool:
    """Nine digits passing the Luhn check."""
    if not re.fullmatch(r"\d{9}", siren):
        return False
    digits = [int(ch) * (2 if i % 2 else 1) for i, ch in enumerate(siren)]
    return sum(x - 9 if x > 9 else x for x in digits) % 10 == 0


def read_seed_files(data_dir: Path) -> dict[str, Any]:
    """Parse and check every seed file; raise :class:`ValidationFailed` listing every problem."""
    c = _Checker(data_dir)
    d: dict[str, list] = defaultdict(list)
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
    for where, row in c.rows("networks.yaml", "networks", "réseau"):
        n = c.fields(where, row, _NETWORK)
        if n["region_code"] and not re.fullmatch(r"\d{2,3}", n["region_code"]):
            c.fail(where, "code région INSEE invalide « {value} ».", value=n["region_code"])
        if n["rna"] and not re.fullmatch(r"W\d{9}", n["rna"]):
            c.fail(
                where, "numéro RNA invalide « {value} » (W suivi de 9 chiffres).", value=n["rna"]
            )
        if n["siren"] and not _siren_ok(n["siren"]):
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
    for where, row in c.rows("partners.yaml", "partners", "partenaire", "name"):
        p = c.fields(where, row, "name family:PartnerFamily is_fictional:bool")
        c.unique(where, c.refs["partners"], p["name"])
        c.refs["partners"][p["name"]] = p["family"]
        d["partners"].append(p)
    for where, row in c.rows("alliances.yaml", "alliances", "alliance"):
        a = c.fields(where, row, _ALLIANCE)
        c.unique(where, c.refs["alliances"], a["code"])
        c.refs["alliances"][a["code"]] = a["network"]
        c.same_network(where, a)
        if (c.refs["partners"].get(a["partner"]) in ("company", "foundation")) != bool(
            a["company_type"]
        ):
            c.fail(
                where,
                "« company_type » est requis pour une entreprise ou une fondation, et seulement pour elles.",
            )
        a["history"] = _read_history(c, where, row.get("history"))
        d["alliances"].append(a)
    for where, row in c.rows("milestones.csv"):
        m = c.fields(where, row, _MILESTONE)
        c.unique(where, c.refs["milestones"], m["code"])
        c.same_network(where, m)
        if (m["status"] == "done") != (m["done_date"] is not None):
            c.fail(
                where,
                "« done_date » est renseignée si et seulement si le jalon est réalisé (done).",
            )
        if m["status"] == "done" and m["progress"] != 100:
            c.fail(where, "un jalon réalisé (done) a un avancement de 100.")
        d["milestones"].append(m)
    followed: set = set()
    for where, row in c.rows("targets.csv"):
        ind = indicators.get(row.get("indicator") or "")
        tg = c.fields(where, row, _TARGET, _scale(ind))
        c.unit_rules(where, ind, tg, ("baseline_value", "target_value"))
        c.unique(where, followed, (tg["network"], tg["indicator"]))
        d["targets"].append(tg)
    months = set(
        months_between(cohort["start_date"] or dt.date.max, cohort["end_date"] or dt.date.min)
    )
    seen: set = set()
    for where, row in c.rows("indicator_values.csv"):
        ind = indicators.get(row.get("indicator") or "")
        v = c.fields(where, row, _VALUE, _scale(ind))
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
    seen = set()
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
    for where, row in c.rows("lessons.yaml", "lessons", "enseignement"):
        d["lessons"].append(c.fields(where, row, _LESSON))
        c.unique(where, c.refs["lessons"], d["lessons"][-1]["code"])
        c.same_network(where, d["lessons"][-1])
    for where, row in c.rows("users.yaml", "users", "compte", "username"):
        u = c.fields(where, row, _USER)
        c.unique(where, c.refs["users"], u["username"])
        if u["username"] and (problem := username_problem(normalise_username(u["username"]))):
            c.fail(where, "identifiant refusé : {rule}.", rule=problem)
        if (u["role"] == "lead") != bool(u["network"]):
            c.fail(
                where,
                "un·e référent·e (lead) est rattaché·e à un réseau, les autres rôles à aucun.",
            )
        d["users"].append(u)
    if c.errors:
        more = len(c.errors) - _MAX_ERRORS
        extra = [t("… et {n} autres problèmes.", n=more)] if more > 0 else []
        raise ValidationFailed(c.errors[:_MAX_ERRORS] + extra)
    return {**d, "cohort": cohort}


def _scale(indicator: dict | None) -> tuple:
    """Number spec of a value of ``indicator``: its scale, integers for counts and persons."""
    if not indicator:
        return _KINDS["real"]
    integer = indicator["unit"] in ("count", "persons")
    return (indicator["scale_min"], indicator["scale_max"], integer)


def _read_history(c: _Checker, where: str, steps: Any) -> list[dict]:
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
        if prev is None and h["stage"] != "identified":
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
