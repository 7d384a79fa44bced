"""Formula neutralisation: every trigger prefixed, and exactly reversible."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.services.exports.formula_safety import (
    FORMULA_TRIGGERS,
    needs_prefix,
    neutralise,
    strip_one,
)

TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠"]
BIASED = st.text(
    alphabet=st.sampled_from([*TRIGGERS, "'", '"', ",", ";", "a", "é", "1", " ", "."]),
    max_size=12,
)


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_every_trigger_is_prefixed(trigger):
    assert neutralise(f"{trigger}1+1") == f"'{trigger}1+1"


def test_the_trigger_set_is_exactly_the_documented_one():
    assert set(TRIGGERS) == FORMULA_TRIGGERS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=SOMME(A1:A9)", "'=SOMME(A1:A9)"),
        ("'déjà cité", "''déjà cité"),
        ("''", "'''"),
        ("Réseau", "Réseau"),
        ("", ""),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("−5", "−5"),  # U+2212 MINUS SIGN is not a formula trigger
    ],
)
def test_examples(text, expected):
    assert neutralise(text) == expected
    assert strip_one(neutralise(text)) == text


def test_strip_one_removes_a_single_apostrophe():
    assert strip_one("''a") == "'a"
    assert strip_one("a'") == "a'"
    assert strip_one("") == ""


@settings(max_examples=300)
@given(BIASED)
def test_neutralised_text_never_starts_with_a_trigger_and_round_trips(text):
    safe = neutralise(text)
    assert not safe or safe[0] not in FORMULA_TRIGGERS
    assert strip_one(safe) == text
    assert needs_prefix(text) == (safe != text)
