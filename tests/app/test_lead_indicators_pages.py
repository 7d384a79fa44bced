"""Lead pages for indicators: « Avant la prochaine session » on a demo network, a month of
values saved through the grid state, invalid values refused in French, and maturity."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import func, select

from dashboard.auth.accounts import actor_for
from dashboard.core import clock
from dashboard.core.db import session_scope
from dashboard.core.i18n import fmt_month_long
from dashboard.services.indicators import values as iv
from dashboard.services.reporting import before_session
from dashboard.ui import get_engine
from models import (
    ChangeLog,
    IndicatorValue,
    MaturityAssessment,
    MaturityScore,
    Network,
    User,
)
from models.enums import MaturityAxis
from tests.app.conftest import page

MARCH = dt.date(2026, 3, 1)


def _network(code: str) -> tuple[int, object]:
    """The demo network's id and an admin actor to compute expectations with."""
    with session_scope(get_engine()) as s:
        net = s.exec(select(Network).where(Network.code == code)).one()
        admin = s.exec(select(User).where(User.role == "admin")).first()
        return net.id, actor_for(admin, None)


def _frame_with(at, column: str) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with a « {column} » column"
    return frames[0]


def _stored(network_id: int, month: dt.date) -> dict[int, tuple[float, str]]:
    with session_scope(get_engine()) as s:
        rows = s.exec(
            select(IndicatorValue).where(
                IndicatorValue.network_id == network_id, IndicatorValue.period_start == month
            )
        ).all()
        return {r.indicator_id: (r.value, r.status) for r in rows}


def _log_count() -> int:
    with session_scope(get_engine()) as s:
        return s.exec(select(func.count()).select_from(ChangeLog)).one()


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_before_session_lists_r07_items(login_as, monkeypatch):
    today = dt.date(2026, 5, 1)
    monkeypatch.setattr(clock, "today", lambda: today)
    at = login_as("lead.r07")
    at.switch_page(page("lead/before_session")).run()
    assert not at.exception

    net_id, admin = _network("R07")
    grid = iv.value_grid(get_engine(), admin, net_id, as_of=today)
    have = set(zip(grid["values"]["indicator_id"], grid["values"]["period_start"], strict=True))
    months = clock.months_between(dt.date(2025, 10, 1), before_session.last_complete_month(today))
    expected_missing = {
        m: sum((i, m) not in have for i in grid["indicators"]["indicator_id"]) for m in months
    }
    expected_missing = {m: n for m, n in expected_missing.items() if n}
    assert expected_missing, "R07 has months without values in the demo"

    missing = _frame_with(at, "Indicateurs sans valeur")
    assert dict(zip(missing["Mois"], missing["Indicateurs sans valeur"], strict=True)) == {
        fmt_month_long(m): n for m, n in expected_missing.items()
    }
    todo = before_session.before_session(get_engine(), admin, net_id, as_of=today)
    milestones = _frame_with(at, "Jalon")
    assert list(milestones["Jalon"]) == list(todo["milestones"]["title"])
    assert "S4" in at.info[0].value
    links = [e.proto for e in at.get("page_link")]
    targets = {(link.label, link.query_string) for link in links}
    for m in expected_missing:
        assert (f"Saisir {fmt_month_long(m)}", f"mois={m:%Y-%m}&reseau=R07") in targets


def _open_indicators(login_as, who: str, month: dt.date):
    at = login_as(who)
    at.switch_page(page("lead/indicators")).run()
    net_id, admin = _network("R07")
    at.selectbox(key=f"indicator_month_{net_id}").set_value(month).run()
    assert not at.exception
    sheet = iv.month_sheet(iv.value_grid(get_engine(), admin, net_id), month)
    return at, net_id, sheet, f"values_editor_{net_id}_{month:%Y%m}_0"


