"""The database tables. Models hold data only: services own transactions and sending."""

from tracker.models.base import Base
from tracker.models.feeds import CalendarFeed
from tracker.models.history import AssignmentRevision
from tracker.models.imports import ImportJob
from tracker.models.notifications import Notification, NotificationPreference
from tracker.models.org import (
    GROUP_OF_KIND,
    ApiToken,
    IdempotencyKey,
    PasswordReset,
    Role,
    Unit,
    UnitGroup,
    UnitKind,
    User,
    UserSession,
    WebhookDelivery,
    WebhookEndpoint,
)
from tracker.models.ratelimits import RateLimitCounter
from tracker.models.reminders import EmailMessage, Heartbeat, Reminder, Setting, SweepRun
from tracker.models.rollups import (
    NO_DUE_DATE,
    AssignmentTally,
    DayOffOffset,
    RollupClock,
    SnapshotDay,
    TallySnapshot,
    UnitSnapshot,
    UnitTally,
)
from tracker.models.two_factor import RecoveryCode, TwoFactor
from tracker.models.work import (
    Assignment,
    AssignmentRole,
    CalendarOverride,
    Event,
    Evidence,
    EvidenceFile,
    ExtensionRequest,
    Field,
    Task,
)

__all__ = [
    "GROUP_OF_KIND",
    "NO_DUE_DATE",
    "ApiToken",
    "Assignment",
    "AssignmentRevision",
    "AssignmentRole",
    "AssignmentTally",
    "Base",
    "CalendarFeed",
    "CalendarOverride",
    "DayOffOffset",
    "EmailMessage",
    "Event",
    "Evidence",
    "EvidenceFile",
    "ExtensionRequest",
    "Field",
    "Heartbeat",
    "IdempotencyKey",
    "ImportJob",
    "Notification",
    "NotificationPreference",
    "PasswordReset",
    "RateLimitCounter",
    "RecoveryCode",
    "Reminder",
    "Role",
    "RollupClock",
    "Setting",
    "SnapshotDay",
    "SweepRun",
    "TallySnapshot",
    "Task",
    "TwoFactor",
    "Unit",
    "UnitGroup",
    "UnitKind",
    "UnitSnapshot",
    "UnitTally",
    "User",
    "UserSession",
    "WebhookDelivery",
    "WebhookEndpoint",
]
