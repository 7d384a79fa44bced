"""An ``argparse`` parser that speaks French: usage line, section titles, ``--help`` and the
error messages argparse builds itself (unknown or missing arguments, invalid choices)."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from typing import NoReturn

from dashboard.core.i18n import t

# argparse's own sentences (Python 3.11+), matched on the message it hands to ``error``.
_TYPES = {"int": "nombre entier", "float": "nombre"}
_INNER: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^invalid choice: (.*) \(choose from (.*)\)$"), "choix invalide : {0} (choix possibles : {1})"),
    (re.compile(r"^expected one argument$"), "une valeur est attendue"),
    (re.compile(r"^expected at least one argument$"), "au moins une valeur est attendue"),
    (re.compile(r"^expected (\d+) arguments?$"), "{0} valeur(s) attendue(s)"),
    (re.compile(r"^not allowed with argument (.*)$"), "incompatible avec l'argument {0}"),
    (re.compile(r"^ignored explicit argument (.*)$"), "valeur {0} non prévue pour cette option"),
]  # fmt: skip
_OUTER: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^unrecognized arguments: (.*)$"), "argument(s) non reconnu(s) : {0}"),
    (re.compile(r"^the following arguments are required: (.*)$"), "argument(s) obligatoire(s) manquant(s) : {0}"),
    (re.compile(r"^ambiguous option: (.*) could match (.*)$"), "option ambiguë : {0} peut désigner {1}"),
    (re.compile(r"^one of the arguments (.*) is required$"), "l'un des arguments {0} est obligatoire"),
]  # fmt: skip
_ARGUMENT = re.compile(r"^argument (.+?): (.*)$", re.DOTALL)
_INVALID_TYPE = re.compile(r"^invalid (\w+) value: (.*)$")


def _first_match(patterns: list[tuple[re.Pattern[str], str]], message: str) -> str | None:
    for pattern, french in patterns:
        if found := pattern.match(message):
            return t(french).format(*found.groups())
    return None


def translate_error(message: str) -> str:
    """argparse's English error ``message`` in French (unchanged when it is not argparse's)."""
    if outer := _first_match(_OUTER, message):
        return outer
    if found := _ARGUMENT.match(message):
        name, inner = found.groups()
        if typed := _INVALID_TYPE.match(inner):
            kind = t(_TYPES.get(typed[1], typed[1]))
            text = t("valeur invalide : {value} ({kind} attendu)", value=typed[2], kind=kind)
        else:
            text = _first_match(_INNER, inner) or inner
        return t("argument {name} : {message}", name=name, message=text)
    return message


class FrenchHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        # argparse passes prefix="" for the sub-commands' program name: keep it.
        prefix = t("utilisation : ") if prefix is None else prefix
        super().add_usage(usage, actions, groups, prefix)

    def start_section(self, heading) -> None:
        # argparse glues the colon to the title; French puts a (no-break) space before it.
        super().start_section(f"{heading}\u00a0" if heading else heading)


class FrenchArgumentParser(argparse.ArgumentParser):
    """``ArgumentParser`` whose help and errors are French; sub-commands inherit it."""

    def __init__(self, *args, add_help: bool = True, **kwargs) -> None:
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        kwargs["add_help"] = False  # the French -h/--help is added below
        super().__init__(*args, **kwargs)
        self._positionals.title = t("arguments")
        self._optionals.title = t("options")
        if add_help:
            self.add_argument(
                "-h",
                "--help",
                action="help",
                default=argparse.SUPPRESS,
                help=t("afficher cette aide et quitter"),
            )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, t("{prog} : erreur : {message}\n", prog=self.prog, message=translate_error(message)))  # fmt: skip


def iso_day(text: str) -> dt.date:
    """An argparse ``type`` for a day typed AAAA-MM-JJ (refused in French otherwise)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            t("date AAAA-MM-JJ attendue, reçu « {value} »", value=text)
        ) from None


def add_as_of(parser: argparse.ArgumentParser) -> None:
    """``--as-of AAAA-MM-JJ``: the day a command acts as if it were (default: today)."""
    parser.add_argument(
        "--as-of",
        type=iso_day,
        default=None,
        metavar=t("AAAA-MM-JJ"),
        help=t("jour de référence (par défaut : aujourd'hui)"),
    )
