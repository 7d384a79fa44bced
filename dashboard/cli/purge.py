"""``python -m dashboard purge``: delete old login attempts and ended login sessions.

Logins also purge, at most every ten minutes per process; the command is for a scheduler
(cron, systemd timer) on quiet deployments.
"""

from __future__ import annotations

import argparse

from dashboard.core.i18n import t


def cmd_purge(_args: argparse.Namespace) -> int:
    from dashboard.auth.accounts import purge_auth_records
    from dashboard.core.db import check_schema, make_engine

    engine = make_engine()
    check_schema(engine)
    report = purge_auth_records(engine)
    print(
        t(
            "Purge terminée : {attempts} tentatives de connexion et {sessions} session(s) "
            "terminée(s) supprimées.",
            attempts=report.attempts,
            sessions=report.sessions,
        )
    )
    return 0


def register(subparsers) -> None:
    """Add the ``purge`` subcommand to ``python -m dashboard``."""
    parser = subparsers.add_parser(
        "purge",
        help=t("Supprimer les anciennes tentatives de connexion et les sessions terminées"),
    )
    parser.set_defaults(func=cmd_purge)
