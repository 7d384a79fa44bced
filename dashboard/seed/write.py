"""Writing a validated demo cohort into the database (rows built by ``dashboard.seed``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from dashboard.auth.accounts import hash_password
from dashboard.core.clock import month_end
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import t
from dashboard.seed.comments import write_comments
from dashboard.seed.derive import (
    AXES,
    DERIVED_CODES,
    AllianceFacts,
    SelfAssessment,
    alliance_state,
    at,
    derived_values,
    month_statuses,
    value_times,
)
from dashboard.seed.history import write_history, write_snapshots
from dashboard.services.indicators.totals import rebuild_totals
from models import (
    Alliance,
    AllianceStageChange,
    ChangeLog,
    Cohort,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Lesson,
    MaturityAssessment,
    MaturityScore,
    Milestone,
    Network,
    Objective,
    Partner,
    ProgrammeSession,
    User,
)
from models.base import saved_id
from models.enums import Assessor, ChangeAction, Entity, Role, ValueStatus


def _omit(row: dict, *keys: str) -> dict:
    return {k: v for k, v in row.items() if k not in keys}


def _ref_id(table: dict, code: str | None) -> int | None:
    return table[code].id if code else None


@dataclass
class _Writer:
    """One demo cohort being written: the session, the checked data, the rows created per
    table, and the stored rows later tables refer to (by their seed codes)."""

    session: Session
    d: dict[str, Any]
    counts: Counter = field(default_factory=Counter)
    cohort: Cohort | None = None
    sessions: dict[str, ProgrammeSession] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    networks: dict[str, Network] = field(default_factory=dict)
    partners: dict[str, Partner] = field(default_factory=dict)
    objectives: dict[str, Objective] = field(default_factory=dict)
    alliances: dict[str, Alliance] = field(default_factory=dict)
    leads: dict[int | None, int] = field(default_factory=dict)
    admin_id: int | None = None
    facts: dict[str, list[AllianceFacts]] = field(default_factory=lambda: defaultdict(list))

    @property
    def cohort_id(self) -> int:
        assert self.cohort is not None
        return saved_id(self.cohort)

    def add(self, row):
        self.session.add(row)
        self.counts[row.__tablename__] += 1
        return row

    def bulk(self, model, rows: list[dict]) -> None:
        """Plain multi-row insert for the many child rows (no ORM objects needed after): a
        Core executemany per set of keys, without the ORM's per-row bookkeeping (a synthetic
        cohort writes a million values through here)."""
        if not rows:
            return
        by_keys: dict[tuple[str, ...], list[dict]] = defaultdict(list)
        for row in rows:
            by_keys[tuple(sorted(row))].append(row)
        connection = self.session.connection()
        for same_keys in by_keys.values():
            connection.execute(insert(model.__table__), same_keys)
        self.counts[model.__tablename__] += len(rows)


def write_cohort(session: Session, d: dict[str, Any]) -> Counter:
    """Insert the checked data; returns the number of rows created per table."""
    w = _Writer(session, d)
    t0 = at(d["cohort"]["start_date"])
    _write_programme(w, t0)
    _write_users(w, t0)
    _write_alliances(w)
    assessments = _write_assessments(w)
    _write_stage_history(w)
    _write_milestones_and_targets(w, t0)
    self_assessments = _write_scores(w, assessments)
    _write_values(w, self_assessments)
    _write_lessons(w)
    session.flush()
    rebuild_totals(session, w.cohort_id)  # once, after the bulk inserts
    w.counts.update(
        write_comments(
            session, d, cohort_id=w.cohort_id, networks=w.networks, alliances=w.alliances
        )
    )
    if d.get("as_of") is not None:
        # The past the demo has lived through: its change history and session snapshots.
        leads_by_network = {nid: uid for nid, uid in w.leads.items() if nid is not None}
        w.counts.update(
            write_history(
                session, w.cohort_id, as_of=d["as_of"], admin_id=w.admin_id, leads=leads_by_network
            )
        )
        w.counts.update(
            write_snapshots(session, w.cohort_id, as_of=d["as_of"], admin_id=w.admin_id)
        )
    return w.counts


def _write_programme(w: _Writer, t0) -> None:
    """The cohort, its sessions and networks, the catalogue's and the partner list's new
    entries, and the networks' objectives."""
    d, session = w.d, w.session
    w.cohort = w.add(Cohort(**d["cohort"], created_at=t0))
    session.flush()
    w.sessions = {
        s["code"]: w.add(
            ProgrammeSession(
                **_omit(s, "date"), session_date=s["date"], cohort_id=w.cohort_id, created_at=t0
            )
        )
        for s in d["sessions"]
    }
    w.indicators = {i.code: i for i in session.exec(select(Indicator)).all()}
    for i in d["indicators"]:
        if i["code"] not in w.indicators:
            w.indicators[i["code"]] = w.add(Indicator(**i, created_at=t0))
    w.networks = {
        n["code"]: w.add(Network(**n, cohort_id=w.cohort_id, created_at=t0)) for n in d["networks"]
    }
    w.partners = {p.name: p for p in session.exec(select(Partner)).all()}
    for p in d["partners"]:
        if p["name"] not in w.partners:
            w.partners[p["name"]] = w.add(Partner(**p, created_at=t0))
        elif w.partners[p["name"]].family != p["family"]:
            msg = "partners.yaml, partenaire « {name} » : déjà enregistré avec la famille « {family} »."
            raise ValidationFailed(t(msg, name=p["name"], family=w.partners[p["name"]].family))
    session.flush()
    w.objectives = {
        o["code"]: w.add(
            Objective(
                **_omit(o, "network"),
                network_id=saved_id(w.networks[o["network"]]),
                created_at=t0,
                updated_at=t0,
            )
        )
        for o in d["objectives"]
    }


