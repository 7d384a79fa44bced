"""Login flood benchmark: how long a person's one-row save takes while anonymous clients send
wrong logins as fast as they can (SQLite file database, real argon2id profile).

Prints p50 / p95 / max of the save, first alone, then during the flood, and how many password
verifications the flood got. By default the per-minute and per-address limits are lifted so
every flood request really verifies a password (the worst case for the save);
``--configured-limits`` keeps the settings' limits instead.

    python bench/bench_login_flood.py
    python bench/bench_login_flood.py --saves 200 --clients 4
    python bench/bench_login_flood.py --configured-limits

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if "--configured-limits" not in sys.argv:
    os.environ["LOGIN_MAX_PER_MINUTE"] = "1000000"
    os.environ["LOGIN_MAX_FAILURES_PER_ADDRESS"] = "1000000"

from sqlalchemy import update  # noqa: E402

from dashboard.auth import accounts  # noqa: E402
from dashboard.core.config import get_settings  # noqa: E402
from dashboard.core.db import make_engine, migrate, session_scope  # noqa: E402
from models import Cohort, Network  # noqa: E402


def _setup(url: str) -> tuple:
    engine = make_engine(url)
    migrate(engine)
    import datetime as dt

    with session_scope(engine) as s:
        cohort = Cohort(
            code="B", name="Banc", start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 9, 30)
        )
        s.add(cohort)
        s.flush()
        net = Network(cohort_id=cohort.id, code="R01", name="Réseau 0")
        s.add(net)
        s.flush()
        return engine, net.id


def _save(engine, network_id: int, i: int) -> float:
    start = time.perf_counter()
    with session_scope(engine) as s:
        s.exec(update(Network).where(Network.id == network_id).values(name=f"Réseau {i}"))
    return (time.perf_counter() - start) * 1000


def _figures(label: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(
        f"{label:<28} n={len(times):>4}  p50={statistics.median(times):8.1f} ms  "
        f"p95={p95:8.1f} ms  max={times[-1]:8.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--configured-limits", action="store_true")
    args = parser.parse_args()
    get_settings.cache_clear()
    with tempfile.TemporaryDirectory() as tmp:
        engine, network_id = _setup(f"sqlite:///{Path(tmp) / 'banc.sqlite'}")
        _save(engine, network_id, 0)  # warm-up
        _figures("save alone", [_save(engine, network_id, i) for i in range(args.saves)])

        stop = threading.Event()
        verified = []
        real_verify = accounts._verify

        def counting(password_hash, password):
            verified.append(1)
            return real_verify(password_hash, password)

        accounts._verify = counting

        def flood():
            while not stop.is_set():
                accounts.login(engine, "anonyme-" + secrets.token_hex(4), "mauvais-mot-de-passe")

        threads = [threading.Thread(target=flood) for _ in range(args.clients)]
        for th in threads:
            th.start()
        time.sleep(1.0)  # let the flood reach its pace
        during = []
        for i in range(args.saves):
            during.append(_save(engine, network_id, i))
            time.sleep(0.02)  # a person saves now and then, not in a tight loop
        stop.set()
        for th in threads:
            th.join()
        accounts._verify = real_verify
        _figures(f"save during {args.clients}-client flood", during)
        print(f"password verifications during the flood: {len(verified)}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
