"""Reminders before sessions: what each lead still misses, the programme team's digest, sending
(SMTP or a folder of .eml files) exactly once, and turning reminders off."""

from dashboard.services.notifications.content import Message, digest_message, lead_message
from dashboard.services.notifications.preferences import (
    parse_days,
    reminder_days,
    reminders_enabled,
    set_reminder_days,
    set_reminders,
    unsubscribe,
    unsubscribe_url,
)
from dashboard.services.notifications.reminders import (
    DueReminder,
    SendReport,
    deliver,
    due_reminders,
    preview,
    send_by_hand,
    send_due,
    sent_log,
)
from dashboard.services.notifications.tokens import unsubscribe_token, user_of_token
from dashboard.services.notifications.transport import (
    FolderTransport,
    SmtpTransport,
    email_of,
    open_transport,
)

__all__ = [
    "DueReminder",
    "FolderTransport",
    "Message",
    "SendReport",
    "SmtpTransport",
    "deliver",
    "digest_message",
    "due_reminders",
    "email_of",
    "lead_message",
    "open_transport",
    "parse_days",
    "preview",
    "reminder_days",
    "reminders_enabled",
    "send_by_hand",
    "send_due",
    "sent_log",
    "set_reminder_days",
    "set_reminders",
    "unsubscribe",
    "unsubscribe_token",
    "unsubscribe_url",
    "user_of_token",
]
