"""The one home of form input: the cell cleaner, the parsers of typed numbers and dates, and
the French message shape « Ligne N (« nom »), « Champ » : problème. »"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from pydantic import BaseModel, Field, ValidationError

from dashboard.services.shared.forms import (
    OptionalDate,
    TypedNumber,
    clean,
    field_error,
    french_errors,
    is_web_link,
    limit_help,
    max_length,
    parse_date,
    parse_number,
    row_where,
    validate,
)
from models import Lesson, Milestone


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (None, None),
        (float("nan"), None),
        (pd.NA, None),
        (pd.NaT, None),
        ("   ", None),
        ("  Jalon  ", "Jalon"),
        (pd.Timestamp("2026-03-04"), dt.date(2026, 3, 4)),
        (0, 0),
        (0.0, 0.0),
    ],
)
def test_clean_keeps_values_and_only_blanks_become_none(cell, expected):
    assert clean(cell) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1 234,5", 1234.5),
        ("1\u202f234,5", 1234.5),
        ("1234.5", 1234.5),
        ("-3", -3.0),
        ("0", 0.0),
        ("", None),
        (None, None),
        (12, 12.0),
    ],
)
def test_parse_number_reads_french_and_english_decimals(typed, expected):
    assert parse_number(typed) == expected


@pytest.mark.parametrize("typed", ["abc", "N/A", "1.234,5", "12 abc", "inf", "nan", True])
def test_parse_number_refuses_what_is_not_a_number_never_zero(typed):
    with pytest.raises(ValueError, match="n'est pas un nombre"):
        parse_number(typed)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("04/03/2027", dt.date(2027, 3, 4)),
        ("4/3/2027", dt.date(2027, 3, 4)),
        ("04-03-2027", dt.date(2027, 3, 4)),
        ("2027-03-04", dt.date(2027, 3, 4)),
        ("2027-03-04T00:00:00.000", dt.date(2027, 3, 4)),
        (dt.date(2027, 3, 4), dt.date(2027, 3, 4)),
        ("", None),
    ],
)
def test_parse_date_reads_jj_mm_aaaa(typed, expected):
    assert parse_date(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/02/2026", "« 31/02/2026 » n'existe pas dans le calendrier."),
        ("12/31/2026", "« 12/31/2026 » n'existe pas dans le calendrier."),
        ("demain", "« demain » n'est pas une date (jj/mm/aaaa)."),
        ("31022026", "« 31022026 » n'est pas une date (jj/mm/aaaa)."),
    ],
)
def test_parse_date_refuses_with_what_was_typed(typed, message):
    with pytest.raises(ValueError) as err:
        parse_date(typed)
    assert str(err.value) == message


def test_is_web_link():
    assert is_web_link("https://exemple.fr/bilan")
    assert is_web_link("HTTP://exemple.fr")
    for bad in ("javascript:alert(1)", "www.exemple.fr", "ftp://exemple.fr", "https://a b"):
        assert not is_web_link(bad)


def test_a_limit_is_read_from_the_model():
    assert max_length(Lesson, "statement") == 4000
    assert max_length(Milestone, "title") == 200
    assert limit_help(Lesson, "statement") == "4\u202f000 caractères au plus."


class _Row(BaseModel):
    title: str = Field(min_length=1, max_length=5)
    amount: TypedNumber
    done_on: OptionalDate = None


def test_one_message_shape_naming_row_and_field():
    obj, errors = validate(
        _Row,
        {"title": "Beaucoup trop long", "amount": "abc", "done_on": "30/02/2026"},
        labels={"title": "Intitulé", "amount": "Montant", "done_on": "Réalisé le"},
        prefix=row_where(3, "Bilan"),
    )
    assert obj is None
    assert errors == [
        "Ligne 3 (« Bilan »), « Intitulé » : texte trop long : 18 caractères pour 5 au plus.",
        "Ligne 3 (« Bilan »), « Montant » : « abc » n'est pas un nombre (exemples : 1 234,5 "
        "ou 12.5).",
        "Ligne 3 (« Bilan »), « Réalisé le » : « 30/02/2026 » n'existe pas dans le calendrier.",
    ]
    assert field_error("", "Date", "obligatoire") == "« Date » : obligatoire."
    assert row_where(2) == "Ligne 2"


def test_missing_values_are_reported_as_required():
    with pytest.raises(ValidationError) as err:
        _Row.model_validate({"title": "", "amount": None})
    messages = french_errors(err.value, {"title": "Intitulé", "amount": "Montant"})
    assert messages == ["« Intitulé » : obligatoire.", "« Montant » : obligatoire."]
