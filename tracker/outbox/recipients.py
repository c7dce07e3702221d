"""Who receives a kind of mail: one rule for every path that addresses an agency.

Plain values in, recipients out (no Flask, no database). The reminder planner
(notify/planner.py) and the mails queued with a change (status notices, postponement and
withdrawal requests and decisions: outbox/queue.py) both ask it, so they cannot disagree.

For an agency addressed in some roles, about one kind of mail:
- its active users in those roles, less those who turned the kind off; a manager cannot
  turn off the overdue alerts of the items in his scope;
- then its shared mailbox, when the mail goes to the agency's desk (`with_mailbox`), unless
  the agency is deactivated: a deactivated agency's mailbox gets nothing, of any kind (its
  users are judged by their own accounts);
- each address once, whatever its case: a user wins over a mailbox at his address.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from tracker.notices import NoticeKind
from tracker.policy import Role

OFFICER = Role.OFFICER.value
MANAGER = Role.MANAGER.value
OVERDUE = NoticeKind.OVERDUE.value
MAILBOX_LOCALE = "vi"  # a shared mailbox has no preferences: the official language
# (role, kind) pairs a user cannot turn off.
ALWAYS_SENT = frozenset({(MANAGER, OVERDUE)})


@dataclass(frozen=True, slots=True)
class UserFacts:
    """A user; `muted` holds the notice kinds he turned off."""

    id: int
    email: str
    name: str
    role: str  # "admin" | "manager" | "officer" | "viewer"
    agency_id: int
    active: bool = True
    locale: str = "vi"
    muted: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AgencyFacts:
    id: int
    shared_mailbox: str | None = None
    is_consolidating_office: bool = False
    active: bool = True


class Recipient(NamedTuple):
    email: str
    name: str  # "" for a shared mailbox
    locale: str
    user_id: int | None  # None for a shared mailbox
    key: str  # the e-mail in lower case: one address, whatever its case

    @property
    def is_mailbox(self) -> bool:
        return self.user_id is None


def receives(user: UserFacts, kind: str, roles: Collection[str]) -> bool:
    """Does this user get mail of `kind` sent to his agency's `roles`?"""
    return (user.active and user.role in roles
            and (kind not in user.muted or (user.role, kind) in ALWAYS_SENT))


def mailbox_of(agency: AgencyFacts | None) -> Recipient | None:
    """The agency's shared mailbox as a recipient; None without one or for a deactivated agency."""
    if agency is None or not agency.active or not agency.shared_mailbox:
        return None
    address = agency.shared_mailbox
    return Recipient(address, "", MAILBOX_LOCALE, None, address.lower())


def user_recipient(user: UserFacts) -> Recipient:
    return Recipient(user.email, user.name, user.locale, user.id, user.email.lower())


def agency_audience(kind: str, roles: Collection[str], users: Iterable[UserFacts],
                    agency: AgencyFacts | None = None, *, with_mailbox: bool = True
                    ) -> list[Recipient]:
    """Who of an agency's `users` (in the order given) and its shared mailbox receive `kind`
    when it is sent to the agency's `roles`; `agency` None: an agency known for no mailbox."""
    recipients = [user_recipient(user) for user in users if receives(user, kind, roles)]
    mailbox = mailbox_of(agency) if with_mailbox else None
    return merge([recipients, [mailbox] if mailbox else []])


def merge(groups: Iterable[Iterable[Recipient]]) -> list[Recipient]:
    """Several audiences as one: each address once, in order of first appearance; at an
    address both a user's and a mailbox's, the user (with his name and language)."""
    chosen: dict[str, Recipient] = {}
    for group in groups:
        for recipient in group:
            known = chosen.get(recipient.key)
            if known is None or (known.is_mailbox and not recipient.is_mailbox):
                chosen[recipient.key] = recipient
    return list(chosen.values())
