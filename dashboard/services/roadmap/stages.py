"""Moving an alliance along its stages, and the stage history.

The rules:

- forward along identified → contacted → scoping → preparing → signed → running → evaluating →
  renewed; steps may be skipped (a monthly update often catches up on several steps at once), a
  move backward is refused;
- any non-terminal stage → suspended or abandoned, with a required reason;
- suspended → back to the stage it had before the suspension (resume, with a required comment),
  or → abandoned (with a reason);
- abandoned is final.

Each move writes an :class:`AllianceStageChange` (from, to, date, who, comment), updates
``Alliance.stage`` / ``stage_changed_on`` / ``signed_on`` (first time an agreement exists) with
the version the user saw, and writes change-log rows carrying the comment as reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.core import clock
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import NotFound, ValidationFailed
from dashboard.core.i18n import fmt_date, label_of, t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.shared import audit
from dashboard.services.shared.access import owned_row, readable_network, row_by_id
from dashboard.services.shared.fields import control_problem
from dashboard.services.shared.forms import (
    clean,
    field_error,
    max_length,
    parse_date,
    too_long,
)
from models import Alliance, AllianceStageChange, Network, User
from models.base import saved_id
from models.enums import SIGNED_STAGES, AllianceStage, Entity

PIPELINE = [
    AllianceStage.identified.value,
    AllianceStage.contacted.value,
    AllianceStage.scoping.value,
    AllianceStage.preparing.value,
    AllianceStage.signed.value,
    AllianceStage.running.value,
    AllianceStage.evaluating.value,
    AllianceStage.renewed.value,
]
SUSPENDED = AllianceStage.suspended.value
ABANDONED = AllianceStage.abandoned.value
REASON_LABEL = "Motif / commentaire"
STAGE_LABEL = "Nouvelle étape"
DATE_LABEL = "Date"


def allowed_transitions(stage: str, resume_to: str | None = None) -> list[str]:
    """Stages an alliance at ``stage`` may move to. ``resume_to`` is, for a suspended alliance,
    the stage it had before (None when unknown: any pipeline stage is then accepted)."""
    if stage in PIPELINE:
        return PIPELINE[PIPELINE.index(stage) + 1 :] + [SUSPENDED, ABANDONED]
    if stage == SUSPENDED:
        return ([resume_to] if resume_to in PIPELINE else list(PIPELINE)) + [ABANDONED]
    return []


def needs_comment(stage: str, to_stage: str) -> bool:
    """Suspending, abandoning and resuming all need a written reason."""
    return to_stage in (SUSPENDED, ABANDONED) or stage == SUSPENDED


def resume_stages(session: Session, network_id: int) -> dict[int, str | None]:
    """For each alliance of the network, the stage it left on its latest suspension."""
    latest = (
        select(AllianceStageChange.alliance_id, func.max(AllianceStageChange.id).label("last_id"))
        .join(Alliance, col(Alliance.id) == AllianceStageChange.alliance_id)
        .where(Alliance.network_id == network_id, AllianceStageChange.to_stage == SUSPENDED)
        .group_by(col(AllianceStageChange.alliance_id))
        .subquery()
    )
    rows = session.exec(
        select(AllianceStageChange.alliance_id, AllianceStageChange.from_stage).join(
            latest, latest.c.last_id == AllianceStageChange.id
        )
    ).all()
    return {alliance_id: from_stage for alliance_id, from_stage in rows}


def _refusal(stage: str, to_stage: str, resume_to: str | None) -> str:
    names = {"from": label_of(AllianceStage, stage), "to": label_of(AllianceStage, to_stage)}
    if stage == ABANDONED:
        return t("Une alliance abandonnée ne change plus d'étape.")
    if stage == to_stage:
        return t("L'alliance est déjà à l'étape « {to} ».", **names)
    if stage == SUSPENDED:
        return t(
            "Une alliance suspendue reprend à l'étape où elle était (« {back} ») ou est "
            "abandonnée ; « {to} » n'est pas possible.",
            back=label_of(AllianceStage, resume_to),
            **names,
        )
    return t(
        "Passage de « {from} » à « {to} » refusé : une alliance avance dans le parcours, "
        "elle ne revient pas à une étape antérieure (suspendez-la ou abandonnez-la si besoin).",
        **names,
    )


def _typed_day(
    changed_on: dt.date | str | None, today: dt.date
) -> tuple[dt.date | None, str | None]:
    """The day of the move (default today) from a date or the text typed, or why not."""
    if changed_on is None:
        return today, None
    try:
        on = parse_date(changed_on)
    except ValueError as exc:
        return None, str(exc)
    return on, (None if on is not None else t("obligatoire"))


def _move_problems(
    row: Alliance, to_stage: str | None, comment: str | None, resume_to: str | None
) -> list[str]:
    """Why the move to ``to_stage`` is refused: unknown or forbidden stage, missing reason."""
    errors: list[str] = []
    if to_stage is None:
        errors.append(field_error("", t(STAGE_LABEL), t("choisissez une étape")))
    elif to_stage not in AllianceStage.__members__:
        errors.append(field_error("", t(STAGE_LABEL), t("valeur non reconnue")))
    elif to_stage not in allowed_transitions(row.stage, resume_to):
        errors.append(_refusal(row.stage, to_stage, resume_to))
    elif needs_comment(row.stage, to_stage) and not comment:
        errors.append(
            field_error(
                "",
                t(REASON_LABEL),
                t(
                    "est obligatoire pour passer à l'étape « {to} »",
                    to=label_of(AllianceStage, to_stage),
                ),
            )
        )
    return errors


def _reason_problems(comment: str | None) -> list[str]:
    """Why the reason typed is refused: control characters, or longer than the column."""
    errors: list[str] = []
    control = control_problem(comment, multiline=True)
    if control:
        errors.append(field_error("", t(REASON_LABEL), control))
    limit = max_length(AllianceStageChange, "comment")
    if comment and limit and len(comment) > limit:
        errors.append(
            field_error(
                "",
                t(REASON_LABEL),
                too_long(comment, limit),
            )
        )
    return errors


def _day_problems(
    row: Alliance, on: dt.date | None, date_problem: str | None, today: dt.date
) -> list[str]:
    """Why the day of the move is refused: missing, in the future, or before the last move."""
    errors: list[str] = []
    if date_problem is not None or on is None:
        errors.append(field_error("", t(DATE_LABEL), date_problem or t("obligatoire")))
    elif on > today:
        errors.append(
            field_error(
                "",
                t(DATE_LABEL),
                t(
                    "le {date} est dans le futur (aujourd'hui : {today})",
                    date=fmt_date(on),
                    today=fmt_date(today),
                ),
            )
        )
    elif row.stage_changed_on and on < row.stage_changed_on:
        errors.append(
            field_error(
                "",
                t(DATE_LABEL),
                t(
                    "ne peut pas précéder le dernier changement d'étape ({date})",
                    date=fmt_date(row.stage_changed_on),
                ),
            )
        )
    return errors


def move_alliance_stage(
    engine: Engine,
    actor: Actor,
    alliance_id: int,
    version: int,
    *,
    to_stage: str | None,
    comment: str | None = None,
    changed_on: dt.date | str | None = None,
    as_of: dt.date | None = None,
) -> dict:
    """Move an alliance the user saw at ``version`` to ``to_stage`` on ``changed_on``
    (a date, or the text typed « jj/mm/aaaa »; default today; never in the future nor before
    its previous stage change).

    Returns ``{"id", "version", "stage"}``; raises ValidationFailed (French) when the move is
    not allowed or a required reason is missing, ConflictError when the alliance changed since.
    """
    today = as_of or clock.today()
    with session_scope(engine) as session:
        row = owned_row(
            session, actor, Alliance, alliance_id, entity=Entity.alliance, what=t("Cette alliance")
        )
        to_stage = clean(to_stage)
        comment = clean(comment)
        on, date_problem = _typed_day(changed_on, today)
        what = t("L'alliance « {title} »", title=row.title)
        # The version first: on a stale screen the conflict is the one thing worth saying.
        audit.check_version(session, row, version, entity=Entity.alliance, what=what)
        resume_to = resume_stages(session, row.network_id).get(saved_id(row))
        errors = _move_problems(row, to_stage, comment, resume_to)
        errors += _day_problems(row, on, date_problem, today)
        errors += _reason_problems(comment)
        if errors:
            raise ValidationFailed(errors)
        assert on is not None  # a missing date is among the errors above
        changes: dict[str, Any] = {"stage": to_stage, "stage_changed_on": on}
        if to_stage in SIGNED_STAGES and row.signed_on is None:
            changes["signed_on"] = on
        session.add(
            AllianceStageChange(
                alliance_id=saved_id(row),
                from_stage=row.stage,
                to_stage=to_stage,
                changed_on=on,
                changed_by_id=actor.id,
                comment=comment,
            )
        )
        network = session.get(Network, row.network_id)
        assert network is not None  # foreign key
        audit.apply_changes(
            session,
            actor,
            row,
            changes,
            entity=Entity.alliance,
            what=what,
            network_id=network.id,
            cohort_id=network.cohort_id,
            reason=comment,
        )
        return {"id": row.id, "version": row.version, "stage": row.stage}


def alliance_stage_history(engine: Engine, actor: Actor, alliance_id: int) -> pd.DataFrame:
    """The alliance's stage changes, oldest first (changed_on, from_stage, to_stage,
    changed_by, comment)."""
    authorize(actor, "read", "alliance")
    with read_scope(engine) as session:
        alliance = row_by_id(session, Alliance, alliance_id)
        if alliance is None:
            raise NotFound(t("Cette alliance n'existe pas (ou plus)."))
        readable_network(session, actor, alliance.network_id)
        rows = session.execute(
            sa_select(
                col(AllianceStageChange.changed_on),
                col(AllianceStageChange.from_stage),
                col(AllianceStageChange.to_stage),
                col(User.full_name),
                col(AllianceStageChange.comment),
            )
            .outerjoin(User, col(User.id) == AllianceStageChange.changed_by_id)
            .where(col(AllianceStageChange.alliance_id) == alliance_id)
            .order_by(col(AllianceStageChange.changed_on), col(AllianceStageChange.id))
        ).all()
    return pd.DataFrame(
        rows, columns=["changed_on", "from_stage", "to_stage", "changed_by", "comment"]
    )
