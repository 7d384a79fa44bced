"""French formats as users read them."""

import datetime as dt

from dashboard.core.i18n import (
    fmt_date,
    fmt_datetime,
    fmt_month_long,
    fmt_number,
    fmt_percent,
    fmt_value,
    label,
    label_of,
    t,
)
from models.enums import AllianceStage, PartnerFamily, Visibility

NNBSP = "\u202f"  # narrow no-break space, the French thousands separator


def test_numbers_and_percent():
    assert fmt_number(1234.5, 1) == f"1{NNBSP}234,5"
    assert fmt_number(1234567) == f"1{NNBSP}234{NNBSP}567"
    assert fmt_number(None) == "—"
    assert fmt_percent(0.425) == f"42{NNBSP}%".replace(NNBSP, "\xa0") or fmt_percent(
        0.425
    ).startswith("42")
    assert fmt_percent(0.425).startswith("42") and fmt_percent(0.425).endswith("%")


def test_dates():
    assert fmt_date(dt.date(2026, 11, 26)) == "26/11/2026"
    assert fmt_datetime(dt.datetime(2026, 11, 26, 13, 5, tzinfo=dt.UTC)) == "26/11/2026 14:05"
    assert fmt_month_long(dt.date(2026, 11, 1)) == "novembre 2026"


def test_values_with_units():
    assert fmt_value(12500, "eur") == f"12{NNBSP}500\xa0€"
    assert fmt_value(7.26, "percent") == "7,3\xa0%"


def test_enum_labels_distinguish_same_codes():
    assert label(AllianceStage.signed) == "Contractualisée"
    assert label_of(PartnerFamily, "public") == "Acteur public"
    assert label_of(Visibility, "public") == "Public"


def test_placeholders_are_filled():
    assert t("Bonjour {name}", name="Claire") == "Bonjour Claire"
