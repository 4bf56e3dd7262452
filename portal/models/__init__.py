"""Typed SQLAlchemy models, one module per aggregate; imported here so Alembic sees them all."""

from portal.models.appointments import (
    APPOINTMENT_KINDS,
    Appointment,
    AvailabilityException,
    CalendarSettings,
    WeeklyHours,
)
from portal.models.audit import AuditEvent
from portal.models.caches import InsightCache
from portal.models.careteam import CareTeamMember, ContactAttempt, PracticeSetting, ShareLink
from portal.models.checkins import ACTIVITIES, CheckIn, CheckInRevision
from portal.models.flags import Flag
from portal.models.guidance import (
    Assignment,
    ContentRevision,
    Lesson,
    LessonProgress,
    LessonText,
    Module,
    ModuleText,
    RecommendationDismissal,
)
from portal.models.insights import InsightShown
from portal.models.messages import Message, MessageSettings, MessageThread
from portal.models.notes import Note, NoteRevision
from portal.models.outbox import OutboxMessage, ScheduledJob
from portal.models.push import PushMessage, PushSubscription
from portal.models.questionnaires import InstrumentText, QuestionnaireResponse
from portal.models.sessions import UserSession
from portal.models.users import (
    ClientProfile,
    Consent,
    EmailChange,
    Enquiry,
    ErasureRequest,
    Invitation,
    PasswordReset,
    RecoveryCode,
    Role,
    User,
)

__all__ = [
    "APPOINTMENT_KINDS",
    "Appointment",
    "AvailabilityException",
    "CalendarSettings",
    "WeeklyHours",
    "ACTIVITIES",
    "Assignment",
    "AuditEvent",
    "CareTeamMember",
    "CheckIn",
    "InsightCache",
    "CheckInRevision",
    "ClientProfile",
    "Consent",
    "ContactAttempt",
    "ContentRevision",
    "Enquiry",
    "ErasureRequest",
    "Flag",
    "InsightShown",
    "InstrumentText",
    "Invitation",
    "Lesson",
    "LessonProgress",
    "LessonText",
    "Module",
    "Message",
    "MessageSettings",
    "MessageThread",
    "ModuleText",
    "Note",
    "NoteRevision",
    "PushMessage",
    "PushSubscription",
    "OutboxMessage",
    "EmailChange",
    "PasswordReset",
    "PracticeSetting",
    "QuestionnaireResponse",
    "RecommendationDismissal",
    "RecoveryCode",
    "Role",
    "ScheduledJob",
    "ShareLink",
    "User",
    "UserSession",
]
