"""Reminders before sessions: who is due one, what it says, and sending it exactly once (the
reminder days and turning reminders off: :mod:`.preferences`).

A reminder is due for a session when it is at most N days away, N being one of the cohort's
reminder days (``Cohort.reminder_days``, "10,3" by default): the smallest such N names the
reminder, so a run missed on day 10 still sends on day 9, and day 3 sends a second one. Leads
get what their network still misses; the programme team gets a digest of every network.

Exactly once: a :class:`ReminderLog` row keyed by (person, session, N) is inserted and committed
*before* the message leaves. A second run, or a second process at the same time, fails on the
unique key and sends nothing; a message that could not be delivered has its row removed so the
next run tries again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import delete, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import col

from dashboard.core import clock
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import NotFound
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor
from dashboard.services.discussion import unread_mentions_of
from dashboard.services.notifications.content import Message, digest_message, lead_message
from dashboard.services.notifications.preferences import (
    DEFAULT_DAYS,
    parse_days,
    require_team,
    unsubscribe_url,
)
from dashboard.services.notifications.transport import (
    Transport,
    email_of,
    open_transport,
    sender_address,
)
from dashboard.services.reporting.before_session import before_session
from models import Cohort, Network, ProgrammeSession, ReminderLog, ReminderOptOut, User
from models.base import table_of, utcnow
from models.enums import CohortStatus, Role

# Reads every network's list on behalf of the programme team (digest, command line).
REMINDER_ACTOR = Actor(id=0, username="systeme.rappels", full_name="Rappels", role=Role.admin)


@dataclass(frozen=True)
class DueReminder:
    user_id: int
    kind: str  # "lead" or "digest"
    session_id: int
    days_before: int
    days_left: int
    message: Message


@dataclass
class SendReport:
    transport: str = ""
    sent: list[DueReminder] = field(default_factory=list)
    already_sent: list[DueReminder] = field(default_factory=list)
    failed: list[tuple[DueReminder, str]] = field(default_factory=list)


def _next_sessions(session, as_of: dt.date, cohort_code: str | None) -> list[tuple]:
    """(cohort, next session after ``as_of``) for every active cohort (or the one named)."""
    stmt = sa_select(Cohort).where(col(Cohort.status) == CohortStatus.active.value)
    if cohort_code:
        stmt = sa_select(Cohort).where(col(Cohort.code) == cohort_code)
    cohorts = session.execute(stmt).scalars().all()
    if cohort_code and not cohorts:
        raise NotFound(t("Cohorte « {code} » introuvable.", code=cohort_code))
    out = []
    for cohort in cohorts:
        upcoming = session.execute(
            sa_select(ProgrammeSession)
            .where(
                col(ProgrammeSession.cohort_id) == cohort.id,
                col(ProgrammeSession.session_date) > as_of,
            )
            .order_by(col(ProgrammeSession.session_date), col(ProgrammeSession.number))
            .limit(1)
        ).scalar_one_or_none()
        if upcoming is not None:
            out.append((cohort, upcoming))
    return out


def _threshold(days: list[int], days_left: int) -> int | None:
    """The smallest reminder day at or above ``days_left`` (None: too early)."""
    candidates = [d for d in days if d >= days_left]
    return min(candidates) if candidates else None


def _recipients(session, cohort_id: int) -> list[tuple]:
    """Active people of the cohort with an address who did not turn reminders off:
    (id, full_name, email, role, network_id)."""
    opted_out = sa_select(col(ReminderOptOut.user_id))
    leads = session.execute(
        sa_select(
            col(User.id), col(User.full_name), col(User.email), col(User.role), col(User.network_id)
        )
        .join(Network, col(Network.id) == User.network_id)
        .where(
            col(Network.cohort_id) == cohort_id,
            col(User.role) == Role.lead.value,
            col(User.active).is_(True),
            col(User.email).is_not(None),
            col(User.email) != "",
            col(User.id).not_in(opted_out),
        )
        .order_by(col(Network.code), col(User.id))
    ).all()
    team = session.execute(
        sa_select(
            col(User.id), col(User.full_name), col(User.email), col(User.role), col(User.network_id)
        )
        .where(
            col(User.role) == Role.admin.value,
            col(User.active).is_(True),
            col(User.email).is_not(None),
            col(User.email) != "",
            col(User.id).not_in(opted_out),
        )
        .order_by(col(User.id))
    ).all()
    return [tuple(r) for r in leads] + [tuple(r) for r in team]


def _session_dict(ps: ProgrammeSession) -> dict:
    return {"id": ps.id, "code": ps.code, "title": ps.title, "session_date": ps.session_date}


def _lead_reminder(engine, user: tuple, ps: dict, days_left: int, mentions) -> Message:
    user_id, full_name, email, _role, network_id = user
    due = before_session(engine, REMINDER_ACTOR, network_id, as_of=ps["as_of"])
    return lead_message(
        recipient=email,
        full_name=full_name,
        due=due,
        session=ps,
        days_left=days_left,
        unsubscribe_url=unsubscribe_url(user_id),
        mentions=mentions,
    )


def _digest_rows(engine, networks: list[tuple], as_of: dt.date) -> list[dict]:
    rows = []
    for network_id, code, name in networks:
        due = before_session(engine, REMINDER_ACTOR, network_id, as_of=as_of)
        rows.append({"code": code, "name": name, "counts": due["counts"]})
    return rows


def due_reminders(
    engine: Engine,
    *,
    as_of: dt.date | None = None,
    cohort_code: str | None = None,
    include_sent: bool = False,
    by_hand: bool = False,
) -> list[DueReminder]:
    """Every reminder due on ``as_of`` and not sent yet (``include_sent``: sent ones too;
    ``by_hand``: due now whatever the reminder days, keyed by the days left)."""
    as_of = as_of or clock.today()
    plans = []
    mentions: dict[tuple[int, int], pd.DataFrame] = {}
    with read_scope(engine) as session:
        for cohort, ps in _next_sessions(session, as_of, cohort_code):
            days_left = (ps.session_date - as_of).days
            days = parse_days(cohort.reminder_days) if cohort.reminder_days else list(DEFAULT_DAYS)
            threshold = days_left if by_hand else _threshold(days, days_left)
            if threshold is None:
                continue
            sent = set(
                session.execute(
                    sa_select(col(ReminderLog.user_id)).where(
                        col(ReminderLog.session_id) == ps.id,
                        col(ReminderLog.days_before) == threshold,
                    )
                ).scalars()
            )
            people = [
                u for u in _recipients(session, cohort.id) if include_sent or u[0] not in sent
            ]
            networks = session.execute(
                sa_select(col(Network.id), col(Network.code), col(Network.name))
                .where(col(Network.cohort_id) == cohort.id)
                .order_by(col(Network.code))
            ).all()
            # Comments mentioning each person, not read yet, go with their reminder.
            for person in people:
                mentions[(cohort.id, person[0])] = unread_mentions_of(
                    session, person[0], cohort_id=cohort.id
                )
            plans.append(
                (cohort.id, cohort.name, _session_dict(ps), days_left, threshold, people, networks)
            )
    due: list[DueReminder] = []
    for cohort_id, cohort_name, ps, days_left, threshold, people, networks in plans:
        ps["as_of"] = as_of
        digest_rows = None
        for user in people:
            user_id, full_name, email, role, _network_id = user
            if role == Role.lead.value:
                message = _lead_reminder(
                    engine, user, ps, days_left, mentions[(cohort_id, user_id)]
                )
                kind = "lead"
            else:
                if digest_rows is None:
                    digest_rows = _digest_rows(engine, [tuple(n) for n in networks], as_of)
                message = digest_message(
                    recipient=email,
                    full_name=full_name,
                    cohort_name=cohort_name,
                    rows=digest_rows,
                    session=ps,
                    days_left=days_left,
                    unsubscribe_url=unsubscribe_url(user_id),
                    mentions=mentions[(cohort_id, user_id)],
                )
                kind = "digest"
            due.append(DueReminder(user_id, kind, ps["id"], threshold, days_left, message))
    return due


def _claim(engine: Engine, reminder: DueReminder, sent_by_id: int | None) -> int | None:
    """Insert the log row first; None when another run already has it (unique key)."""
    try:
        with session_scope(engine) as session:
            row = ReminderLog(
                user_id=reminder.user_id,
                session_id=reminder.session_id,
                days_before=reminder.days_before,
                kind=reminder.kind,
                recipient=reminder.message.recipient[:254],
                subject=reminder.message.subject[:300],
                sent_by_id=sent_by_id or None,
            )
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        return None


def _settle(engine: Engine, log_id: int, *, delivered: bool) -> None:
    table = table_of(ReminderLog)
    with session_scope(engine) as session:
        if delivered:
            session.execute(update(table).where(table.c.id == log_id).values(sent_at=utcnow()))
        else:
            session.execute(delete(table).where(table.c.id == log_id))


def deliver(
    engine: Engine,
    reminders: list[DueReminder],
    *,
    transport: Transport | None = None,
    sent_by_id: int | None = None,
) -> SendReport:
    """Send each reminder once: claim its log row, send, then mark it sent (or free it)."""
    report = SendReport()
    if not reminders:
        return report
    transport = transport or open_transport()
    report.transport = transport.description
    sender = sender_address()
    try:
        for reminder in reminders:
            log_id = _claim(engine, reminder, sent_by_id)
            if log_id is None:
                report.already_sent.append(reminder)
                continue
            try:
                transport.send(email_of(reminder.message, sender=sender))
            except Exception as exc:  # the row is freed so the next run tries again
                _settle(engine, log_id, delivered=False)
                report.failed.append((reminder, str(exc)))
            else:
                _settle(engine, log_id, delivered=True)
                report.sent.append(reminder)
    finally:
        transport.close()
    return report


def send_due(
    engine: Engine,
    *,
    as_of: dt.date | None = None,
    cohort_code: str | None = None,
    transport: Transport | None = None,
) -> SendReport:
    """What the ``remind`` command does: send every reminder due today, once."""
    return deliver(
        engine, due_reminders(engine, as_of=as_of, cohort_code=cohort_code), transport=transport
    )


def preview(
    engine: Engine, actor: Actor, cohort_id: int, *, as_of: dt.date | None = None
) -> list[DueReminder]:
    """The programme team's preview: the reminder each person would get now for the cohort's
    next session (sent or not), whatever the reminder days."""
    require_team(actor)
    as_of = as_of or clock.today()
    with read_scope(engine) as session:
        cohort = session.get(Cohort, cohort_id)
        if cohort is None:
            raise NotFound(t("Cette cohorte n'existe pas."))
        code = cohort.code
    due = due_reminders(engine, as_of=as_of, cohort_code=code, include_sent=True)
    if due:
        return due
    # Outside the reminder days: the next session's reminder anyway, keyed by the days left.
    return due_reminders(engine, as_of=as_of, cohort_code=code, include_sent=True, by_hand=True)


def send_by_hand(
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    *,
    user_ids: list[int] | None = None,
    as_of: dt.date | None = None,
    transport: Transport | None = None,
) -> SendReport:
    """The programme team sends the previewed reminders now (each person once per session
    and lead time: a second click reports them as already sent)."""
    reminders = preview(engine, actor, cohort_id, as_of=as_of)
    if user_ids is not None:
        reminders = [r for r in reminders if r.user_id in set(user_ids)]
    return deliver(engine, reminders, transport=transport, sent_by_id=actor.id or None)


SENT_COLUMNS = ["sent_at", "full_name", "recipient", "session_code", "days_before", "kind",
                "subject", "sent_by"]  # fmt: skip


def sent_log(engine: Engine, actor: Actor, cohort_id: int) -> pd.DataFrame:
    """Reminders sent for the cohort's sessions, most recent first (SENT_COLUMNS)."""
    require_team(actor)
    sender = aliased(User)
    with read_scope(engine) as session:
        rows = session.execute(
            sa_select(
                col(ReminderLog.sent_at),
                col(User.full_name),
                col(ReminderLog.recipient),
                col(ProgrammeSession.code),
                col(ReminderLog.days_before),
                col(ReminderLog.kind),
                col(ReminderLog.subject),
                col(sender.full_name),
            )
            .join(User, col(User.id) == ReminderLog.user_id)
            .join(ProgrammeSession, col(ProgrammeSession.id) == ReminderLog.session_id)
            .outerjoin(sender, col(sender.id) == ReminderLog.sent_by_id)
            .where(
                col(ProgrammeSession.cohort_id) == cohort_id,
                col(ReminderLog.sent_at).is_not(None),
            )
            .order_by(col(ReminderLog.sent_at).desc(), col(ReminderLog.id).desc())
        ).all()
    return pd.DataFrame(rows, columns=SENT_COLUMNS)
