"""Administration: queries for the admin pages and audited commands on users and agencies.

Commands add to the session (flushing when an id is needed) and return; the view commits once.
Each command writes one AuditEntry whose details are "field: old → new" lines (tracker/audit.py).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from tracker import audit, policy
from tracker.agencies import new_agency
from tracker.audit import Change, Fact
from tracker.auth.service import send_invitation
from tracker.extensions import db
from tracker.models import (
    Agency,
    AuditEntry,
    ImportDraft,
    Item,
    JournalEntry,
    MessageStatus,
    OutboxMessage,
    Plan,
    Role,
    SchedulerRun,
    User,
    item_coordinators,
    item_leads,
    plan_agencies,
)
from tracker.search.index import mark_agency
from tracker.services import FieldError
from tracker.text import name_key

STATUS_LABELS = {
    MessageStatus.PENDING: _l("Waiting to be sent"),
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.FAILED: _l("Failed"),
    MessageStatus.HELD: _l("Held (no mail server)"),
    MessageStatus.CANCELLED: _l("Cancelled"),
}


class Refused(Exception):
    """An action the admin may not take on this account now; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---- queries ---------------------------------------------------------------------------------

def users_query() -> sa.Select[tuple[User]]:
    return sa.select(User).options(so.joinedload(User.agency)).order_by(User.name, User.id)


def agencies_query() -> sa.Select[tuple[Agency]]:
    return sa.select(Agency).order_by(Agency.name, Agency.id)


def agency_choices(keep: Agency | None = None) -> list[Agency]:
    """Active agencies, plus `keep` (a user's current agency) even if it was deactivated,
    so editing his name does not force a move."""
    condition = Agency.active if keep is None else sa.or_(Agency.active, Agency.id == keep.id)
    return list(db.session.scalars(sa.select(Agency).where(condition).order_by(Agency.name)))


def email_taken(email: str) -> bool:
    return db.session.scalar(
        sa.select(User.id).where(User.email == User.normalise_email(email))) is not None


def agency_name_taken(name: str, except_id: int | None = None) -> bool:
    """Another agency already has this name, ignoring case, spacing and Unicode form."""
    query = sa.select(Agency.id).where(Agency.name_key == name_key(name))
    if except_id is not None:
        query = query.where(Agency.id != except_id)
    return db.session.scalar(query) is not None


def audit_query() -> sa.Select[tuple[AuditEntry]]:
    return (sa.select(AuditEntry).options(so.joinedload(AuditEntry.actor))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()))


def audit_target_names(entries: Sequence[AuditEntry]) -> dict[tuple[str, int], str]:
    """The current name of each entry's user or agency: one query per kind, not per row."""
    wanted: dict[str, set[int]] = {"user": set(), "agency": set()}
    for entry in entries:
        wanted.get(entry.target_type, set()).add(entry.target_id)
    names: dict[tuple[str, int], str] = {}
    for kind, model in (("user", User), ("agency", Agency)):
        if wanted[kind]:
            rows = db.session.execute(sa.select(model.id, model.name).where(model.id.in_(wanted[kind])))
            names.update({(kind, row.id): row.name for row in rows})
    return names


# A message waiting longer than this means the sender is stuck (or the server refuses).
STUCK_AFTER = timedelta(minutes=15)


@dataclass
class SenderHealth:
    """What the outbox page says about the sender: is mail going out?"""

    waiting: int                      # pending messages
    oldest_waiting: datetime | None   # when the oldest of them was queued
    last_sent: datetime | None
    last_error: SchedulerRun | None   # the latest run that reported a failure
    now: datetime

    @property
    def oldest_age(self) -> timedelta | None:
        return self.now - self.oldest_waiting if self.oldest_waiting else None

    @property
    def stuck(self) -> bool:
        return self.oldest_age is not None and self.oldest_age > STUCK_AFTER


