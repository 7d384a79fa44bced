"""The cohort's state as a snapshot freezes it, and how a payload is stored.

A state holds, for every network of the cohort: milestones (due date, status, done date,
derived status), alliances (stage, relation logic, partner family), every indicator's current
value, baseline and target (per accumulation rule), the latest maturity levels and the
objectives. Comparing two snapshots, or a snapshot and now, goes through the same builder, so
both sides are computed alike.

Stored compactly (:func:`pack_payload`, schema 2): the state's JSON compressed with zlib, in
base64 text inside the ``payload`` JSON column, next to the schema and the day. A 1,000-network
state is mostly the same keys and codes repeated row after row, which compresses about tenfold.
Snapshots stored before (schema 1, the state as plain JSON) are read as they are:
:func:`read_payload` returns the state whatever the schema.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import zlib

import numpy as np
import pandas as pd
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dashboard.services.indicators.progress import progress_frame
from dashboard.services.reporting import maturity_state
from dashboard.services.reporting import state_at_date as roadmap_state
from dashboard.services.shared.rules import derived_milestone_status
from models import Network, Objective

PAYLOAD_SCHEMA = 1  # the state's own shape (unchanged by compact storage)
STORED_SCHEMA = 2  # compressed storage of a schema-1 state
ENCODING = "zlib+base64"
MILESTONE_KEYS = ["id", "network_id", "title", "due_date", "done_date", "status", "derived_status"]
ALLIANCE_KEYS = [
    "id",
    "network_id",
    "title",
    "partner_name",
    "family",
    "stage",
    "relation_logic",
    "company_type",
]
INDICATOR_KEYS = [
    "network_id",
    "indicator_code",
    "indicator_label",
    "unit",
    "accumulation",
    "baseline",
    "target",
    "initial_target",
    "current",
    "last_period",
    "progress",
]
MATURITY_KEYS = ["network_id", "assessor", "axis", "latest_session", "latest_level"]
OBJECTIVE_KEYS = ["id", "network_id", "title", "motivation", "archived"]


def _plain(value):
    """A JSON-ready scalar: None for any missing value, ISO text for dates."""
    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _plain_column(values: pd.Series) -> list:
    """A column as JSON-ready scalars, converted as a whole where its type allows (numpy
    integers and booleans have no missing value; numpy floats only NaN), else value by value."""
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "iub":
        return values.tolist()
    if isinstance(values.dtype, np.dtype) and values.dtype.kind == "f":
        return [None if v != v else v for v in values.tolist()]  # NaN is the only v != v
    return [v if type(v) is str else _plain(v) for v in values.tolist()]


def _records(frame: pd.DataFrame, keys: list[str]) -> list[dict]:
    """The frame's ``keys`` columns as one JSON-ready dict per row (converted column by
    column: a 1,000-network state holds some 300,000 values)."""
    columns = [_plain_column(frame[k]) for k in keys]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _objective_rows(session: Session, ids: list[int], *, day: dt.date | None = None):
    """The networks' objectives (those created by the end of ``day`` when given)."""
    stmt = sa_select(
        col(Objective.id),
        col(Objective.network_id),
        col(Objective.title),
        col(Objective.motivation),
        col(Objective.archived),
    ).where(col(Objective.network_id).in_(ids))
    if day is not None:
        stmt = stmt.where(
            col(Objective.created_at) <= dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
        )
    rows = session.execute(stmt.order_by(col(Objective.network_id), col(Objective.id))).all()
    return pd.DataFrame(rows, columns=OBJECTIVE_KEYS)


