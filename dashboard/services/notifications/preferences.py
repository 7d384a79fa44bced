"""What a person and the programme team set about reminders: the days before each session
when they go out (per cohort), turning one's own reminders off (« Mon compte » or the signed
link of a message)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from dashboard.services.notifications.content import app_link
from dashboard.services.notifications.tokens import unsubscribe_token, user_of_token
from dashboard.services.shared.audit import update_versioned
from models import Cohort, ReminderOptOut, User
from models.enums import Entity, Role

DEFAULT_DAYS = (10, 3)
MAX_DAYS = 365


def parse_days(text: str | None) -> list[int]:
    """``"10, 3"`` → ``[3, 10]``; anything else than whole days from 0 to 365 is refused."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    days: set[int] = set()
    for part in parts:
        if not (part.isascii() and part.isdigit()) or int(part) > MAX_DAYS:
            raise ValidationFailed(
                t(
                    "Jours de rappel : « {part} » n'est pas un nombre de jours entre 0 et {max} "
                    "(exemple : 10, 3).",
                    part=part,
                    max=MAX_DAYS,
                )
            )
        days.add(int(part))
    return sorted(days)


def unsubscribe_url(user_id: int) -> str:
    return app_link("auth/desabonnement", jeton=unsubscribe_token(user_id))


def require_team(actor: Actor) -> None:
    if actor.role != Role.admin:
        raise PermissionDenied(t("Seule l'équipe d'animation peut envoyer des rappels."))


def reminders_enabled(engine: Engine, actor: Actor) -> bool:
    with read_scope(engine) as session:
        return session.get(ReminderOptOut, actor.id) is None


def set_reminders(engine: Engine, actor: Actor, enabled: bool) -> None:
    """A person turns their own reminders on or off (« Mon compte »)."""
    with session_scope(engine) as session:
        row = session.get(ReminderOptOut, actor.id)
        if enabled and row is not None:
            session.delete(row)
        elif not enabled and row is None:
            session.add(ReminderOptOut(user_id=actor.id))


def unsubscribe(engine: Engine, token: str) -> str | None:
    """Turn reminders off for the person a signed link names; their name, or None when the
    link is forged or the person no longer exists. Idempotent."""
    user_id = user_of_token(token)
    if user_id is None:
        return None
    try:
        with session_scope(engine) as session:
            user = session.get(User, user_id)
            if user is None:
                return None
            if session.get(ReminderOptOut, user_id) is None:
                session.add(ReminderOptOut(user_id=user_id))
            return user.full_name
    except IntegrityError:  # the same link clicked twice at once
        return t("vous")


def reminder_days(engine: Engine, actor: Actor, cohort_id: int) -> tuple[str, int]:
    """The cohort's reminder days as shown in the form ("10, 3") and the row version."""
    require_team(actor)
    with read_scope(engine) as session:
        cohort = session.get(Cohort, cohort_id)
        if cohort is None:
            raise NotFound(t("Cette cohorte n'existe pas."))
        days = parse_days(cohort.reminder_days)
        return ", ".join(str(d) for d in sorted(days, reverse=True)), cohort.version


def set_reminder_days(
    engine: Engine, actor: Actor, cohort_id: int, text: str, *, version: int | None = None
) -> str:
    """Set the days before each session when reminders go out ("10, 3"); refused in French
    when a part is not a whole number of days. Returns the stored value."""
    require_team(actor)
    days = parse_days(text)
    if not days:
        raise ValidationFailed(
            t("Jours de rappel : indiquez au moins un nombre de jours (exemple : 10, 3).")
        )
    stored = ",".join(str(d) for d in sorted(days, reverse=True))
    with session_scope(engine) as session:
        update_versioned(
            session,
            actor,
            Cohort,
            cohort_id,
            version,
            {"reminder_days": stored},
            entity=Entity.cohort,
            what=t("La cohorte"),
            cohort_id=cohort_id,
        )
    return stored