def sender_health(now: datetime) -> SenderHealth:
    """Three small queries: the pending count and oldest, the last send, the last failure."""
    waiting, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status == MessageStatus.PENDING.value)).one()
    last_sent = db.session.scalar(sa.select(sa.func.max(OutboxMessage.sent_at)))
    last_error = db.session.scalars(
        sa.select(SchedulerRun).where(SchedulerRun.error.is_not(None))
        .order_by(SchedulerRun.id.desc()).limit(1)).first()
    return SenderHealth(waiting, oldest, last_sent, last_error, now)


def outbox_query(status: str | None = None) -> sa.Select[tuple[OutboxMessage]]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status:
        query = query.where(OutboxMessage.status == status)
    return query


def requeue(message: OutboxMessage) -> bool:
    """Put a failed, held or cancelled message back in the queue, its attempts forgotten;
    False for one already sent, which stays as it is."""
    if message.status == MessageStatus.SENT.value:
        return False
    message.status, message.attempts, message.next_attempt_at = \
        MessageStatus.PENDING.value, 0, None
    return True


def runs_query() -> sa.Select[tuple[SchedulerRun]]:
    """The scheduler's and the command line's runs, newest first."""
    return sa.select(SchedulerRun).order_by(SchedulerRun.id.desc())


# ---- the journal -----------------------------------------------------------------------------

def record(actor: User, action: str, target_type: str, target_id: int,
           changes: Iterable[Change] = (), facts: Iterable[Fact] = ()) -> AuditEntry:
    return audit.record(actor.id, action, target_type, target_id, changes, facts)


# ---- users -----------------------------------------------------------------------------------

def invite_user(actor: User, *, name: str, email: str, role: Role, agency: Agency
                ) -> tuple[User, OutboxMessage]:
    """Create the account without a password and queue the e-mail with its invitation link."""
    user = User(email=User.normalise_email(email), name=name, role=Role(role).value, agency=agency)
    user.set_unusable_password()
    db.session.add(user)
    db.session.flush()  # the link and the journal need the id
    message = send_invitation(user)
    record(actor, "user.invite", "user", user.id, [
        ("name", None, user.name), ("email", None, user.email), ("role", None, user.role),
        ("agency", None, agency.name),
    ])
    return user, message


def update_user(actor: User, user: User, *, name: str, role: Role, agency: Agency) -> list[Change]:
    """Apply the form; a new role or agency ends the user's sessions so he signs in with his
    new rights. Returns the changes (none: nothing is journaled).

    :raise FieldError: an admin tried to change his own role (he would lock himself out).
    """
    role = Role(role).value
    if user.id == actor.id and role != user.role:
        raise FieldError("role", _("You cannot change your own role."))
    changes: list[Change] = []
    if name != user.name:
        changes.append(("name", user.name, name))
        user.name = name
    if role != user.role:
        changes.append(("role", user.role, role))
        user.role = role
    if agency.id != user.agency_id:
        changes.append(("agency", user.agency.name, agency.name))
        user.agency = agency
    if rights_changed(changes):
        user.end_sessions()
    if changes:
        record(actor, "user.update", "user", user.id, changes)
    return changes


def rights_changed(changes: Iterable[Change]) -> bool:
    return any(field in {"role", "agency"} for field, _old, _new in changes)


def deactivate_user(actor: User, user: User) -> None:
    """Refuse every sign-in and end the sessions and links already issued.

    :raise Refused: it is the admin himself, or the account is already deactivated.
    """
    if user.id == actor.id:
        raise Refused(_("You cannot deactivate your own account."))
    if not user.active:
        raise Refused(_("This account is already deactivated."))
    user.active = False
    user.end_sessions()
    record(actor, "user.deactivate", "user", user.id, [("active", True, False)])


def reactivate_user(actor: User, user: User) -> None:
    """:raise Refused: the account is active already."""
    if user.active:
        raise Refused(_("This account is already active."))
    user.active = True
    record(actor, "user.reactivate", "user", user.id, [("active", False, True)])


