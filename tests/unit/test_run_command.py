"""``python -m dashboard run``: stopping the command stops the server and frees the port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _wait_healthy(port: int, proc: subprocess.Popen, deadline_s: float = 90) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("the server did not answer on /_stcore/health")


def test_stopping_the_run_command_stops_the_server_and_frees_the_port(tmp_path):
    port = _free_port()
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite'}",
        PYTHONPATH=str(ROOT),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "run", "--port", str(port), "--address", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_healthy(port, proc)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        end = time.monotonic() + 30
        while not _port_is_free(port) and time.monotonic() < end:
            time.sleep(0.5)
        assert _port_is_free(port), "a server is still listening after the command stopped"
        first_line = (proc.stdout.readline() if proc.stdout else "").strip()
        assert (
            first_line == f"Application servie sur http://127.0.0.1:{port} (Ctrl+C pour l'arrêter)."
        )
    finally:
        if proc.poll() is None:
            proc.kill()
