"""Indicator values: the lead's grid (save, submit, bounds, cumulative decrease, locking,
conflicts, change log) and the programme team's validation queue."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import func, select

from dashboard.core.db import session_scope
from dashboard.core.errors import ConflictError, PermissionDenied, ValidationFailed
from dashboard.services.indicators import review
from dashboard.services.indicators import values as iv
from models import ChangeLog, IndicatorValue
from tests.factories import make_cohort, make_network, make_user
from tests.unit import roadmap_builders as builders

AS_OF = dt.date(2026, 3, 15)
OCT, NOV, DEC, JAN = (dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1),
                      dt.date(2026, 1, 1))  # fmt: skip

CATALOGUE = {
    # code: (unit, accumulation, scale_min, scale_max)
    "PCT": ("percent", "level", None, None),
    "CNT": ("count", "cumulative", None, None),
    "EUR": ("eur", "cumulative", None, None),
    "HRS": ("hours", "cumulative", None, None),
    "PERS": ("persons", "per_period", None, None),
    "SCORE": ("score", "level", 1, 5),
    "FORMS": ("count", "level", 0, 6),
    "UNFOLLOWED": ("count", "level", None, None),
}


def make_indicator(engine, code, unit, accumulation="level", scale_min=None, scale_max=None):
    """A catalogue indicator named after its code (not a key one)."""
    return builders.make_indicator(
        engine,
        code=code,
        unit=unit,
        accumulation=accumulation,
        is_key=False,
        label=f"Indicateur {code}",
        position=len(code),
        scale_min=scale_min,
        scale_max=scale_max,
    )


def follow(engine, network_id, indicator_id, *, baseline=0.0, target=10.0):
    """The network follows the indicator from 0 to 10 over the cohort."""
    return builders.make_target(engine, network_id, indicator_id, baseline=baseline, target=target)


@pytest.fixture
def world(engine):
    cohort = make_cohort(engine)
    net_a = make_network(engine, cohort, code="RA")
    net_b = make_network(engine, cohort, code="RB")
    ids = {code: make_indicator(engine, code, *spec) for code, spec in CATALOGUE.items()}
    for code, ind in ids.items():
        if code != "UNFOLLOWED":
            follow(engine, net_a, ind)
    follow(engine, net_b, ids["CNT"])
    return {
        "engine": engine,
        "cohort": cohort,
        "a": net_a,
        "b": net_b,
        "ind": ids,
        "lead_a": make_user(engine, "lead", network_id=net_a, full_name="Alice Référente"),
        "lead_b": make_user(engine, "lead", network_id=net_b),
        "admin": make_user(engine, "admin", full_name="Anne Animation"),
        "steering": make_user(engine, "steering"),
        "ministry": make_user(engine, "ministry"),
    }


def entry(ind, month, value, *, comment=None, version=None, url=None):
    return {
        "indicator_id": ind,
        "period_start": month,
        "value": value,
        "comment": comment,
        "evidence_url": url,
        "version": version,
    }


def stored(engine, network_id=None):
    with session_scope(engine) as s:
        stmt = select(IndicatorValue)
        if network_id is not None:
            stmt = stmt.where(IndicatorValue.network_id == network_id)
        return {
            (r.indicator_id, r.period_start): (r.value, r.status, r.version, r.return_reason)
            for r in s.exec(stmt)
        }


def log_count(engine) -> int:
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(ChangeLog)).one()


def version_of(engine, ind, month, network_id):
    with session_scope(engine) as s:
        return s.exec(
            select(IndicatorValue.version).where(
                IndicatorValue.indicator_id == ind,
                IndicatorValue.period_start == month,
                IndicatorValue.network_id == network_id,
            )
        ).one()


def save(w, who, entries, *, network=None, submit=False):
    return iv.save_values(
        w["engine"], w[who], w[network or "a"], entries, submit=submit, as_of=AS_OF
    )


# --- the lead's grid ---------------------------------------------------------------------------


def test_save_draft_then_submit(world):
    w, ind = world, world["ind"]
    counts = save(w, "lead_a", [entry(ind["PCT"], OCT, 12.5, comment="Bilan"),
                                entry(ind["CNT"], OCT, 3)])  # fmt: skip
    assert counts == {"created": 2, "updated": 0, "deleted": 0, "submitted": 0}
    assert stored(w["engine"]) == {
        (ind["PCT"], OCT): (12.5, "draft", 1, None),
        (ind["CNT"], OCT): (3.0, "draft", 1, None),
    }

    grid = iv.value_grid(w["engine"], w["lead_a"], w["a"], as_of=AS_OF)
    assert grid["months"] == [OCT, NOV, DEC, JAN, dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert set(grid["indicators"]["code"]) == set(CATALOGUE) - {"UNFOLLOWED"}
    sheet = iv.month_sheet(grid, OCT).set_index("code")
    assert sheet.loc["PCT", "value"] == 12.5 and sheet.loc["PCT", "status"] == "draft"
    assert sheet.loc["PCT", "comment"] == "Bilan" and sheet.loc["PCT", "version"] == 1
    assert pd.isna(sheet.loc["EUR", "version"]) and pd.isna(sheet.loc["EUR", "value"])
    rows = [
        entry(r.indicator_id, OCT, r.value, comment=r.comment, version=r.version)
        for r in iv.month_sheet(grid, OCT).itertuples()
    ]
    counts = save(w, "lead_a", rows, submit=True)
    assert counts["submitted"] == 2 and counts["created"] == 0
    assert {v[1] for v in stored(w["engine"]).values()} == {"submitted"}

    matrix, statuses = iv.overview_matrix(iv.value_grid(w["engine"], w["lead_a"], w["a"],
                                                        as_of=AS_OF))  # fmt: skip
    assert matrix.loc[ind["CNT"], OCT] == 3.0 and statuses.loc[ind["CNT"], OCT] == "submitted"
    assert pd.isna(matrix.loc[ind["CNT"], NOV])  # no value yet


def test_change_log_rows_written_with_the_change(world):
    w, ind = world, world["ind"]
    save(w, "lead_a", [entry(ind["PCT"], OCT, 10, comment="Premier relevé")])
    save(w, "lead_a", [entry(ind["PCT"], OCT, 11, comment="Premier relevé", version=1)])
    with session_scope(w["engine"]) as s:
        rows = s.exec(select(ChangeLog).order_by(ChangeLog.id)).all()
        logged = [(r.action, r.field, r.before, r.after, r.user_id, r.network_id) for r in rows]
    lead = w["lead_a"].id
    assert ("create", "value", None, "10", lead, w["a"]) in logged
    assert ("create", "comment", None, "Premier relevé", lead, w["a"]) in logged
    assert ("update", "value", "10", "11", lead, w["a"]) in logged
    assert all(r[0] != "update" or r[1] != "comment" for r in logged)  # unchanged: not logged


@pytest.mark.parametrize(
    ("code", "value", "accepted"),
    [
        ("PCT", 0, True),
        ("PCT", 100, True),
        ("PCT", -1, False),
        ("PCT", 100.5, False),
        ("CNT", 4, True),
        ("CNT", -1, False),
        ("CNT", 2.5, False),
        ("PERS", 12, True),
        ("PERS", 1.5, False),
        ("PERS", -3, False),
        ("EUR", 1500.75, True),
        ("EUR", -0.01, False),
        ("HRS", 7.5, True),
        ("HRS", -1, False),
        ("SCORE", 1, True),
        ("SCORE", 5, True),
        ("SCORE", 0.5, False),
        ("SCORE", 5.5, False),
        ("FORMS", 6, True),
        ("FORMS", 7, False),
    ],
)
def test_unit_bounds(world, code, value, accepted):
    w = world
    rows = [entry(w["ind"][code], OCT, value)]
    if accepted:
        save(w, "lead_a", rows)
        assert stored(w["engine"])[(w["ind"][code], OCT)][0] == value
        return
    with pytest.raises(ValidationFailed) as err:
        save(w, "lead_a", rows)
    message = err.value.errors[0]
    assert f"Indicateur {code}" in message and "Valeur" in message and "octobre 2025" in message
    assert stored(w["engine"]) == {} and log_count(w["engine"]) == 0


@pytest.mark.parametrize("bad", ["N/A", "douze", True, float("inf")])
def test_values_are_typed_numbers(world, bad):
    with pytest.raises(ValidationFailed) as err:
        save(world, "lead_a", [entry(world["ind"]["PCT"], OCT, bad)])
    assert "Valeur" in err.value.errors[0] and "nombre" in err.value.errors[0]
    assert stored(world["engine"]) == {}


def test_evidence_link_must_be_a_web_address(world):
    with pytest.raises(ValidationFailed) as err:
        save(world, "lead_a", [entry(world["ind"]["PCT"], OCT, 5, url="javascript:alert(1)")])
    assert "Lien de preuve" in err.value.errors[0]
    save(world, "lead_a", [entry(world["ind"]["PCT"], OCT, 5, url="https://exemple.org/bilan")])
    assert len(stored(world["engine"])) == 1


def test_months_outside_the_cohort_or_in_the_future_are_refused(world):
    ind = world["ind"]["PCT"]
    for month in (dt.date(2025, 9, 1), dt.date(2026, 4, 1)):
        with pytest.raises(ValidationFailed) as err:
            save(world, "lead_a", [entry(ind, month, 5)])
        assert "Mois" in err.value.errors[0]
    assert stored(world["engine"]) == {}


def test_cumulative_decrease_needs_a_comment(world):
    w, cnt = world, world["ind"]["CNT"]
    save(w, "lead_a", [entry(cnt, OCT, 5), entry(cnt, NOV, 6)])
    with pytest.raises(ValidationFailed) as err:
        save(w, "lead_a", [entry(cnt, DEC, 4)])
    assert "cumul" in err.value.errors[0] and "commentaire" in err.value.errors[0]
    assert (cnt, DEC) not in stored(w["engine"])
    # The same decrease inside one batch is caught against the batch's own previous month.
    with pytest.raises(ValidationFailed):
        save(w, "lead_a", [entry(cnt, DEC, 8), entry(cnt, JAN, 7)])
    save(w, "lead_a", [entry(cnt, DEC, 4, comment="Deux conventions résiliées")])
    assert stored(w["engine"])[(cnt, DEC)][0] == 4
    # A level indicator may go down freely.
    pct = w["ind"]["PCT"]
    save(w, "lead_a", [entry(pct, OCT, 40), entry(pct, NOV, 30)])
    assert stored(w["engine"])[(pct, NOV)][0] == 30


def test_clearing_a_draft_deletes_it_with_a_log_row(world):
    w, pct = world, world["ind"]["PCT"]
    save(w, "lead_a", [entry(pct, OCT, 40)])
    counts = save(w, "lead_a", [entry(pct, OCT, None, version=1)])
    assert counts["deleted"] == 1 and stored(w["engine"]) == {}
    with session_scope(w["engine"]) as s:
        actions = s.exec(select(ChangeLog.action)).all()
    assert "delete" in actions


def test_forged_cross_network_writes_are_refused(world):
    w = world
    save(w, "lead_b", [entry(w["ind"]["CNT"], OCT, 2)], network="b")
    before, logs = stored(w["engine"]), log_count(w["engine"])
    with pytest.raises(PermissionDenied):
        save(w, "lead_a", [entry(w["ind"]["CNT"], OCT, 9, version=1)], network="b")
    with pytest.raises(PermissionDenied):
        iv.value_grid(w["engine"], w["lead_a"], w["b"], as_of=AS_OF)
    value_id = _value_id(w["engine"], w["ind"]["CNT"], OCT, w["b"])
    with pytest.raises(ValidationFailed):
        iv.submit_values(w["engine"], w["lead_a"], w["a"], [{"id": value_id, "version": 1}])
    with pytest.raises(ValidationFailed) as err:  # an indicator network A does not follow
        save(w, "lead_a", [entry(w["ind"]["UNFOLLOWED"], OCT, 1)])
    assert "n'est pas suivi" in err.value.errors[0]
    for who in ("steering", "ministry"):
        with pytest.raises(PermissionDenied):
            save(w, who, [entry(w["ind"]["CNT"], OCT, 9)])
    assert stored(w["engine"]) == before and log_count(w["engine"]) == logs


def test_stale_version_conflict_names_who_and_keeps_their_value(world):
    w, pct = world, world["ind"]["PCT"]
    save(w, "lead_a", [entry(pct, OCT, 10)])
    save(w, "admin", [entry(pct, OCT, 20, version=1)])
    logs = log_count(w["engine"])
    with pytest.raises(ConflictError) as err:
        save(w, "lead_a", [entry(pct, OCT, 30, version=1)])
    assert "Anne Animation" in err.value.message
    assert stored(w["engine"])[(pct, OCT)][0] == 20 and log_count(w["engine"]) == logs
    # A value someone created while the user looked at an empty cell is a conflict too.
    save(w, "admin", [entry(pct, NOV, 20)])
    with pytest.raises(ConflictError):
        save(w, "lead_a", [entry(pct, NOV, 25, version=None)])


def test_failed_batch_rolls_back_values_and_change_log(world):
    w, ind = world, world["ind"]
    save(w, "lead_a", [entry(ind["PCT"], OCT, 10)])
    save(w, "admin", [entry(ind["PCT"], OCT, 11, version=1)])
    before, logs = stored(w["engine"]), log_count(w["engine"])
    # First entry valid and written, second one stale: the whole batch is undone.
    with pytest.raises(ConflictError):
        save(w, "lead_a", [entry(ind["CNT"], OCT, 3), entry(ind["PCT"], OCT, 12, version=1)])
    assert stored(w["engine"]) == before and log_count(w["engine"]) == logs
    # One invalid row: nothing at all is written, every problem is listed.
    with pytest.raises(ValidationFailed) as err:
        save(w, "lead_a", [entry(ind["CNT"], NOV, 3), entry(ind["PCT"], NOV, 140),
                           entry(ind["SCORE"], NOV, 9)])  # fmt: skip
    assert len(err.value.errors) == 2
    assert stored(w["engine"]) == before and log_count(w["engine"]) == logs


def test_closed_cohort_is_read_only(world):
    w = world
    with session_scope(w["engine"]) as s:
        from models import Cohort

        s.get(Cohort, w["cohort"]).status = "closed"
    with pytest.raises(PermissionDenied) as err:
        save(w, "lead_a", [entry(w["ind"]["PCT"], OCT, 5)])
    assert "clôturée" in err.value.message


# --- validation queue --------------------------------------------------------------------------


def _value_id(engine, ind, month, network_id):
    with session_scope(engine) as s:
        return s.exec(
            select(IndicatorValue.id).where(
                IndicatorValue.indicator_id == ind,
                IndicatorValue.period_start == month,
                IndicatorValue.network_id == network_id,
            )
        ).one()


@pytest.fixture
def submitted(world):
    w, ind = world, world["ind"]
    save(w, "lead_a", [entry(ind["CNT"], OCT, 2), entry(ind["PCT"], OCT, 8)], submit=True)
    save(w, "lead_a", [entry(ind["CNT"], NOV, 4)], submit=True)
    save(w, "lead_b", [entry(ind["CNT"], OCT, 1)], network="b", submit=True)
    return w


def test_queue_groups_by_network_and_month_with_context(submitted):
    w, ind = submitted, submitted["ind"]
    queue = review.validation_queue(w["engine"], w["admin"], w["cohort"])
    assert list(zip(queue["network_code"], queue["period_start"], queue["indicator_code"],
                    strict=True)) == [("RA", OCT, "CNT"), ("RA", OCT, "PCT"),
                                      ("RA", NOV, "CNT"), ("RB", OCT, "CNT")]  # fmt: skip
    nov = queue[(queue["network_code"] == "RA") & (queue["period_start"] == NOV)].iloc[0]
    assert nov["previous_value"] == 2 and nov["target_value"] == 10 and nov["value"] == 4
    assert pd.isna(queue.iloc[0]["previous_value"])  # October: the first month
    only_b = review.validation_queue(w["engine"], w["admin"], w["cohort"], network_id=w["b"])
    assert list(only_b["network_code"]) == ["RB"]
    assert ind["CNT"] in set(only_b["indicator_id"])


def test_bulk_validate(submitted):
    w = submitted
    queue = review.validation_queue(w["engine"], w["admin"], w["cohort"])
    items = [{"id": int(r.id), "version": int(r.version)} for r in queue.itertuples()]
    assert review.validate_values(w["engine"], w["admin"], items) == len(items)
    assert {v[1] for v in stored(w["engine"]).values()} == {"validated"}
    assert review.validation_queue(w["engine"], w["admin"], w["cohort"]).empty
    validated = review.validation_queue(w["engine"], w["admin"], w["cohort"], status="validated")
    assert len(validated) == len(items)
    # The lead cannot change a validated value any more.
    cnt = w["ind"]["CNT"]
    with pytest.raises(ValidationFailed) as err:
        save(w, "lead_a", [entry(cnt, OCT, 3, version=version_of(w["engine"], cnt, OCT, w["a"]))])
    assert "verrouillée" in err.value.errors[0]
    assert stored(w["engine"], w["a"])[(cnt, OCT)][0] == 2


def test_bulk_validate_is_all_or_nothing_on_a_stale_row(submitted):
    w = submitted
    queue = review.validation_queue(w["engine"], w["admin"], w["cohort"])
    items = [{"id": int(r.id), "version": int(r.version)} for r in queue.itertuples()]
    items[-1]["version"] -= 1
    with pytest.raises(ConflictError):
        review.validate_values(w["engine"], w["admin"], items)
    assert {v[1] for v in stored(w["engine"]).values()} == {"submitted"}


def test_return_with_reason_then_lead_sees_it(submitted):
    from dashboard.services.reporting.before_session import before_session

    w, cnt = submitted, submitted["ind"]["CNT"]
    value_id = _value_id(w["engine"], cnt, NOV, w["a"])
    version = version_of(w["engine"], cnt, NOV, w["a"])
    with pytest.raises(ValidationFailed) as err:
        review.return_value(w["engine"], w["admin"], value_id, version, "   ")
    assert "Motif" in err.value.errors[0]
    reason = "Le cumul ne correspond pas au bilan trimestriel"
    review.return_value(w["engine"], w["admin"], value_id, version, reason)
    assert stored(w["engine"], w["a"])[(cnt, NOV)][1:] == ("draft", version + 1, reason)
    todo = before_session(w["engine"], w["lead_a"], w["a"], as_of=AS_OF)
    assert list(todo["returned"]["return_reason"]) == [reason]
    sheet = iv.month_sheet(iv.value_grid(w["engine"], w["lead_a"], w["a"], as_of=AS_OF), NOV)
    assert sheet.set_index("code").loc["CNT", "return_reason"] == reason
    with session_scope(w["engine"]) as s:
        logged = s.exec(select(ChangeLog.reason).where(ChangeLog.field == "status")).all()
    assert reason in logged
    # Re-submitting clears the reason.
    save(w, "lead_a", [entry(cnt, NOV, 5, version=version + 1)], submit=True)
    assert stored(w["engine"], w["a"])[(cnt, NOV)][1] == "submitted"
    assert stored(w["engine"], w["a"])[(cnt, NOV)][3] is None


def test_reopen_needs_admin_and_a_reason(submitted):
    w, pct = submitted, submitted["ind"]["PCT"]
    value_id = _value_id(w["engine"], pct, OCT, w["a"])
    review.validate_values(w["engine"], w["admin"], [{"id": value_id, "version": 1}])
    version = version_of(w["engine"], pct, OCT, w["a"])
    with pytest.raises(PermissionDenied):
        review.reopen_value(w["engine"], w["lead_a"], value_id, version, "Erreur de saisie")
    with pytest.raises(ValidationFailed):
        review.reopen_value(w["engine"], w["admin"], value_id, version, "")
    review.reopen_value(w["engine"], w["admin"], value_id, version, "Erreur de saisie")
    assert stored(w["engine"], w["a"])[(pct, OCT)][1::2] == ("draft", "Erreur de saisie")
    save(w, "lead_a", [entry(pct, OCT, 9, version=version + 1)])
    assert stored(w["engine"], w["a"])[(pct, OCT)][0] == 9


def test_reopen_to_submitted(submitted):
    w, pct = submitted, submitted["ind"]["PCT"]
    value_id = _value_id(w["engine"], pct, OCT, w["a"])
    review.validate_values(w["engine"], w["admin"], [{"id": value_id, "version": 1}])
    review.reopen_value(w["engine"], w["admin"], value_id, 2, "Cible revue", to_status="submitted")
    assert stored(w["engine"], w["a"])[(pct, OCT)][1] == "submitted"
    with session_scope(w["engine"]) as s:
        reasons = s.exec(select(ChangeLog.reason).where(ChangeLog.entity_id == value_id)).all()
    assert "Cible revue" in reasons


@pytest.mark.parametrize("who", ["lead_a", "steering", "ministry"])
def test_only_the_programme_team_reviews(submitted, who):
    w = submitted
    value_id = _value_id(w["engine"], w["ind"]["CNT"], OCT, w["a"])
    before, logs = stored(w["engine"]), log_count(w["engine"])
    with pytest.raises(PermissionDenied):
        review.validation_queue(w["engine"], w[who], w["cohort"])
    with pytest.raises(PermissionDenied):
        review.validate_values(w["engine"], w[who], [{"id": value_id, "version": 2}])
    with pytest.raises(PermissionDenied):
        review.return_value(w["engine"], w[who], value_id, 2, "Motif")
    with pytest.raises(PermissionDenied):
        review.reopen_value(w["engine"], w[who], value_id, 2, "Motif")
    assert stored(w["engine"]) == before and log_count(w["engine"]) == logs


# --- concurrency -------------------------------------------------------------------------------


def test_concurrent_edits_lose_no_update(world, backend):
    """Threads × read-modify-write on one value: every save lands or is reported as a conflict.

    (The heavier 8/16 threads × 50 edits run lives in test_concurrency.py, on milestones.)"""
    import random
    import threading
    import time

    w, ind = world, world["ind"]["PCT"]
    save(w, "lead_a", [entry(ind, OCT, 0)])
    threads, edits = (4, 25) if backend == "sqlite" else (8, 25)
    outcome = {"updated": 0, "refused": 0, "other": []}
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def worker(actor_key: str) -> None:
        start.wait()
        for _ in range(edits):
            grid = iv.value_grid(w["engine"], w[actor_key], w["a"], as_of=AS_OF)
            seen = iv.month_sheet(grid, OCT).set_index("code").loc["PCT"]
            new = entry(ind, OCT, (seen["value"] + 1) % 100, version=int(seen["version"]))
            try:
                counts = save(w, actor_key, [new])
            except ConflictError:
                with lock:
                    outcome["refused"] += 1
                time.sleep(random.random() * 0.005)
            except Exception as exc:  # noqa: BLE001  (any other error fails the test)
                with lock:
                    outcome["other"].append(repr(exc))
            else:
                with lock:
                    outcome["updated"] += counts["updated"]

    pool = [
        threading.Thread(target=worker, args=("lead_a" if n % 2 else "admin",))
        for n in range(threads)
    ]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert outcome["other"] == []
    assert outcome["updated"] >= 1 and outcome["updated"] + outcome["refused"] <= threads * edits
    # Each landed update started from the value it read: none overwrote another.
    value, _, version, _ = stored(w["engine"])[(ind, OCT)]
    assert value == outcome["updated"] % 100 and version == 1 + outcome["updated"]
    with session_scope(w["engine"]) as s:
        logged = s.exec(
            select(func.count())
            .select_from(ChangeLog)
            .where(ChangeLog.action == "update", ChangeLog.field == "value")
        ).one()
    assert logged == outcome["updated"]


def test_errors_name_the_indicator_by_its_label_never_its_code(world):
    cnt = world["ind"]["CNT"]
    save(world, "lead_a", [entry(cnt, OCT, 5)])
    with pytest.raises(ValidationFailed) as err:
        save(world, "lead_a", [entry(cnt, NOV, 4)])
    message = err.value.errors[0]
    assert message.startswith("« Indicateur CNT », novembre 2025")
    assert "(CNT)" not in message
