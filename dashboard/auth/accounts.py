"""Local accounts: argon2id hashes, password login, one-time secrets (invitation, reset) and
the purge of old login records. Throttling lives in ``throttle``, login sessions in
``sessions`` (re-exported here: callers keep using ``accounts``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.auth.one_time import ONE_TIME_SECRET_TTL, issue_one_time_secret, spend_secret
from dashboard.auth.provider_policy import (
    oidc_button_label,
    password_change_refusal,
    password_refusal,
    password_refused_for,
)
from dashboard.auth.purge import PURGE_EVERY, PurgeReport, maybe_purge, purge_auth_records
from dashboard.auth.sessions import (
    SESSION_COOKIE,
    TOUCH_EVERY,
    actor_for,
    logout,
    open_session,
    resolve_session,
    revoke_user_sessions,
    session_id_token,
)
from dashboard.auth.throttle import (
    ADDRESS_LOCKED,
    BUSY,
    LOCKED,
    MAX_PASSWORD_LENGTH,
    MAX_USERNAME_LENGTH,
    acceptable_credentials,
    record_success,
    reserve_verification,
)
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import ValidationFailed
from dashboard.core.i18n import fmt_number, t
from dashboard.core.permissions import Actor
from models import Network, User
from models.base import saved_id, table_of, utcnow
from models.enums import Role

__all__ = [  # what the rest of the app imports from here, moved modules' names included
    "ADDRESS_LOCKED",
    "BUSY",
    "GENERIC_FAILURE",
    "LOCKED",
    "MAX_PASSWORD_LENGTH",
    "MAX_USERNAME_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "ONE_TIME_SECRET_TTL",
    "PURGE_EVERY",
    "SESSION_COOKIE",
    "TOUCH_EVERY",
    "LoginResult",
    "PurgeReport",
    "acceptable_credentials",
    "actor_for",
    "change_password",
    "check_password_strength",
    "create_user",
    "hash_password",
    "issue_one_time_secret",
    "login",
    "logout",
    "maybe_purge",
    "normalise_username",
    "oidc_button_label",
    "open_session",
    "password_change_refusal",
    "password_refusal",
    "password_refused_for",
    "purge_auth_records",
    "requires_current_password",
    "reserve_verification",
    "resolve_session",
    "revoke_user_sessions",
    "session_id_token",
    "username_problem",
]

# argon2id with the library's RFC 9106 "low memory" profile.
_hasher = PasswordHasher()
# Verified against when the user is unknown, so both answers take about the same time.
_DUMMY_HASH = _hasher.hash("mot-de-passe-factice-pour-temps-constant")
MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


# The one rule for identifiers, wherever an account is created (admin page, command line, seed).
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,119}$")
USERNAME_RULE = "2 à 120 caractères : lettres minuscules, chiffres, « . », « - » ou « _ »"


def username_problem(name: str) -> str | None:
    """Why the normalised identifier ``name`` is refused (French), or None when it is valid."""
    return None if USERNAME_PATTERN.match(name) else t(USERNAME_RULE)


def check_password_strength(password: str) -> None:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            t("Le mot de passe doit contenir au moins {n} caractères.", n=MIN_PASSWORD_LENGTH)
        )
    if password.strip() != password:
        problems.append(t("Le mot de passe ne doit pas commencer ni finir par une espace."))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(
            t(
                "Le mot de passe ne doit pas dépasser {n} caractères.",
                n=fmt_number(MAX_PASSWORD_LENGTH),
            )
        )
    if problems:
        raise ValidationFailed(problems)


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    message: str = ""
    token: str | None = None
    actor: Actor | None = None


GENERIC_FAILURE = "Identifiant ou mot de passe incorrect."


@dataclasses.dataclass(frozen=True)
class _Verified:
    """The outcome of a password check that may still go on to a one-time secret."""

    user: User | None
    ok: bool
    stored_hash: str | None
    attempt_id: int


def _verify_attempt(
    engine: Engine, name: str, password: str, client_address: str | None, now: dt.datetime
) -> _Verified | LoginResult:
    """Count the attempt, then check the password outside any write transaction; a refused
    ``LoginResult`` when nothing is left to try."""
    attempt_id, refusal = reserve_verification(engine, name, client_address, now)
    if refusal is not None:
        return LoginResult(False, refusal)
    assert attempt_id is not None  # given whenever there is no refusal
    with read_scope(engine) as session:
        user = session.exec(select(User).where(User.username == name)).first()
    stored_hash = user.password_hash if user else None
    verified = _verify(stored_hash, password)
    ok = bool(user and verified and user.active and stored_hash)
    if not ok and (user is None or not user.active or not password):
        # Nothing left to try (no one-time secret for an unknown or inactive account): the
        # attempt is already counted as a failure, no write transaction is needed.
        return LoginResult(False, t(GENERIC_FAILURE))
    if user is not None and password_refused_for(user.role):
        # Told only to whom typed the right password (or a valid-looking one-time secret is
        # never spent): the role signs in at the identity provider.
        return LoginResult(False, password_refusal() if ok else t(GENERIC_FAILURE))
    return _Verified(user, ok, stored_hash, attempt_id)


def _write_login(
    session: Session,
    user_id: int,
    now: dt.datetime,
    *,
    spent_secret: bool,
    stored_hash: str | None,
    new_hash: str | None,
) -> None:
    """Record the login on the account (and a stronger hash, or the spent one-time secret)."""
    users = table_of(User)
    if spent_secret:
        # Usable once; the account has no password until the user chooses one. This is a
        # change of the account, so its version moves on.
        session.exec(
            users.update()
            .where(users.c.id == user_id)
            .values(
                password_hash=None,
                must_change_password=True,
                last_login_at=now,
                version=users.c.version + 1,
            )
        )
        return
    # Bookkeeping: Core UPDATEs that neither check nor bump the account's version.
    session.exec(users.update().where(users.c.id == user_id).values(last_login_at=now))
    if new_hash is not None:
        session.exec(
            users.update()
            .where(users.c.id == user_id, users.c.password_hash == stored_hash)
            .values(password_hash=new_hash)
        )


def login(
    engine: Engine,
    username: str,
    password: str,
    *,
    user_agent: str | None = None,
    client_address: str | None = None,
) -> LoginResult:
    """Verify a password (or a one-time secret) and open a server-side session.

    Unknown user, wrong password, expired or already used one-time secret and inactive account
    give the same French message after one argon2 verification each. A valid one-time secret
    (invitation or reset, see :func:`issue_one_time_secret`) is spent, and the user must then
    choose a password before anything else. After ``login_max_failures`` failures within the
    window the account is locked for the rest of the window, without verifying anything; the
    client's address and the whole service have limits too (see :func:`reserve_verification`).

    The argon2 verification runs outside any write transaction, and the bookkeeping writes
    (attempt, last login) never touch the account's version: concurrent logins of one account,
    or a login during an edit of the account, do not conflict.
    """
    if not acceptable_credentials(username, password):
        return LoginResult(False, t(GENERIC_FAILURE))
    name = normalise_username(username)
    maybe_purge(engine)
    now = utcnow()
    checked = _verify_attempt(engine, name, password, client_address, now)
    if isinstance(checked, LoginResult):
        return checked
    user, ok, stored_hash = checked.user, checked.ok, checked.stored_hash
    new_hash = None
    if ok and stored_hash and _hasher.check_needs_rehash(stored_hash):
        new_hash = hash_password(password)
    with session_scope(engine) as session:
        spent_secret = False
        if not ok and user is not None and user.active and password:
            spent_secret = spend_secret(session, saved_id(user), password, now)
            ok = spent_secret
        if not ok or user is None:
            return LoginResult(False, t(GENERIC_FAILURE))
        record_success(session, checked.attempt_id)
        _write_login(
            session,
            saved_id(user),
            now,
            spent_secret=spent_secret,
            stored_hash=stored_hash,
            new_hash=new_hash,
        )
        token = open_session(session, saved_id(user), now, user_agent=user_agent)
        network = session.get(Network, user.network_id) if user.network_id else None
        actor = actor_for(user, network)
        if spent_secret:
            actor = dataclasses.replace(actor, must_change_password=True)
        return LoginResult(True, token=token, actor=actor)


def create_user(
    engine: Engine,
    *,
    username: str,
    full_name: str,
    role: Role | str,
    password: str,
    email: str | None = None,
    network_id: int | None = None,
    must_change_password: bool = False,
) -> int:
    """Create a local account (command line and seed). Returns the new user's id."""
    role = Role(role)
    name = normalise_username(username)
    check_password_strength(password)
    errors = []
    if not name:
        errors.append(t("L'identifiant est obligatoire."))
    elif problem := username_problem(name):
        errors.append(t("Identifiant « {name} » refusé : {rule}.", name=name, rule=problem))
    if role is Role.lead and network_id is None:
        errors.append(t("Un·e référent·e réseau doit être rattaché·e à un réseau."))
    if role is not Role.lead and network_id is not None:
        errors.append(t("Seul·e un·e référent·e réseau est rattaché·e à un réseau."))
    password_hash = hash_password(password)  # argon2 before, not inside, the write transaction
    with session_scope(engine) as session:
        if session.exec(select(User).where(User.username == name)).first():
            errors.append(t("L'identifiant « {name} » existe déjà.", name=name))
        if network_id is not None and session.get(Network, network_id) is None:
            errors.append(t("Ce réseau n'existe pas."))
        if errors:
            raise ValidationFailed(errors)
        user = User(
            username=name,
            full_name=full_name.strip() or name,
            email=email,
            role=role.value,
            network_id=network_id,
            password_hash=password_hash,
            must_change_password=must_change_password,
        )
        session.add(user)
        session.flush()
        return saved_id(user)


