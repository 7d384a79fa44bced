"""Synthetic cohorts: a network's targets, scaled from one of the demo networks, and its typed
values month by month, following each indicator's accumulation rule from baseline towards the
network's own share of its target (the derived indicators are counted by the writer)."""

from __future__ import annotations

import datetime as dt
import math
import random

from dashboard.core.clock import add_months, month_end
from dashboard.core.i18n import t
from dashboard.seed.derive import DERIVED_CODES

LAST_MONTH = dt.date(2026, 12, 1)  # the synthetic cohort's month in progress (not yet reported)


def _rounded(indicator: dict, value: float) -> float:
    low, high = indicator["scale_min"], indicator["scale_max"]
    if low is not None:
        value = max(low, value)
    if high is not None:
        value = min(high, value)
    if indicator["unit"] in ("count", "persons"):
        return float(math.floor(value))
    if indicator["unit"] == "eur":
        return float(round(value, -2))
    return round(value, 1)


def draw_targets_and_values(
    d: dict,
    rng: random.Random,
    net: str,
    template: list[dict],
    indicators: dict[str, dict],
    start: dt.date,
    months: int,
    data_day: dt.date,
) -> None:
    """Targets scaled from a demo network; typed values month by month (the derived indicators
    are counted by the writer for every month reported)."""
    size = rng.uniform(0.5, 3.0)
    reach = rng.choice([0.4, 0.7, 0.9, 1.0, 1.1, 1.3])  # share of its target a network reaches
    reported = months - 1
    # Months missed in the middle (never the first nor the last reported month).
    middle = range(1, reported - 1)
    missing = set(rng.sample(middle, k=min(len(middle), rng.randint(1, 3))))
    if rng.random() >= 0.1:
        missing = set()  # about one network in ten misses whole months
    for tg in template:
        ind = indicators[tg["indicator"]]
        scaled = ind["unit"] in ("eur", "count", "persons", "hours") and ind["scale_max"] is None
        factor = size if scaled else 1.0
        baseline = _rounded(ind, (tg["baseline_value"] or 0) * factor)
        target = _rounded(ind, (tg["target_value"] or 0) * factor)
        row = {
            "network": net,
            "indicator": tg["indicator"],
            "baseline_value": baseline,
            "baseline_date": start,
            "target_value": target,
            "target_date": month_end(LAST_MONTH),
        }
        if rng.random() < 0.1 and target > baseline:
            revised = _rounded(ind, baseline + (target - baseline) * 0.8)
            row |= {
                "initial_target_value": target,
                "target_value": revised,
                "revision_reason": t("Cible revue à mi-parcours."),
            }
        d["targets"].append(row)
        if tg["indicator"] not in DERIVED_CODES:
            _monthly_values(d, rng, net, ind, (baseline, target), reach, missing, start, reported)


def _monthly_values(
    d: dict,
    rng: random.Random,
    net: str,
    ind: dict,
    span: tuple[float, float],
    reach: float,
    missing: set[int],
    start: dt.date,
    reported: int,
) -> None:
    """One indicator's typed values from ``start``, month by month, from baseline towards
    ``reach`` of its target (``span``); the last month reported a draft, the two before
    submitted, the rest validated."""
    baseline, target = span
    total = 0.0
    for m in range(reported):
        if m in missing:
            continue
        share = (m + 1) / reported * reach
        if ind["accumulation"] == "per_period":
            value = target / 9 * rng.uniform(0.6, 1.4) * reach
        elif ind["accumulation"] == "cumulative":
            total = max(total, baseline + (target - baseline) * share * rng.uniform(0.9, 1.0))
            value = total
        else:
            value = (
                baseline
                + (target - baseline) * share
                + rng.gauss(0, 0.03) * (abs(target - baseline) or 1)
            )
        status = "draft" if m == reported - 1 else "submitted" if m >= reported - 3 else (
            "validated"
        )  # fmt: skip
        d["values"].append(
            {
                "network": net,
                "indicator": ind["code"],
                "period": None,
                "period_start": add_months(start, m),
                "value": _rounded(ind, value),
                "status": status,
                "comment": None,
            }
        )
