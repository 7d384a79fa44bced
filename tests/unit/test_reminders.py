"""Reminders before sessions: what each lead reads, sent through a real local SMTP server
(aiosmtpd) exactly once, written as .eml files when no server is set, and turned off by the
person."""

from __future__ import annotations

import datetime as dt
import email
import socket
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from dashboard.__main__ import main
from dashboard.core.config import get_settings
from dashboard.core.db import read_scope, session_scope
from dashboard.core.errors import PermissionDenied, ValidationFailed
from dashboard.services import notifications
from models import ProgrammeSession, ReminderLog, User
from tests.factories import make_cohort, make_network, make_session, make_user

BASE = "https://suivi.exemple.org"
SESSION_DAY = dt.date(2026, 3, 20)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def settings_env(monkeypatch, engine_url):
    monkeypatch.setenv("DATABASE_URL", engine_url)
    monkeypatch.setenv("APP_BASE_URL", BASE + "/")
    monkeypatch.setenv("MAIL_FROM", "Animation <animation@exemple.org>")
    monkeypatch.setenv("SECRET_KEY", "cle-de-test-des-rappels")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def smtp(settings_env):
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings_env.setenv("SMTP_HOST", "127.0.0.1")
    settings_env.setenv("SMTP_PORT", str(port))
    settings_env.setenv("SMTP_SECURITY", "none")
    get_settings.cache_clear()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def world(engine):
    cid = make_cohort(engine)
    net = make_network(engine, cid, code="R01", name="Réseau <Alpha> & Cie")
    sid = make_session(engine, cid, code="S3", number=3, date=SESSION_DAY, title="Session 3")
    lead = make_user(
        engine, "lead", network_id=net, full_name="Zoé <b>Martin</b>", email="zoe@exemple.org"
    )
    admin = make_user(engine, "admin", full_name="Sarah Benoît", email="sarah@exemple.org")
    make_user(engine, "steering", email="copil@exemple.org")  # no reminder for this role
    return {"engine": engine, "cohort": cid, "network": net, "session": sid, "lead": lead,
            "admin": admin}  # fmt: skip


def _days_before(n: int) -> dt.date:
    return SESSION_DAY - dt.timedelta(days=n)


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def _logged(engine) -> list[tuple[int, int, int]]:
    with read_scope(engine) as s:
        rows = s.exec(select(ReminderLog)).all()
        return sorted((r.user_id, r.session_id, r.days_before) for r in rows if r.sent_at)


def test_reminder_days_are_whole_days_or_refused_in_french():
    assert notifications.parse_days("10, 3") == [3, 10]
    assert notifications.parse_days("3,3") == [3]
    with pytest.raises(ValidationFailed) as refused:
        notifications.parse_days("10, dix")
    assert "« dix » n'est pas un nombre de jours" in refused.value.message


@pytest.mark.parametrize(
    ("days_left", "expected"), [(11, []), (10, [10, 10]), (9, [10, 10]), (3, [3, 3]), (0, [])]
)
def test_a_reminder_is_due_from_n_days_before_the_session(world, settings_env, days_left, expected):
    due = notifications.due_reminders(world["engine"], as_of=_days_before(days_left))

    assert sorted(r.days_before for r in due) == expected
    assert {r.kind for r in due} == ({"lead", "digest"} if expected else set())


def test_reminders_reach_the_smtp_server_once_even_when_run_twice(world, smtp):
    engine = world["engine"]

    first = notifications.send_due(engine, as_of=_days_before(10))
    second = notifications.send_due(engine, as_of=_days_before(8))

    assert len(first.sent) == 2 and second.sent == [] and second.already_sent == []
    assert len(smtp.messages) == 2
    assert _logged(engine) == sorted(
        [(world["lead"].id, world["session"], 10), (world["admin"].id, world["session"], 10)]
    )
    (mail,) = smtp.to("zoe@exemple.org")
    assert mail["Subject"] == "Session S3 du 20/03/2026 : ce qu'il reste à compléter pour R01"
    assert mail.get_content_type() == "multipart/alternative"
    text, html = _parts(mail)
    assert "Bonjour Zoé <b>Martin</b>," in text
    assert "a lieu le 20/03/2026, dans 10 jours." in text
    assert f"{BASE}/avant-session?reseau=R01" in text
    # What people typed is text in the HTML part, never markup.
    assert "Zoé &lt;b&gt;Martin&lt;/b&gt;" in html and "<b>Martin</b>" not in html
    assert "Réseau &lt;Alpha&gt; &amp; Cie" in html
    token = notifications.unsubscribe_token(world["lead"].id)
    assert mail["List-Unsubscribe"] == f"<{BASE}/auth/desabonnement?jeton={token}>"
    (digest,) = smtp.to("sarah@exemple.org")
    assert digest["Subject"] == "Session S3 du 20/03/2026 : complétude des réseaux"


