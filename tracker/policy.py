"""Who may do what: the one place views, services and templates ask.

Each rule takes the acting user and plain values (agency ids), so it is tested
without a request or a database. Templates only hide what these functions
already deny; views call them before any change, and a denial is a 403.

Scopes: the admin and the consolidating office (Văn phòng UBND tỉnh) see every
plan. Anyone else sees the plans his agency owns and the plans in which his
agency leads or coordinates an item. A manager manages the plans his agency
owns (every plan, in the consolidating office).
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    """A user's role (`User.role`); defined here, with the rules, so they need no model."""

    ADMIN = "admin"
    MANAGER = "manager"
    OFFICER = "officer"
    VIEWER = "viewer"


class Actor(Protocol):
    role: str
    agency_id: int
    is_authenticated: bool

    @property
    def agency(self): ...


def _is(actor: Actor, *roles: Role) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and actor.role in roles


def sees_every_plan(actor: Actor) -> bool:
    """Admins and every member of the consolidating office."""
    if _is(actor, Role.ADMIN):
        return True
    return _is(actor, *Role) and bool(actor.agency and actor.agency.is_consolidating_office)


def plan_scope(actor: Actor) -> int | None:
    """The agency whose lists the actor sees (those it owns or takes part in); None when he
    sees every list. What the list pages, search, the consolidated list, the scorecard and
    the API narrow their queries to."""
    return None if sees_every_plan(actor) else actor.agency_id


def can_read_plan(actor: Actor, owner_agency_id: int,
                  agency_involved: bool | Callable[[], bool]) -> bool:
    """`agency_involved`: the actor's agency leads or coordinates an item of the plan
    (a callable is asked only when the cheaper rules have not decided)."""
    if not _is(actor, *Role):
        return False
    if sees_every_plan(actor) or actor.agency_id == owner_agency_id:
        return True
    return agency_involved() if callable(agency_involved) else agency_involved


def can_create_plans(actor: Actor) -> bool:
    return _is(actor, Role.ADMIN, Role.MANAGER)


def can_manage_plan(actor: Actor, owner_agency_id: int) -> bool:
    """Edit the plan and its items, decide on requests."""
    if _is(actor, Role.ADMIN):
        return True
    return _is(actor, Role.MANAGER) and (sees_every_plan(actor) or actor.agency_id == owner_agency_id)


def owner_agencies_allowed(actor: Actor, agency_ids: Collection[int]) -> list[int]:
    """The agencies a plan created by `actor` may belong to."""
    if _is(actor, Role.ADMIN) or (_is(actor, Role.MANAGER) and sees_every_plan(actor)):
        return list(agency_ids)
    return [a for a in agency_ids if a == actor.agency_id] if can_create_plans(actor) else []


def can_update_status(actor: Actor, lead_agency_ids: int | Collection[int],
                      owner_agency_id: int) -> bool:
    """Change the status and the notes: the officers and managers of the lead agency (of any
    of them, when a published list names several), or a manager in scope."""
    if can_manage_plan(actor, owner_agency_id):
        return True
    leads = {lead_agency_ids} if isinstance(lead_agency_ids, int) else set(lead_agency_ids)
    return _is(actor, Role.OFFICER, Role.MANAGER) and actor.agency_id in leads


def can_comment(actor: Actor, lead_agency_ids: int | Collection[int], owner_agency_id: int,
                coordinator_ids: Collection[int]) -> bool:
    """Add a note without changing anything: also the coordinating agencies' officers."""
    if can_update_status(actor, lead_agency_ids, owner_agency_id):
        return True
    return _is(actor, Role.OFFICER, Role.MANAGER) and actor.agency_id in coordinator_ids


def request_needs_approval(actor: Actor, owner_agency_id: int) -> bool:
    """An officer's postponement or withdrawal is a request; a manager in scope decides at once."""
    return not can_manage_plan(actor, owner_agency_id)


def can_decide_request(actor: Actor, owner_agency_id: int) -> bool:
    """Approve or refuse a postponement or withdrawal request; put a withdrawn item back."""
    return can_manage_plan(actor, owner_agency_id)


def can_read_scorecard(actor: Actor) -> bool:
    """The scorecard (/scorecard, its downloads and reports) judges agencies: managers (for
    the plans they see), the consolidating office and admins (every plan). Not officers, nor
    viewers outside the consolidating office: their own items are in "Đề án của tôi"."""
    return _is(actor, Role.ADMIN, Role.MANAGER) or sees_every_plan(actor)


def can_administer(actor: Actor) -> bool:
    """Agencies, users, the admin journal and the outbox."""
    return _is(actor, Role.ADMIN)


def can_manage_webhooks(actor: Actor) -> bool:
    """Webhook subscriptions send the tracker's data to outside systems: admins only."""
    return _is(actor, Role.ADMIN)


def can_delete_agency(actor: Actor, *, items: int, plans: int, users: int, journal: int) -> bool:
    """Only an agency nothing refers to: no item it leads, co-leads or coordinates, no list it
    owns, no user, no item journal entry of its people (such an agency is merged instead)."""
    return can_administer(actor) and not (items or plans or users or journal)


def can_merge_agencies(actor: Actor, *, merged_sees_every_plan: bool,
                       kept_sees_every_plan: bool) -> bool:
    """Merge one agency into another (a typo into the agency it stands for). A consolidating
    office is merged only into another one: its users keep seeing every plan."""
    return can_administer(actor) and (kept_sees_every_plan or not merged_sees_every_plan)


# --- Feeds and the public progress pages -------------------------------------------------

# The pages anyone reaches without signing in, each guarding itself: a feed by the secret
# in its URL (a 404 unless the feed is live), a published plan by its publication (a 404
# unless a manager published it). They show nothing a visitor could not otherwise get.
PUBLIC_ENDPOINTS = frozenset({
    "feeds.calendar", "feeds.token_changes",
    "public.plan", "public.plan_csv", "public.plan_json", "public.plan_changes",
    "public.table_schema", "public.json_schema",
})


def is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS


def can_read_published_plan(published: bool) -> bool:
    """Anyone, signed in or not, reads the progress page and open data of a published plan;
    nobody reads those of an unpublished one (the plan's own pages need a login)."""
    return published


def can_publish_plan(actor: Actor, owner_agency_id: int) -> bool:
    """Publish a plan's progress (opt-in) or take it down: whoever manages the plan."""
    return can_manage_plan(actor, owner_agency_id)


def can_subscribe_agency(actor: Actor, agency_id: int) -> bool:
    """A calendar of the items an agency leads: one's own agency, or any agency for those
    who see every plan. A feed shows only what its owner may read when it is fetched."""
    return _is(actor, *Role) and (actor.agency_id == agency_id or sees_every_plan(actor))
def can_revoke_api_token(actor: Actor, token_user_id: int) -> bool:
    """A token is its owner's: only he revokes it (an admin deactivating the user stops
    every token of his)."""
    return bool(getattr(actor, "is_authenticated", False)) and \
        getattr(actor, "id", None) == token_user_id
