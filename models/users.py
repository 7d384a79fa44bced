"""People and what authentication needs: accounts, login attempts, server-side sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Text
from sqlmodel import Field, SQLModel

from models.base import check_codes, utcnow, version_column
from models.enums import Role


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    __table_args__ = (
        check_codes("role", Role, "ck_user_role"),
        # A lead belongs to exactly one network; other roles to none.
        CheckConstraint(
            "(role = 'lead' AND network_id IS NOT NULL) OR (role <> 'lead' AND network_id IS NULL)",
            name="ck_user_lead_network",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=120, unique=True, index=True)  # lower-case login
    full_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    role: str = Field(max_length=20)
    network_id: int | None = Field(default=None, foreign_key="network.id", index=True)
    active: bool = Field(default=True)
    password_hash: str | None = Field(default=None, max_length=255)
    # The identity provider's stable subject ("sub"), stored at the first OIDC login that
    # matched this account's e-mail; a later login with another subject is refused.
    oidc_subject: str | None = Field(default=None, max_length=255, unique=True, index=True)
    must_change_password: bool = Field(default=False)
    last_login_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    # Set when the programme team anonymised a departed person: name, e-mail and identifier
    # are then a pseudonym and the account can never log in again (docs/PERSONAL_DATA.md).
    anonymised_at: dt.datetime | None = None
    version: int = Field(default=1, sa_column=(_v := version_column()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # keep it out of pydantic private attributes (deep-copied on every instance)


class LoginAttempt(SQLModel, table=True):
    """Every password verification, counted in the database so throttling spans processes.

    A row is written (as a failure) before the verification runs and turned into a success
    afterwards, so attempts still in progress count towards the limits too."""

    __tablename__ = "login_attempt"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=120, index=True)
    attempted_at: dt.datetime = Field(default_factory=utcnow, index=True)
    success: bool = Field(default=False)
    # The client's address (IPv4/IPv6 text), for the per-address limit; None when unknown.
    client_address: str | None = Field(default=None, max_length=45, index=True)


class AuthSession(SQLModel, table=True):
    """A server-side login session; the browser holds only a random id (HttpOnly cookie)."""

    __tablename__ = "auth_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 of the cookie value
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_seen_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
    user_agent: str | None = Field(default=None, max_length=300)
    # After an OIDC login: the provider's ID token, sent back as id_token_hint at logout.
    id_token: str | None = Field(default=None, sa_type=Text)


class OneTimeSecret(SQLModel, table=True):
    """An invitation or password-reset secret: random, shown once, expires, usable once."""

    __tablename__ = "one_time_secret"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    secret_hash: str = Field(max_length=64, unique=True, index=True)
    purpose: str = Field(default="invite", max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class OidcLoginState(SQLModel, table=True):
    """An OIDC login under way: the ``state`` sent to the provider (its sha256) and the
    ``nonce`` its ID token must carry. Spent by the first callback that presents it; expires
    after a few minutes. Kept in the database so any app process can finish the login."""

    __tablename__ = "oidc_login_state"
    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True, index=True)
    nonce: str = Field(max_length=128)
    next_path: str = Field(default="/", max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    used_at: dt.datetime | None = None
