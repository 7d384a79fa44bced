"""The fictional demo cohort: read and check ``seed_data/``, derive the figures, write them."""

from dashboard.seed.derive import (
    AGREEMENTS_SIGNED,
    ALLIANCES_IN_PIPELINE,
    AXES,
    DERIVED_CODES,
    MATURITY_SCORE,
    PARTNERSHIP_FORMS,
    STATUS_RANK,
    AllianceFacts,
    SelfAssessment,
    alliance_state,
    at,
    derived_values,
    maturity_mean,
    month_statuses,
    partnership_form,
    signed_on,
    stage_on,
    value_times,
)
from dashboard.seed.read import (
    DEFAULT_DATA_DIR,
    SeedReport,
    read_seed_files,
    seed_demo,
)
from dashboard.seed.write import (
    write_cohort,
)

__all__ = [
    "AGREEMENTS_SIGNED",
    "ALLIANCES_IN_PIPELINE",
    "AXES",
    "AllianceFacts",
    "DEFAULT_DATA_DIR",
    "DERIVED_CODES",
    "MATURITY_SCORE",
    "PARTNERSHIP_FORMS",
    "STATUS_RANK",
    "SeedReport",
    "SelfAssessment",
    "alliance_state",
    "at",
    "derived_values",
    "maturity_mean",
    "month_statuses",
    "partnership_form",
    "read_seed_files",
    "seed_demo",
    "signed_on",
    "stage_on",
    "value_times",
    "write_cohort",
]
