"""Builders for the import tests: the acting accounts of the demo cohort, a template edited
cell by cell as a person would in a spreadsheet, and what is stored, read back with raw SQL."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.auth.accounts import actor_for
from dashboard.core.permissions import Actor
from dashboard.services import imports
from dashboard.services.exports.formula_safety import neutralise
from models import Network, User
from tests.conftest import DEMO_AS_OF

AS_OF = DEMO_AS_OF


def actor(engine: Engine, username: str) -> Actor:
    with Session(engine) as s:
        user = s.exec(select(User).where(User.username == username)).one()
        return actor_for(user, s.get(Network, user.network_id) if user.network_id else None)


def network_id(engine: Engine, code: str) -> int:
    with Session(engine) as s:
        return s.exec(select(Network.id).where(Network.code == code)).one()


def template(engine: Engine, who: Actor, code: str = "R01") -> imports.TemplateData:
    return imports.template_data(engine, who, network_id(engine, code), as_of=AS_OF)


def headers(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def edit_xlsx(content: bytes, sheet: str, edits: dict[tuple[int, str], Any]) -> bytes:
    """Set cells by (spreadsheet row, column header), as a person typing would; save."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book[sheet]
    cols = headers(ws)
    for (row, header), value in edits.items():
        if isinstance(value, str):
            # A text is written as the template writes it: one apostrophe in front of what a
            # spreadsheet would take for a formula (or of a leading apostrophe), as a string.
            cell = ws.cell(row=row, column=cols[header], value=neutralise(value))
            cell.data_type = "s"
        else:
            ws.cell(row=row, column=cols[header], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rows_of(content: bytes, sheet: str) -> list[dict[str, Any]]:
    """The sheet's rows as dicts keyed by header (with ``_row``, the spreadsheet row)."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book[sheet]
    names = [c.value for c in ws[1]]
    out = []
    for number, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if any(v is not None for v in values):
            out.append({"_row": number} | dict(zip(names, values, strict=False)))
    return out


def stored_values(engine: Engine, code: str = "R01") -> dict[tuple[str, dt.date], tuple]:
    """(indicator code, month) → (value, comment, evidence_url, status, version), raw SQL."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT i.code, v.period_start, v.value, v.comment, v.evidence_url, v.status, "
                "v.version FROM indicator_value v JOIN indicator i ON i.id = v.indicator_id "
                "JOIN network n ON n.id = v.network_id WHERE n.code = :code"
            ),
            {"code": code},
        ).all()
    return {
        (r[0], r[1] if isinstance(r[1], dt.date) else dt.date.fromisoformat(str(r[1]))): tuple(
            r[2:]
        )
        for r in rows
    }


def stored_milestones(engine: Engine, code: str = "R01") -> dict[int, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT m.id, m.title, m.owner, m.status, m.progress, m.comment, m.version "
                "FROM milestone m JOIN network n ON n.id = m.network_id WHERE n.code = :code"
            ),
            {"code": code},
        ).mappings()
        return {int(r["id"]): dict(r) for r in rows}


def change_log_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM change_log")).scalar_one())
