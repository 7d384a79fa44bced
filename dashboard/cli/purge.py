"""``python -m dashboard purge``: delete personal data past its retention delay — old login
attempts, ended login sessions, the log of reminders sent for past sessions.

Logins also purge their own bookkeeping, at most every ten minutes per process; the command is
for a scheduler (cron, systemd timer): see docs/OPERATIONS.md and docs/PERSONAL_DATA.md.
"""

from __future__ import annotations

import argparse

from dashboard.core.i18n import t


def cmd_purge(_args: argparse.Namespace) -> int:
    from dashboard.core.db import check_schema, make_engine
    from dashboard.services.privacy import purge_personal_data

    engine = make_engine()
    check_schema(engine)
    report = purge_personal_data(engine)
    print(
        t(
            "Purge terminée : {attempts} tentatives de connexion, {sessions} session(s) "
            "terminée(s) et {reminders} rappel(s) envoyé(s) supprimés.",
            attempts=report.attempts,
            sessions=report.sessions,
            reminders=report.reminders,
        )
    )
    return 0


def register(subparsers) -> None:
    """Add the ``purge`` subcommand to ``python -m dashboard``."""
    parser = subparsers.add_parser(
        "purge",
        help=t(
            "Supprimer les données personnelles dont la durée de conservation est passée "
            "(tentatives de connexion, sessions terminées, rappels envoyés)"
        ),
    )
    parser.set_defaults(func=cmd_purge)
