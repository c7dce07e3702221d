"""All models, imported here so Alembic sees the whole schema."""
from tracker.models.agency import Agency
from tracker.models.plan import JournalEntry, JournalKind, Plan, Proposal, proposal_coordinators
from tracker.models.user import Role, User

__all__ = [
    "Agency", "JournalEntry", "JournalKind", "Plan", "Proposal", "Role", "User",
    "proposal_coordinators",
]
