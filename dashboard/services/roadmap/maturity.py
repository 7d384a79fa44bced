"""The « maturité à faire alliance » assessment: seven axes, a level 1–4 each with a short
evidence text, per network and session — the network's self-assessment and, beside it, the
programme team's facilitator assessment.

A lead writes their own network's self-assessment; only the programme team (the ``validate``
right on ``maturity``) writes facilitator assessments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import Engine
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from dashboard.core import clock
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import ConflictError, NotFound, ValidationFailed
from dashboard.core.i18n import fmt_date, label_of, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.shared import access, audit
from dashboard.services.shared.fields import MultiLineText, control_problem
from dashboard.services.shared.forms import clean, field_error, french_errors, too_long
from models import ChangeLog, MaturityAssessment, MaturityScore, Network, ProgrammeSession
from models.base import saved_id
from models.enums import MATURITY_LEVELS, Assessor, Entity, MaturityAxis

ENTITY = Entity.maturity
AXES = [a.value for a in MaturityAxis]
EVIDENCE_MAX = 500
COMMENT_MAX = 2000


class ScoreInput(BaseModel):
    """One axis as the user sent it (checked here: table models skip validation)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    axis: MaturityAxis
    level: int = Field(ge=1, le=4)
    evidence: MultiLineText | None = Field(default=None, max_length=EVIDENCE_MAX)

    @field_validator("level", mode="before")
    @classmethod
    def _whole_level(cls, v: Any) -> Any:
        if isinstance(v, bool) or v is None or (isinstance(v, float) and v != v):
            raise ValueError("level")
        return v

    @field_validator("evidence", mode="before")
    @classmethod
    def _blank(cls, v: Any) -> Any:
        return clean(v)


def _network(session: Session, actor: Actor, network_id: int) -> Network:
    authorize(actor, "update", Entity.maturity, network_id=network_id)
    network = access.row_by_id(session, Network, network_id)
    if network is None:
        raise NotFound(t("Ce réseau n'existe pas."))
    return network


def _assessments(session: Session, network_id: int) -> list[dict[str, Any]]:
    """Every assessment of the network with its scores, in session order (two queries)."""
    heads = session.exec(
        select(MaturityAssessment, col(ProgrammeSession.code), col(ProgrammeSession.session_date))
        .join(ProgrammeSession, col(ProgrammeSession.id) == MaturityAssessment.session_id)
        .where(MaturityAssessment.network_id == network_id)
        .order_by(col(ProgrammeSession.session_date), col(MaturityAssessment.id))
    ).all()
    ids = [saved_id(a) for a, _, _ in heads]
    scores: dict[int, dict[str, dict[str, Any]]] = {i: {} for i in ids}
    if ids:
        for s in session.exec(
            select(MaturityScore).where(col(MaturityScore.assessment_id).in_(ids))
        ).all():
            scores[s.assessment_id][s.axis] = {"level": int(s.level), "evidence": s.evidence}
    return [
        {
            "id": a.id,
            "version": a.version,
            "session_id": a.session_id,
            "session_code": code,
            "session_date": day,
            "assessor": a.assessor,
            "assessed_on": a.assessed_on,
            "comment": a.comment,
            "scores": scores[saved_id(a)],
        }
        for a, code, day in heads
    ]


def current_session_id(sessions: pd.DataFrame, as_of: dt.date) -> int | None:
    """The latest session on or before ``as_of`` (the first one before the programme starts)."""
    if sessions.empty:
        return None
    past = sessions[sessions["session_date"] <= as_of]
    return int((past if not past.empty else sessions.head(1)).iloc[-1]["id"])