def test_lead_saves_a_month_of_values(login_as):
    at, net_id, sheet, key = _open_indicators(login_as, "lead.r07", MARCH)
    assert _stored(net_id, MARCH) == {}  # R07 left March empty
    rows = sheet.head(6)
    # February's value carried over: valid for its unit, never a cumulative decrease.
    edits = {int(i): {"value": float(v)} for i, v in zip(rows.index, rows["previous_value"],
                                                         strict=True)}  # fmt: skip
    at.session_state[key] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    _button(at, "Enregistrer en brouillon").click().run()
    assert not at.exception
    assert not at.error
    assert "6 nouvelle(s) valeur(s)" in at.success[0].value
    assert _stored(net_id, MARCH) == {
        int(r.indicator_id): (float(r.previous_value), "draft") for r in rows.itertuples()
    }


def test_invalid_values_show_french_errors_and_store_nothing(login_as):
    at, net_id, sheet, key = _open_indicators(login_as, "lead.r07", MARCH)
    by_code = {c: i for i, c in zip(sheet.index, sheet["code"], strict=True)}
    logs = _log_count()
    at.session_state[key] = {
        "edited_rows": {
            by_code["PRIVATE_RESOURCES_SHARE"]: {"value": 150},
            by_code["AGREEMENTS_SIGNED"]: {"value": 2.5},
            by_code["TRUST_SCORE"]: {"value": 3},
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer et soumettre à validation").click().run()
    assert not at.exception
    message = at.error[0].value
    assert "Rien n'a été enregistré" in message
    assert "pourcentage est compris entre 0 et 100" in message
    assert "nombre entier positif ou nul" in message
    assert _stored(net_id, MARCH) == {} and _log_count() == logs
    assert not at.success


def test_validated_value_is_locked_for_the_lead(login_as):
    april = dt.date(2026, 4, 1)
    at, net_id, sheet, key = _open_indicators(login_as, "lead.r07", april)
    before = _stored(net_id, april)
    assert set(s for _, s in before.values()) == {"validated"}
    at.session_state[key] = {"edited_rows": {0: {"value": 99}}, "added_rows": [],
                             "deleted_rows": []}  # fmt: skip
    _button(at, "Enregistrer en brouillon").click().run()
    assert "verrouillée" in at.error[0].value
    assert _stored(net_id, april) == before


@pytest.mark.parametrize("who", ["lead.r07", "admin"])
def test_maturity_page_saves_an_assessment(login_as, who):
    at = login_as(who)
    at.switch_page(page("lead/maturity")).run()
    assert not at.exception
    net_id, _ = _network("R07") if who == "lead.r07" else _network("R01")
    session_id = at.selectbox(key=f"maturity_session_{net_id}").value
    assessor = "self" if who == "lead.r07" else "facilitator"
    prefix = f"maturity_{assessor}_{net_id}_{session_id}_0"
    for n, box in enumerate(b for b in at.selectbox if b.key.startswith(prefix)):
        box.set_value(1 + n % 4)
    at.text_input(key=f"{prefix}_vision_evidence").input("Projet associatif revu en 2026")
    at.button(key=f"FormSubmitter:{prefix}-Enregistrer : " + (
        "Auto-diagnostic" if assessor == "self" else "Regard de l'équipe d'animation")
    ).click().run()  # fmt: skip
    assert not at.exception and not at.error
    with session_scope(get_engine()) as s:
        row = s.exec(
            select(MaturityAssessment).where(
                MaturityAssessment.network_id == net_id,
                MaturityAssessment.session_id == session_id,
                MaturityAssessment.assessor == assessor,
            )
        ).one()
        scores = {
            sc.axis: (sc.level, sc.evidence)
            for sc in s.exec(select(MaturityScore).where(MaturityScore.assessment_id == row.id))
        }
    assert {a: lvl for a, (lvl, _) in scores.items()} == {
        axis.value: 1 + n % 4 for n, axis in enumerate(MaturityAxis)
    }
    assert scores["vision"][1] == "Projet associatif revu en 2026"
    assert "enregistré" in at.success[0].value
