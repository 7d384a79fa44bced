"""A snapshot's state is converted column by column and the changes get their names in one
pass: the results are exactly those of the row-by-row conversion they replace, for every kind
of column a state holds (integers, floats with gaps, texts, dates, booleans, missing values)
and for readers who see every name or an anonymised cohort."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dashboard.services.reporting.snapshot_diff import _with_names
from dashboard.services.reporting.snapshot_state import _plain, _records


def _records_row_by_row(frame: pd.DataFrame, keys: list[str]) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame[keys].to_dict("records")]


def _mixed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": np.array([3, 1, 2], dtype="int64"),
            "progress": [0.5, np.nan, 1.25],
            "title": ["Jalon « un »", None, "=SOMME(A1)"],
            "due": [dt.date(2026, 3, 31), None, dt.date(2027, 1, 1)],
            "at": pd.to_datetime(["2026-05-01 10:00", None, "2026-06-01 00:00"]),
            "archived": [True, False, True],
            "level": pd.array([1, None, 4], dtype="Int64"),
            "code": pd.array(["A", None, "C"], dtype="string"),
        }
    )


def test_records_equal_the_row_by_row_conversion():
    frame = _mixed_frame()
    keys = list(frame.columns)
    got = _records(frame, keys)
    assert got == _records_row_by_row(frame, keys)
    assert got[1] == {
        "id": 1, "progress": None, "title": None, "due": None, "at": None, "archived": False,
        "level": None, "code": None,
    }  # fmt: skip
    assert got[0]["due"] == "2026-03-31" and got[0]["at"] == "2026-05-01T10:00:00"
    assert type(got[0]["id"]) is int and type(got[2]["progress"]) is float


def test_records_of_an_empty_frame():
    frame = _mixed_frame().iloc[0:0]
    assert _records(frame, ["id", "title"]) == []


def _with_names_row_by_row(frame, networks, payload_names):
    anonymised_mode = bool(networks["anonymised"].any()) if not networks.empty else False
    shown = networks.set_index("id")
    codes, names, hidden, keep = [], [], [], []
    for nid in frame["network_id"]:
        if nid in shown.index:
            codes.append(shown.loc[nid, "code"])
            names.append(shown.loc[nid, "name"])
            hidden.append(bool(shown.loc[nid, "anonymised"]))
            keep.append(True)
        else:
            code, name = payload_names.get(int(nid), ("?", "?"))
            codes.append(code)
            names.append(name)
            hidden.append(anonymised_mode)
            keep.append(not anonymised_mode)
    out = frame.assign(network_code=codes, network_name=names, anonymised=hidden)
    out = out.loc[pd.Series(keep, index=out.index, dtype=bool)]
    for col in ("title", "partner_name"):
        if col in out.columns:
            out[col] = out[col].astype(object)
            out.loc[out["anonymised"], col] = None
    return out.reset_index(drop=True)


@pytest.mark.parametrize("anonymised", [False, True])
def test_names_equal_the_row_by_row_lookup(anonymised):
    networks = pd.DataFrame(
        {
            "id": [10, 11],
            "code": ["R01", "R02" if not anonymised else "Réseau A"],
            "name": ["Fédération Trame", "Union" if not anonymised else "Réseau A"],
            "anonymised": [False, anonymised],
        }
    )
    changes = pd.DataFrame(
        {
            "network_id": [11, 10, 12, 10],  # 12 left the cohort since: named from the payload
            "title": ["Jalon B", "Jalon A", "Jalon C", None],
            "change": ["done", "added", "late", "slipped"],
        }
    )
    payload = {12: ("R03", "Réseau parti")}
    got = _with_names(changes, networks, payload)
    pd.testing.assert_frame_equal(got, _with_names_row_by_row(changes, networks, payload))
    if anonymised:
        assert list(got["network_id"]) == [11, 10, 10]
        assert got.loc[0, "title"] is None and got.loc[1, "title"] == "Jalon A"
    else:
        assert list(got["network_name"]) == ["Union", "Fédération Trame", "Réseau parti",
                                             "Fédération Trame"]  # fmt: skip


def test_names_of_no_change():
    networks = pd.DataFrame({"id": [1], "code": ["R01"], "name": ["X"], "anonymised": [False]})
    empty = pd.DataFrame({"network_id": pd.Series([], dtype="int64"), "title": []})
    got = _with_names(empty, networks, {})
    assert got.empty and {"network_code", "network_name", "anonymised"} <= set(got.columns)
