"""Programme administration: cohorts, their networks and sessions, people and their login
sessions.
"""

from dashboard.services.admin.cohorts import (
    COHORT_LABELS,
    CohortInput,
    close_cohort,
    create_cohort,
    reopen_cohort,
    update_cohort,
)
from dashboard.services.admin.networks import (
    NETWORK_COLUMNS,
    NETWORK_LABELS,
    NetworkInput,
    add_network,
    network_rows,
    save_networks,
    siren_is_valid,
    update_network,
)
from dashboard.services.admin.sessions import (
    SESSION_LABELS,
    SessionInput,
    plan_session,
    reschedule_session,
    save_sessions,
)
from dashboard.services.admin.user_sessions import (
    list_users,
    log_marker,
    revoke_sessions,
    scope_ids,
    user_or_404,
)
from dashboard.services.admin.users import (
    USER_LABELS,
    OneTimeAccess,
    UserInput,
    deactivate_user,
    invite_user,
    reactivate_user,
    reset_password,
    set_active,
    unlink_provider,
    update_user,
)

__all__ = [
    "COHORT_LABELS",
    "CohortInput",
    "NETWORK_COLUMNS",
    "NETWORK_LABELS",
    "NetworkInput",
    "OneTimeAccess",
    "SESSION_LABELS",
    "SessionInput",
    "USER_LABELS",
    "UserInput",
    "add_network",
    "close_cohort",
    "create_cohort",
    "deactivate_user",
    "invite_user",
    "list_users",
    "log_marker",
    "network_rows",
    "plan_session",
    "reactivate_user",
    "reopen_cohort",
    "reschedule_session",
    "reset_password",
    "revoke_sessions",
    "save_networks",
    "save_sessions",
    "scope_ids",
    "set_active",
    "unlink_provider",
    "siren_is_valid",
    "update_cohort",
    "update_network",
    "update_user",
    "user_or_404",
]
