"""Reading the seed files: UTF-8 only (another encoding is refused with a French message naming
the file), and the services' rules for values and identifiers. Nothing is written on refusal."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from dashboard.__main__ import main
from dashboard.core.config import get_settings
from dashboard.core.errors import ValidationFailed
from dashboard.seed.read import DEFAULT_DATA_DIR, seed_demo
from models import Cohort, IndicatorValue, Network, User


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "seed"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    return folder


def _as_latin1(path) -> None:
    text = path.read_text(encoding="utf-8")
    assert any(ord(ch) > 127 for ch in text)  # accents to mis-encode
    path.write_bytes(text.encode("latin-1", errors="replace"))  # as a Windows editor would


@pytest.mark.parametrize("name", ["networks.yaml", "milestones.csv"])
def test_a_latin1_file_is_refused_with_its_name(engine, data, name):
    _as_latin1(data / name)
    with pytest.raises(ValidationFailed) as caught:
        seed_demo(engine, data_dir=data)
    message = str(caught.value)
    assert f"{name} : le fichier n'est pas encodé en UTF-8" in message
    assert "enregistrez-le en UTF-8" in message
    assert _count(engine, Cohort) == 0 and _count(engine, Network) == 0


def test_the_command_line_prints_the_encoding_message(
    engine_url, engine, data, capsys, monkeypatch
):
    _as_latin1(data / "lessons.yaml")
    monkeypatch.setattr(seed_demo, "__kwdefaults__", {"data_dir": data})  # the command's files
    monkeypatch.setenv("DATABASE_URL", engine_url)
    get_settings.cache_clear()
    try:
        assert main(["seed", "--demo"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "lessons.yaml : le fichier n'est pas encodé en UTF-8" in err
    assert "Traceback" not in err and "UnicodeDecodeError" not in err
    assert _count(engine, Cohort) == 0


def test_a_utf8_file_with_a_byte_order_mark_is_read(engine, data):
    """Spreadsheets save « CSV UTF-8 » with a BOM: same bytes otherwise, same content."""
    path = data / "indicator_values.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    seed_demo(engine, data_dir=data)
    assert _count(engine, IndicatorValue) > 0


def test_a_username_the_admin_page_refuses_is_refused(engine, data):
    path = data / "users.yaml"
    text = path.read_text(encoding="utf-8")
    assert "username: lead.r01," in text
    path.write_text(text.replace("username: lead.r01,", "username: lead r01,", 1), "utf-8")
    with pytest.raises(ValidationFailed) as caught:
        seed_demo(engine, data_dir=data)
    assert "identifiant refusé : 2 à 120 caractères" in str(caught.value)
    assert _count(engine, User) == 0


def test_a_row_is_checked_by_the_apps_own_input_model(engine, data):
    """The seed reads each row through the model the app's forms use: a link the milestone
    grid refuses, a session date that does not exist and a lesson over the app's length limit
    are refused in the app's words, naming file, line or code, and the file's own key."""
    milestones = data / "milestones.csv"
    text = milestones.read_text(encoding="utf-8")
    link = "https://exemple.org/r01/autodiagnostic-t0.pdf"
    assert text.count(link) == 1
    milestones.write_text(text.replace(link, "ftp://exemple.org/t0.pdf"), encoding="utf-8")
    cohort = data / "cohort.yaml"
    text = cohort.read_text(encoding="utf-8")
    assert "    date: 2025-10-14\n" in text
    cohort.write_text(text.replace("    date: 2025-10-14\n", '    date: "2025-02-30"\n'), "utf-8")
    lessons = data / "lessons.yaml"
    text = lessons.read_text(encoding="utf-8")
    assert text.count("statement: ") > 0
    lessons.write_text(text.replace("statement: ", "statement: " + "x" * 5000, 1), "utf-8")
    with pytest.raises(ValidationFailed) as caught:
        seed_demo(engine, data_dir=data)
    message = str(caught.value)
    assert (
        "milestones.csv, ligne 2, « evidence_url (Preuve (lien)) » : doit être une adresse web "
        "commençant par http:// ou https://." in message
    ), message
    assert "cohort.yaml, session S1, « date (" in message and "n'existe pas dans le calendrier" in (
        message
    ), message
    assert "lessons.yaml, enseignement L01, « statement (Enseignement) » : texte trop long" in (
        message
    ), message
    assert "pour 4\u202f000 au plus" in message, message
    assert _count(engine, Cohort) == 0 and _count(engine, Network) == 0
