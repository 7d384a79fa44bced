"""A small cohort for the roadmap service tests: two networks with their leads, the
programme team, the steering committee, and a second cohort to forge ids from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from dashboard.auth.accounts import actor_for
from dashboard.core.db import session_scope
from dashboard.core.permissions import Actor
from models import ChangeLog, Cohort, Network, ProgrammeSession, User

AS_OF = dt.date(2026, 2, 15)


@dataclass(frozen=True)
class World:
    cohort: int
    net_a: int
    net_b: int
    s1: int
    s2: int
    s3: int
    other_cohort: int
    other_net: int
    other_session: int
    lead_a: Actor
    lead_b: Actor
    admin: Actor
    steering: Actor


def make_world(engine: Engine) -> World:
    """Everything in one transaction (each commit costs an fsync)."""
    with session_scope(engine) as s:
        cohort = Cohort(
            code="AT-TEST",
            name="Cohorte de test",
            start_date=dt.date(2025, 10, 1),
            end_date=dt.date(2026, 6, 30),
        )
        other = Cohort(
            code="AT-AUTRE",
            name="Autre cohorte",
            start_date=dt.date(2025, 10, 1),
            end_date=dt.date(2026, 6, 30),
        )
        s.add_all([cohort, other])
        s.flush()
        net_a = Network(cohort_id=cohort.id, code="NA", name="Réseau Alpha")
        net_b = Network(cohort_id=cohort.id, code="NB", name="Réseau Bêta")
        other_net = Network(cohort_id=other.id, code="NC", name="Réseau Gamma")
        s.add_all([net_a, net_b, other_net])
        sessions = [
            ProgrammeSession(
                cohort_id=cohort.id,
                code=code,
                number=i + 1,
                kind="collective",
                phase="understand",
                title=f"Session {code}",
                session_date=day,
            )
            for i, (code, day) in enumerate(
                [
                    ("S1", dt.date(2025, 10, 14)),
                    ("S2", dt.date(2025, 12, 9)),
                    ("S3", dt.date(2026, 3, 17)),
                ]
            )
        ]
        other_session = ProgrammeSession(
            cohort_id=other.id,
            code="S1",
            number=1,
            kind="collective",
            title="Session S1",
            session_date=dt.date(2025, 10, 20),
        )
        s.add_all([*sessions, other_session])
        s.flush()
        people = [
            User(username="lead.a", full_name="Alice Martin", role="lead", network_id=net_a.id),
            User(username="lead.b", full_name="Bruno Petit", role="lead", network_id=net_b.id),
            User(username="animation", full_name="Claire Animation", role="admin"),
            User(username="copil", full_name="Denis Copil", role="steering"),
        ]
        s.add_all(people)
        s.flush()
        nets = {net_a.id: net_a, net_b.id: net_b}
        actors = [actor_for(u, nets.get(u.network_id)) for u in people]
        return World(
            cohort=cohort.id,
            net_a=net_a.id,
            net_b=net_b.id,
            s1=sessions[0].id,
            s2=sessions[1].id,
            s3=sessions[2].id,
            other_cohort=other.id,
            other_net=other_net.id,
            other_session=other_session.id,
            lead_a=actors[0],
            lead_b=actors[1],
            admin=actors[2],
            steering=actors[3],
        )


def count(engine: Engine, model, *where) -> int:
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def log_rows(engine: Engine, *where) -> list[ChangeLog]:
    with session_scope(engine) as s:
        return list(s.exec(select(ChangeLog).where(*where).order_by(ChangeLog.id)).all())
