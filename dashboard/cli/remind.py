"""``python -m dashboard remind [--cohort C] [--dry-run]``: the reminders due today, sent once.

Meant for cron or a systemd timer (see docs/OPERATIONS.md), once a day. It also freezes the
snapshot of any session whose date has passed. Without SMTP_HOST, messages are written as
``.eml`` files to MAIL_FOLDER.
"""

from __future__ import annotations

import argparse

from dashboard.cli.parser import add_as_of
from dashboard.core.i18n import fmt_date, t


def cmd_remind(args: argparse.Namespace) -> int:
    from dashboard.core import clock
    from dashboard.core.config import get_settings
    from dashboard.core.db import check_schema, make_engine
    from dashboard.services import notifications
    from dashboard.services.reporting.snapshots import freeze_past_sessions

    engine = make_engine()
    check_schema(engine)
    as_of = args.as_of or clock.today()
    due = notifications.due_reminders(engine, as_of=as_of, cohort_code=args.cohort)
    if args.dry_run:
        print(
            t(
                "Simulation du {day} : {n} rappel(s) à envoyer, rien n'est envoyé ni enregistré.",
                day=fmt_date(as_of),
                n=len(due),
            )
        )
        for reminder in due:
            print("=" * 72)
            print(t("À : {to}", to=reminder.message.recipient))
            print(t("Objet : {subject}", subject=reminder.message.subject))
            print()
            print(reminder.message.text)
        return 0
    if not get_settings().smtp_host:
        print(
            t(
                "Aucun serveur SMTP configuré (SMTP_HOST) : les messages sont écrits dans "
                "le dossier {folder}.",
                folder=get_settings().mail_folder,
            )
        )
    frozen = freeze_past_sessions(engine, as_of=as_of)
    for info in frozen:
        print(t("Instantané automatique pris : « {label} ».", label=info.label))
    report = notifications.deliver(engine, due)
    print(
        t(
            "Rappels du {day} : {sent} envoyé(s), {skipped} déjà envoyé(s), {failed} en échec.",
            day=fmt_date(as_of),
            sent=len(report.sent),
            skipped=len(report.already_sent),
            failed=len(report.failed),
        )
    )
    for reminder in report.sent:
        print(t("  envoyé à {to} : {subject}", to=reminder.message.recipient, subject=reminder.message.subject))  # fmt: skip
    for reminder, error in report.failed:
        print(t("  échec pour {to} : {error}", to=reminder.message.recipient, error=error))
    return 1 if report.failed else 0


def register(subparsers) -> None:
    """Add the ``remind`` subcommand to ``python -m dashboard``."""
    parser = subparsers.add_parser(
        "remind", help=t("Envoyer les rappels avant les sessions (et figer les sessions passées)")
    )
    parser.add_argument("--cohort", metavar=t("CODE"), help=t("code de la cohorte (par défaut : toutes les cohortes actives)"))  # fmt: skip
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help=t("afficher les messages sans rien envoyer ni enregistrer"),
    )
    add_as_of(parser)
    parser.set_defaults(func=cmd_remind)