def test_what_a_lead_is_missing_is_listed_with_links(world, smtp):
    from tests.unit.roadmap_builders import add_values, make_indicator, make_milestone, make_target

    engine = world["engine"]
    net = world["network"]
    ind = make_indicator(engine, code="AGREEMENTS", label="Conventions signées")
    make_target(engine, net, ind, baseline=0, target=4)
    add_values(engine, net, ind, {dt.date(2026, 1, 1): 1}, status="draft")
    make_milestone(engine, net, due=dt.date(2026, 3, 1), title="Signer avec la mairie")

    notifications.send_due(engine, as_of=_days_before(10))

    text = _parts(smtp.to("zoe@exemple.org")[0])[0].replace("\r\n", "\n")
    assert "Jalons en retard (1)\n- Signer avec la mairie (échéance 01/03/2026)" in text
    assert "janvier 2026 : 1 valeur(s) en brouillon" in text
    assert f"{BASE}/indicateurs?mois=2026-01&reseau=R01" in text
    assert "février 2026 : 1 indicateur(s) sans valeur" in text


def test_a_reminder_claimed_by_another_process_is_not_sent_again(world, smtp):
    """Two processes computed the same due list; the first one's log row wins the unique key,
    the second sends nothing for that person."""
    engine = world["engine"]
    due = notifications.due_reminders(engine, as_of=_days_before(3))
    with session_scope(engine) as s:
        s.add(
            ReminderLog(
                user_id=world["lead"].id,
                session_id=world["session"],
                days_before=3,
                recipient="zoe@exemple.org",
                subject="…",
            )
        )

    report = notifications.deliver(engine, due)

    assert [r.user_id for r in report.already_sent] == [world["lead"].id]
    assert smtp.to("zoe@exemple.org") == [] and len(smtp.to("sarah@exemple.org")) == 1


def test_a_message_that_could_not_leave_is_sent_on_the_next_run(world, smtp):
    class Refusing:
        description = "refus"

        def send(self, mail):
            raise OSError("connexion refusée")

        def close(self):
            return None

    engine = world["engine"]
    failed = notifications.send_due(engine, as_of=_days_before(10), transport=Refusing())
    retried = notifications.send_due(engine, as_of=_days_before(10))

    assert len(failed.failed) == 2 and failed.sent == []
    assert len(retried.sent) == 2 and len(smtp.messages) == 2


def test_a_person_turns_reminders_off_on_their_account_or_by_the_link(world, settings_env):
    engine = world["engine"]
    lead, admin = world["lead"], world["admin"]

    notifications.set_reminders(engine, lead, False)
    assert notifications.reminders_enabled(engine, lead) is False
    assert {r.user_id for r in notifications.due_reminders(engine, as_of=_days_before(3))} == {
        admin.id
    }
    notifications.set_reminders(engine, lead, True)
    assert len(notifications.due_reminders(engine, as_of=_days_before(3))) == 2

    forged = f"{admin.id}.{notifications.unsubscribe_token(lead.id).split('.')[1]}"
    assert notifications.unsubscribe(engine, forged) is None
    assert notifications.unsubscribe(engine, "abc") is None
    assert notifications.unsubscribe(engine, notifications.unsubscribe_token(admin.id)) == (
        "Sarah Benoît"
    )
    assert notifications.reminders_enabled(engine, admin) is False
    assert {r.user_id for r in notifications.due_reminders(engine, as_of=_days_before(3))} == {
        lead.id
    }


