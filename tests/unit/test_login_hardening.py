"""Logins that hold under bursts: concurrent logins of one account, throttling that parallel
requests cannot get around, limits per client address and for the whole service, bounded form
fields, verification outside the write lock, and the purge of old bookkeeping rows.

Run with ``TEST_DATABASE_URL`` set, every test here also runs on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from dashboard.__main__ import main
from dashboard.auth import accounts as auth
from dashboard.auth import purge
from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from models import AuthSession, LoginAttempt, Network, User
from models.base import utcnow
from tests.factories import PASSWORD, make_cohort, make_network, make_user


@pytest.fixture
def lead(engine):
    net = make_network(engine, make_cohort(engine))
    return make_user(engine, "lead", network_id=net, username="claire")


@pytest.fixture
def counted_verifications(monkeypatch):
    """Every argon2 verification the login runs, counted (thread-safe)."""
    calls: list[str | None] = []
    lock = threading.Lock()
    real_verify = auth._verify

    def counting(password_hash, password):
        with lock:
            calls.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth, "_verify", counting)
    return calls


def _in_parallel(n: int, work):
    """Run ``work(i)`` in ``n`` threads released together; return the results in order."""
    barrier = threading.Barrier(n)

    def start(i):
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(start, range(n)))


def _attempts(engine, **where):
    with session_scope(engine) as s:
        stmt = select(LoginAttempt)
        for column, value in where.items():
            stmt = stmt.where(getattr(LoginAttempt, column) == value)
        return s.exec(stmt).all()


def test_concurrent_logins_of_one_account_all_succeed(engine, lead):
    results = _in_parallel(8, lambda _i: auth.login(engine, "claire", PASSWORD))
    assert all(r.ok for r in results), [r.message for r in results]
    tokens = {r.token for r in results}
    assert len(tokens) == 8
    assert all(auth.resolve_session(engine, tok).username == "claire" for tok in tokens)
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(AuthSession)).one() == 8
        assert s.get(User, lead.id).last_login_at is not None


def test_a_login_does_not_move_the_account_version(engine, lead):
    """An administrator editing the account while its owner logs in keeps their version."""
    with session_scope(engine) as s:
        seen = s.get(User, lead.id).version
    assert auth.login(engine, "claire", PASSWORD).ok
    with session_scope(engine) as s:
        user = s.get(User, lead.id)
        assert user.version == seen and user.last_login_at is not None
        # The edit that was prepared with the version seen before the login still applies.
        edited = s.exec(
            update(User)
            .where(User.id == lead.id, User.version == seen)
            .values(full_name="Claire Modifiée", version=seen + 1)
        ).rowcount
    assert edited == 1


def test_parallel_wrong_passwords_get_no_more_verifications_than_the_limit(
    engine, lead, counted_verifications
):
    results = _in_parallel(50, lambda _i: auth.login(engine, "claire", "mauvais-mot-de-passe"))
    assert not any(r.ok for r in results)
    assert len(counted_verifications) == get_settings().login_max_failures == 10
    refused = [r for r in results if "Trop de tentatives" in r.message]
    assert len(refused) == 40
    assert len(_attempts(engine, username="claire")) == 10
    # Still locked for the right password.
    assert not auth.login(engine, "claire", PASSWORD).ok


def test_unknown_and_known_accounts_get_the_same_lock_message(engine, lead):
    for name in ("claire", "personne"):
        for _ in range(10):
            auth.login(engine, name, "mauvais-mot-de-passe")
    known = auth.login(engine, "claire", "mauvais-mot-de-passe")
    unknown = auth.login(engine, "personne", "mauvais-mot-de-passe")
    assert not known.ok and known.message == unknown.message == auth.t(auth.LOCKED)


def test_spraying_many_accounts_from_one_address_is_limited(engine, lead, counted_verifications):
    names = [f"compte{i}" for i in range(8)]
    results = [
        auth.login(engine, name, f"essai-{guess}", client_address="203.0.113.7")
        for name in names
        for guess in range(9)
    ]
    limit = get_settings().login_max_failures_per_address
    assert len(counted_verifications) == limit == 30
    assert {r.message for r in results[limit:]} == {auth.t(auth.ADDRESS_LOCKED)}
    # Another address, and the real owner of an account, are not locked out by the spray.
    assert auth.login(engine, "claire", PASSWORD, client_address="198.51.100.2").ok


def test_random_unknown_usernames_hit_the_global_limit(
    engine, lead, counted_verifications, monkeypatch
):
    monkeypatch.setenv("LOGIN_MAX_PER_MINUTE", "20")
    get_settings.cache_clear()
    try:
        results = [
            auth.login(engine, f"inconnu-{i}", "x", client_address=f"198.51.100.{i}")
            for i in range(30)
        ]
    finally:
        get_settings.cache_clear()
    assert len(counted_verifications) == 20
    assert {r.message for r in results[20:]} == {auth.t(auth.BUSY)}


@pytest.mark.parametrize(
    "username, password",
    [
        ("a" * 121, PASSWORD),
        ("x" * 1_000_000, PASSWORD),
        ("clai\x00re", PASSWORD),
        ("claire\n", PASSWORD),
        ("claire", "p" * 1025),
    ],
    ids=["121-chars", "1-MB", "NUL", "newline", "long-password"],
)
def test_out_of_bounds_fields_are_refused_before_any_database_work(
    engine, lead, counted_verifications, username, password
):
    result = auth.login(engine, username, password)
    assert not result.ok and result.message == auth.t(auth.GENERIC_FAILURE)
    assert counted_verifications == []
    assert _attempts(engine) == []


def test_a_save_completes_while_a_password_is_being_verified(engine, lead, monkeypatch):
    """argon2 runs outside any write transaction: on SQLite, another person's save does not
    wait for the verification to finish."""
    in_verify, release = threading.Event(), threading.Event()
    real_verify = auth._verify

    def slow_verify(password_hash, password):
        in_verify.set()
        release.wait(60)  # safety net only; the test releases it below
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth, "_verify", slow_verify)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(auth.login, engine, "claire", PASSWORD)
        try:
            assert in_verify.wait(60)
            with session_scope(engine) as s:
                s.get(Network, lead.network_id).name = "Nom enregistré pendant la connexion"
        finally:
            release.set()
        assert pending.result().ok
    with session_scope(engine) as s:
        assert s.get(Network, lead.network_id).name == "Nom enregistré pendant la connexion"


def test_one_time_secret_is_spent_once_under_concurrent_logins(engine, lead):
    with session_scope(engine) as s:
        secret, _ = auth.issue_one_time_secret(s, lead.id, purpose="reset", created_by_id=None)
    results = _in_parallel(6, lambda _i: auth.login(engine, "claire", secret))
    assert sum(r.ok for r in results) == 1
    assert [r.actor.must_change_password for r in results if r.ok] == [True]
    with session_scope(engine) as s:
        user = s.get(User, lead.id)
        assert user.password_hash is None and user.must_change_password


def _age_bookkeeping(engine, now):
    token_old = auth.login(engine, "claire", PASSWORD).token
    token_live = auth.login(engine, "claire", PASSWORD).token
    auth.login(engine, "claire", "mauvais-mot-de-passe")
    with session_scope(engine) as s:
        first, _second = s.exec(select(AuthSession).order_by(AuthSession.id)).all()
        first.expires_at = now - dt.timedelta(days=2)
        s.exec(
            update(LoginAttempt)
            .where(LoginAttempt.success.is_(True))
            .values(attempted_at=now - dt.timedelta(days=8))
        )
    return token_old, token_live


def test_purge_removes_old_attempts_and_ended_sessions(engine, lead):
    now = utcnow()
    _old, live = _age_bookkeeping(engine, now)
    report = auth.purge_auth_records(engine, now=now)
    assert (report.attempts, report.sessions) == (2, 1)
    assert [a.success for a in _attempts(engine)] == [False]  # the recent failure stays
    assert auth.resolve_session(engine, live).username == "claire"


def test_purge_command(engine, engine_url, lead, monkeypatch, capsys):
    _age_bookkeeping(engine, utcnow())
    monkeypatch.setenv("DATABASE_URL", engine_url)
    get_settings.cache_clear()
    try:
        assert main(["purge"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "2 tentatives de connexion" in out and "1 session" in out
    assert len(_attempts(engine)) == 1


def test_logins_purge_at_most_once_per_interval(engine, lead, monkeypatch):
    runs = []
    monkeypatch.setattr(purge, "purge_auth_records", lambda eng, now=None: runs.append(now))
    monkeypatch.setattr(purge, "_last_purge", None)
    for _ in range(3):
        auth.login(engine, "claire", PASSWORD)
    assert len(runs) == 1
    monkeypatch.setattr(purge, "_last_purge", utcnow() - purge.PURGE_EVERY)
    auth.login(engine, "claire", PASSWORD)
    assert len(runs) == 2


def test_a_password_over_the_bound_is_refused_when_chosen(engine, lead):
    actor = auth.login(engine, "claire", PASSWORD).actor
    with pytest.raises(auth.ValidationFailed, match=r"dépasser 1\s024 caractères"):
        auth.change_password(engine, actor, PASSWORD, "n" * 1025)
    with pytest.raises(auth.ValidationFailed, match=r"dépasser 1\s024 caractères"):
        auth.create_user(
            engine, username="nina", full_name="Nina", role="admin", password="n" * 1025
        )
    assert auth.login(engine, "claire", PASSWORD).ok  # the old password still works
