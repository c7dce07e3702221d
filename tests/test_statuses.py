"""The status model of DESIGN.md: transitions, what ends tracking, and overdue."""
from datetime import UTC, date, datetime

import pytest

from tracker.clock import today_in
from tracker.statuses import (
    ENDED,
    TRANSITIONS,
    Status,
    TransitionError,
    allowed_next,
    check_transition,
    document_phrase,
    is_overdue,
)


def test_every_status_has_a_transition_entry():
    """Each status code appears in the transition table (none is a dead end by accident)."""
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize("current,new", [
    ("not_started", "in_progress"), ("not_started", "submitted"), ("in_progress", "consulting"),
    ("consulting", "submitted"), ("submitted", "approved"), ("submitted", "returned"),
    ("returned", "submitted"), ("postponed", "postponed"), ("postponed", "submitted"),
    ("in_progress", "withdrawn"),
])
def test_allowed_transitions(current, new):
    """Work moves forward; a returned or postponed item can be taken up again."""
    check_transition(current, new)


@pytest.mark.parametrize("current,new", [
    ("approved", "in_progress"), ("withdrawn", "in_progress"), ("submitted", "not_started"),
    ("submitted", "postponed"), ("not_started", "approved"), ("not_started", "returned"),
    ("in_progress", "not_started"), ("approved", "approved"),
])
def test_refused_transitions(current, new):
    """An issued or withdrawn item is final; nothing is approved before it is submitted."""
    with pytest.raises(TransitionError):
        check_transition(current, new)


def test_ended_statuses_are_the_three_of_design():
    """The ended statuses are submitted, approved and withdrawn; nothing follows "approved"."""
    assert ENDED == {Status.SUBMITTED, Status.APPROVED, Status.WITHDRAWN}
    assert allowed_next("approved") == frozenset()


@pytest.mark.parametrize("status,due,today,expected", [
    ("in_progress", date(2020, 9, 30), date(2020, 9, 30), False),  # the deadline day itself
    ("in_progress", date(2020, 9, 30), date(2020, 10, 1), True),
    ("not_started", date(2020, 9, 30), date(2020, 10, 1), True),
    ("postponed", date(2020, 12, 31), date(2020, 10, 1), False),
    ("submitted", date(2020, 9, 30), date(2021, 1, 1), False),    # ended: never overdue
    ("withdrawn", date(2020, 9, 30), date(2021, 1, 1), False),
    ("in_progress", None, date(2030, 1, 1), False),               # "Thường xuyên": no deadline
])
def test_overdue_rule(status, due, today, expected):
    """Overdue = not ended and today strictly after the deadline."""
    assert is_overdue(status, due, today) is expected


def test_overdue_day_boundary_in_ho_chi_minh_time():
    """At 16:59 UTC on 30/9 it is still 30/9 in Hà Nội (UTC+7); at 17:00 UTC it is 1/10."""
    due = date(2020, 9, 30)
    before = today_in("Asia/Ho_Chi_Minh", datetime(2020, 9, 30, 16, 59, 59, tzinfo=UTC))
    after = today_in("Asia/Ho_Chi_Minh", datetime(2020, 9, 30, 17, 0, 0, tzinfo=UTC))
    assert (before, after) == (date(2020, 9, 30), date(2020, 10, 1))
    assert not is_overdue("in_progress", due, before)
    assert is_overdue("in_progress", due, after)
    # The same instant is still 30/9 in UTC: the time zone setting matters.
    assert today_in("UTC", datetime(2020, 9, 30, 17, 0, tzinfo=UTC)) == due


def test_document_phrase_adds_the_kind_and_vietnamese_date():
    """A bare reference is named for its status (Tờ trình when submitted, Quyết định when
    approved) and dated the Vietnamese way; one that names its kind is kept as typed."""
    assert document_phrase("submitted", "45/TTr-SCT", date(2020, 9, 20)) == \
        "Tờ trình số 45/TTr-SCT ngày 20/9/2020"
    assert document_phrase("approved", "1234/QĐ-UBND", date(2020, 11, 5)) == \
        "Quyết định số 1234/QĐ-UBND ngày 5/11/2020"
    # A reference that already names its kind is not prefixed twice.
    assert document_phrase("submitted", "Công văn số 12/SCT-KHTC", None) == "Công văn số 12/SCT-KHTC"
