"""Personal data (GDPR): retention delays applied, a person's own data as JSON, the
anonymisation of a departed person. The register is docs/PERSONAL_DATA.md.
"""

from dashboard.services.privacy.anonymise import (
    ANONYMISED_FIELD,
    anonymise_user,
    pseudonym,
    pseudonym_username,
)
from dashboard.services.privacy.personal_data import (
    SECTIONS,
    personal_data,
    personal_data_filename,
    personal_data_json,
)
from dashboard.services.privacy.retention import (
    RetentionReport,
    purge_personal_data,
    purge_reminder_log,
)

__all__ = [
    "ANONYMISED_FIELD",
    "SECTIONS",
    "RetentionReport",
    "anonymise_user",
    "personal_data",
    "personal_data_filename",
    "personal_data_json",
    "pseudonym",
    "pseudonym_username",
    "purge_personal_data",
    "purge_reminder_log",
]