def reinvite_user(actor: User, user: User) -> OutboxMessage:
    """Queue a fresh invitation; the previous link stops working.

    :raise Refused: the user has already chosen a password, or is deactivated.
    """
    if user.has_usable_password():
        raise Refused(_("This user has already chosen a password. He can use “Forgot your "
                        "password?” on the sign-in page."))
    if not user.active:
        raise Refused(_("Reactivate the account first."))
    user.end_sessions()  # voids the links issued before this one
    message = send_invitation(user)
    record(actor, "user.reinvite", "user", user.id)
    return message


# ---- agencies --------------------------------------------------------------------------------

def _mailbox(address: str | None) -> str | None:
    return User.normalise_email(address) if address and address.strip() else None


def create_agency(actor: User, *, name: str, shared_mailbox: str | None, active: bool,
                  is_consolidating_office: bool) -> Agency:
    return new_agency(name, actor_id=actor.id, shared_mailbox=_mailbox(shared_mailbox),
                      active=active, is_consolidating_office=is_consolidating_office)


def update_agency(actor: User, agency: Agency, *, name: str, shared_mailbox: str | None,
                  active: bool, is_consolidating_office: bool) -> list[Change]:
    """Apply the form; returns the changes (none: nothing is journaled)."""
    changes: list[Change] = []
    if name != agency.name:
        changes.append(("name", agency.name, name))
        agency.rename(name)
    new_values = {"shared_mailbox": _mailbox(shared_mailbox), "active": active,
                  "is_consolidating_office": is_consolidating_office}
    for field, new in new_values.items():
        old = getattr(agency, field)
        if old != new:
            changes.append((field, old, new))
            setattr(agency, field, new)
    if changes:
        record(actor, "agency.update", "agency", agency.id, changes)
    return changes


# ---- deleting and merging agencies -----------------------------------------------------------

@dataclass(frozen=True)
class AgencyUsage:
    """What refers to an agency: what a merge moves, and what keeps it from being deleted."""

    items: int     # items it leads (first or co-lead) or coordinates
    plans: int     # lists it owns
    users: int
    journal: int   # item journal entries written by its people

    def describe(self) -> str:
        """"3 items, 1 list, 2 users, 5 journal entries" (only what there is); "" for none."""
        parts = [ngettext("%(num)d item", "%(num)d items", self.items) if self.items else "",
                 ngettext("%(num)d list", "%(num)d lists", self.plans) if self.plans else "",
                 ngettext("%(num)d user", "%(num)d users", self.users) if self.users else "",
                 ngettext("%(num)d journal entry", "%(num)d journal entries", self.journal)
                 if self.journal else ""]
        return ", ".join(part for part in parts if part)


