"""A departed lead of the demo cohort, anonymised by the programme team: their name and e-mail
are nowhere any more — not in an export of any profile, not in the history, not in any text the
database stores — while the history keeps every entry.

Run with ``TEST_DATABASE_URL`` set, every test here also runs on PostgreSQL.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import JSON, String, Text, select, update
from sqlmodel import SQLModel

from dashboard.auth import accounts as auth
from dashboard.core.db import session_scope
from dashboard.services import privacy
from dashboard.services.admin import user_sessions
from dashboard.services.exports import runner as exports
from dashboard.services.exports.request import ExportProfile
from dashboard.services.exports.runner import ExportFilters, ExportRequest
from dashboard.services.reporting import history
from dashboard.services.reporting.snapshot_state import read_payload
from models import Milestone, Network, User

OLD_NAME = "Claire Dumontel"
OLD_EMAIL = "claire.dumontel@exemple.org"
NEEDLES = (OLD_NAME, "Dumontel", OLD_EMAIL)


def _actor(engine, username: str):
    with session_scope(engine) as s:
        user = s.exec(select(User).where(User.username == username)).scalar_one()
        network = s.get(Network, user.network_id) if user.network_id else None
        return auth.actor_for(user, network)


def _lead_id(engine) -> int:
    with session_scope(engine) as s:
        return s.exec(select(User.id).where(User.full_name == OLD_NAME)).scalar_one()


def _readable(data: bytes) -> str:
    """The text of an export file: a zip (CSV bundle, XLSX) is opened and every member read."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return data.decode("utf-8-sig")


def _every_export(engine, actor) -> dict[str, str]:
    out = {}
    for profile in ExportProfile:
        request = ExportRequest(
            profile=profile.value,
            filters=ExportFilters(cohort="AI-2026"),
            tables=exports.TABLE_NAMES,
        )
        out[profile.value] = _readable(exports.export_download(engine, actor, request).data)
    return out


def _is_text(kind) -> bool:
    impl = getattr(kind, "impl", kind)  # AutoString is a decorator over String
    return isinstance(kind, (String, Text, JSON)) or isinstance(impl, (String, Text, JSON))


def _stored_texts(engine) -> str:
    """Every text and JSON value of every table, as one string."""
    parts = []
    with session_scope(engine) as s:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.c if _is_text(c.type)]
            if not columns:
                continue
            for row in s.execute(select(*columns)).all():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if table.name == "snapshot" and column.name == "payload":
                        value = read_payload(value)  # stored compressed
                    parts.append(json.dumps(value, ensure_ascii=False))
    return "\n".join(parts)


def _history_text(view) -> str:
    return view.rows.to_csv() + "\n".join(view.people.values())


@pytest.fixture
def world(demo_engine):
    engine = demo_engine
    # Someone typed the lead's full name as a milestone's owner: exports carry it.
    with session_scope(engine) as s:
        first = s.exec(select(Milestone.id).order_by(Milestone.id)).scalars().first()
        s.exec(update(Milestone).where(Milestone.id == first).values(owner=OLD_NAME))
    return {
        "engine": engine,
        "admin": _actor(engine, "animation"),
        "ministry": _actor(engine, "ministere"),
        "lead_id": _lead_id(engine),
    }


def test_a_departed_lead_disappears_by_name_while_the_history_stays_whole(world):
    engine, admin, ministry, lead_id = (
        world["engine"], world["admin"], world["ministry"], world["lead_id"]
    )  # fmt: skip
    with session_scope(engine) as s:
        cohort_id = s.exec(select(Network.cohort_id).where(Network.code == "R01")).scalar_one()
        r01 = s.exec(select(Network.id).where(Network.code == "R01")).scalar_one()
    before = history.cohort_history(engine, admin, cohort_id, limit=100_000)
    before_r01 = history.network_history(engine, admin, r01, limit=100_000)
    assert not before.truncated
    # The checks below can fail: the name is there before.
    assert OLD_NAME in _history_text(before)
    assert OLD_NAME in _every_export(engine, ministry)["excel_fr"]
    assert OLD_EMAIL in _stored_texts(engine)

    name = privacy.anonymise_user(engine, admin, lead_id, version=None)

    after = history.cohort_history(engine, admin, cohort_id, limit=100_000)
    after_r01 = history.network_history(engine, admin, r01, limit=100_000)
    assert len(after.rows) == len(before.rows) + 1  # every entry, plus the anonymisation
    assert len(after_r01.rows) == len(before_r01.rows) + 1
    assert (after.rows["user_id"] == lead_id).sum() == (before.rows["user_id"] == lead_id).sum()
    assert set(after.rows.loc[after.rows["user_id"] == lead_id, "user_name"]) == {name}
    for text in (_history_text(after), _history_text(after_r01)):
        assert not [n for n in NEEDLES if n in text]
    for profile, text in _every_export(engine, ministry).items():
        assert not [n for n in NEEDLES if n in text], profile
    users = user_sessions.list_users(engine, admin).to_csv()
    assert not [n for n in NEEDLES if n in users] and name in users
    stored = _stored_texts(engine)
    assert not [n for n in NEEDLES if n in stored]
