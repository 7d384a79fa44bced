"""``python -m dashboard report --cohort C [--session S] --out FILE.pdf``: the steering
committee's pack, printed without opening the app.

The command reads as a *system actor* with the steering committee's rights (role ``steering``):
it sees what the committee sees on the dashboard, and writes nothing to the database.

Exit status: 0 when the PDF is written; 2 for a bad argument (unknown cohort or session, an
output path that is a folder or not ``.pdf``); 3 when the chart export engine (Chromium driven
by kaleido) or the PDF layout library (WeasyPrint and its Pango) is missing. Each failure prints one French sentence.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard.cli.parser import add_as_of
from dashboard.core.i18n import fmt_date, fmt_number, t
from dashboard.core.permissions import Actor
from models.enums import Role

ENGINE_MISSING = 3

SYSTEM_ACTOR = Actor(
    id=0,
    username="systeme.dossier",
    full_name="Dossier du comité de pilotage en ligne de commande",
    role=Role.steering,
)


def _cohort_id(engine, code: str) -> int | None:
    from dashboard.services.reporting import cohorts

    found = [c for c in cohorts.list_cohorts(engine, SYSTEM_ACTOR) if c.code == code]
    return found[0].id if found else None


def cmd_report(args: argparse.Namespace) -> int:
    from dashboard.core.db import check_schema, make_engine
    from dashboard.core.errors import AppError
    from dashboard.services.pack import ExportEngineMissing, build_pack

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        print(t("Le fichier de sortie doit finir par .pdf (reçu « {out} »).", out=out), file=sys.stderr)  # fmt: skip
        return 2
    if out.is_dir():
        print(t("« {out} » est un dossier : indiquez un fichier .pdf.", out=out), file=sys.stderr)
        return 2
    if not out.parent.is_dir():
        print(t("Impossible d'écrire « {out} » : son dossier n'existe pas.", out=out), file=sys.stderr)  # fmt: skip
        return 2
    engine = make_engine()
    check_schema(engine)
    cohort_id = _cohort_id(engine, args.cohort)
    if cohort_id is None:
        print(t("Cohorte « {code} » introuvable.", code=args.cohort), file=sys.stderr)
        return 2
    try:
        pack = build_pack(
            engine, SYSTEM_ACTOR, cohort_id, session_code=args.session, as_of=args.as_of
        )
    except ExportEngineMissing as error:
        print(error.message, file=sys.stderr)
        return ENGINE_MISSING
    except AppError as error:
        print(error.message, file=sys.stderr)
        return 2
    out.write_bytes(pack.pdf)
    print(
        t(
            "Dossier écrit : {out} ({pages} pages, {networks} réseaux, {size} Ko, en {seconds} s).",
            out=out,
            pages=fmt_number(pack.pages),
            networks=fmt_number(pack.networks),
            size=fmt_number(len(pack.pdf) / 1024),
            seconds=fmt_number(pack.timings.get("total", 0.0), 1),
        )
    )
    if args.as_of:
        print(t("Données lues au {day}.", day=fmt_date(args.as_of)))
    return 0


def register(subparsers) -> None:
    """Add the ``report`` subcommand to ``python -m dashboard``."""
    parser = subparsers.add_parser(
        "report", help=t("Imprimer le dossier du comité de pilotage (PDF)")
    )
    parser.add_argument("--cohort", required=True, metavar=t("CODE"), help=t("code de la cohorte"))
    parser.add_argument(
        "--session",
        metavar=t("CODE"),
        help=t("code de la session (par défaut : la prochaine session)"),
    )
    parser.add_argument(
        "--out", required=True, metavar=t("FICHIER.pdf"), help=t("fichier PDF à écrire")
    )
    add_as_of(parser)
    parser.set_defaults(func=cmd_report)
