"""Two server processes on one database, over HTTP: simultaneous logins of one account all
succeed, and a burst of wrong passwords spread over both processes gets no more password
verifications than the account's limit (throttling is counted in the database)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import select

from dashboard.auth import accounts as auth
from dashboard.core.config import PROJECT_ROOT
from dashboard.core.db import session_scope
from models import AuthSession, LoginAttempt
from tests.factories import PASSWORD, make_cohort, make_network, make_user

# The login routes alone, served by uvicorn as in production (Streamlit serves them the same
# way beside its own routes).
SERVE = """
import sys, uvicorn
from starlette.applications import Starlette
from dashboard.auth.routes import ROUTES
uvicorn.run(Starlette(routes=ROUTES), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_processes(engine, engine_url, tmp_path):
    env = dict(os.environ, DATABASE_URL=engine_url, APP_ENV="test", PYTHONPATH=str(PROJECT_ROOT))
    procs, bases = [], []
    for i in range(2):
        port = _free_port()
        log = open(tmp_path / f"server{i}.log", "w+")  # noqa: SIM115
        procs.append(
            (
                subprocess.Popen(
                    [sys.executable, "-c", SERVE, str(port)],
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
                log,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for (proc, log), base in zip(procs, bases, strict=True):
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/auth/login", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail("Le serveur de test n'a pas démarré :\n" + log.read()[-3000:])
                time.sleep(0.2)
        yield bases
    finally:
        for proc, log in procs:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


@pytest.fixture
def accounts(engine):
    net = make_network(engine, make_cohort(engine))
    make_user(engine, "lead", network_id=net, username="claire")
    make_user(engine, "steering", username="bernard")


def _login_clients(bases: list[str], n: int) -> list[tuple[httpx.Client, str]]:
    """``n`` browsers, alternately on each process, each with its login form's CSRF token."""
    clients = []
    for i in range(n):
        client = httpx.Client(base_url=bases[i % len(bases)], timeout=60)
        page = client.get("/auth/login")
        clients.append((client, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)))
    return clients


def _post_together(clients, username: str, password: str) -> list[httpx.Response]:
    barrier = threading.Barrier(len(clients))

    def post(item):
        client, csrf = item
        barrier.wait()
        return client.post(
            "/auth/login",
            data={"csrf": csrf, "username": username, "password": password, "next": "/"},
        )

    try:
        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            return list(pool.map(post, clients))
    finally:
        for client, _ in clients:
            client.close()


def test_logins_on_two_processes(two_processes, engine, accounts):
    # Simultaneous logins of one account, spread over both processes: all succeed.
    responses = _post_together(_login_clients(two_processes, 10), "claire", PASSWORD)
    assert [r.status_code for r in responses] == [303] * 10
    tokens = [r.cookies.get(auth.SESSION_COOKIE) for r in responses]
    assert all(auth.resolve_session(engine, tok).username == "claire" for tok in tokens)
    with session_scope(engine) as s:
        assert len(s.exec(select(AuthSession)).all()) == 10

    # A burst of wrong passwords for another account: no more verifications than its limit.
    responses = _post_together(_login_clients(two_processes, 30), "bernard", "mauvais-mot")
    assert {r.status_code for r in responses} == {401}
    locked = [r for r in responses if "Trop de tentatives" in r.text]
    with session_scope(engine) as s:
        verified = s.exec(select(LoginAttempt).where(LoginAttempt.username == "bernard")).all()
    assert len(verified) == 10 and len(locked) == 20