def _write_users(w: _Writer, t0) -> None:
    """The demo accounts (one argon2 hash per distinct published password); an existing
    account is reused only for the same non-lead role."""
    users: dict[str, User] = {}
    hashes: dict[str, str] = {}  # argon2 is slow on purpose: one hash per published demo password
    for u in w.d["users"]:
        found = w.session.exec(select(User).where(User.username == u["username"])).first()
        if found is not None and (u["role"] == Role.lead or found.role != u["role"]):
            msg = "users.yaml, compte {username} : cet identifiant existe déjà."
            raise ValidationFailed(t(msg, username=u["username"]))
        if found is None:
            if u["password"] not in hashes:
                hashes[u["password"]] = hash_password(u["password"])
            network_id = w.networks[u["network"]].id if u["network"] else None
            found = w.add(
                User(
                    **_omit(u, "network", "password"),
                    network_id=network_id,
                    created_at=t0,
                    password_hash=hashes[u["password"]],
                )
            )
        users[u["username"]] = found
    w.session.flush()
    w.leads = {u.network_id: saved_id(u) for u in users.values() if u.role == Role.lead}
    w.admin_id = next((u.id for u in users.values() if u.role == Role.admin), None)


def _write_alliances(w: _Writer) -> None:
    """Alliances at their last stage, and the facts the derived indicators are counted from."""
    for a in w.d["alliances"]:
        net, history = w.networks[a["network"]], a["history"]
        w.alliances[a["code"]] = w.add(
            Alliance(
                **_omit(a, "network", "partner", "objective", "history", "relation_logic"),
                **alliance_state(history, a["relation_logic"]),
                network_id=saved_id(net),
                partner_id=saved_id(w.partners[a["partner"]]),
                objective_id=_ref_id(w.objectives, a["objective"]),
                created_at=at(history[0]["date"]),
                updated_at=at(history[-1]["date"]),
            )
        )
        steps = tuple((h["date"], h["stage"]) for h in history)
        w.facts[a["network"]].append(
            AllianceFacts(w.partners[a["partner"]].family, a["company_type"], steps)
        )
    w.session.flush()


def _write_assessments(w: _Writer) -> list[MaturityAssessment]:
    """Maturity assessments: a self-diagnosis by the network's lead, the others by the
    programme team."""
    assessments = [
        w.add(
            MaturityAssessment(
                **_omit(m, "network", "session", "scores"),
                network_id=saved_id(w.networks[m["network"]]),
                session_id=saved_id(w.sessions[m["session"]]),
                created_at=at(m["assessed_on"]),
                created_by_id=w.leads.get(w.networks[m["network"]].id)
                if m["assessor"] == Assessor.self
                else w.admin_id,
            )
        )
        for m in w.d["assessments"]
    ]
    w.session.flush()
    return assessments


def _write_stage_history(w: _Writer) -> None:
    """Every alliance's stage changes, and its relation-logic switches in the change log."""
    changes = []
    for a in w.d["alliances"]:
        row, previous = w.alliances[a["code"]], None
        for h in a["history"]:
            changes.append(
                {
                    "alliance_id": row.id,
                    "from_stage": previous,
                    "to_stage": h["stage"],
                    "changed_on": h["date"],
                    "changed_by_id": w.leads.get(row.network_id),
                    "comment": h["comment"],
                    "created_at": at(h["date"]),
                }
            )
            previous = h["stage"]
    w.bulk(AllianceStageChange, changes)
    # A step that switches the relation logic is logged as the lead's edit would be, so the
    # exchange -> alliance shift between two dates can be read back from the change log.
    logic_changes = []
    for a in w.d["alliances"]:
        row, logic = w.alliances[a["code"]], a["relation_logic"]
        for h in a["history"]:
            if h.get("logic") and h["logic"] != logic:
                logic_changes.append(
                    {
                        "changed_at": at(h["date"], 18),
                        "user_id": w.leads.get(row.network_id),
                        "cohort_id": w.cohort_id,
                        "network_id": row.network_id,
                        "entity": Entity.alliance.value,
                        "entity_id": row.id,
                        "action": ChangeAction.update.value,
                        "field": "relation_logic",
                        "before": logic,
                        "after": h["logic"],
                    }
                )
                logic = h["logic"]
    w.bulk(ChangeLog, logic_changes)


