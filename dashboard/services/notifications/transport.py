"""Where messages go: an SMTP server (SMTP_* settings) or, with none set, ``.eml`` files in a
folder (MAIL_FOLDER) that any mail client opens."""

from __future__ import annotations

import re
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from dashboard.core.config import Settings, get_settings
from dashboard.core.errors import AppError
from dashboard.core.i18n import t
from dashboard.services.notifications.content import Message

DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


def email_of(message: Message, *, sender: str) -> EmailMessage:
    """A multipart/alternative e-mail: French plain text first, then HTML."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = sender
    # An Address object, so a name holding "<", "," or quotes is quoted, not read as syntax.
    mail["To"] = Address(display_name=message.recipient_name, addr_spec=message.recipient)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="alliances-tracker")
    mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    mail["Auto-Submitted"] = "auto-generated"
    mail["Content-Language"] = "fr"
    mail.set_content(message.text, charset="utf-8")
    mail.add_alternative(message.html, subtype="html", charset="utf-8")
    return mail


class Transport(Protocol):
    description: str

    def send(self, mail: EmailMessage) -> None: ...

    def close(self) -> None: ...


class FolderTransport:
    """Writes each message as ``<n>-<recipient>.eml`` in a folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.description = t("dossier {folder}", folder=folder)
        self.written: list[Path] = []

    def send(self, mail: EmailMessage) -> None:
        stem = re.sub(r"[^A-Za-z0-9@._-]", "_", mail["To"].addresses[0].addr_spec)[-80:]
        n = len(list(self.folder.glob("*.eml"))) + 1
        path = self.folder / f"{n:05d}-{stem}.eml"
        while path.exists():
            n += 1
            path = self.folder / f"{n:05d}-{stem}.eml"
        path.write_bytes(bytes(mail))
        self.written.append(path)

    def close(self) -> None:
        return None


class SmtpTransport:
    """One SMTP connection for a whole run (none, STARTTLS or implicit TLS; optional login)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        port = settings.smtp_port or DEFAULT_PORTS[settings.smtp_security]
        self.description = t("serveur SMTP {host}:{port}", host=settings.smtp_host, port=port)
        try:
            if settings.smtp_security == "tls":
                self.client: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.smtp_host, port, timeout=30, context=ssl.create_default_context()
                )
            else:
                self.client = smtplib.SMTP(settings.smtp_host, port, timeout=30)
                if settings.smtp_security == "starttls":
                    self.client.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                self.client.login(settings.smtp_user, settings.smtp_password)
        except (OSError, smtplib.SMTPException) as exc:
            raise AppError(
                t(
                    "Le serveur SMTP {host}:{port} ne répond pas ou refuse la connexion "
                    "({error}). Vérifiez SMTP_HOST, SMTP_PORT, SMTP_SECURITY et les "
                    "identifiants dans .env.",
                    host=settings.smtp_host,
                    port=port,
                    error=exc,
                )
            ) from exc

    def send(self, mail: EmailMessage) -> None:
        self.client.send_message(mail)

    def close(self) -> None:
        try:
            self.client.quit()
        except (OSError, smtplib.SMTPException):
            self.client.close()


def sender_address(settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    return settings.mail_from or "Alliances Tracker <ne-pas-repondre@localhost>"


def open_transport(settings: Settings | None = None) -> Transport:
    """The SMTP server when SMTP_HOST is set (MAIL_FROM then required), else the folder."""
    settings = settings or get_settings()
    if not settings.smtp_host:
        return FolderTransport(Path(settings.mail_folder))
    if not settings.mail_from:
        raise AppError(
            t("MAIL_FROM n'est pas renseigné : indiquez l'adresse d'expédition dans .env.")
        )
    return SmtpTransport(settings)