def test_the_programme_team_previews_then_sends_by_hand_once(world, smtp):
    engine = world["engine"]
    with pytest.raises(PermissionDenied):
        notifications.preview(engine, world["lead"], world["cohort"], as_of=_days_before(20))

    shown = notifications.preview(engine, world["admin"], world["cohort"], as_of=_days_before(20))
    sent = notifications.send_by_hand(
        engine,
        world["admin"],
        world["cohort"],
        user_ids=[world["lead"].id],
        as_of=_days_before(20),
    )
    again = notifications.send_by_hand(
        engine, world["admin"], world["cohort"], user_ids=[world["lead"].id], as_of=_days_before(20)
    )

    assert sorted(r.kind for r in shown) == ["digest", "lead"]
    assert "dans 20 jours" in next(r for r in shown if r.kind == "lead").message.text
    assert [r.user_id for r in sent.sent] == [world["lead"].id]
    assert [r.user_id for r in again.already_sent] == [world["lead"].id]
    assert len(smtp.messages) == 1
    with read_scope(engine) as s:
        row = s.exec(select(ReminderLog)).one()
    assert row.sent_by_id == world["admin"].id


def test_remind_command_without_smtp_writes_eml_files_and_says_so(
    world, settings_env, tmp_path, capsys
):
    settings_env.setenv("SMTP_HOST", "")
    settings_env.setenv("MAIL_FOLDER", str(tmp_path / "boite"))
    get_settings.cache_clear()

    code = main(["remind", "--as-of", _days_before(3).isoformat()])
    again = main(["remind", "--as-of", _days_before(3).isoformat()])

    out = capsys.readouterr().out
    assert code == 0 and again == 0
    assert "Aucun serveur SMTP configuré (SMTP_HOST)" in out
    assert "Rappels du 17/03/2026 : 2 envoyé(s)" in out
    assert "Rappels du 17/03/2026 : 0 envoyé(s)" in out
    files = sorted((tmp_path / "boite").glob("*.eml"))
    assert len(files) == 2
    parsed = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert {str(m["To"]).split("<")[-1].rstrip(">") for m in parsed} == {
        "zoe@exemple.org",
        "sarah@exemple.org",
    }


def test_remind_dry_run_on_the_demo_prints_leads_french_messages_and_records_nothing(
    demo_url, demo_engine, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.setenv("SECRET_KEY", "cle-de-test-des-rappels")
    get_settings.cache_clear()
    try:
        with read_scope(demo_engine) as s:
            s3 = s.exec(select(ProgrammeSession).where(ProgrammeSession.code == "S3")).one()
            leads = s.exec(select(User).where(User.role == "lead")).all()
        day = s3.session_date - dt.timedelta(days=10)
        code = main(["remind", "--dry-run", "--as-of", day.isoformat()])
    finally:
        get_settings.cache_clear()

    out = capsys.readouterr().out
    assert code == 0
    assert f"{len(leads) + 1} rappel(s) à envoyer, rien n'est envoyé ni enregistré" in out
    for lead in leads[:2]:
        assert f"À : {lead.email}" in out
        assert f"Bonjour {lead.full_name}," in out
    assert "Voici ce qu'il reste à compléter pour R07 — Fédération Relais'Aidants" in out
    with read_scope(demo_engine) as s:
        assert s.exec(select(ReminderLog)).all() == []


def test_two_processes_sending_at_the_same_moment_send_each_reminder_once(world, settings_env):
    """Two runs that both computed the same due list deliver at the same time: the log row
    inserted before sending lets exactly one of them send each message."""
    import threading

    engine = world["engine"]
    due = notifications.due_reminders(engine, as_of=_days_before(3))
    delivered: list[str] = []
    start = threading.Barrier(2)

    class Collecting:
        description = "mémoire"

        def send(self, mail):
            delivered.append(mail["To"].addresses[0].addr_spec)

        def close(self):
            return None

    reports = []

    def run():
        start.wait()
        reports.append(notifications.deliver(engine, due, transport=Collecting()))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(delivered) == ["sarah@exemple.org", "zoe@exemple.org"]
    assert sum(len(r.sent) for r in reports) == 2
    assert sum(len(r.already_sent) for r in reports) == 2
    assert all(r.failed == [] for r in reports)
