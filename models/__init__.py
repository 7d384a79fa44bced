"""SQLModel tables and enums: the product's vocabulary."""

from models.audit import ChangeLog, Snapshot
from models.cohort import Cohort, Network, ProgrammeSession
from models.discussion import Comment, CommentMention, CommentRead
from models.indicators import Indicator, IndicatorTarget, IndicatorValue
from models.maturity import MaturityAssessment, MaturityScore
from models.notifications import ReminderLog, ReminderOptOut
from models.roadmap import Alliance, AllianceStageChange, Lesson, Milestone, Objective, Partner
from models.totals import IndicatorTotal, NetworkMonthTotal
from models.users import AuthSession, LoginAttempt, OidcLoginState, OneTimeSecret, User

__all__ = [
    "Alliance",
    "AllianceStageChange",
    "AuthSession",
    "ChangeLog",
    "Cohort",
    "Comment",
    "CommentMention",
    "CommentRead",
    "Indicator",
    "IndicatorTarget",
    "IndicatorTotal",
    "IndicatorValue",
    "Lesson",
    "LoginAttempt",
    "MaturityAssessment",
    "MaturityScore",
    "Milestone",
    "Network",
    "NetworkMonthTotal",
    "Objective",
    "OidcLoginState",
    "OneTimeSecret",
    "Partner",
    "ProgrammeSession",
    "ReminderLog",
    "ReminderOptOut",
    "Snapshot",
    "User",
]
