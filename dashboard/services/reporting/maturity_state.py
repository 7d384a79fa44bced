"""Maturity of the networks at a date: each axis's level at the first and at the latest
self-diagnosis or facilitator assessment, ranked in SQL (a fixed number of statements whatever
the number of networks). No permission check here: the public services that call it do it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, or_, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from dashboard.services.reporting.state_at_date import NetworkIds
from dashboard.services.shared.frames import rows_frame
from models import MaturityAssessment, MaturityScore, ProgrammeSession


def maturity_first_latest(
    session: Session, network_ids: NetworkIds, *, until: dt.date | None = None
) -> pd.DataFrame:
    """Per network × assessor × axis: level at the first and at the latest assessment (up to
    ``until``), with the sessions' codes. Ranked in SQL with window functions."""
    date_col = col(ProgrammeSession.session_date)
    ranked = (
        sa_select(
            col(MaturityAssessment.id).label("aid"),
            col(MaturityAssessment.network_id).label("network_id"),
            col(MaturityAssessment.assessor).label("assessor"),
            col(ProgrammeSession.code).label("session_code"),
            date_col.label("session_date"),
            func.row_number()
            .over(
                partition_by=(col(MaturityAssessment.network_id), col(MaturityAssessment.assessor)),
                order_by=(date_col.asc(), col(MaturityAssessment.id).asc()),
            )
            .label("first_rank"),
            func.row_number()
            .over(
                partition_by=(col(MaturityAssessment.network_id), col(MaturityAssessment.assessor)),
                order_by=(date_col.desc(), col(MaturityAssessment.id).desc()),
            )
            .label("last_rank"),
        )
        .join(ProgrammeSession, col(ProgrammeSession.id) == MaturityAssessment.session_id)
        .where(
            col(MaturityAssessment.network_id).in_(network_ids),
            date_col <= until if until else true(),
        )
        .subquery()
    )
    rows = session.execute(
        sa_select(
            ranked.c.network_id,
            ranked.c.assessor,
            col(MaturityScore.axis),
            ranked.c.session_code,
            ranked.c.session_date,
            col(MaturityScore.level),
            ranked.c.first_rank,
            ranked.c.last_rank,
        )
        .join(MaturityScore, col(MaturityScore.assessment_id) == ranked.c.aid)
        .where(or_(ranked.c.first_rank == 1, ranked.c.last_rank == 1))
    ).all()
    raw = rows_frame(
        rows,
        columns=[
            "network_id",
            "assessor",
            "axis",
            "session_code",
            "session_date",
            "level",
            "first_rank",
            "last_rank",
        ],
    )
    keys = ["network_id", "assessor", "axis"]
    first = raw[raw["first_rank"] == 1][[*keys, "session_code", "level"]].rename(
        columns={"session_code": "first_session", "level": "first_level"}
    )
    last = raw[raw["last_rank"] == 1][[*keys, "session_code", "level"]].rename(
        columns={"session_code": "latest_session", "level": "latest_level"}
    )
    out = first.merge(last, on=keys, how="outer")
    out["delta"] = out["latest_level"] - out["first_level"]
    return out.reset_index(drop=True)
