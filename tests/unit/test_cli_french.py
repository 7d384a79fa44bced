"""The command line's help and argument errors are French, with exit status 2 on a mistake."""

from __future__ import annotations

import pytest

from dashboard.__main__ import build_parser, main

ENGLISH = (
    "usage:",
    "error:",
    "show this help",
    "positional arguments",
    "options:",
    "invalid choice",
    "invalid int",
    "unrecognized",
    "required",
)
COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)


def _assert_french(text: str) -> None:
    for word in ENGLISH:
        assert word not in text, (word, text)


def test_main_help_is_french(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("utilisation : python -m dashboard")
    assert "commandes\u00a0:" in out and "afficher cette aide et quitter" in out
    _assert_french(out)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_is_french(capsys, command):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"utilisation : python -m dashboard {command}")
    _assert_french(out)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "erreur : argument(s) obligatoire(s) manquant(s) : COMMANDE"),
        (["migrate", "--vite"], "erreur : argument(s) non reconnu(s) : --vite"),
        (["lancer"], "erreur : argument COMMANDE : choix invalide : 'lancer' (choix possibles"),
        (["run", "--port", "huit"], "argument --port : valeur invalide : 'huit' (nombre entier"),
        (["run", "--port"], "argument --port : une valeur est attendue"),
        (["create-user", "camille"], "argument(s) obligatoire(s) manquant(s) : --role"),
        (["create-user", "camille", "--role", "chef"], "argument --role : choix invalide"),
    ],
)
def test_argument_errors_are_french(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "utilisation : python -m dashboard" in err
    assert message in err
    _assert_french(err)
