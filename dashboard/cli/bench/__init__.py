"""``python -m dashboard bench``: the app's figures at scale, measured in one run on the same data.

On the demo cohort (12 networks) and a synthetic cohort of ``--networks`` networks
(:mod:`dashboard.seed.synthetic`), in the database given (default: a temporary SQLite file):

- the cohort dashboard page through AppTest, as a steering member sees it: cold (every cache
  emptied, a new session) and warm (a rerun), median of ``--runs`` renders each; next to it the
  floor: the statements the dashboard service sends, replayed on the driver's cursor, and the ratio;
- statements sent per cold render, on the small and on the large cohort;
- bytes of figure data the page sends (Plotly and Vega-Lite messages);
- the CSV (excel_fr) and XLSX exports of the large cohort's values against the fastest plain
  writer of the same rows (``csv.writer``; raw XlsxWriter), with their peak memory (tracemalloc);
- N people saving the same milestone at once (8 on SQLite, 16 on PostgreSQL): p50 and p95 of
  a save, and lost updates (saves accepted but missing from the final row).

Figures are printed (``--json``: one JSON object), never compared with a target here: the
targets and the measured figures are in docs/BENCHMARKS.md. One module per part
(:mod:`.dashboard`, :mod:`.exports`, :mod:`.writers`), each returning its figures as a dict.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dashboard.cli.bench.accounts import bench_accounts
from dashboard.cli.bench.dashboard import measure_dashboard
from dashboard.cli.bench.exports import measure_exports
from dashboard.cli.bench.writers import measure_writers
from dashboard.core.i18n import t

PARTS = ("dashboard", "exports", "writers")


def register(subparsers) -> None:
    """Add the ``bench`` subcommand to ``python -m dashboard``."""
    parser = subparsers.add_parser("bench", help=t("Mesurer l'application à grande échelle"))
    parser.add_argument(
        "--networks",
        type=int,
        default=120,
        metavar="N",
        help=t("réseaux de la cohorte synthétique (par défaut : 120)"),
    )
    parser.add_argument(
        "--months",
        type=int,
        default=60,
        metavar="M",
        help=t("mois de la cohorte (par défaut : 60)"),
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="S", help=t("graine du tirage (par défaut : 0)")
    )
    parser.add_argument(
        "--database-url",
        dest="database_url",
        metavar="URL",
        help=t("base à utiliser (par défaut : une base SQLite temporaire)"),
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=5,
        metavar="R",
        help=t("mesures par chiffre, dont la médiane est retenue (par défaut : 5)"),
    )
    parser.add_argument(
        "--edits",
        type=int,
        default=20,
        metavar="E",
        help=t("enregistrements par personne simultanée (par défaut : 20)"),
    )
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        metavar=t("PARTIES"),
        help=t("parties mesurées, séparées par des virgules (par défaut : {parts})",
               parts=",".join(PARTS)),
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help=t("un objet JSON sur la sortie"))
    parser.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    runs = max(1, args.runs)
    with tempfile.TemporaryDirectory(prefix="bench_") as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite"
        result = run_bench(
            url,
            networks=args.networks,
            months=args.months,
            seed=args.seed,
            runs=runs,
            edits=args.edits,
            workdir=Path(folder),
            progress=(lambda text: print(text, file=sys.stderr, flush=True))
            if args.json
            else print,
            parts=tuple(p.strip() for p in args.parts.split(",") if p.strip()),
        )
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key} : {value}")
    return 0


def run_bench(
    url: str,
    *,
    networks: int,
    months: int,
    seed: int,
    runs: int,
    edits: int,
    workdir: Path,
    progress: Callable[[str], object] | None = None,
    parts: tuple[str, ...] = PARTS,
) -> dict[str, Any]:
    """Prepare the data, measure everything, return the figures as plain data."""
    from dashboard.core.db import make_engine, migrate, refresh_statistics, session_scope
    from dashboard.seed.read import seed_demo
    from dashboard.seed.synthetic import seed_synthetic
    from models import Cohort, IndicatorValue, Network

    say = progress or (lambda _text: None)
    engine = make_engine(url, create=True)
    migrate(engine)
    started = time.perf_counter()
    seed_demo(engine)
    seeded = seed_synthetic(engine, networks, months, seed)  # analyses what it writes
    large = seeded.cohort_code
    if seeded.already_present:  # seeded by an earlier run: its statistics may be stale
        refresh_statistics(engine)
    say(t("Données prêtes en {s} s.", s=f"{time.perf_counter() - started:.1f}"))
    from sqlmodel import col, func, select

    with session_scope(engine) as s:
        values = s.exec(
            select(func.count())
            .select_from(IndicatorValue)
            .join(Network, col(Network.id) == IndicatorValue.network_id)
            .join(Cohort, col(Cohort.id) == Network.cohort_id)
            .where(Cohort.code == large)
        ).one()
    accounts = bench_accounts(engine)
    result: dict[str, Any] = {
        "database": engine.url.get_backend_name(),
        "networks": networks,
        "months": months,
        "indicator_values": int(values),
        "runs": runs,
    }
    if "dashboard" in parts:
        result |= measure_dashboard(engine, url, accounts, large, runs, say)
        say(json.dumps(result, ensure_ascii=False))
    if "exports" in parts:
        say(t("Exports…"))
        result |= measure_exports(engine, large, runs, workdir)
        say(json.dumps(result, ensure_ascii=False))
    if "writers" in parts:
        say(t("Enregistrements simultanés…"))
        result |= measure_writers(engine, accounts, edits)
        say(json.dumps(result, ensure_ascii=False))
    engine.dispose()
    return result


__all__ = ["PARTS", "cmd_bench", "register", "run_bench"]
