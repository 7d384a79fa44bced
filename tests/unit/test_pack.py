"""The steering committee's pack, read back as a person would: the PDF's text (pypdf) and its
pages rendered to PNG (pdftoppm).

One demo world per backend for the module: the committee's pack is printed once through the
command line and a lead's pack once through the service (a PDF takes tens of seconds: Chromium
draws the charts, WeasyPrint lays out the pages); every test then reads those files.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader
from sqlmodel import Session, select

from dashboard.__main__ import main
from dashboard.core.config import get_settings
from dashboard.core.db import make_engine, session_scope
from dashboard.core.errors import NotFound
from dashboard.core.i18n import fmt_date, fmt_number, fmt_percent
from dashboard.services.pack import (
    ExportEngineMissing,
    build_pack,
    esc,
    french,
    pick_session,
)
from dashboard.services.reporting import cohorts, snapshots
from dashboard.services.reporting.cohort_dashboard import cohort_dashboard
from models import Cohort, Lesson, Network
from tests.conftest import BACKENDS, DEMO_AS_OF, _database_url
from tests.unit.import_files import actor

MARKUP = "Avec <b>Fédération Relais'Aidants</b> & ses pairs : un « vrai » partage !"


@dataclass
class World:
    url: str
    cohort_id: int
    networks: pd.DataFrame  # code, name, acronym
    steering_pdf: bytes  # printed by the command line (steering committee's rights)
    lead_pdf: bytes  # printed by the service for lead.r01, the cohort anonymised for leads
    pdf_path: Path


def _text(pdf: bytes) -> list[str]:
    """Each page's text, no-break spaces read as spaces."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return [re.sub(r"[\u00a0\u202f]", " ", p.extract_text()) for p in pages]


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, templates, tmp_path_factory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("pack")
    database = _database_url(templates, request.param, "demo", folder)
    url = next(database)
    engine = make_engine(url)
    patch = pytest.MonkeyPatch()
    try:
        with session_scope(engine) as s:
            cohort = s.exec(select(Cohort).where(Cohort.code == "AI-2026")).one()
            cohort_id = cohort.id
            lesson = s.exec(select(Lesson).where(Lesson.visibility == "cohort")).first()
            lesson.statement = MARKUP  # a shared lesson naming a network, with markup
            s.add(lesson)
        with Session(engine) as s:
            rows = s.exec(
                select(Network.code, Network.name, Network.acronym).where(
                    Network.cohort_id == cohort_id
                )
            ).all()
        networks = pd.DataFrame(rows, columns=["code", "name", "acronym"])

        patch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        out = folder / "dossier.pdf"
        args = ["report", "--cohort", "AI-2026", "--out", str(out), "--as-of", str(DEMO_AS_OF)]
        assert main([*args, "--session", "S3"]) == 0
        steering_pdf = out.read_bytes()

        with session_scope(engine) as s:
            cohort = s.get(Cohort, cohort_id)
            cohort.anonymise_for_leads = True
            s.add(cohort)
        lead = actor(engine, "lead.r01")
        lead_pdf = build_pack(engine, lead, cohort_id, session_code="S3", as_of=DEMO_AS_OF).pdf
        yield World(url, cohort_id, networks, steering_pdf, lead_pdf, out)
    finally:
        patch.undo()
        get_settings.cache_clear()
        engine.dispose()
        with contextlib.suppress(StopIteration):
            next(database)


def test_every_network_has_its_page_in_the_committee_pack(world):
    pages = _text(world.steering_pdf)
    for code, name in zip(world.networks["code"], world.networks["name"], strict=True):
        own = [p for p in pages if p.lstrip().startswith(f"{code} — {name}")]
        assert len(own) == 1, f"{code}: {len(own)} page(s)"
        assert "Feuille de route" in own[0] and "Indicateurs clés face à la cible" in own[0]
    contents = next(p for p in pages if p.lstrip().startswith("Sommaire"))
    assert all(name in contents for name in world.networks["name"])


def test_cover_names_the_cohort_the_session_and_the_day(world):
    cover = _text(world.steering_pdf)[0]
    assert "Dossier du comité de pilotage" in cover
    assert "(AI-2026)" in cover
    assert "S3 — Session 3" in cover
    assert f"Établi le {fmt_date(DEMO_AS_OF)}" in cover


