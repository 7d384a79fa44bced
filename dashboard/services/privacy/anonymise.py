"""Anonymising a departed person: the programme team replaces their name, e-mail and
identifier with a stable pseudonym and makes the account unusable, while the history they
wrote stays whole (each change still attributed, to the pseudonym).

What happens, in one transaction (docs/PERSONAL_DATA.md):

- ``full_name`` becomes « Personne anonymisée n° <id> », ``username`` ``anonyme-<id>``, the
  e-mail is removed; the account is deactivated, its password hash removed, its unused one-time
  secrets expired, its login sessions and login attempts deleted, its identity-provider subject
  (when the column exists) cleared;
- the change log keeps every row: in the rows about this account, and wherever an old value
  quotes the old name or e-mail, that text is replaced with the pseudonym;
- what people typed about one another (a milestone's owner, comments) gets the same
  replacement, ``@identifiant`` mentions included;
- the reminders' log keeps its lines (they stop the same reminder going out twice) with the
  pseudonym instead of the address;
- one change-log row records the anonymisation itself, with no trace of the old name.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from dashboard.core.db import session_scope
from dashboard.core.errors import ConflictError, ValidationFailed
from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, authorize
from dashboard.services.admin.user_sessions import log_marker, user_or_404
from models import (
    AllianceStageChange,
    AuthSession,
    ChangeLog,
    Comment,
    IndicatorValue,
    LoginAttempt,
    Milestone,
    OneTimeSecret,
    ReminderLog,
    User,
)
from models.base import table_of, utcnow
from models.enums import Role

__all__ = ["ANONYMISED_FIELD", "anonymise_user", "pseudonym", "pseudonym_username"]

# The change-log field of the row that records an anonymisation.
ANONYMISED_FIELD = "anonymised_at"
# Columns holding an identity provider's identifier for the person, cleared when present.
_PROVIDER_COLUMNS = ("oidc_subject", "oidc_issuer")
# Shorter texts are not searched for inside other values: too likely to match by chance.
_MIN_QUOTED_LENGTH = 4


_CHANGED = (
    "Ce compte a été modifié depuis que vous l'avez ouvert : rien n'a été anonymisé. "
    "Rechargez la page et recommencez."
)


def pseudonym(user_id: int) -> str:
    """The name shown for an anonymised person: stable, and saying what it is."""
    return t("Personne anonymisée n° {n}", n=user_id)


def pseudonym_username(user_id: int) -> str:
    """The identifier an anonymised account keeps (unique, never a login)."""
    return f"anonyme-{user_id}"


def _refusals(session: Session, actor: Actor, user: User, version: int | None) -> None:
    if user.anonymised_at is not None:
        raise ValidationFailed(t("Ce compte est déjà anonymisé."))
    if user.id == actor.id:
        raise ValidationFailed(
            t(
                "Vous ne pouvez pas anonymiser votre propre compte : demandez-le à une autre "
                "personne de l'équipe d'animation."
            )
        )
    if version is not None and user.version != version:
        raise ConflictError(t(_CHANGED))
    if user.role == Role.admin.value and user.active:
        # Lock the admins' rows (PostgreSQL) so two admins cannot remove each other at once.
        admins = session.exec(
            select(User.id)
            .where(User.role == Role.admin.value, col(User.active).is_(True))
            .with_for_update()
        ).all()
        if not [i for i in admins if i != user.id]:
            raise ValidationFailed(
                t("Il doit rester au moins un compte actif de l'équipe d'animation.")
            )


def _scrub_change_log(
    session: Session, user_id: int, replacements: list[tuple[str, str]], old_username: str
) -> int:
    """Replace the old name, e-mail and identifier in the change log's stored texts.

    Rows about the account itself get their values replaced by field; elsewhere a value that
    quotes the old name or e-mail has it replaced in place. Returns how many rows changed."""
    quoted = [(old, new) for old, new in replacements if len(old) >= _MIN_QUOTED_LENGTH]
    quoted.append((f"@{old_username}", f"@{pseudonym_username(user_id)}"))  # comment mentions
    texts = (ChangeLog.before, ChangeLog.after, ChangeLog.reason)
    own_rows = (col(ChangeLog.entity) == "user") & (col(ChangeLog.entity_id) == user_id)
    conditions = [own_rows] + [
        col(column).contains(old, autoescape=True) for old, _ in quoted for column in texts
    ]
    rows = session.exec(select(ChangeLog).where(or_(*conditions))).all()
    account_values = {
        "full_name": pseudonym(user_id),
        "username": pseudonym_username(user_id),
        "email": t("(courriel retiré)"),
    }
    changed = 0
    for row in rows:
        values = {"before": row.before, "after": row.after, "reason": row.reason}
        if row.entity == "user" and row.entity_id == user_id and row.field in account_values:
            new = account_values[row.field]
            values["before"] = new if row.before is not None else None
            values["after"] = new if row.after is not None else None
        for key, text in values.items():
            if text is None:
                continue
            for old, new_text in quoted:
                text = text.replace(old, new_text)
            if old_username and text == old_username:
                text = pseudonym_username(user_id)
            values[key] = text
        if values != {"before": row.before, "after": row.after, "reason": row.reason}:
            session.exec(update(ChangeLog).where(col(ChangeLog.id) == row.id).values(**values))
            changed += 1
    return changed


# Texts people type about one another, searched for the old name and e-mail: who owns a
# milestone, comments on milestones, values and stage changes, discussion comments.
_FREE_TEXTS: tuple[tuple[type[SQLModel], tuple[str, ...]], ...] = (
    (Milestone, ("owner", "comment")),
    (IndicatorValue, ("comment", "return_reason")),
    (AllianceStageChange, ("comment",)),
    (Comment, ("body",)),
)


def _scrub_free_texts(
    session: Session, replacements: list[tuple[str, str]], old_username: str, new_username: str
) -> int:
    """Replace the old name and e-mail (and an ``@identifiant`` mention) in what people typed.

    Versioned rows move to a new version, so an editor opened before cannot write the old
    name back. Returns how many rows changed."""
    quoted = [(old, new) for old, new in replacements if len(old) >= _MIN_QUOTED_LENGTH]
    quoted.append((f"@{old_username}", f"@{new_username}"))
    changed = 0
    for model, names in _FREE_TEXTS:
        table = table_of(model)
        columns = [table.c[name] for name in names]
        found = session.execute(
            sa_select(table.c.id, *columns).where(
                or_(*(c.contains(old, autoescape=True) for c in columns for old, _ in quoted))
            )
        ).all()
        for row_id, *texts in found:
            values: dict[str, object] = {}
            for name, text in zip(names, texts, strict=True):
                if text is None:
                    continue
                new_text = text
                for old, new in quoted:
                    new_text = new_text.replace(old, new)
                limit = getattr(table.c[name].type, "length", None)
                if limit and len(new_text) > limit:
                    new_text = new_text[: limit - 1] + "…"
                if new_text != text:
                    values[name] = new_text
            if not values:
                continue
            if "version" in table.c:
                values["version"] = table.c.version + 1
            session.execute(table.update().where(table.c.id == row_id).values(**values))
            changed += 1
    return changed


def anonymise_user(engine: Engine, actor: Actor, user_id: int, *, version: int | None) -> str:
    """Anonymise a departed person (programme team only); returns their pseudonym.

    Refused for one's own account, for the last active programme-team account, for an account
    already anonymised, and when the account changed since ``version`` was read."""
    authorize(actor, "update", "user")
    now = utcnow()
    with session_scope(engine) as session:
        user = user_or_404(session, user_id)
        _refusals(session, actor, user, version)
        old_name, old_email, old_username = user.full_name, user.email, user.username
        name = pseudonym(user_id)
        users = table_of(User)
        values: dict[str, object] = {
            "full_name": name,
            "username": pseudonym_username(user_id),
            "email": None,
            "active": False,
            "password_hash": None,
            "must_change_password": False,
            "anonymised_at": now,
            "version": users.c.version + 1,
        }
        values.update({c: None for c in _PROVIDER_COLUMNS if c in users.c})
        # Conditional on the row read above: of two anonymisations (or an edit) racing, one
        # wins and the other changes nothing.
        done = session.exec(
            update(User)
            .where(
                col(User.id) == user_id,
                col(User.version) == user.version,
                col(User.anonymised_at).is_(None),
            )
            .values(**values)
        )
        if done.rowcount != 1:
            raise ConflictError(t(_CHANGED))
        session.exec(delete(AuthSession).where(col(AuthSession.user_id) == user_id))
        session.exec(delete(LoginAttempt).where(col(LoginAttempt.username) == old_username))
        session.exec(
            update(OneTimeSecret)
            .where(col(OneTimeSecret.user_id) == user_id, col(OneTimeSecret.used_at).is_(None))
            .values(used_at=now, expires_at=now)
        )
        session.exec(
            update(ReminderLog)
            .where(col(ReminderLog.user_id) == user_id)
            .values(recipient=pseudonym_username(user_id))
        )
        replacements = [(old_name, name)]
        if old_email:
            replacements.append((old_email, pseudonym_username(user_id)))
        _scrub_change_log(session, user_id, replacements, old_username)
        _scrub_free_texts(session, replacements, old_username, pseudonym_username(user_id))
        session.expire_all()
        log_marker(
            session,
            actor,
            session.get(User, user_id) or user,
            ANONYMISED_FIELD,
            now.isoformat(sep=" ", timespec="seconds"),
        )
        return name
