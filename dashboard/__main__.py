"""Command line: ``python -m dashboard run | migrate | seed --demo | create-user | …``."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from dashboard.core.config import PROJECT_ROOT, get_settings
from dashboard.core.errors import AppError
from dashboard.core.i18n import t


def _engine():
    from dashboard.core.db import make_engine

    return make_engine()


def cmd_run(args: argparse.Namespace) -> int:
    """Serve the app (Streamlit with the project's config and login routes)."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "dashboard" / "server.py"),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
    ]
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    print(
        t(
            "Application servie sur http://{address}:{port} (Ctrl+C pour l'arrêter).",
            address="localhost" if args.address == "0.0.0.0" else args.address,
            port=args.port,
        ),
        flush=True,
    )
    # The server replaces this process rather than running as its child: stopping
    # ``python -m dashboard run`` (Ctrl+C, SIGTERM from a supervisor) stops the server itself and
    # frees the port, instead of leaving an orphan listening on it.
    os.chdir(PROJECT_ROOT)
    os.execve(sys.executable, command, env)


def cmd_migrate(_args: argparse.Namespace) -> int:
    from dashboard.core.db import migrate

    engine = _engine()
    migrate(engine)
    print(t("Base de données à jour ({url}).", url=engine.url.render_as_string(hide_password=True)))
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from dashboard.core.db import check_schema
    from dashboard.seed.read import seed_demo

    if args.synthetic:
        return _seed_synthetic(args)
    if not args.demo:
        print(
            t(
                "Précisez --demo pour charger la cohorte de démonstration, ou --synthetic "
                "--networks N pour une cohorte synthétique."
            ),
            file=sys.stderr,
        )
        return 2
    engine = _engine()
    check_schema(engine)
    report = seed_demo(engine, args.as_of)
    if report.already_present:
        print(t("La cohorte de démonstration est déjà chargée : rien n'a été modifié."))
    else:
        details = ", ".join(f"{name} : {count}" for name, count in report.counts.items())
        print(t("Cohorte de démonstration chargée ({details}).", details=details))
    return 0


def _seed_synthetic(args: argparse.Namespace) -> int:
    from dashboard.core.db import check_schema
    from dashboard.seed.synthetic import seed_synthetic

    if args.demo or args.networks is None:
        print(
            t("--synthetic demande --networks N (et pas --demo)."),
            file=sys.stderr,
        )
        return 2
    engine = _engine()
    check_schema(engine)
    report = seed_synthetic(engine, args.networks, args.months, args.seed)
    if report.already_present:
        print(
            t("La cohorte {code} est déjà chargée : rien n'a été modifié.", code=report.cohort_code)
        )
    else:
        details = ", ".join(f"{name} : {count}" for name, count in report.counts.items())
        print(t("Cohorte {code} chargée ({details}).", code=report.cohort_code, details=details))
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from sqlmodel import Session, select

    from dashboard.auth.accounts import create_user, normalise_username, username_problem
    from dashboard.core.db import check_schema
    from models import Cohort, Network

    # The identifier rule of the admin page, checked before a password is asked for.
    problem = username_problem(normalise_username(args.username))
    if problem:
        print(
            t("Identifiant « {name} » refusé : {rule}.", name=args.username, rule=problem),
            file=sys.stderr,
        )
        return 2
    engine = _engine()
    check_schema(engine)
    network_id = None
    if args.network:
        with Session(engine) as session:
            stmt = select(Network).where(Network.code == args.network)
            if args.cohort:
                stmt = stmt.join(Cohort).where(Cohort.code == args.cohort)
            found = session.exec(stmt).all()
        if len(found) != 1:
            print(
                t(
                    "Réseau « {code} » introuvable ou ambigu (précisez --cohort).",
                    code=args.network,
                ),
                file=sys.stderr,
            )
            return 2
        network_id = found[0].id
    password = args.password or os.environ.get("NEW_USER_PASSWORD")
    if not password:
        password = getpass.getpass(t("Mot de passe : "))
    user_id = create_user(
        engine,
        username=args.username,
        full_name=args.full_name or args.username,
        role=args.role,
        password=password,
        email=args.email,
        network_id=network_id,
        must_change_password=args.must_change_password,
    )
    print(t("Compte créé : {username} (n° {id}).", username=args.username, id=user_id))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from dashboard.cli.parser import FrenchArgumentParser, iso_day

    parser = FrenchArgumentParser(prog="python -m dashboard", description=t("Alliances Tracker"))
    sub = parser.add_subparsers(
        dest="command", required=True, title=t("commandes"), metavar=t("COMMANDE")
    )

    run = sub.add_parser("run", help=t("Lancer l'application"))
    run.add_argument("--port", type=int, default=8501, help=t("port (par défaut : 8501)"))
    run.add_argument(
        "--address",
        default="localhost",
        metavar=t("ADRESSE"),
        help=t("adresse d'écoute (par défaut : localhost)"),
    )
    run.set_defaults(func=cmd_run)

    sub.add_parser("migrate", help=t("Mettre la base de données à jour")).set_defaults(
        func=cmd_migrate
    )

    seed = sub.add_parser("seed", help=t("Charger des données"))
    seed.add_argument("--demo", action="store_true", help=t("la cohorte de démonstration"))
    seed.add_argument(
        "--as-of",
        type=iso_day,
        default=None,
        metavar=t("AAAA-MM-JJ"),
        help=t(
            "jour de chargement : le calendrier de la démonstration est placé par rapport à ce "
            "jour (par défaut : aujourd'hui)"
        ),
    )
    seed.add_argument(
        "--synthetic",
        action="store_true",
        help=t("une cohorte synthétique (mesures à grande échelle)"),
    )
    seed.add_argument(
        "--networks", type=int, default=None, metavar="N", help=t("nombre de réseaux synthétiques")
    )
    seed.add_argument(
        "--months", type=int, default=60, metavar="M", help=t("nombre de mois (par défaut : 60)")
    )
    seed.add_argument(
        "--seed", type=int, default=0, metavar="S", help=t("graine du tirage (par défaut : 0)")
    )
    seed.set_defaults(func=cmd_seed)

    cu = sub.add_parser("create-user", help=t("Créer un compte"))
    cu.add_argument("username", metavar=t("IDENTIFIANT"), help=t("identifiant de connexion"))
    cu.add_argument(
        "--role",
        required=True,
        choices=["lead", "steering", "ministry", "admin"],
        help=t("rôle du compte"),
    )
    cu.add_argument("--full-name", dest="full_name", metavar=t("NOM"), help=t("nom affiché"))
    cu.add_argument("--email", metavar=t("COURRIEL"), help=t("adresse électronique"))
    cu.add_argument("--network", metavar=t("CODE"), help=t("code du réseau (référent·e réseau)"))
    cu.add_argument("--cohort", metavar=t("CODE"), help=t("code de la cohorte du réseau"))
    cu.add_argument(
        "--password",
        metavar=t("MOT_DE_PASSE"),
        help=t("sinon demandé, ou lu dans NEW_USER_PASSWORD"),
    )
    cu.add_argument(
        "--must-change-password",
        action="store_true",
        help=t("mot de passe à changer à la première connexion"),
    )
    cu.set_defaults(func=cmd_create_user)

    from dashboard.cli import backup, bench, export, imports, purge, remind, report

    for module in (export, imports, purge, backup, remind, report, bench):
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    get_settings()
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a French usage error (2), already printed
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        return args.func(args)
    except AppError as error:
        print(error.message, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