def build_state(session: Session, cohort_id: int, *, as_of: dt.date) -> dict:
    """The cohort's state as JSON-ready data (a fixed number of grouped queries)."""
    networks = pd.DataFrame(
        session.exec(
            select(Network.id, Network.code, Network.name).where(Network.cohort_id == cohort_id)
        ).all(),
        columns=["id", "code", "name"],
    )
    ids = [int(i) for i in networks["id"]]
    milestones = roadmap_state.milestone_rows(session, ids, as_of=as_of)
    alliances = roadmap_state.alliance_rows(session, ids)
    indicators = progress_frame(session, networks, key_only=False, as_of=as_of)
    maturity = maturity_state.maturity_first_latest(session, ids)
    objectives = _objective_rows(session, ids)
    return {
        "schema": PAYLOAD_SCHEMA,
        "as_of": as_of.isoformat(),
        "networks": _records(networks, ["id", "code", "name"]),
        "objectives": _records(objectives, OBJECTIVE_KEYS),
        "milestones": _records(milestones, MILESTONE_KEYS),
        "alliances": _records(alliances, ALLIANCE_KEYS),
        "indicators": _records(indicators, INDICATOR_KEYS),
        "maturity": _records(maturity, MATURITY_KEYS),
    }


def build_state_at(session: Session, cohort_id: int, *, day: dt.date) -> dict:
    """The cohort's state as it stood at the end of ``day``, read back from the history: a
    snapshot of a past session, shaped like :func:`build_state`.

    Alliances take their stage and relation logic on that day (stage history, change log) and
    those not yet identified are left out; a milestone done later is shown under way (late if
    it was already due); indicators count the values submitted by then; maturity is the latest
    assessment made by then.
    """
    networks = pd.DataFrame(
        session.exec(
            select(Network.id, Network.code, Network.name).where(Network.cohort_id == cohort_id)
        ).all(),
        columns=["id", "code", "name"],
    )
    ids = [int(i) for i in networks["id"]]
    milestones = roadmap_state.milestone_rows(session, ids, as_of=day)
    later = milestones["done_date"].notna() & (milestones["done_date"] > day)
    milestones["status"] = milestones["status"].where(~later, "in_progress")
    milestones["done_date"] = milestones["done_date"].where(~later, None)
    milestones["derived_status"] = [
        derived_milestone_status(st, due, day)
        for st, due in zip(milestones["status"], milestones["due_date"], strict=True)
    ]
    alliances = roadmap_state.alliance_rows(session, ids, day=day)
    if not alliances.empty:
        logic = roadmap_state.logic_at(session, ids, day)
        if not logic.empty and "relation_logic" in logic.columns:
            then = dict(zip(logic["alliance_id"], logic["relation_logic"], strict=True))
            alliances["relation_logic"] = [
                then.get(i, current)
                for i, current in zip(alliances["id"], alliances["relation_logic"], strict=True)
            ]
    known_at = dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
    indicators = progress_frame(session, networks, key_only=False, as_of=day, known_at=known_at)
    maturity = maturity_state.maturity_first_latest(session, ids, until=day)
    objectives = _objective_rows(session, ids, day=day)
    return {
        "schema": PAYLOAD_SCHEMA,
        "as_of": day.isoformat(),
        "networks": _records(networks, ["id", "code", "name"]),
        "objectives": _records(objectives, OBJECTIVE_KEYS),
        "milestones": _records(milestones, MILESTONE_KEYS),
        "alliances": _records(alliances, ALLIANCE_KEYS),
        "indicators": _records(indicators, INDICATOR_KEYS),
        "maturity": _records(maturity, MATURITY_KEYS),
    }


def pack_payload(state: dict) -> dict:
    """A state as stored: its JSON compressed (schema 2); the day stays readable."""
    text = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
    packed = base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")
    return {
        "schema": STORED_SCHEMA,
        "as_of": state.get("as_of"),
        "encoding": ENCODING,
        "state": packed,
    }


def read_payload(stored: dict | str) -> dict:
    """The state a stored payload holds, whatever its schema (1: plain, 2: compressed)."""
    # A driver may hand the JSON column back as text.
    payload: dict = json.loads(stored) if isinstance(stored, str) else stored
    if payload.get("schema") == STORED_SCHEMA and payload.get("encoding") == ENCODING:
        text = zlib.decompress(base64.b64decode(payload["state"])).decode("utf-8")
        return json.loads(text)
    return payload