def _count(query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def agency_usage(agency_id: int) -> AgencyUsage:
    """Four counting queries."""
    items = (sa.select(Item.id).where(Item.lead_agency_id == agency_id)
             .union(sa.select(item_leads.c.item_id)
                    .where(item_leads.c.agency_id == agency_id),
                    sa.select(item_coordinators.c.item_id)
                    .where(item_coordinators.c.agency_id == agency_id)))
    return AgencyUsage(
        items=_count(items),
        plans=_count(sa.select(Plan.id).where(Plan.owner_agency_id == agency_id)),
        users=_count(sa.select(User.id).where(User.agency_id == agency_id)),
        journal=_count(sa.select(JournalEntry.id).where(JournalEntry.agency_id == agency_id)),
    )


def may_delete(actor: User, usage: AgencyUsage) -> bool:
    return policy.can_delete_agency(actor, items=usage.items, plans=usage.plans,
                                    users=usage.users, journal=usage.journal)


def delete_agency(actor: User, agency: Agency) -> None:
    """Delete an agency nothing refers to (a typo, say), journaled with its name.

    :raise Refused: items, lists, users or journal entries still name it (merge it instead).
    """
    usage = agency_usage(agency.id)
    if not may_delete(actor, usage):
        raise Refused(_("%(name)s cannot be deleted: %(usage)s still refer to it. Merge it into "
                        "the agency it stands for instead.", name=agency.name,
                        usage=usage.describe()))
    # An import waiting for its confirmation, for a list this agency would own: a draft is
    # not data, and it cannot be saved without its owner.
    db.session.execute(sa.delete(ImportDraft).where(ImportDraft.owner_agency_id == agency.id))
    record(actor, "agency.delete", "agency", agency.id, [("name", agency.name, None)])
    db.session.delete(agency)


# Every reference to an agency, which a merge moves (tests/test_agency_lifecycle.py checks the
# schema has no other): the item links, then the columns.
MERGED_LINKS = (item_leads, item_coordinators)
MERGED_COLUMNS = (Item.lead_agency_id, Plan.owner_agency_id, User.agency_id,
                  JournalEntry.agency_id, ImportDraft.owner_agency_id)
# Derived from the links above: refreshed for the agency kept (mark_agency), not moved; the
# merged agency's rows go with it (ON DELETE CASCADE).
REFRESHED_LINKS = (plan_agencies,)


def merge_choices(agency: Agency) -> list[Agency]:
    """The agencies `agency` may be merged into: every other one, active ones first."""
    return list(db.session.scalars(sa.select(Agency).where(Agency.id != agency.id)
                                   .order_by(Agency.active.desc(), Agency.name)))


def merge_agencies(actor: User, merged: Agency, kept: Agency) -> AgencyUsage:
    """Make `merged` part of `kept`: the items it leads, co-leads or coordinates, the lists
    it owns, its users, its people's item journal entries and its import drafts move to
    `kept`, which also takes its shared mailbox if it has none; `merged` is deleted. Its
    users' rights are those of `kept` from their next page on. Journaled on `kept`.

    :raise Refused: the same agency twice, or a consolidating office into an agency that is
        not one (its users would lose the right to see every plan).
    """
    if merged.id == kept.id:
        raise Refused(_("Choose another agency to keep."))
    if not policy.can_merge_agencies(actor, merged_sees_every_plan=merged.is_consolidating_office,
                                     kept_sees_every_plan=kept.is_consolidating_office):
        raise Refused(_("%(merged)s is a consolidating office and %(kept)s is not: mark %(kept)s "
                        "as the consolidating office first, or keep %(merged)s.",
                        merged=merged.name, kept=kept.name))
    usage = agency_usage(merged.id)
    for links in MERGED_LINKS:
        # An item naming both: one link, the kept agency's.
        both = sa.select(links.c.item_id).where(links.c.agency_id == kept.id)
        db.session.execute(sa.delete(links).where(links.c.agency_id == merged.id,
                                                  links.c.item_id.in_(both)))
        db.session.execute(sa.update(links).where(links.c.agency_id == merged.id)
                           .values(agency_id=kept.id))
    for column in MERGED_COLUMNS:
        db.session.execute(sa.update(column.class_).where(column == merged.id)
                           .values({column.key: kept.id})
                           .execution_options(synchronize_session=False))
    changes: list[Change] = [("merged", merged.name, kept.name)]
    if merged.shared_mailbox and not kept.shared_mailbox:
        changes.append(("shared_mailbox", None, merged.shared_mailbox))
        kept.shared_mailbox = merged.shared_mailbox
    facts: list[Fact] = [(field, getattr(usage, field))
                         for field in ("items", "plans", "users", "journal")
                         if getattr(usage, field)]
    record(actor, "agency.merge", "agency", kept.id, changes, facts)
    mark_agency(db.session, kept.id)   # its items' agency names, for search; its plans
    db.session.delete(merged)
    db.session.flush()
    # What was loaded before the bulk updates (a moved user, an item) is read again.
    db.session.expire_all()
    return usage
