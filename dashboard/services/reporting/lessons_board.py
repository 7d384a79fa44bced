"""The cohort's lessons board: lessons by category and capitalisation status, respecting each
lesson's visibility.

Who sees what (visibility is the writing network's consent to share):

- programme team: every lesson of the cohort;
- a network lead: their own network's lessons (whatever their visibility), and the "cohort" and
  "public" lessons of the others and the collective ones;
- steering committee and ministry staff: "cohort" and "public" lessons.

The rule itself is :func:`dashboard.services.shared.access.lesson_visibility`.

When the cohort anonymises networks for leads, a lead sees other networks as "Réseau A"…, their
names and acronyms are replaced in lesson texts too, and their alliances' titles are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.core.db import read_scope
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.indicators.progress import cohort_of, network_frame
from dashboard.services.shared.access import lesson_visibility
from models import Alliance, Lesson, Network, ProgrammeSession
from models.base import by_id
from models.enums import Visibility

SHARED = (Visibility.cohort.value, Visibility.public.value)


@dataclass
class LessonsBoard:
    lessons: pd.DataFrame
    counts: pd.DataFrame  # category, capitalisation, count (grouped in SQL)


def visibility_filter(actor: Actor):
    """SQL condition on Lesson for the lessons ``actor`` may read (see the module docstring)."""
    return lesson_visibility(actor)


def _scrub(text: str, replacements: list[tuple[re.Pattern, str]]) -> str:
    for pattern, label in replacements:
        text = pattern.sub(label, text)
    return text


def _conditions(
    actor: Actor,
    cohort_id: int,
    network_ids: Iterable[int] | None,
    categories: Iterable[str] | None,
    capitalisation: Iterable[str] | None,
    include_collective: bool,
) -> list[Any]:
    """SQL conditions of the board: the cohort, what the actor may read, and the filters."""
    conditions = [Lesson.cohort_id == cohort_id, visibility_filter(actor)]
    if network_ids is not None:
        ids = [int(i) for i in network_ids]
        conditions.append(
            or_(col(Lesson.network_id).in_(ids), col(Lesson.network_id).is_(None))
            if include_collective
            else col(Lesson.network_id).in_(ids)
        )
    elif not include_collective:
        conditions.append(col(Lesson.network_id).is_not(None))
    if categories:
        conditions.append(col(Lesson.category).in_(list(categories)))
    if capitalisation:
        conditions.append(col(Lesson.capitalisation).in_(list(capitalisation)))
    return conditions


def _real_names(session: Session, networks: pd.DataFrame) -> dict[int, tuple[str, str | None]]:
    """Real name and acronym of each network shown anonymised (to scrub them from texts)."""
    hidden = networks[networks["anonymised"]]
    if hidden.empty:
        return {}
    found = session.exec(
        select(Network.id, Network.name, Network.acronym).where(
            col(Network.id).in_([int(i) for i in hidden["id"]])
        )
    ).all()
    return by_id((r[0], (r[1], r[2])) for r in found)


def _hide_names(
    lessons: pd.DataFrame, real: dict[int, tuple[str, str | None]], shown: pd.DataFrame
) -> pd.DataFrame:
    """Anonymised networks' names and acronyms replaced in the statements by their letter
    label, and their alliances' titles left out."""
    replacements = []
    for nid, (name, acronym) in real.items():
        label = shown.loc[nid, "name"]
        replacements.append((re.compile(re.escape(name), re.IGNORECASE), label))
        if acronym:
            replacements.append((re.compile(rf"\b{re.escape(acronym)}\b"), label))
    lessons["statement"] = lessons["statement"].map(lambda s: _scrub(s, replacements))
    lessons["alliance_title"] = lessons["alliance_title"].astype(object)
    lessons.loc[lessons["anonymised"].astype(bool), "alliance_title"] = None
    return lessons


def lessons_board(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    network_ids: Iterable[int] | None = None,
    categories: Iterable[str] | None = None,
    capitalisation: Iterable[str] | None = None,
    include_collective: bool = True,
) -> LessonsBoard:
    """The lessons ``actor`` may read in the cohort, filtered, most advanced first."""
    with read_scope(engine) as session:
        cohort = cohort_of(session, actor, cohort_id)
        authorize(actor, "read", "lesson")
        networks = network_frame(session, actor, cohort)
        conditions = _conditions(
            actor, cohort_id, network_ids, categories, capitalisation, include_collective
        )
        rows = session.execute(
            sa_select(
                col(Lesson.id),
                col(Lesson.code),
                col(Lesson.network_id),
                col(ProgrammeSession.code),
                col(Lesson.category),
                col(Lesson.capitalisation),
                col(Lesson.visibility),
                col(Lesson.statement),
                col(Alliance.title),
                col(Lesson.updated_at),
            )
            .outerjoin(ProgrammeSession, col(ProgrammeSession.id) == Lesson.session_id)
            .outerjoin(Alliance, col(Alliance.id) == Lesson.alliance_id)
            .where(*conditions)
            .order_by(col(Lesson.category), col(Lesson.capitalisation).desc(), col(Lesson.id))
        ).all()
        counts = session.exec(
            select(Lesson.category, Lesson.capitalisation, func.count())
            .where(*conditions)
            .group_by(Lesson.category, Lesson.capitalisation)
        ).all()
        real = _real_names(session, networks)
    lessons = pd.DataFrame(
        rows,
        columns=[
            "id",
            "code",
            "network_id",
            "session_code",
            "category",
            "capitalisation",
            "visibility",
            "statement",
            "alliance_title",
            "updated_at",
        ],
    )
    shown = networks.set_index("id")
    lessons["network_code"] = lessons["network_id"].map(shown["code"])
    lessons["network_name"] = lessons["network_id"].map(shown["name"]).fillna(t("Collectif"))
    lessons["anonymised"] = lessons["network_id"].map(shown["anonymised"]).fillna(False)
    if real:
        lessons = _hide_names(lessons, real, shown)
    return LessonsBoard(
        lessons=lessons,
        counts=pd.DataFrame(counts, columns=["category", "capitalisation", "count"]),
    )
