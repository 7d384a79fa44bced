"""What a person types is stored as typed or refused with a French message, never turned into
0, today or empty: letters in an indicator value, texts over their limit, a date typed in the
stage form or in the milestones grid, a future « Réalisé le », a save without change, a stage
preselected by default, and the confirmation after a first password."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import func, select

from dashboard.auth import accounts as auth
from dashboard.auth.accounts import actor_for
from dashboard.core import clock
from dashboard.core.db import session_scope
from dashboard.core.i18n import fmt_number, t
from dashboard.services import roadmap
from dashboard.services.admin import users as admin_users
from dashboard.services.indicators import values as iv
from dashboard.services.roadmap import milestones
from dashboard.ui import TOKEN_KEY, get_engine
from models import (
    Alliance,
    AllianceStageChange,
    ChangeLog,
    IndicatorValue,
    Lesson,
    Milestone,
    Network,
    Objective,
    User,
)
from tests.app.conftest import APP, page

TODAY = dt.date(2026, 5, 1)  # inside the demo cohort


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def _ids(code: str) -> tuple[int, object, object]:
    """The demo network's id, its lead and the programme team."""
    with session_scope(get_engine()) as s:
        net = s.exec(select(Network).where(Network.code == code)).one()
        lead = s.exec(select(User).where(User.network_id == net.id)).first()
        admin = s.exec(select(User).where(User.role == "admin")).first()
        return net.id, actor_for(lead, net), actor_for(admin, None)