def test_headline_figures_are_the_dashboards(world):
    engine = make_engine(world.url)
    try:
        committee = actor(engine, "copil")
        # The dashboard service as the committee reads it (the cohort is anonymised for leads
        # only by now: the committee still sees every name).
        head = cohort_dashboard(engine, committee, world.cohort_id, as_of=DEMO_AS_OF).headline
    finally:
        engine.dispose()
    page = next(p for p in _text(world.steering_pdf) if p.lstrip().startswith("Chiffres clés"))
    expected = {
        "Réseaux": fmt_number(head["networks"]),
        "Jalons réalisés": f"{fmt_number(head['milestones_done'])} / {fmt_number(head['milestones'])}",
        "Jalons en retard": fmt_number(head["milestones_late"]),
        "Alliances signées": fmt_number(head["alliances_signed"]),
        "Contrat-alliance": fmt_percent(head["alliance_logic_share"]).replace("\u00a0", " "),
        "Valeurs à valider": fmt_number(head["values_awaiting_validation"]).replace("\u202f", " "),
    }
    for label, value in expected.items():
        assert f"{value}\n{label}" in page, f"{label}: {value} not printed"


def test_every_page_has_its_number_and_the_date(world):
    pages = _text(world.steering_pdf)
    assert len(pages) > len(world.networks) + 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} / {len(pages)}" in text
        if number > 1:  # the cover says it in full
            assert f"établi le {fmt_date(DEMO_AS_OF)}" in text


def test_user_text_is_printed_as_text_with_french_spacing(world):
    # The pages' text as extracted, no-break spaces kept (only ordinary breaks are joined).
    pages = PdfReader(io.BytesIO(world.steering_pdf)).pages
    flat = re.sub(r"[ \t\r\n]+", " ", "\n".join(p.extract_text() for p in pages))
    assert (
        "Avec <b>Fédération Relais'Aidants</b> & ses pairs\u00a0: un «\u00a0vrai\u00a0» "
        "partage\u202f!" in flat
    )


def test_a_lead_of_an_anonymised_cohort_reads_no_other_networks_name(world):
    text = "\n".join(_text(world.lead_pdf))
    flat = re.sub(r"\s+", " ", text)
    own = world.networks[world.networks["code"] == "R01"].iloc[0]
    assert own["name"] in flat
    others = world.networks[world.networks["code"] != "R01"]
    for name in others["name"]:
        assert name not in flat, f"{name} printed in an anonymised lead's pack"
    for acronym in others["acronym"].dropna():
        assert not re.search(rf"\b{re.escape(acronym)}\b", flat), acronym
    assert "Réseau A" in flat
    assert "réseau anonymisé : chiffres agrégés seulement" in flat
    # The shared lesson naming another network is still there, the name replaced.
    assert "Avec <b>Réseau " in flat


def test_pages_render_to_png_and_none_is_blank(world, tmp_path):
    pages = len(PdfReader(io.BytesIO(world.steering_pdf)).pages)
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(world.pdf_path), str(tmp_path / "page")],
        check=True,
        timeout=300,
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    for image in images:
        grey = Image.open(image).convert("L")
        dark = sum(grey.histogram()[:200])  # pixels clearly darker than the paper
        assert dark > 200, f"{image.name} is blank"


def test_the_charts_are_vector_images_with_their_french_words(world):
    text = "\n".join(_text(world.steering_pdf))
    # Chart titles and axis words are drawn as text (SVG), not pixels.
    for words in ("Jalons par réseau et par statut", "Nombre de jalons", "Chronologie des jalons"):
        assert words in text


