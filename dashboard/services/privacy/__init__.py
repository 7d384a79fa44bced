"""Personal data (GDPR): retention delays applied, a person's own data as JSON, the
anonymisation of a departed person. The register is docs/PERSONAL_DATA.md.
"""

from dashboard.services.privacy.retention import (
    RetentionReport,
    purge_personal_data,
    purge_reminder_log,
)

__all__ = [
    "RetentionReport",
    "purge_personal_data",
    "purge_reminder_log",
]