def _count(model, *where) -> int:
    with session_scope(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def _errors(at) -> str:
    return "\n".join(e.value for e in at.error)


# ------------------------------------------------------------------------- indicator grid


def _free_cell(code: str, unit: str | None = None):
    """A month and an indicator (its position in the grid) with no value yet, and a previous
    month's value unless ``unit`` is asked for: (network id, month, sheet, position)."""
    net_id, _, admin = _ids(code)
    grid = iv.value_grid(get_engine(), admin, net_id, as_of=TODAY)
    for month in reversed(grid["months"]):
        sheet = iv.month_sheet(grid, month)
        wanted = sheet["unit"] == unit if unit else sheet["previous_value"].notna()
        free = sheet[sheet["value"].isna() & wanted]
        if not free.empty:
            return net_id, month, sheet, int(free.index[0])
    raise AssertionError("the demo network has a month left to fill in")


def _submitted_value(code: str):
    """A value the lead submitted for a month with no value yet: (network id, month, sheet,
    position of the indicator in the grid, the stored value)."""
    net_id, month, sheet, pos = _free_cell(code)
    _, lead, _ = _ids(code)
    entry = {
        "indicator_id": int(sheet.loc[pos, "indicator_id"]),
        "period_start": month,
        "value": float(sheet.loc[pos, "previous_value"]),
        "comment": "Même valeur que le mois précédent",
        "version": None,
    }
    iv.save_values(get_engine(), lead, net_id, [entry], submit=True, as_of=TODAY)
    return net_id, month, sheet, pos, entry["value"]


def _stored_value(net_id: int, indicator_id: int, month: dt.date) -> tuple[float, str, int]:
    with session_scope(get_engine()) as s:
        row = s.exec(
            select(IndicatorValue).where(
                IndicatorValue.network_id == net_id,
                IndicatorValue.indicator_id == indicator_id,
                IndicatorValue.period_start == month,
            )
        ).one()
        return row.value, row.status, row.version


def _open_month(login_as, code: str, net_id: int, month: dt.date):
    at = login_as(f"lead.{code.lower()}")
    at.switch_page(page("lead/indicators")).run()
    at.selectbox(key=f"indicator_month_{net_id}").set_value(month).run()
    assert not at.exception
    return at, f"values_editor_{net_id}_{month:%Y%m}_0"


def test_letters_in_a_value_cell_are_refused_and_the_submitted_value_stays(login_as):
    net_id, month, sheet, pos, value = _submitted_value("R07")
    indicator_id = int(sheet.loc[pos, "indicator_id"])
    before = _stored_value(net_id, indicator_id, month)
    assert before[:2] == (value, "submitted")
    logs = _count(ChangeLog)
    at, key = _open_month(login_as, "R07", net_id, month)
    at.session_state[key] = {
        "edited_rows": {pos: {"value": "abc"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer en brouillon").click().run()
    assert not at.exception
    shown = _errors(at)
    assert "Rien n'a été enregistré" in shown
    assert (
        f"Ligne {pos + 1} (« {sheet.loc[pos, 'label']} »" in shown
        and "« Valeur » : « abc » n'est pas un nombre" in shown
    ), shown
    assert not at.success
    assert _stored_value(net_id, indicator_id, month) == before  # still submitted, same value
    assert _count(ChangeLog) == logs
    assert at.session_state[key]["edited_rows"][pos] == {"value": "abc"}  # kept on screen


def test_a_french_number_is_stored_as_typed(login_as):
    net_id, month, sheet, other = _free_cell("R07", unit="eur")
    at, key = _open_month(login_as, "R07", net_id, month)
    previous = sheet.loc[other, "previous_value"]
    previous = 0 if pd.isna(previous) else int(previous)
    typed = f"{previous + 1000:,}".replace(",", " ") + ",5"  # e.g. « 12 500,5 »
    at.session_state[key] = {
        "edited_rows": {other: {"value": typed}},
        "added_rows": [],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer en brouillon").click().run()
    assert not at.exception and not at.error, _errors(at)
    expected = float(typed.replace(" ", "").replace(",", "."))
    stored = _stored_value(net_id, int(sheet.loc[other, "indicator_id"]), month)
    assert stored[:2] == (expected, "draft")


def test_saving_the_grid_without_change_says_so(login_as):
    net_id, month, _, _, _ = _submitted_value("R07")
    at, _ = _open_month(login_as, "R07", net_id, month)
    logs = _count(ChangeLog)
    _button(at, "Enregistrer en brouillon").click().run()
    assert not at.exception and not at.error
    assert not at.success
    assert any(i.value.startswith("Aucune modification") for i in at.info)
    assert _count(ChangeLog) == logs


# ---------------------------------------------------------------------------- long texts


def test_a_lesson_over_its_limit_is_kept_and_refused_as_too_long(login_as):
    net_id, _, _ = _ids("R01")
    before = _count(Lesson)
    at = login_as("lead")
    at.switch_page(page("lead/lessons")).run()
    text = ("Les partenaires viennent quand on parle de leur métier. " * 90).strip()  # 5 039
    area = next(a for a in at.text_area if a.label == "Enseignement")
    area.input(text)
    _button(at, "Enregistrer l'enseignement").click().run()
    assert not at.exception
    too_long = t(
        "« Enseignement » : texte trop long : {n} caractères pour {limit} au plus.",
        n=fmt_number(len(text)),
        limit=fmt_number(4000),
    )
    assert too_long in _errors(at), _errors(at)
    assert "obligatoire" not in _errors(at)
    assert next(a for a in at.text_area if a.label == "Enseignement").value == text
    assert _count(Lesson) == before


def test_an_objective_title_over_its_limit_is_kept_and_refused(login_as):
    net_id, _, _ = _ids("R01")
    before = _count(Objective, Objective.network_id == net_id)
    at = login_as("lead")
    at.switch_page(page("lead/objectives")).run()
    title = "Essaimer " + "x" * 241  # 250 characters
    next(w for w in at.text_input if w.label == "Intitulé").input(title)
    _button(at, "Ajouter l'objectif").click().run()
    assert not at.exception
    assert "« Intitulé » : texte trop long : 250 caractères pour 200 au plus." in _errors(at)
    assert next(w for w in at.text_input if w.label == "Intitulé").value == title
    assert _count(Objective, Objective.network_id == net_id) == before


# ---------------------------------------------------------------------------- stage form


def _open_alliance(login_as):
    net_id, _, admin = _ids("R01")
    alliances = roadmap.list_alliances(get_engine(), admin, net_id)
    movable = next(
        r
        for _, r in alliances.iterrows()
        if roadmap.allowed_transitions(r["stage"], r["resume_stage"])
        and r["stage_changed_on"] <= TODAY
    )
    at = login_as("lead")
    at.switch_page(page("lead/alliances")).run()
    at.selectbox(key=f"alliance_pick_{net_id}").set_value(int(movable["id"])).run()
    assert not at.exception
    return at, int(movable["id"]), movable


def _stage_of(alliance_id: int) -> tuple[str, int]:
    with session_scope(get_engine()) as s:
        row = s.get(Alliance, alliance_id)
        changes = s.exec(
            select(func.count())
            .select_from(AllianceStageChange)
            .where(AllianceStageChange.alliance_id == alliance_id)
        ).one()
        return row.stage, changes


def test_no_stage_is_preselected_one_click_changes_nothing(login_as):
    at, alliance_id, _ = _open_alliance(login_as)
    before = _stage_of(alliance_id)
    box = next(s for s in at.selectbox if s.label == "Nouvelle étape")
    assert box.value is None
    _button(at, "Changer d'étape").click().run()
    assert not at.exception
    assert "« Nouvelle étape » : choisissez une étape." in _errors(at)
    assert not at.success
    assert _stage_of(alliance_id) == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/12/2099", "« Date » : le 31/12/2099 est dans le futur (aujourd'hui : 01/05/2026)."),
        ("32/01/2026", "« Date » : « 32/01/2026 » n'existe pas dans le calendrier."),
        ("demain", "« Date » : « demain » n'est pas une date (jj/mm/aaaa)."),
    ],
)
def test_a_bad_stage_date_is_refused_and_kept(login_as, typed, message):
    at, alliance_id, movable = _open_alliance(login_as)
    before = _stage_of(alliance_id)
    target = roadmap.allowed_transitions(movable["stage"], movable["resume_stage"])[0]
    next(s for s in at.selectbox if s.label == "Nouvelle étape").set_value(target)
    next(w for w in at.text_input if w.label == "Date").input(typed)
    _button(at, "Changer d'étape").click().run()
    assert not at.exception
    assert message in _errors(at)
    assert not at.success
    assert _stage_of(alliance_id) == before
    assert next(w for w in at.text_input if w.label == "Date").value == typed


def test_a_stage_date_typed_jj_mm_aaaa_is_stored(login_as):
    at, alliance_id, movable = _open_alliance(login_as)
    target = roadmap.allowed_transitions(movable["stage"], movable["resume_stage"])[0]
    day = max(movable["stage_changed_on"], dt.date(2026, 4, 3))
    next(s for s in at.selectbox if s.label == "Nouvelle étape").set_value(target)
    next(w for w in at.text_input if w.label == "Date").input(day.strftime("%d/%m/%Y"))
    _button(at, "Changer d'étape").click().run()
    assert not at.exception and not at.error, _errors(at)
    with session_scope(get_engine()) as s:
        row = s.get(Alliance, alliance_id)
        assert (row.stage, row.stage_changed_on) == (target, day)


# ------------------------------------------------------------------------ milestones grid


def _open_milestones(login_as):
    net_id, _, admin = _ids("R01")
    at = login_as("lead")
    at.switch_page(page("lead/milestones")).run()
    assert not at.exception
    grid = milestones.milestone_grid(get_engine(), admin, net_id, as_of=TODAY).rows
    return at, net_id, grid, f"milestones_grid_{net_id}_0"


def _milestones(net_id: int) -> list[tuple]:
    with session_scope(get_engine()) as s:
        rows = s.exec(select(Milestone).where(Milestone.network_id == net_id)).all()
        return sorted((r.id, r.version, r.status, r.due_date, r.done_date) for r in rows)


def test_a_future_done_date_is_refused_with_its_reason_not_emptied(login_as):
    at, net_id, grid, key = _open_milestones(login_as)
    pos = next(i for i, s in enumerate(grid["status"]) if s != "done")
    before, logs = _milestones(net_id), _count(ChangeLog)
    at.session_state[key] = {
        "edited_rows": {pos: {"status": "done", "done_date": "31/12/2099"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer les jalons").click().run()
    assert not at.exception
    shown = _errors(at)
    assert "« Réalisé le » : le 31/12/2099 est dans le futur" in shown, shown
    assert "obligatoire" not in shown
    assert _milestones(net_id) == before and _count(ChangeLog) == logs
    assert at.session_state[key]["edited_rows"][pos]["done_date"] == "31/12/2099"


def test_grid_dates_are_read_and_typed_jj_mm_aaaa(login_as):
    at, net_id, grid, key = _open_milestones(login_as)
    shown = next(d.value for d in at.dataframe if "late" in d.value.columns)
    assert list(shown["due_date"]) == [d.strftime("%d/%m/%Y") for d in grid["due_date"]]
    pos = next(i for i, s in enumerate(grid["status"]) if s != "done")
    at.session_state[key] = {
        "edited_rows": {pos: {"due_date": "04/03/2027"}},  # 4 March, not April 3
        "added_rows": [],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer les jalons").click().run()
    assert not at.exception and not at.error, _errors(at)
    with session_scope(get_engine()) as s:
        assert s.get(Milestone, int(grid["id"][pos])).due_date == dt.date(2027, 3, 4)


# ------------------------------------------------------------------------- first password


def test_first_password_is_confirmed_and_leads_to_the_home_page(login_as):
    from streamlit.testing.v1 import AppTest

    admin_at = login_as("admin")
    assert not admin_at.exception
    _, _, admin = _ids("R01")
    access = admin_users.invite_user(
        get_engine(), admin, full_name="Camille Copil", email="camille@exemple.fr", role="steering"
    )
    result = auth.login(get_engine(), access.username, access.secret)
    assert result.ok, result.message
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = result.token
    at.run()
    assert at.title[0].value == "Mon compte"
    fields = {w.label: w for w in at.text_input}
    fields["Nouveau mot de passe"].input("camille-choisit-2026")
    fields["Confirmer le nouveau mot de passe"].input("camille-choisit-2026")
    _button(at, "Enregistrer le nouveau mot de passe").click().run()
    assert not at.exception
    assert at.title[0].value == "Accueil"
    assert at.success[0].value.startswith("Votre mot de passe est enregistré")
    assert auth.login(get_engine(), access.username, "camille-choisit-2026").ok


# ------------------------------------------------------------------------- targets grid


def test_letters_in_a_target_are_refused_nothing_is_stored(login_as):
    from dashboard.services.indicators import targets as indicator_targets
    from models import IndicatorTarget

    at = login_as("admin")
    at.switch_page(page("admin/indicators")).run()
    assert not at.exception
    _, _, admin = _ids("R01")
    net_id = int(next(s for s in at.selectbox if s.label == "Réseau").value)  # shown first
    targets = indicator_targets.network_targets(get_engine(), admin, net_id)
    pos = next(i for i, f in enumerate(targets["followed"]) if f)
    key = f"targets_{net_id}_0"

    def stored():
        with session_scope(get_engine()) as s:
            rows = s.exec(select(IndicatorTarget).where(IndicatorTarget.network_id == net_id))
            return sorted((r.id, r.version, r.target_value, r.baseline_date) for r in rows)

    before = stored()
    at.session_state[key] = {
        "edited_rows": {pos: {"target_value": "beaucoup"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer les cibles").click().run()
    assert not at.exception
    assert "« Cible » : « beaucoup » n'est pas un nombre" in _errors(at), _errors(at)
    assert stored() == before


def test_a_session_date_typed_in_the_grid_is_parsed_or_refused(login_as):
    from models import Cohort, ProgrammeSession

    at = login_as("admin")
    at.switch_page(page("admin/cohorts")).run()
    assert not at.exception
    with session_scope(get_engine()) as s:
        cohort = s.exec(select(Cohort)).first()
        sessions = s.exec(
            select(ProgrammeSession)
            .where(ProgrammeSession.cohort_id == cohort.id)
            .order_by(ProgrammeSession.session_date, ProgrammeSession.id)
        ).all()
        code, first = cohort.code, sessions[0]
        before = (first.id, first.version, first.session_date)
    key = f"sessions_{code}_0"
    at.session_state[key] = {
        "edited_rows": {0: {"session_date": "32/13/2026"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer les sessions").click().run()
    assert not at.exception
    assert "« Date » : « 32/13/2026 » n'existe pas dans le calendrier." in _errors(at)
    with session_scope(get_engine()) as s:
        row = s.get(ProgrammeSession, before[0])
        assert (row.id, row.version, row.session_date) == before


def test_messages_name_a_field_as_its_form_label(login_as):
    net_id, _, _ = _ids("R01")
    before = _count(Objective, Objective.network_id == net_id)
    at = login_as("lead")
    at.switch_page(page("lead/objectives")).run()
    next(w for w in at.text_input if w.label == "Intitulé").input("Essaimer")
    area = next(a for a in at.text_area if a.label == "Description (facultatif)")
    area.input("x" * 4001)
    _button(at, "Ajouter l'objectif").click().run()
    assert not at.exception
    assert "« Description (facultatif) » : texte trop long" in _errors(at), _errors(at)
    assert _count(Objective, Objective.network_id == net_id) == before


def test_progress_is_typed_text_letters_refused_percent_kept(login_as):
    at, net_id, grid, key = _open_milestones(login_as)
    pos = next(i for i, s in enumerate(grid["status"]) if s in ("planned", "in_progress"))
    before = _milestones(net_id)
    at.session_state[key] = {
        "edited_rows": {pos: {"progress": "beaucoup"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer les jalons").click().run()
    assert not at.exception
    assert "« Avancement (%) » : « beaucoup » n'est pas un nombre" in _errors(at), _errors(at)
    assert _milestones(net_id) == before
    at.session_state[key] = {
        "edited_rows": {pos: {"progress": "60 %"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer les jalons").click().run()
    assert not at.exception and not at.error, _errors(at)
    with session_scope(get_engine()) as s:
        assert s.get(Milestone, int(grid["id"][pos])).progress == 60


def test_letters_in_a_member_count_are_refused_not_zero(login_as):
    from models import Cohort

    at = login_as("admin")
    at.switch_page(page("admin/cohorts")).run()
    assert not at.exception
    with session_scope(get_engine()) as s:
        code = s.exec(select(Cohort)).first().code
        cohort_id = s.exec(select(Cohort)).first().id
        before = sorted(
            (n.id, n.version, n.member_count)
            for n in s.exec(select(Network).where(Network.cohort_id == cohort_id))
        )
    at.session_state[f"networks_{code}_0"] = {
        "edited_rows": {0: {"member_count": "beaucoup"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    _button(at, "Enregistrer les réseaux").click().run()
    assert not at.exception
    assert "« Associations membres » : « beaucoup » n'est pas un nombre" in _errors(at), _errors(at)
    with session_scope(get_engine()) as s:
        after = sorted(
            (n.id, n.version, n.member_count)
            for n in s.exec(select(Network).where(Network.cohort_id == cohort_id))
        )
    assert after == before


def test_a_snapshot_label_over_its_limit_is_kept_and_refused(login_as):
    from models import Snapshot

    before = _count(Snapshot)
    at = login_as("admin")
    at.switch_page(page("cohort/snapshots")).run()
    label = "Session " + "x" * 242  # 250 characters
    at.text_input(key="snapshot_label").input(label)
    _button(at, "Figer l'état de la cohorte").click().run()
    assert not at.exception
    assert (
        "« Libellé (unique dans la cohorte) » : texte trop long : 250 caractères pour 200 au plus."
        in _errors(at)
    ), _errors(at)
    assert at.text_input(key="snapshot_label").value == label
    assert _count(Snapshot) == before


def _peer_partner() -> int:
    from models import Partner

    with session_scope(get_engine()) as s:
        return s.exec(select(Partner.id).where(Partner.family == "peer")).first()


def test_a_new_alliance_with_a_future_start_date_is_refused(login_as):
    net_id, _, _ = _ids("R01")
    before = _count(Alliance, Alliance.network_id == net_id)
    at = login_as("lead")
    at.switch_page(page("lead/alliances")).run()
    next(w for w in at.text_input if w.label == "Intitulé").input("Alliance future")
    partner = at.selectbox(key="alliance_new_0_partner")
    partner.set_value(_peer_partner())
    next(w for w in at.text_input if w.label == "Depuis le").input("31/12/2099")
    _button(at, "Ajouter l'alliance").click().run()
    assert not at.exception
    assert "« Depuis le » : le 31/12/2099 est dans le futur" in _errors(at), _errors(at)
    assert next(w for w in at.text_input if w.label == "Depuis le").value == "31/12/2099"
    assert _count(Alliance, Alliance.network_id == net_id) == before
