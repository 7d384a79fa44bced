"""``python -m dashboard create-user`` applies the identifier rule of the admin page."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from dashboard.__main__ import main
from dashboard.core.config import get_settings
from dashboard.services.admin.users import UserInput
from models import User

PASSWORD = "un-mot-de-passe-solide-2026"
REFUSED = ["Jean Dupont", "émilie", "a", "x" * 121, "-camille", "<b>admin</b>", "camille\x00"]


@pytest.fixture
def cli(engine_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _usernames(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(User.username)).all())


@pytest.mark.parametrize("username", REFUSED)
def test_create_user_refuses_what_the_admin_page_refuses(cli, engine, capsys, username):
    with pytest.raises(ValidationError):  # the admin page's rule
        UserInput(username=username, full_name="Camille", role="admin")
    args = ["create-user", "--role", "admin", "--password", PASSWORD, "--", username]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "refusé : 2 à 120 caractères : lettres minuscules, chiffres" in err
    assert _usernames(engine) == []


def test_create_user_service_refuses_it_too(engine):
    from dashboard.auth.accounts import create_user
    from dashboard.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="Identifiant « jean dupont » refusé"):
        create_user(
            engine, username="Jean Dupont", full_name="Jean", role="admin", password=PASSWORD
        )
    assert _usernames(engine) == []


def test_create_user_stores_a_valid_identifier_normalised(cli, engine, capsys):
    args = ["create-user", "  Camille.Martin ", "--role", "admin", "--password", PASSWORD]
    assert main(args) == 0
    assert "Compte créé" in capsys.readouterr().out
    assert _usernames(engine) == ["camille.martin"]
