"""Settings read once from the environment and an optional ``.env`` file (python-dotenv)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "alliances.sqlite"


@dataclass(frozen=True)
class Settings:
    database_url: str
    environment: str  # "development" or "production"
    session_idle_minutes: int
    session_absolute_hours: int
    login_max_failures: int
    login_window_minutes: int
    login_max_failures_per_address: int
    login_max_per_minute: int
    trusted_proxies: tuple[str, ...]
    cookie_secure: bool
    demo_cohort_code: str
    programme_timezone: str = "Europe/Paris"  # the zone whose date is "today" for every rule
    # Reminders before sessions: links in the messages, the SMTP server (none: messages are
    # written as .eml files to mail_folder), and the key that signs unsubscribe links.
    app_base_url: str = "http://localhost:8501"
    smtp_host: str = ""
    smtp_port: int = 0
    smtp_security: str = "starttls"  # "none", "starttls" or "tls"
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = ""
    mail_folder: str = ""
    secret_key: str = ""
    # Above this many networks shown, the cohort dashboard's charts summarise (distributions,
    # best and worst networks, the networks picked) instead of drawing one row per network.
    dashboard_summary_from: int = 40
    # How long after posting the author of a comment may still correct it.
    comment_edit_minutes: int = 15
    # Personal data kept only as long as needed (docs/PERSONAL_DATA.md), in days: login
    # attempts, login sessions after they ended, reminders sent (once their session is past).
    login_attempt_retention_days: int = 7
    session_retention_days: int = 1
    reminder_log_retention_days: int = 365

    # Sign-in with an OpenID Connect provider (ProConnect, Keycloak…; docs/OIDC.md). No
    # issuer: no provider button, passwords only.
    oidc_issuer: str = ""  # the issuer or its discovery URL (…/.well-known/openid-configuration)
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid email given_name usual_name"
    oidc_acr_values: str = ""
    oidc_provider_name: str = "ProConnect"
    oidc_button_label: str = ""  # empty: « Se connecter avec » and the provider's name
    oidc_redirect_base_url: str = ""  # default: app_base_url
    oidc_required_roles: tuple[str, ...] = ()  # roles whose password login is turned off
    # Whom to ask for an account, named when an identity is not known here.
    programme_contact: str = ""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(
            f"La variable {name} doit être un nombre entier (reçu : {raw!r})."
        ) from exc


def _timezone(name: str, default: str) -> str:
    raw = os.environ.get(name, "").strip() or default
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"La variable {name} doit être un fuseau horaire IANA, par exemple "
            f"Europe/Paris ou America/Cayenne (reçu : {raw!r})."
        ) from exc
    return raw


def _roles(name: str, raw: str) -> tuple[str, ...]:
    """A comma-separated list of role codes (lead, steering, ministry, admin)."""
    known = ("lead", "steering", "ministry", "admin")
    roles = tuple(p.strip().lower() for p in raw.split(",") if p.strip())
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise ValueError(
            f"La variable {name} liste des rôles parmi {', '.join(known)} (reçu : {unknown!r})."
        )
    return roles


def _days(name: str, default: int) -> int:
    """A retention delay in whole days, at least one."""
    value = _int(name, default)
    if value < 1:
        raise ValueError(f"La variable {name} est un nombre de jours, au moins 1 (reçu : {value}).")
    return value


SMTP_SECURITY_CHOICES = ("none", "starttls", "tls")


def _smtp_security(name: str, default: str) -> str:
    raw = os.environ.get(name, "").strip().lower() or default
    if raw not in SMTP_SECURITY_CHOICES:
        raise ValueError(f"La variable {name} vaut none, starttls ou tls (reçu : {raw!r}).")
    return raw


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once; ``.env`` never overrides a variable already set."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    url = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    return Settings(
        database_url=url,
        environment=os.environ.get("APP_ENV", "development").strip() or "development",
        session_idle_minutes=_int("SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_int("SESSION_ABSOLUTE_HOURS", 12),
        login_max_failures=_int("LOGIN_MAX_FAILURES", 10),
        login_window_minutes=_int("LOGIN_WINDOW_MINUTES", 5),
        login_max_failures_per_address=_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 30),
        login_max_per_minute=_int("LOGIN_MAX_PER_MINUTE", 60),
        trusted_proxies=tuple(
            part.strip()
            for part in os.environ.get("TRUSTED_PROXIES", "").split(",")
            if part.strip()
        ),
        cookie_secure=os.environ.get("COOKIE_SECURE", "false").lower() in {"1", "true", "yes"},
        demo_cohort_code=os.environ.get("DEMO_COHORT_CODE", "AI-2026").strip() or "AI-2026",
        programme_timezone=_timezone("PROGRAMME_TIMEZONE", "Europe/Paris"),
        app_base_url=(
            os.environ.get("APP_BASE_URL", "").strip().rstrip("/") or "http://localhost:8501"
        ),
        smtp_host=os.environ.get("SMTP_HOST", "").strip(),
        smtp_port=_int("SMTP_PORT", 0),
        smtp_security=_smtp_security("SMTP_SECURITY", "starttls"),
        smtp_user=os.environ.get("SMTP_USER", "").strip(),
        smtp_password=os.environ.get("SMTP_PASSWORD", ""),
        mail_from=os.environ.get("MAIL_FROM", "").strip(),
        mail_folder=os.environ.get("MAIL_FOLDER", "").strip()
        or str(PROJECT_ROOT / "data" / "outbox"),
        secret_key=os.environ.get("SECRET_KEY", "").strip(),
        dashboard_summary_from=_int("DASHBOARD_SUMMARY_FROM", 40),
        oidc_issuer=os.environ.get("OIDC_ISSUER", "").strip(),
        oidc_client_id=os.environ.get("OIDC_CLIENT_ID", "").strip(),
        oidc_client_secret=os.environ.get("OIDC_CLIENT_SECRET", "").strip(),
        oidc_scopes=" ".join(
            os.environ.get("OIDC_SCOPES", "").split()
            or ["openid", "email", "given_name", "usual_name"]
        ),
        oidc_acr_values=os.environ.get("OIDC_ACR_VALUES", "").strip(),
        oidc_provider_name=os.environ.get("OIDC_PROVIDER_NAME", "").strip() or "ProConnect",
        oidc_button_label=os.environ.get("OIDC_BUTTON_LABEL", "").strip(),
        oidc_redirect_base_url=os.environ.get("OIDC_REDIRECT_BASE_URL", "").strip().rstrip("/"),
        oidc_required_roles=_roles(
            "OIDC_REQUIRED_ROLES", os.environ.get("OIDC_REQUIRED_ROLES", "")
        ),
        programme_contact=os.environ.get("PROGRAMME_CONTACT", "").strip(),
        comment_edit_minutes=_int("COMMENT_EDIT_MINUTES", 15),
        login_attempt_retention_days=_days("LOGIN_ATTEMPT_RETENTION_DAYS", 7),
        session_retention_days=_days("SESSION_RETENTION_DAYS", 1),
        reminder_log_retention_days=_days("REMINDER_LOG_RETENTION_DAYS", 365),
    )
