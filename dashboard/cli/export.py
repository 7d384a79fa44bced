"""``python -m dashboard export``: the ministry exports, for automation.

The command acts as a *system actor* with the ministry's read rights (role ``ministry``): it may
read every cohort and export, nothing else, and it writes nothing to the database. Whoever can
run it already holds the database URL; it is meant for scheduled open-data publication.

Example::

    python -m dashboard export --profile opendata --out publication/ --cohort AI-2026 \\
        --validated-only

Bad arguments (unknown profile, cohort, network or indicator code, malformed month, inverted
period, empty selection) print a French message and exit with status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard.core.i18n import fmt_number, t
from dashboard.core.permissions import Actor
from models.enums import Role

PROFILES = ("excel_fr", "opendata", "xlsx", "json")

SYSTEM_ACTOR = Actor(
    id=0,
    username="systeme.export",
    full_name="Export en ligne de commande",
    role=Role.ministry,
)


def _code_list(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(part.strip() for part in text.split(","))


def cmd_export(args: argparse.Namespace) -> int:
    from dashboard.core.db import check_schema, make_engine
    from dashboard.services.exports import runner as exports

    missing = []
    if not args.profile:
        missing.append(t("--profile (un de : {all})", all=", ".join(PROFILES)))
    if not args.out:
        missing.append(t("--out (dossier où écrire les fichiers)"))
    if missing:
        print(
            t("Argument(s) obligatoire(s) manquant(s) : {m}.", m="; ".join(missing)),
            file=sys.stderr,
        )
        return 2
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(t("« {out} » existe et n'est pas un dossier.", out=out), file=sys.stderr)
        return 2
    request = exports.ExportRequest(
        profile=args.profile,
        filters=exports.ExportFilters(
            cohort=args.cohort,
            networks=_code_list(args.networks),
            indicators=_code_list(args.indicators),
            month_from=args.month_from,
            month_to=args.month_to,
            validated_only=args.validated_only,
        ),
    )
    engine = make_engine()
    check_schema(engine)
    result = exports.export_to_directory(engine, SYSTEM_ACTOR, request, out)
    print(t("Export « {p} » écrit dans {out} :", p=args.profile, out=out))
    for name in result.files:
        print(f"  {name}")
    for table, rows in result.rows.items():
        print(t("  {table} : {n} ligne(s)", table=table, n=fmt_number(rows)))
    return 0


def register(subparsers) -> None:
    """Add the ``export`` subcommand to ``python -m dashboard``."""
    parser = subparsers.add_parser(
        "export",
        help=t("Exporter les données (CSV Excel, open data, XLSX, JSON)"),
        description=t(
            "Exporte indicateurs, cibles, objectifs, alliances, jalons, maturité et "
            "enseignements. S'exécute comme un compte système avec les droits de lecture du "
            "ministère."
        ),
    )
    parser.add_argument(
        "--profile",
        metavar="{" + ",".join(PROFILES) + "}",
        help=t("format : {all}", all=", ".join(PROFILES)),
    )
    parser.add_argument(
        "--out", metavar="DOSSIER", help=t("dossier où écrire les fichiers (créé au besoin)")
    )
    parser.add_argument(
        "--cohort", metavar="CODE", help=t("code de la cohorte (par défaut : toutes)")
    )
    parser.add_argument(
        "--networks", metavar="R01,R02", help=t("codes des réseaux séparés par des virgules")
    )
    parser.add_argument(
        "--indicators",
        metavar="CODE,…",
        help=t("codes des indicateurs séparés par des virgules"),
    )
    parser.add_argument(
        "--from", dest="month_from", metavar="AAAA-MM", help=t("premier mois des valeurs")
    )
    parser.add_argument(
        "--to", dest="month_to", metavar="AAAA-MM", help=t("dernier mois des valeurs")
    )
    parser.add_argument(
        "--validated-only", action="store_true", help=t("seulement les valeurs validées")
    )
    parser.set_defaults(func=cmd_export)
