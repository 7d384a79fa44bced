"""Spreadsheet round trip: the template a lead fills in offline (``template``), the checks
made before a file is opened (``guard``), reading it without evaluating anything
(``reader``), the validated dry-run preview (``plan``) and applying it in one transaction
through the same services as the grids (``apply``); a new cohort's networks and people from
one file (``people``)."""

from dashboard.services.imports.apply import ImportRefused, ImportResult, apply_import, import_tag
from dashboard.services.imports.guard import max_upload_bytes
from dashboard.services.imports.layout import MILESTONES, VALUES, Code
from dashboard.services.imports.plan import (
    ImportPlan,
    Issue,
    RowChange,
    changes_table,
    issues_csv,
    issues_table,
    preview_import,
)
from dashboard.services.imports.template import (
    TemplateData,
    csv_files,
    file_name,
    template_data,
    write_csv_zip,
    write_xlsx,
)

__all__ = [
    "MILESTONES",
    "VALUES",
    "Code",
    "ImportPlan",
    "ImportRefused",
    "ImportResult",
    "Issue",
    "RowChange",
    "TemplateData",
    "apply_import",
    "changes_table",
    "csv_files",
    "file_name",
    "import_tag",
    "issues_csv",
    "issues_table",
    "max_upload_bytes",
    "preview_import",
    "template_data",
    "write_csv_zip",
    "write_xlsx",
]
