"""The kinds of notice a reminder digest carries, and which of them a user turned off.

Plain Python, shared by the planner (which plans the reminders and the alerts), the
service that adds the status changes, the digest, the user's settings and the templates
(jinja global `NoticeKind`).
"""
from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class NoticeKind(StrEnum):
    """`Notice.kind`; in this order on the user's settings page (and in `muted_notices`)."""

    DUE_SOON = "due_soon"   # a reminder before the deadline, one per stage
    OVERDUE = "overdue"     # an alert after it, every `overdue_interval` days
    STATUS = "status"       # a status change that matters (notify.service.queue_status_notices)


# A digest tells the overdue items first, then those due soon, then the changes.
DIGEST_ORDER: dict[str, int] = {NoticeKind.OVERDUE: 0, NoticeKind.DUE_SOON: 1, NoticeKind.STATUS: 2}

_KINDS = {kind.value: kind for kind in NoticeKind}


def parse_muted(text: str | None) -> frozenset[NoticeKind]:
    """`User.muted_notices` ("due_soon,status") → the kinds it names; other words are ignored."""
    return frozenset(_KINDS[word] for word in (text or "").split(",") if word in _KINDS)


def format_muted(kinds: Iterable[str]) -> str:
    """The kinds as `User.muted_notices` stores them: comma-separated, in NoticeKind's order."""
    wanted = set(kinds)
    return ",".join(kind for kind in NoticeKind if kind in wanted)
