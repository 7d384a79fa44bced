"""Writing a validated demo cohort into the database (rows built by ``dashboard.seed``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from dashboard.auth.accounts import hash_password
from dashboard.core.clock import month_end
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import t
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


def _omit(row: dict, *keys: str) -> dict:
    return {k: v for k, v in row.items() if k not in keys}


def write_cohort(session: Session, d: dict[str, Any]) -> Counter:
    """Insert the checked data; returns the number of rows created per table."""
    counts: Counter = Counter()

    def add(row):
        session.add(row)
        counts[row.__tablename__] += 1
        return row

    def bulk(model, rows: list[dict]) -> None:
        """Plain multi-row insert for the many child rows (no ORM objects needed after)."""
        if rows:
            session.exec(insert(model), params=rows)
            counts[model.__tablename__] += len(rows)

    t0 = at(d["cohort"]["start_date"])
    cohort = add(Cohort(**d["cohort"], created_at=t0))
    session.flush()
    sessions = {
        s["code"]: add(
            ProgrammeSession(
                **_omit(s, "date"), session_date=s["date"], cohort_id=cohort.id, created_at=t0
            )
        )
        for s in d["sessions"]
    }
    indicators = {i.code: i for i in session.exec(select(Indicator)).all()}
    for i in d["indicators"]:
        if i["code"] not in indicators:
            indicators[i["code"]] = add(Indicator(**i, created_at=t0))
    networks = {
        n["code"]: add(Network(**n, cohort_id=cohort.id, created_at=t0)) for n in d["networks"]
    }
    partners = {p.name: p for p in session.exec(select(Partner)).all()}
    for p in d["partners"]:
        if p["name"] not in partners:
            partners[p["name"]] = add(Partner(**p, created_at=t0))
        elif partners[p["name"]].family != p["family"]:
            msg = "partners.yaml, partenaire « {name} » : déjà enregistré avec la famille « {family} »."
            raise ValidationFailed(t(msg, name=p["name"], family=partners[p["name"]].family))
    session.flush()
    objectives = {
        o["code"]: add(
            Objective(
                **_omit(o, "network"),
                network_id=networks[o["network"]].id,
                created_at=t0,
                updated_at=t0,
            )
        )
        for o in d["objectives"]
    }
    users: dict[str, User] = {}
    hashes: dict[str, str] = {}  # argon2 is slow on purpose: one hash per published demo password
    for u in d["users"]:
        found = session.exec(select(User).where(User.username == u["username"])).first()
        if found is not None and (u["role"] == "lead" or found.role != u["role"]):
            msg = "users.yaml, compte {username} : cet identifiant existe déjà."
            raise ValidationFailed(t(msg, username=u["username"]))
        if found is None:
            if u["password"] not in hashes:
                hashes[u["password"]] = hash_password(u["password"])
            network_id = networks[u["network"]].id if u["network"] else None
            found = add(
                User(
                    **_omit(u, "network", "password"),
                    network_id=network_id,
                    created_at=t0,
                    password_hash=hashes[u["password"]],
                )
            )
        users[u["username"]] = found
    session.flush()
    leads = {u.network_id: saved_id(u) for u in users.values() if u.role == "lead"}
    admin_id = next((u.id for u in users.values() if u.role == "admin"), None)

    def ref_id(table: dict, code: str | None) -> int | None:
        return table[code].id if code else None

    alliances, facts = {}, defaultdict(list)
    for a in d["alliances"]:
        net, history = networks[a["network"]], a["history"]
        alliances[a["code"]] = add(
            Alliance(
                **_omit(a, "network", "partner", "objective", "history", "relation_logic"),
                **alliance_state(history, a["relation_logic"]),
                network_id=net.id,
                partner_id=saved_id(partners[a["partner"]]),
                objective_id=ref_id(objectives, a["objective"]),
                created_at=at(history[0]["date"]),
                updated_at=at(history[-1]["date"]),
            )
        )
        steps = tuple((h["date"], h["stage"]) for h in history)
        facts[a["network"]].append(
            AllianceFacts(partners[a["partner"]].family, a["company_type"], steps)
        )
    session.flush()
    assessments = [
        add(
            MaturityAssessment(
                **_omit(m, "network", "session", "scores"),
                network_id=networks[m["network"]].id,
                session_id=sessions[m["session"]].id,
                created_at=at(m["assessed_on"]),
                created_by_id=leads.get(networks[m["network"]].id)
                if m["assessor"] == "self"
                else admin_id,
            )
        )
        for m in d["assessments"]
    ]
    session.flush()
    changes = []
    for a in d["alliances"]:
        row, previous = alliances[a["code"]], None
        for h in a["history"]:
            changes.append(
                {
                    "alliance_id": row.id,
                    "from_stage": previous,
                    "to_stage": h["stage"],
                    "changed_on": h["date"],
                    "changed_by_id": leads.get(row.network_id),
                    "comment": h["comment"],
                    "created_at": at(h["date"]),
                }
            )
            previous = h["stage"]
    bulk(AllianceStageChange, changes)
    # A step that switches the relation logic is logged as the lead's edit would be, so the
    # exchange -> alliance shift between two dates can be read back from the change log.
    logic_changes = []
    for a in d["alliances"]:
        row, logic = alliances[a["code"]], a["relation_logic"]
        for h in a["history"]:
            if h.get("logic") and h["logic"] != logic:
                logic_changes.append(
                    {
                        "changed_at": at(h["date"], 18),
                        "user_id": leads.get(row.network_id),
                        "cohort_id": cohort.id,
                        "network_id": row.network_id,
                        "entity": "alliance",
                        "entity_id": row.id,
                        "action": "update",
                        "field": "relation_logic",
                        "before": logic,
                        "after": h["logic"],
                    }
                )
                logic = h["logic"]
    bulk(ChangeLog, logic_changes)
    milestones = [
        {
            **_omit(m, "network", "objective", "alliance", "session"),
            "network_id": networks[m["network"]].id,
            "objective_id": ref_id(objectives, m["objective"]),
            "alliance_id": ref_id(alliances, m["alliance"]),
            "session_id": ref_id(sessions, m["session"]),
            "created_at": t0,
            "updated_at": at(m["done_date"]) if m["done_date"] else t0,
        }
        for m in d["milestones"]
    ]
    bulk(Milestone, milestones)
    targets = [
        {
            **_omit(tg, "network", "indicator"),
            "network_id": networks[tg["network"]].id,
            "indicator_id": indicators[tg["indicator"]].id,
            "created_at": t0,
        }
        for tg in d["targets"]
    ]
    bulk(IndicatorTarget, targets)
    self_assessments = defaultdict(list)
    scores = []
    for m, row in zip(d["assessments"], assessments, strict=True):
        scores += [{"assessment_id": row.id, "axis": x, **m["scores"][x]} for x in AXES]
        if m["assessor"] == "self":
            levels = tuple(m["scores"][axis]["level"] for axis in AXES)
            self_assessments[m["network"]].append(SelfAssessment(m["assessed_on"], levels))
    bulk(MaturityScore, scores)
    # Typed values, then the derived ones for each month a network reported, with its status.
    rows = [
        (v["network"], v["indicator"], v["period_start"], v["value"], v["status"], v["comment"])
        for v in d["values"]
    ]
    followed = {(tg["network"], tg["indicator"]) for tg in d["targets"]}
    for (net, start), status in month_statuses((r[0], r[2], r[4]) for r in rows).items():
        derived = derived_values(facts[net], self_assessments[net], month_end(start))
        rows += [
            (net, code, start, derived[code], status, None)
            for code in DERIVED_CODES
            if code in derived and (net, code) in followed
        ]
    values = []
    for net, code, start, value, status, comment in rows:
        updated_at, submitted_at, validated_at = value_times(start, status, d.get("as_of"))
        net_id = networks[net].id
        values.append(
            {
                "network_id": net_id,
                "indicator_id": indicators[code].id,
                "period_start": start,
                "value": value,
                "status": status,
                "comment": comment,
                "updated_by_id": leads.get(net_id),
                "updated_at": updated_at,
                "submitted_at": submitted_at,
                "validated_at": validated_at,
                "validated_by_id": admin_id if status == "validated" else None,
            }
        )
    bulk(IndicatorValue, values)
    lessons = []
    for les in d["lessons"]:
        net_id = ref_id(networks, les["network"])
        day = sessions[les["session"]].session_date if les["session"] else d["cohort"]["start_date"]
        lessons.append(
            {
                **_omit(les, "network", "session", "alliance"),
                "cohort_id": cohort.id,
                "network_id": net_id,
                "session_id": ref_id(sessions, les["session"]),
                "alliance_id": ref_id(alliances, les["alliance"]),
                "author_id": leads.get(net_id) if net_id else admin_id,
                "created_at": at(day),
                "updated_at": at(day),
            }
        )
    bulk(Lesson, lessons)
    session.flush()
    if d.get("as_of") is not None:
        # The past the demo has lived through: its change history and session snapshots.
        leads_by_network = {nid: uid for nid, uid in leads.items() if nid is not None}
        counts.update(
            write_history(
                session, cohort.id, as_of=d["as_of"], admin_id=admin_id, leads=leads_by_network
            )
        )
        counts.update(write_snapshots(session, cohort.id, as_of=d["as_of"], admin_id=admin_id))
    return counts