def test_a_missing_export_engine_is_one_french_sentence(world, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "chromium"))
    engine = make_engine(world.url)
    try:
        with pytest.raises(ExportEngineMissing) as refused:
            build_pack(engine, actor(engine, "copil"), world.cohort_id, as_of=DEMO_AS_OF)
    finally:
        engine.dispose()
    assert "Le moteur d'export des graphiques est introuvable" in refused.value.message
    assert str(tmp_path / "chromium") in refused.value.message
    out = tmp_path / "x.pdf"
    assert main(["report", "--cohort", "AI-2026", "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("Le moteur d'export des graphiques est introuvable")
    assert "Traceback" not in err and not out.exists()


def test_bad_arguments_exit_2_with_a_french_message(world, tmp_path, capsys):
    assert main(["report", "--cohort", "NOPE", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "Cohorte « NOPE » introuvable." in capsys.readouterr().err
    assert main(["report", "--cohort", "AI-2026", "--out", str(tmp_path / "x.txt")]) == 2
    assert "doit finir par .pdf" in capsys.readouterr().err
    assert main(["report", "--cohort", "AI-2026", "--out", str(tmp_path / "no" / "x.pdf")]) == 2
    assert "son dossier n'existe pas" in capsys.readouterr().err
    code = ["report", "--cohort", "AI-2026", "--session", "S9", "--out", str(tmp_path / "x.pdf")]
    assert main(code) == 2
    assert "La session « S9 » n'existe pas dans cette cohorte" in capsys.readouterr().err


def test_the_session_defaults_to_the_next_one():
    sessions = pd.DataFrame(
        {
            "code": ["S1", "S2", "S3"],
            "session_date": [
                pd.Timestamp(d).date() for d in ("2026-07-01", "2026-09-01", "2026-12-01")
            ],
        }
    )
    day = pd.Timestamp("2026-10-01").date()
    assert pick_session(sessions, None, day)["code"] == "S3"
    assert pick_session(sessions, "s2", day)["code"] == "S2"
    assert pick_session(sessions, None, pd.Timestamp("2027-01-01").date())["code"] == "S3"
    with pytest.raises(NotFound, match="S9"):
        pick_session(sessions, "S9", day)


def test_what_changed_compares_the_previous_sessions_snapshot(world):
    engine = make_engine(world.url)
    try:
        committee = actor(engine, "copil")
        listed = snapshots.list_snapshots(engine, committee, world.cohort_id)
        sessions = cohorts.cohort_sessions(engine, committee, world.cohort_id)
        day = sessions.loc[sessions["code"] == "S3", "session_date"].iloc[0]
        taken = pd.to_datetime(listed["taken_at"], utc=True).dt.date
        previous = listed[taken < day].sort_values("taken_at").iloc[-1]  # the last before S3
        # S3 already held (the demo's whole storyline): up to its own snapshot, else to now.
        own = listed[listed["session_code"] == "S3"]
        after_id = int(own.iloc[0]["id"]) if not own.empty else None
        diff = snapshots.compare_snapshots(
            engine,
            committee,
            world.cohort_id,
            before_id=int(previous["id"]),
            after_id=after_id,
            as_of=DEMO_AS_OF,
        )
    finally:
        engine.dispose()
    page = next(p for p in _text(world.steering_pdf) if p.lstrip().startswith("Ce qui a changé"))
    assert f"Depuis « {previous['label']} »" in page
    assert f"jusqu'à « {diff.after_label} »" in page
    total = diff.cohort
    assert f"{fmt_number(total['milestones_done'])}\nJalons réalisés" in page
    assert f"{fmt_number(total['stage_changes'])}\nChangements d'étape" in page
    assert f"{fmt_number(total['indicators_improved'])}\nIndicateurs en progrès" in page


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Avancement : 42 %", "Avancement\u00a0: 42\u00a0%"),
        ("Avancement: 42", "Avancement\u00a0: 42"),
        ("Vraiment ? Oui ; non !", "Vraiment\u202f? Oui\u202f; non\u202f!"),
        ("Quoi ?!", "Quoi\u202f?!"),
        ("«Bonjour»", "«\u00a0Bonjour\u00a0»"),
        ("à 14:30, https://exemple.fr/?a=1", "à 14:30, https://exemple.fr/?a=1"),
    ],
)
def test_french_spacing(typed, printed):
    assert french(typed) == printed


def test_user_text_is_escaped_for_html():
    assert esc("<script>x</script> & « y »") == (
        "&lt;script&gt;x&lt;/script&gt; &amp; «\u00a0y\u00a0»"
    )