def maturity_form(
    engine: Engine,
    actor: Actor,
    network_id: int,
    *,
    session_id: int | None = None,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """What the maturity page shows for one network and session.

    Returns ``{"network", "sessions" (DataFrame id/code/title/session_date), "session_id",
    "self", "facilitator", "previous_self", "previous_facilitator"}``; each assessment is a dict
    ``{id, version, session_id, session_code, session_date, assessor, assessed_on, comment,
    scores: {axis: {level, evidence}}}`` or None.
    """
    as_of = as_of or clock.today()
    with read_scope(engine) as session:
        network = _network(session, actor, network_id)
        rows = session.exec(
            select(
                col(ProgrammeSession.id),
                col(ProgrammeSession.code),
                col(ProgrammeSession.title),
                col(ProgrammeSession.session_date),
            )
            .where(ProgrammeSession.cohort_id == network.cohort_id)
            .order_by(col(ProgrammeSession.session_date), col(ProgrammeSession.number))
        ).all()
        assessments = _assessments(session, network_id)
    sessions = pd.DataFrame(rows, columns=["id", "code", "title", "session_date"])
    if session_id is None or session_id not in set(sessions["id"]):
        session_id = current_session_id(sessions, as_of)
    chosen_date = (
        sessions.loc[sessions["id"] == session_id, "session_date"].iloc[0]
        if session_id is not None
        else None
    )

    def pick(assessor: str, *, previous: bool) -> dict[str, Any] | None:
        mine = [a for a in assessments if a["assessor"] == assessor]
        if previous:
            mine = [a for a in mine if chosen_date and a["session_date"] < chosen_date]
            return mine[-1] if mine else None
        return next((a for a in mine if a["session_id"] == session_id), None)

    return {
        "network": {"id": network.id, "code": network.code, "name": network.name},
        "sessions": sessions,
        "session_id": session_id,
        "self": pick(Assessor.self.value, previous=False),
        "facilitator": pick(Assessor.facilitator.value, previous=False),
        "previous_self": pick(Assessor.self.value, previous=True),
        "previous_facilitator": pick(Assessor.facilitator.value, previous=True),
    }


_SCORE_LABELS = {"axis": "Axe", "level": "Niveau", "evidence": "Justification"}


def _axis_where(axis: str) -> str:
    if axis in AXES:
        return t("Axe « {axis} »", axis=label_of(MaturityAxis, axis))
    return t("Axe inconnu ({a})", a=axis)


def _french(exc: ValidationError, axis: str) -> str:
    """The first problem of one axis, in the shared message shape (see ``forms.french_errors``);
    a level is named with the scale's words."""
    where = _axis_where(axis)
    field = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else ""
    if field == "axis":
        return field_error(where, t("Axe"), t("cet axe n'existe pas"))
    if field == "level":
        levels = ", ".join(f"{k} ({v})" for k, v in MATURITY_LEVELS.items())
        return field_error(
            where, t("Niveau"), t("choisissez un niveau parmi {levels}", levels=levels)
        )
    return french_errors(exc, _SCORE_LABELS, where)[0]


def _checked_scores(scores: Iterable[Mapping[str, Any]]) -> dict[str, ScoreInput]:
    errors, out, reported = [], {}, set()
    for raw in scores:
        axis = str(raw.get("axis"))
        try:
            score = ScoreInput.model_validate(dict(raw))
        except ValidationError as exc:
            errors.append(_french(exc, axis))
            reported.add(axis)
            continue
        if score.axis.value in out:
            errors.append(t("{where} : saisi deux fois.", where=_axis_where(axis)))
        out[score.axis.value] = score
    for axis in AXES:
        if axis not in out and axis not in reported:
            errors.append(field_error(_axis_where(axis), t("Niveau"), t("obligatoire")))
    if errors:
        raise ValidationFailed(errors)
    return out


def _log(session: Session, actor: Actor, row: MaturityAssessment, field: str, before, after):
    network = session.get(Network, row.network_id)
    assert network is not None  # foreign key
    session.add(
        ChangeLog(
            user_id=actor.id,
            network_id=row.network_id,
            cohort_id=network.cohort_id,
            entity=ENTITY,
            entity_id=row.id,
            action="update" if before is not None else "create",
            field=field,
            before=None if before is None else str(before),
            after=None if after is None else str(after),
        )
    )


def save_assessment(
    engine: Engine,
    actor: Actor,
    network_id: int,
    session_id: int,
    assessor: str,
    scores: Iterable[Mapping[str, Any]],
    *,
    comment: str | None = None,
    version: int | None = None,
    as_of: dt.date | None = None,
) -> dict[str, int]:
    """Create or update one assessment (all seven axes) in one transaction with change-log rows.

    ``scores``: one ``{"axis", "level" (1–4), "evidence"}`` per axis. ``version``: the version
    of the assessment the user saw (None when there was none). Returns ``{"id", "version"}``.
    """
    as_of = as_of or clock.today()
    if assessor not in (Assessor.self, Assessor.facilitator):
        raise ValidationFailed(t("Auto-diagnostic ou regard de l'équipe d'animation attendu."))
    comment = (comment or "").strip() or None
    with session_scope(engine) as session:
        network = access.ensure_network_writable(
            session, actor, "update", Entity.maturity, network_id
        )
        if assessor == Assessor.facilitator:
            # The facilitator view is the programme team's own assessment of the network.
            authorize(actor, "validate", Entity.maturity, network_id=network_id)
        programme_session = session.get(ProgrammeSession, session_id)
        if programme_session is None or programme_session.cohort_id != network.cohort_id:
            raise NotFound(t("Cette session n'existe pas dans la cohorte du réseau."))
        checked = _checked_scores(scores)
        if comment and len(comment) > COMMENT_MAX:
            raise ValidationFailed(
                field_error("", t("Commentaire général"), too_long(comment, COMMENT_MAX))
            )
        control = control_problem(comment, multiline=True)
        if control:
            raise ValidationFailed(t("Commentaire : {problem}.", problem=control))
        row = session.exec(
            select(MaturityAssessment).where(
                MaturityAssessment.network_id == network_id,
                MaturityAssessment.session_id == session_id,
                MaturityAssessment.assessor == assessor,
            )
        ).first()
        what = t(
            "{assessor} de la session {code} ({date})",
            assessor=label_of(Assessor, assessor),
            code=programme_session.code,
            date=fmt_date(programme_session.session_date),
        )
        if row is None:
            if version is not None:
                raise ConflictError(t("{what} a été supprimé entre-temps.", what=what))
            return _create(session, actor, network, session_id, assessor, checked, comment, as_of)
        if version is None or row.version != version:
            raise ConflictError(audit.conflict_message(session, ENTITY, saved_id(row), what))
        return _update(session, actor, row, checked, comment, as_of, what)


def _create(session, actor, network, session_id, assessor, checked, comment, as_of):
    row = MaturityAssessment(
        network_id=network.id,
        session_id=session_id,
        assessor=assessor,
        assessed_on=as_of,
        comment=comment,
        created_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    assert row.id is not None  # given by the flush above
    scope: audit.LogScope = {"network_id": network.id, "cohort_id": network.cohort_id}
    audit.log_create(
        session, actor, ENTITY, row, fields=["session_id", "assessor", "assessed_on", "comment"],
        **scope,
    )  # fmt: skip
    for axis in AXES:
        score = checked[axis]
        session.add(
            MaturityScore(
                assessment_id=row.id, axis=axis, level=score.level, evidence=score.evidence
            )
        )
        _log(session, actor, row, f"{axis}.level", None, score.level)
        if score.evidence:
            _log(session, actor, row, f"{axis}.evidence", None, score.evidence)
    session.flush()
    return {"id": row.id, "version": row.version}


def _update(session, actor, row, checked, comment, as_of, what):
    existing = {
        s.axis: s
        for s in session.exec(select(MaturityScore).where(MaturityScore.assessment_id == row.id))
    }
    touched = False
    for axis in AXES:
        new, old = checked[axis], existing.get(axis)
        if old is None:
            session.add(
                MaturityScore(assessment_id=row.id, axis=axis, level=new.level,
                              evidence=new.evidence)
            )  # fmt: skip
            _log(session, actor, row, f"{axis}.level", None, new.level)
            touched = True
            continue
        if old.level != new.level:
            _log(session, actor, row, f"{axis}.level", old.level, new.level)
            old.level = new.level
            touched = True
        if (old.evidence or None) != new.evidence:
            _log(session, actor, row, f"{axis}.evidence", old.evidence or "", new.evidence or "")
            old.evidence = new.evidence
            touched = True
    if (row.comment or None) != comment:
        _log(session, actor, row, "comment", row.comment or "", comment or "")
        row.comment = comment
        touched = True
    if touched:
        row.assessed_on = as_of
        flag_modified(row, "assessed_on")  # bump the version even when only scores changed
        audit.flush_versioned(session, row, entity=ENTITY, what=what)
    return {"id": row.id, "version": row.version}
