"""The bench's accounts: people created for one run and signed in."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.engine import Engine

from dashboard.core.i18n import t

DEMO_CODE = "AI-2026"


def bench_accounts(engine: Engine) -> dict[str, Any]:
    """A steering member, a programme-team member and the lead of the demo's first network,
    created for this run (random password, never printed) and signed in."""
    from sqlmodel import col, select

    from dashboard.auth import accounts as auth
    from dashboard.core.db import session_scope
    from models import Cohort, Network

    with session_scope(engine) as s:
        network_id = s.exec(
            select(Network.id)
            .join(Cohort, col(Cohort.id) == Network.cohort_id)
            .where(Cohort.code == DEMO_CODE)
            .order_by(Network.code)
        ).first()
    suffix = secrets.token_hex(4)
    password = secrets.token_urlsafe(24)
    out: dict[str, Any] = {}
    for role, network in (("steering", None), ("admin", None), ("lead", network_id)):
        username = f"banc.{role}.{suffix}"
        auth.create_user(
            engine,
            username=username,
            full_name=t("Banc d'essai"),
            role=role,
            password=password,
            network_id=network,
        )
        login = auth.login(engine, username, password)
        if not login.ok:
            raise RuntimeError(login.message)
        out[role] = login.actor
        out[f"{role}_token"] = login.token
    return out
