"""The programme team's validation queue: bulk validation through the grid state, returning a
value with a reason (which the lead then sees), reopening; closed to every other role."""

from __future__ import annotations

import pytest
from sqlmodel import select

from dashboard.auth.accounts import actor_for
from dashboard.core.db import session_scope
from dashboard.core.i18n import fmt_month_long, fmt_number
from dashboard.services.indicators import review as value_review
from dashboard.ui import get_engine
from models import Cohort, IndicatorValue, Network, User
from tests.app.conftest import page


def _admin_and_cohort():
    with session_scope(get_engine()) as s:
        admin = s.exec(select(User).where(User.role == "admin")).first()
        cohort = s.exec(select(Cohort).where(Cohort.code == "AI-2026")).one()
        return actor_for(admin, None), cohort.id


def _statuses(ids: list[int]) -> dict[int, tuple[str, str | None]]:
    with session_scope(get_engine()) as s:
        rows = s.exec(select(IndicatorValue).where(IndicatorValue.id.in_(ids))).all()
        return {r.id: (r.status, r.return_reason) for r in rows}


def _open(login_as):
    at = login_as("admin")
    at.switch_page(page("admin/validation")).run()
    assert not at.exception
    return at


def test_bulk_validate(login_as):
    at = _open(login_as)
    admin, cohort_id = _admin_and_cohort()
    queue = value_review.validation_queue(get_engine(), admin, cohort_id)
    assert len(queue) > 3
    assert at.tabs[0].label == f"À valider ({fmt_number(len(queue))})"
    picked = [int(i) for i in queue["id"].head(3)]
    at.session_state[f"validation_editor_{cohort_id}_0_0_1_0_0"] = {
        "edited_rows": {0: {"selected": True}, 1: {"selected": True}, 2: {"selected": True}},
        "added_rows": [],
        "deleted_rows": [],
    }
    next(b for b in at.button if b.label == "Valider la sélection").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == "3 valeur(s) validée(s)."
    assert {s for s, _ in _statuses(picked).values()} == {"validated"}
    rest = [int(i) for i in queue["id"].iloc[3:]]
    assert {s for s, _ in _statuses(rest).values()} == {"submitted"}
    assert at.tabs[0].label == f"À valider ({fmt_number(len(queue) - 3)})"


def test_return_with_reason_is_shown_to_the_lead(login_as):
    at = _open(login_as)
    admin, cohort_id = _admin_and_cohort()
    first = value_review.validation_queue(get_engine(), admin, cohort_id).iloc[0]
    assert at.selectbox(key="return_value_0").value == int(first["id"])
    reason = "Le montant ne correspond pas à la convention signée"
    at.text_area(key="return_reason_0").input(reason)
    next(b for b in at.button if b.label == "Renvoyer au réseau").click().run()
    assert not at.exception and not at.error
    assert _statuses([int(first["id"])]) == {int(first["id"]): ("draft", reason)}

    with session_scope(get_engine()) as s:
        code = s.get(Network, int(first["network_id"])).code
    lead = login_as(f"lead.{code.lower()}")
    lead.switch_page(page("lead/indicators")).run()
    assert not lead.exception
    shown = [d.value for d in lead.dataframe if "Motif du retour" in d.value.columns]
    assert reason in list(shown[0]["Motif du retour"])
    todo = login_as(f"lead.{code.lower()}")
    todo.switch_page(page("lead/before_session")).run()
    shown = [d.value for d in todo.dataframe if "Motif du retour" in d.value.columns]
    assert list(shown[0]["Motif du retour"]) == [reason]


def test_return_without_reason_is_refused(login_as):
    at = _open(login_as)
    admin, cohort_id = _admin_and_cohort()
    first = value_review.validation_queue(get_engine(), admin, cohort_id).iloc[0]
    next(b for b in at.button if b.label == "Renvoyer au réseau").click().run()
    assert "Motif" in at.error[0].value
    assert _statuses([int(first["id"])]) == {int(first["id"]): ("submitted", None)}


def test_reopen_a_validated_value(login_as):
    at = _open(login_as)
    admin, cohort_id = _admin_and_cohort()
    with session_scope(get_engine()) as s:
        network_id = s.exec(select(Network.id).where(Network.code == "R01")).one()
    at.selectbox(key="validation_network").set_value(network_id).run()
    validated = value_review.validation_queue(
        get_engine(), admin, cohort_id, status="validated", network_id=network_id
    )
    target = int(validated.iloc[0]["id"])
    assert at.selectbox(key="reopen_value_0").value == target
    at.text_area(key="reopen_reason_0").input("Erreur de saisie signalée par le réseau")
    next(b for b in at.button if b.label == "Rouvrir").click().run()
    assert not at.exception and not at.error
    assert _statuses([target]) == {target: ("draft", "Erreur de saisie signalée par le réseau")}


@pytest.mark.parametrize("who", ["lead", "steering", "ministry"])
def test_other_roles_cannot_open_the_queue(login_as, who):
    at = login_as(who)
    with pytest.raises(ValueError):
        at.switch_page(page("admin/validation")).run()


def test_queue_is_filtered_by_month_and_paged(login_as):
    at = _open(login_as)
    admin, cohort_id = _admin_and_cohort()
    queue = value_review.validation_queue(get_engine(), admin, cohort_id)
    month = sorted(set(queue["period_start"]))[-1]
    at.selectbox(key="validation_month").set_value(month).run()
    assert not at.exception
    in_month = queue[queue["period_start"] == month]
    assert at.tabs[0].label == f"À valider ({fmt_number(len(in_month))})"
    grid = at.dataframe[0].value
    assert len(grid) == min(len(in_month), value_review.PAGE_SIZE)
    assert set(grid["month"]) == {fmt_month_long(month)}
    assert at.number_input(key="validation_page").max == -(-len(in_month) // 100)
