"""All models, imported here so Alembic sees the whole schema."""
from tracker.models.agency import Agency
from tracker.models.api_token import ApiToken
from tracker.models.attachment import Attachment
from tracker.models.audit import AuditEntry, ThrottleCounter, UsedToken
from tracker.models.export import ExportJob, ExportState
from tracker.models.feeds import FeedScope, FeedToken
from tracker.models.imports import ImportDraft
from tracker.models.outbox import MessageKind, MessageStatus, OutboxMessage
from tracker.models.plan import (
    Item,
    JournalEntry,
    JournalKind,
    Plan,
    PlanSection,
    item_coordinators,
    item_leads,
    plan_agencies,
)
from tracker.models.reminders import (
    CalendarException,
    Notice,
    ReminderSettings,
    SchedulerLease,
    SchedulerRun,
)
from tracker.models.scorecard import ScorecardSnapshot
from tracker.models.search import ItemSearch
from tracker.models.user import Role, User
from tracker.models.webhook import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

__all__ = [
    "Agency", "ApiToken", "Attachment", "AuditEntry", "ExportJob", "ExportState", "FeedScope",
    "FeedToken", "ImportDraft",
    "JournalEntry", "JournalKind",
    "MessageKind", "MessageStatus", "OutboxMessage", "Plan", "PlanSection", "Item",
    "ItemSearch", "Role", "ThrottleCounter", "UsedToken", "User", "item_coordinators",
    "item_leads", "plan_agencies",
    "CalendarException", "Notice", "ReminderSettings", "SchedulerLease", "SchedulerRun",
    "ScorecardSnapshot",
    "DeliveryStatus", "WebhookDelivery", "WebhookEvent", "WebhookSubscription",
]
