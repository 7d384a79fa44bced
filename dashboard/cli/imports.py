"""``python -m dashboard template`` and ``python -m dashboard import``: the spreadsheet round
trip from the command line, with the same checks as the import page.

Examples::

    python -m dashboard template --network R01 --out modele_R01.xlsx
    python -m dashboard import modele_R01.xlsx --as lead.r01 --dry-run
    python -m dashboard import modele_R01.xlsx --as lead.r01

The command acts as the account named by ``--as`` (its role and network decide what it may
read and write, and the change log names it). ``--dry-run`` prints the preview and writes
nothing. Any error: the list is printed (sheet, row, column, code, message), nothing is
written and the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard.core.errors import NotFound
from dashboard.core.i18n import fmt_number, t
from dashboard.core.permissions import Actor
from models.enums import Role

# Reads only (the template): the programme team's rights, no account needed.
TEMPLATE_ACTOR = Actor(
    id=0, username="systeme.modele", full_name="Modèle en ligne de commande", role=Role.admin
)


def _actor(engine, username: str) -> Actor:
    from sqlmodel import select

    from dashboard.auth.accounts import actor_for
    from dashboard.core.db import read_scope
    from models import Network, User

    with read_scope(engine) as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None or not user.active:
            raise NotFound(t("Compte « {name} » introuvable ou désactivé.", name=username))
        network = session.get(Network, user.network_id) if user.network_id else None
        return actor_for(user, network)


def cmd_template(args: argparse.Namespace) -> int:
    from dashboard.core.db import check_schema, make_engine
    from dashboard.services import imports
    from dashboard.services.imports.plan import network_by_code

    engine = make_engine()
    check_schema(engine)
    actor = _actor(engine, args.as_user) if args.as_user else TEMPLATE_ACTOR
    network_id = network_by_code(engine, args.network)
    data = imports.template_data(engine, actor, network_id)
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        content = imports.write_xlsx(data)
    elif suffix == ".zip":
        content = imports.write_csv_zip(data)
    else:
        print(
            t("--out : nom de fichier en .xlsx (classeur) ou .zip (tableaux CSV) attendu."),
            file=sys.stderr,
        )
        return 2
    out.write_bytes(content)
    print(
        t(
            "Modèle du réseau {code} écrit dans {out} : {m} jalon(s), {v} ligne(s) de valeurs.",
            code=data.network_code,
            out=out,
            m=fmt_number(len(data.milestones)),
            v=fmt_number(len(data.values)),
        )
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from dashboard.core.db import check_schema, make_engine
    from dashboard.services import imports
    from dashboard.services.imports.plan import network_by_code

    if not args.as_user:
        print(
            t("--as IDENTIFIANT est obligatoire : le compte au nom duquel le fichier est importé."),
            file=sys.stderr,
        )
        return 2
    path = Path(args.file)
    if not path.is_file():
        print(t("Fichier introuvable : {path}", path=path), file=sys.stderr)
        return 2
    engine = make_engine()
    check_schema(engine)
    actor = _actor(engine, args.as_user)
    network_id = network_by_code(engine, args.network) if args.network else None
    content = path.read_bytes()
    plan = imports.preview_import(engine, actor, path.name, content, network_id=network_id)
    _print_plan(plan)
    if not plan.ok:
        print(t("Rien n'a été enregistré : corrigez le fichier puis relancez."), file=sys.stderr)
        return 1
    if args.dry_run or not plan.has_changes:
        return 0
    try:
        result = imports.apply_import(
            engine, actor, path.name, content, network_id=network_id, expected_digest=plan.digest
        )
    except imports.ImportRefused as refused:
        _print_errors(refused.plan)
        print(t("Rien n'a été enregistré : corrigez le fichier puis relancez."), file=sys.stderr)
        return 1
    print(
        t(
            "Import appliqué au réseau {code} : {c} ajout(s), {u} modification(s), "
            "{d} effacement(s), {n} ligne(s) inchangée(s).",
            code=result.network_code,
            c=result.created,
            u=result.updated,
            d=result.deleted,
            n=result.unchanged,
        )
    )
    return 0


def _print_errors(plan) -> None:
    """One line per error: its code, its sheet, then the message (which names row and column)."""
    for issue in plan.errors:
        where = issue.sheet or issue.value
        print(f"[{issue.code}] {where} : {issue.message}", file=sys.stderr)


def _print_plan(plan) -> None:
    for warning in plan.warnings:
        print(t("Attention : {w}", w=warning), file=sys.stderr)
    if plan.errors:
        print(t("{n} erreur(s) :", n=fmt_number(len(plan.errors))), file=sys.stderr)
        _print_errors(plan)
        return
    print(
        t(
            "Aperçu pour le réseau {code} : {c} ligne(s) à modifier, {u} ligne(s) inchangée(s).",
            code=plan.network_code,
            c=fmt_number(len(plan.changes)),
            u=fmt_number(len(plan.unchanged)),
        )
    )
    for change in plan.changes:
        details = " ; ".join(f"{col} : {b or '∅'} → {a or '∅'}" for col, b, a in change.fields)
        print(f"  {change.sheet} {t('ligne')} {change.row} — {change.what} — {details}")


def register(subparsers) -> None:
    """Add the ``template`` and ``import`` subcommands to ``python -m dashboard``."""
    template = subparsers.add_parser(
        "template",
        help=t("Écrire le modèle de tableur d'un réseau (jalons et valeurs d'indicateurs)"),
    )
    template.add_argument("--network", required=True, metavar="CODE", help=t("code du réseau"))
    template.add_argument(
        "--out", required=True, metavar=t("FICHIER"), help=t("fichier .xlsx, ou .zip pour les CSV")
    )
    template.add_argument(
        "--as",
        dest="as_user",
        metavar=t("IDENTIFIANT"),
        help=t("lire avec les droits de ce compte"),
    )
    template.set_defaults(func=cmd_template)

    imp = subparsers.add_parser(
        "import", help=t("Importer un tableur rempli (aperçu, puis application)")
    )
    imp.add_argument("file", metavar=t("FICHIER"), help=t("fichier .xlsx ou .csv"))
    imp.add_argument(
        "--network", metavar="CODE", help=t("code du réseau (sinon lu dans le fichier)")
    )
    imp.add_argument(
        "--dry-run", action="store_true", help=t("afficher l'aperçu sans rien enregistrer")
    )
    imp.add_argument(
        "--as", dest="as_user", metavar=t("IDENTIFIANT"), help=t("compte au nom duquel importer")
    )
    imp.set_defaults(func=cmd_import)
