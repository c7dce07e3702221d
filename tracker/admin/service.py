"""Administration: queries for the admin pages and audited commands on users and agencies.

Commands add to the session (flushing when an id is needed) and return; the view commits once.
Each command writes one AuditEntry whose details are "field: old → new" lines.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from tracker.auth.service import send_invitation
from tracker.extensions import db
from tracker.models import (
    Agency,
    AuditEntry,
    MessageStatus,
    OutboxMessage,
    Role,
    SchedulerRun,
    User,
)
from tracker.services import FieldError
from tracker.text import N_, name_key

# Shown on the journal page; the codes are what is stored.
ACTION_LABELS = {
    "agency.create": N_("Agency created"),
    "agency.update": N_("Agency changed"),
    "user.invite": N_("User invited"),
    "user.update": N_("User changed"),
    "user.deactivate": N_("User deactivated"),
    "user.reactivate": N_("User reactivated"),
    "user.reinvite": N_("Invitation sent again"),
}

STATUS_LABELS = {
    MessageStatus.PENDING: N_("Waiting to be sent"),
    MessageStatus.SENT: N_("Sent"),
    MessageStatus.FAILED: N_("Failed"),
    MessageStatus.HELD: N_("Held (no mail server)"),
    MessageStatus.CANCELLED: N_("Cancelled"),
}

Change = tuple[str, Any, Any]


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

def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def change_lines(changes: Iterable[Change]) -> str:
    return "\n".join(f"{field}: {_shown(old)} → {_shown(new)}" for field, old, new in changes)


def record(actor: User, action: str, target_type: str, target_id: int,
           changes: Iterable[Change] = ()) -> AuditEntry:
    entry = AuditEntry(actor_id=actor.id, action=action, target_type=target_type,
                       target_id=target_id, details=change_lines(changes))
    db.session.add(entry)
    return entry


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
    agency = Agency(name, shared_mailbox=_mailbox(shared_mailbox), active=active,
                    is_consolidating_office=is_consolidating_office)
    db.session.add(agency)
    db.session.flush()  # the journal needs the id
    record(actor, "agency.create", "agency", agency.id, [
        ("name", None, agency.name), ("shared_mailbox", None, agency.shared_mailbox),
        ("active", None, agency.active),
        ("is_consolidating_office", None, agency.is_consolidating_office),
    ])
    return agency


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
