"""Item status model: codes, labels, allowed transitions, what each needs.

Plain Python: the services and the forms both ask this module, and it is
tested without a database.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum

from tracker.periods import format_date
from tracker.text import N_
from tracker.workdays import WorkCalendar


class Status(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    CONSULTING = "consulting"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    POSTPONED = "postponed"
    WITHDRAWN = "withdrawn"


# English msgids; the Vietnamese catalog gives the labels of DESIGN.md.
LABELS: dict[Status, str] = {
    Status.NOT_STARTED: N_("Not started"),
    Status.IN_PROGRESS: N_("In preparation"),
    Status.CONSULTING: N_("Gathering comments"),
    Status.SUBMITTED: N_("Submitted"),
    Status.APPROVED: N_("Issued / approved"),
    Status.RETURNED: N_("Returned for revision"),
    # Set only by a decision: a request waiting for one leaves the status as it was
    # (Item.requested_due_period says it waits).
    Status.POSTPONED: N_("Postponement approved"),
    # Decided as well: a withdrawal request leaves the status as it was until a manager
    # approves it (Item.withdrawal_requested says it waits).
    Status.WITHDRAWN: N_("Withdrawn from the list"),
}

# What an officer choosing POSTPONED or WITHDRAWN asks for, when a manager decides.
REQUEST_LABELS: dict[Status, str] = {
    Status.POSTPONED: N_("Ask to postpone the submission (a manager decides)"),
    Status.WITHDRAWN: N_("Ask to withdraw from the list (a manager decides)"),
}

# The official wording, used in printed appendices whatever the interface language.
VI_LABELS: dict[Status, str] = {
    Status.NOT_STARTED: "Chưa triển khai",
    Status.IN_PROGRESS: "Đang xây dựng",
    Status.CONSULTING: "Đang lấy ý kiến",
    Status.SUBMITTED: "Đã trình",
    Status.APPROVED: "Đã ban hành / phê duyệt",
    Status.RETURNED: "Trả lại, chỉnh sửa",
    Status.POSTPONED: "Đã được đồng ý lùi thời gian trình",
    Status.WITHDRAWN: "Đã rút khỏi danh mục",
}

ENDED: frozenset[Status] = frozenset({Status.SUBMITTED, Status.APPROVED, Status.WITHDRAWN})

_WORKING = {Status.IN_PROGRESS, Status.CONSULTING, Status.SUBMITTED, Status.POSTPONED,
            Status.WITHDRAWN}
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NOT_STARTED: frozenset(_WORKING),
    Status.IN_PROGRESS: frozenset(_WORKING - {Status.IN_PROGRESS}),
    Status.CONSULTING: frozenset(_WORKING - {Status.CONSULTING}),
    Status.RETURNED: frozenset(_WORKING),
    # A postponed item may be postponed again (a new period each time).
    Status.POSTPONED: frozenset(_WORKING),
    Status.SUBMITTED: frozenset({Status.APPROVED, Status.RETURNED}),
    Status.APPROVED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

# What the update form must carry for each target status.
NEEDS_DOCUMENT = frozenset({Status.SUBMITTED, Status.APPROVED})
NEEDS_REASON = frozenset({Status.POSTPONED, Status.WITHDRAWN, Status.RETURNED})
NEEDS_NEW_PERIOD = frozenset({Status.POSTPONED})
# What an officer may only ask for: a manager of the plan's owner agency decides.
NEEDS_DECISION = frozenset({Status.POSTPONED, Status.WITHDRAWN})


class TransitionError(ValueError):
    """A status change the model does not allow."""


def allowed_next(current: Status | str) -> frozenset[Status]:
    return TRANSITIONS[Status(current)]


def check_transition(current: Status | str, new: Status | str) -> None:
    """Raise TransitionError unless `current` → `new` is allowed."""
    if Status(new) not in TRANSITIONS[Status(current)]:
        raise TransitionError(f"{current} -> {new}")


def is_ended(status: Status | str) -> bool:
    return Status(status) in ENDED


def is_overdue(status: Status | str, due_date: date | None, today: date) -> bool:
    """Overdue: still open and today is past the deadline (the deadline day itself is not late)."""
    return due_date is not None and not is_ended(status) and today > due_date


_ONE_DAY = timedelta(days=1)


def due_soon_until(today: date, window: int | None, calendar: WorkCalendar, *,
                   working_days: bool = False) -> date | None:
    """The last deadline that is due soon on `today`: the first reminder before it, `window`
    days ahead counted as the reminders count them (`WorkCalendar.day_before`, the
    reminder settings' largest stage and "working days" box), has come. None when no
    reminder is set: then nothing is ever due soon.

    The reminder day only moves forward with the deadline, so the deadlines due soon are
    the range from today to this date, which a list filters on in SQL. Counted in working
    days, it is `window` working days after today; otherwise `window` days after the eve of
    the next working day (a reminder falling on the days off in between is moved back to
    today). tests/test_due_soon.py checks both against the reminders' rule, day by day.
    """
    if window is None:
        return None
    if working_days and window:
        return calendar.add_working_days(today, window)
    return calendar.next_working_day(today + _ONE_DAY) - _ONE_DAY + timedelta(days=window)


def is_due_soon(status: Status | str, due_date: date | None, today: date,
                until: date | None) -> bool:
    """Due soon: still open, not late yet, and the deadline within the reminder window
    (`until` from due_soon_until)."""
    return (until is not None and due_date is not None and not is_ended(status)
            and today <= due_date <= until)


def quiet_since(today: date, working_days: int, calendar: WorkCalendar) -> date:
    """The first day an item must have been updated on (or after) not to be "quiet" today:
    `working_days` working days before today. An open item whose last change is older has
    had no update for that many working days (the start page lists it for its manager)."""
    return calendar.add_working_days(today, -working_days) if working_days > 0 else today


_DOCUMENT_WORDS = re.compile(
    r"^(tờ trình|quyết định|công văn|văn bản|báo cáo|nghị quyết|kế hoạch|thông báo|chỉ thị)\b",
    re.IGNORECASE,
)


def document_phrase(status: Status | str, ref: str, issued_on: date | None) -> str:
    """ "45/TTr-SCT", 20/9/2020 → "Tờ trình số 45/TTr-SCT ngày 20/9/2020".

    A reference that already names its kind ("Công văn số …") is kept as typed.
    """
    ref = (ref or "").strip()
    if ref and not _DOCUMENT_WORDS.match(ref):
        kind = "Tờ trình" if Status(status) == Status.SUBMITTED else "Quyết định"
        ref = f"{kind} số {ref}"
    if issued_on is not None:
        ref = f"{ref} ngày {format_date(issued_on)}"
    return ref
