"""Domain rules written once, each with its SQL twin when queries need it.

"Late": a milestone neither done nor cancelled whose due date is before today. The Python
predicate (:func:`is_late`) and the SQL condition (:func:`late_condition`) are built side by
side so the grid, the « Avant la prochaine session » list, the headline counts and the cohort
dashboard always agree.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, literal
from sqlmodel import col

from models import Milestone
from models.enums import MilestoneStatus

# Statuses that can turn late: every status but the terminal ones (done, cancelled).
LATE_ELIGIBLE = (
    MilestoneStatus.planned.value,
    MilestoneStatus.in_progress.value,
    MilestoneStatus.postponed.value,
)
# The derived status shown instead of the stored one when a milestone is late.
LATE = "late"


def is_late(due_date: dt.date | None, status: str | None, as_of: dt.date) -> bool:
    """True when the milestone is neither done nor cancelled and was due before ``as_of``."""
    return due_date is not None and status in LATE_ELIGIBLE and due_date < as_of


def late_condition(as_of: dt.date):
    """SQL twin of :func:`is_late` on the ``milestone`` table."""
    return col(Milestone.status).in_(LATE_ELIGIBLE) & (Milestone.due_date < as_of)


def derived_milestone_status(status: str, due_date: dt.date | None, as_of: dt.date) -> str:
    """The status shown on the dashboard: the stored one, or "late" (see :func:`is_late`)."""
    return LATE if is_late(due_date, status, as_of) else status


def milestone_status_expr(as_of: dt.date):
    """SQL twin of :func:`derived_milestone_status`."""
    return case((late_condition(as_of), literal(LATE)), else_=Milestone.status)