def _write_milestones_and_targets(w: _Writer, t0) -> None:
    d = w.d
    milestones = [
        {
            **_omit(m, "network", "objective", "alliance", "session"),
            "network_id": w.networks[m["network"]].id,
            "objective_id": _ref_id(w.objectives, m["objective"]),
            "alliance_id": _ref_id(w.alliances, m["alliance"]),
            "session_id": _ref_id(w.sessions, m["session"]),
            "created_at": t0,
            "updated_at": at(m["done_date"]) if m["done_date"] else t0,
        }
        for m in d["milestones"]
    ]
    w.bulk(Milestone, milestones)
    targets = [
        {
            **_omit(tg, "network", "indicator"),
            "network_id": w.networks[tg["network"]].id,
            "indicator_id": w.indicators[tg["indicator"]].id,
            "created_at": t0,
        }
        for tg in d["targets"]
    ]
    w.bulk(IndicatorTarget, targets)


def _write_scores(
    w: _Writer, assessments: list[MaturityAssessment]
) -> dict[str, list[SelfAssessment]]:
    """Each assessment's level per axis; returns the self-diagnoses per network (the maturity
    score indicator is derived from them)."""
    self_assessments: dict[str, list[SelfAssessment]] = defaultdict(list)
    scores = []
    for m, row in zip(w.d["assessments"], assessments, strict=True):
        scores += [{"assessment_id": row.id, "axis": x, **m["scores"][x]} for x in AXES]
        if m["assessor"] == Assessor.self:
            levels = tuple(m["scores"][axis]["level"] for axis in AXES)
            self_assessments[m["network"]].append(SelfAssessment(m["assessed_on"], levels))
    w.bulk(MaturityScore, scores)
    return self_assessments


def _write_values(w: _Writer, self_assessments: dict[str, list[SelfAssessment]]) -> None:
    """Typed values, then the derived ones for each month a network reported, with its status."""
    d = w.d
    rows = [
        (v["network"], v["indicator"], v["period_start"], v["value"], v["status"], v["comment"])
        for v in d["values"]
    ]
    followed = {(tg["network"], tg["indicator"]) for tg in d["targets"]}
    for (net, start), status in month_statuses((r[0], r[2], r[4]) for r in rows).items():
        derived = derived_values(w.facts[net], self_assessments[net], month_end(start))
        rows += [
            (net, code, start, derived[code], status, None)
            for code in DERIVED_CODES
            if code in derived and (net, code) in followed
        ]
    values = []
    for net, code, start, value, status, comment in rows:
        updated_at, submitted_at, validated_at = value_times(start, status, d.get("as_of"))
        net_id = w.networks[net].id
        values.append(
            {
                "network_id": net_id,
                "indicator_id": w.indicators[code].id,
                "period_start": start,
                "value": value,
                "status": status,
                "comment": comment,
                "updated_by_id": w.leads.get(net_id),
                "updated_at": updated_at,
                "submitted_at": submitted_at,
                "validated_at": validated_at,
                "validated_by_id": w.admin_id if status == ValueStatus.validated else None,
            }
        )
    w.bulk(IndicatorValue, values)


def _write_lessons(w: _Writer) -> None:
    """Lessons, written by the network's lead (collective ones by the programme team)."""
    lessons = []
    for les in w.d["lessons"]:
        net_id = _ref_id(w.networks, les["network"])
        day = (
            w.sessions[les["session"]].session_date
            if les["session"]
            else w.d["cohort"]["start_date"]
        )
        lessons.append(
            {
                **_omit(les, "network", "session", "alliance"),
                "cohort_id": w.cohort_id,
                "network_id": net_id,
                "session_id": _ref_id(w.sessions, les["session"]),
                "alliance_id": _ref_id(w.alliances, les["alliance"]),
                "author_id": w.leads.get(net_id) if net_id else w.admin_id,
                "created_at": at(day),
                "updated_at": at(day),
            }
        )
    w.bulk(Lesson, lessons)
