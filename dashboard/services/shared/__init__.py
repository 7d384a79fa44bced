"""What every use case shares: the change log and optimistic locking (``audit``), access
checks on networks and cohorts (``access``), and form/grid input cleaning with French messages
(``forms``).
"""

from dashboard.services.shared.access import (
    CohortInfo,
    anonymise,
    anonymous_label,
    clean,
    cohort_info,
    field_error,
    is_web_link,
    owned_row,
    read_cohort,
    readable_network,
    update_owned,
    validate,
    validated,
    writable_network,
)
from dashboard.services.shared.audit import (
    cohort_of_network,
    conflict_message,
    data_version,
    ensure_network_writable,
    last_change,
    log_create,
    log_delete,
    update_versioned,
)
from dashboard.services.shared.forms import (
    CODE,
    check,
    french_errors,
    plain,
    rows_from_editor,
    strip_blank,
    writable_cohort,
)

__all__ = [
    "CODE",
    "CohortInfo",
    "anonymise",
    "anonymous_label",
    "check",
    "clean",
    "cohort_info",
    "cohort_of_network",
    "conflict_message",
    "data_version",
    "ensure_network_writable",
    "field_error",
    "french_errors",
    "is_web_link",
    "last_change",
    "log_create",
    "log_delete",
    "owned_row",
    "plain",
    "read_cohort",
    "readable_network",
    "rows_from_editor",
    "strip_blank",
    "update_owned",
    "update_versioned",
    "validate",
    "validated",
    "writable_cohort",
    "writable_network",
]