def requires_current_password(engine: Engine, actor: Actor) -> bool:
    """False only right after a one-time-secret login: the account has no password yet."""
    with read_scope(engine) as session:
        user = session.get(User, actor.id)
        return not (user is not None and user.must_change_password and not user.password_hash)


def change_password(engine: Engine, actor: Actor, current: str | None, new: str) -> None:
    """The user changes their own password (required after a one-time secret).

    The current password is checked whenever the account has one; after a one-time-secret
    login it has none, and ``current`` is ignored. A wrong current password counts as a failed
    login attempt, so this form cannot be used to get around login throttling. A role that must
    sign in with the identity provider (``OIDC_REQUIRED_ROLES``) has no password to change.
    """
    wrong = t("Le mot de passe actuel est incorrect.")
    with read_scope(engine) as session:
        user = session.get(User, actor.id)
    if user is not None and password_refused_for(user.role):
        raise ValidationFailed(password_change_refusal())
    check_password_strength(new)
    if user is None or not user.active:
        raise ValidationFailed(wrong)
    if user.password_hash or not user.must_change_password:
        if not acceptable_credentials(user.username, current or ""):
            raise ValidationFailed(wrong)
        attempt_id, refusal = reserve_verification(engine, user.username, None, utcnow())
        if refusal is not None:
            raise ValidationFailed(refusal)
        assert attempt_id is not None  # given whenever there is no refusal
        # Verified and hashed outside any write transaction (argon2 takes a while).
        if not _verify(user.password_hash, current or ""):
            raise ValidationFailed(wrong)  # the attempt stays counted as a failure
        with session_scope(engine) as session:
            record_success(session, attempt_id)
        if current == new:
            raise ValidationFailed(t("Le nouveau mot de passe doit être différent de l'actuel."))
    new_hash = hash_password(new)
    with session_scope(engine) as session:
        fresh = session.get(User, actor.id)
        if fresh is None or not fresh.active or fresh.password_hash != user.password_hash:
            raise ValidationFailed(
                t("Le mot de passe de ce compte vient d'être modifié. Rechargez la page.")
            )
        fresh.password_hash = new_hash
        fresh.must_change_password = False
