"""Small factories for service tests on an empty database (``engine`` fixture)."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.engine import Engine

from dashboard.auth.accounts import actor_for, hash_password
from dashboard.core.db import session_scope
from dashboard.core.permissions import Actor
from models import Cohort, Network, ProgrammeSession, User

_counter = itertools.count(1)
PASSWORD = "mot-de-passe-de-test-1"
_HASH = None


def _password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = hash_password(PASSWORD)
    return _HASH


def make_cohort(engine: Engine, *, code: str | None = None, status: str = "active", **kw) -> int:
    n = next(_counter)
    with session_scope(engine) as s:
        c = Cohort(
            code=code or f"C{n}",
            name=kw.pop("name", f"Cohorte {n}"),
            start_date=kw.pop("start_date", dt.date(2025, 10, 1)),
            end_date=kw.pop("end_date", dt.date(2026, 6, 30)),
            status=status,
            **kw,
        )
        s.add(c)
        s.flush()
        return c.id


def make_network(engine: Engine, cohort_id: int, *, code: str | None = None, **kw) -> int:
    n = next(_counter)
    with session_scope(engine) as s:
        net = Network(
            cohort_id=cohort_id, code=code or f"N{n:02d}", name=kw.pop("name", f"Réseau {n}"), **kw
        )
        s.add(net)
        s.flush()
        return net.id


def make_session(
    engine: Engine, cohort_id: int, *, code: str, number: int, date: dt.date, **kw
) -> int:
    with session_scope(engine) as s:
        ps = ProgrammeSession(
            cohort_id=cohort_id,
            code=code,
            number=number,
            kind=kw.pop("kind", "collective"),
            phase=kw.pop("phase", "understand"),
            title=kw.pop("title", f"Session {code}"),
            session_date=date,
            **kw,
        )
        s.add(ps)
        s.flush()
        return ps.id


def make_user(
    engine: Engine,
    role: str,
    *,
    network_id: int | None = None,
    username: str | None = None,
    active: bool = True,
    **kw,
) -> Actor:
    n = next(_counter)
    with session_scope(engine) as s:
        u = User(
            username=username or f"{role}{n}",
            full_name=kw.pop("full_name", f"Personne {n}"),
            role=role,
            network_id=network_id,
            active=active,
            password_hash=_password_hash(),
            **kw,
        )
        s.add(u)
        s.flush()
        net = s.get(Network, network_id) if network_id else None
        return actor_for(u, net)
