"""Who may do what: the one place views, services and templates ask.

Each rule takes the acting user and plain values, so it is tested without a
request. Templates only hide what these functions already deny.
"""
from __future__ import annotations

from typing import Protocol

from tracker.models.user import Role


class Actor(Protocol):
    role: str
    agency_id: int
    is_authenticated: bool


def _is(actor: Actor, *roles: Role) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and actor.role in roles


def can_read(actor: Actor) -> bool:
    """Every signed-in user reads plans and items (scopes come with the permission matrix)."""
    return _is(actor, Role.ADMIN, Role.MANAGER, Role.OFFICER, Role.VIEWER)


def can_manage_plans(actor: Actor) -> bool:
    """Create and edit plans and their items."""
    return _is(actor, Role.ADMIN, Role.MANAGER)


def can_update_status(actor: Actor, lead_agency_id: int) -> bool:
    """Post a status update or note: managers and admins, or an officer of the lead agency."""
    if _is(actor, Role.ADMIN, Role.MANAGER):
        return True
    return _is(actor, Role.OFFICER) and actor.agency_id == lead_agency_id
