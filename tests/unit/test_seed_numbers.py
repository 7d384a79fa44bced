"""The seed applies the services' numeric rules: a value or a target far beyond its unit's range
(1e308 €) is refused with a French message naming the file and the row; nothing is written."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from dashboard.core.errors import ValidationFailed
from dashboard.seed.read import DEFAULT_DATA_DIR, seed_demo
from models import Cohort, IndicatorValue


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.mark.parametrize(
    ("file", "old", "new", "field"),
    [
        (
            "indicator_values.csv",
            "R01,ALLIANCE_RESOURCES_EUR,2025-11,0,",
            "R01,ALLIANCE_RESOURCES_EUR,2025-11,1e308,",
            "value",
        ),
        (
            "targets.csv",
            "R01,ALLIANCE_RESOURCES_EUR,0,2025-10-01,60000,",
            "R01,ALLIANCE_RESOURCES_EUR,0,2025-10-01,1e308,",
            "target_value",
        ),
    ],
)
def test_a_number_beyond_its_unit_range_is_refused(engine, tmp_path, file, old, new, field):
    data = tmp_path / "seed"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    text = (data / file).read_text(encoding="utf-8")
    assert old in text
    (data / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        seed_demo(engine, data_dir=data)
    message = str(caught.value)
    assert f"{file}, ligne" in message
    assert f"« {field} » : la valeur doit être comprise entre" in message
    assert "pour cette unité" in message
    assert _count(engine, Cohort) == 0 and _count(engine, IndicatorValue) == 0
