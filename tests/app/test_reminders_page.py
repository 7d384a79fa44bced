"""The reminder pages: the programme team previews a lead's French message and sends it by
hand (written to the mail folder here), sets the reminder days; a lead turns reminders off on
« Mon compte »."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

import pytest
from sqlmodel import select

from dashboard.core import clock
from dashboard.core.config import get_settings
from dashboard.core.db import make_engine, read_scope
from models import Cohort, ReminderLog, ReminderOptOut, User
from tests.app.conftest import page
from tests.factories import make_session


@pytest.fixture
def outbox(app_db, monkeypatch, tmp_path):
    monkeypatch.setenv("SMTP_HOST", "")
    monkeypatch.setenv("MAIL_FOLDER", str(tmp_path / "boite"))
    monkeypatch.setenv("SECRET_KEY", "cle-de-test-des-rappels")
    get_settings.cache_clear()
    engine = make_engine(app_db)
    with read_scope(engine) as s:
        cohort = s.exec(select(Cohort)).one()
    make_session(
        engine, cohort.id, code="S9", number=9, title="Session de bilan",
        date=clock.today() + dt.timedelta(days=12),
    )  # fmt: skip
    yield engine, tmp_path / "boite"
    engine.dispose()


def test_admin_previews_a_leads_message_and_sends_it_by_hand(login_as, outbox):
    engine, folder = outbox
    at = login_as("admin")
    at.switch_page(page("admin/reminders")).run()
    assert not at.exception

    picker = at.selectbox[-1]
    with read_scope(engine) as s:
        lead = s.exec(select(User).where(User.username == "lead.r07")).one()
    picker.set_value(lead.id).run()
    preview = "\n".join(el.value for el in at.text)
    assert f"Bonjour {lead.full_name}," in preview
    assert "« Session de bilan » (S9)" in preview and "dans 12 jours" in preview
    assert "Voici ce qu'il reste à compléter pour R07" in preview

    next(b for b in at.button if b.label == "Envoyer ce rappel maintenant").click().run()

    assert not at.exception
    assert any("Rappel envoyé à " + lead.email in s.value for s in at.success)
    (written,) = folder.glob("*.eml")
    mail = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert mail["To"].addresses[0].addr_spec == lead.email
    with read_scope(engine) as s:
        logged = s.exec(select(ReminderLog)).one()
    assert logged.user_id == lead.id and logged.sent_at is not None


def test_reminder_days_typed_wrong_are_refused_and_kept(login_as, outbox):
    engine, _folder = outbox
    at = login_as("admin")
    at.switch_page(page("admin/reminders")).run()

    at.text_input[0].set_value("10, dix")  # typed and submitted in the same run (a form)
    next(b for b in at.button if b.label == "Enregistrer").click().run()

    assert any("« dix » n'est pas un nombre de jours" in e.value for e in at.error), [
        e.value for e in at.error
    ]
    assert at.text_input[0].value == "10, dix"
    with read_scope(engine) as s:
        assert s.exec(select(Cohort)).one().reminder_days == "10,3"

    at.text_input[0].set_value("7, 2, 14")
    next(b for b in at.button if b.label == "Enregistrer").click().run()
    with read_scope(engine) as s:
        assert s.exec(select(Cohort)).one().reminder_days == "14,7,2"


def test_a_lead_turns_reminders_off_on_my_account(login_as, outbox):
    engine, _folder = outbox
    at = login_as("lead")
    at.switch_page(page("account/account")).run()

    at.toggle(key="reminders_enabled").set_value(False).run()

    assert any("Vous ne recevrez plus de rappels." in s.value for s in at.success)
    with read_scope(engine) as s:
        lead = s.exec(select(User).where(User.username == "lead.r01")).one()
        assert s.get(ReminderOptOut, lead.id) is not None


def test_the_first_dashboard_load_after_a_session_freezes_it_and_compares_with_it(login_as, app_db):
    from models import Snapshot

    engine = make_engine(app_db)
    with read_scope(engine) as s:
        cohort = s.exec(select(Cohort)).one()
    sid = make_session(
        engine, cohort.id, code="S8", number=8, title="Session d'hier",
        date=clock.today() - dt.timedelta(days=1),
    )  # fmt: skip

    at = login_as("steering")
    at.switch_page(page("cohort/dashboard")).run()
    at.switch_page(page("cohort/dashboard")).run()  # a second load takes nothing more

    assert not at.exception, [e.stack_trace for e in at.exception]
    assert any("Depuis « Session d'hier »" in c.value for c in at.caption)
    with read_scope(engine) as s:
        auto = s.exec(select(Snapshot).where(Snapshot.auto_session_id == sid)).all()
    assert [a.label for a in auto] == ["Session d'hier"]
    engine.dispose()
