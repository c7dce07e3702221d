"""Tests for the pure reminder planner (tracker.notify.planner): plain values in, notices out."""
from __future__ import annotations

import ast
import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.models import User
from tracker.notices import NoticeKind, format_muted, parse_muted
from tracker.notify import planner
from tracker.notify.planner import (
    AgencyFacts,
    ItemFacts,
    PlannedNotice,
    ReminderRules,
    UserFacts,
    plan_notices,
)
from tracker.workdays import DEFAULT_CALENDAR, WorkCalendar

D = date
DEFAULT = ReminderRules()

# The seed plan (351/BC-SCT): Sở Công Thương (agency 1) leads and owns all three items.
LEAD, OTHER, OFFICE = 1, 2, 9
SEED_ITEMS = (
    ItemFacts(1, "Quy chế phối hợp quản lý cụm công nghiệp", "in_progress", D(2020, 9, 30),
              "Quý III/2020", LEAD, LEAD, frozenset({OTHER, 3}), "Sở Công Thương"),
    ItemFacts(2, "Công văn tăng cường tiết kiệm điện", "not_started", D(2020, 12, 31),
              "Quý IV/2020", LEAD, LEAD, frozenset({4}), "Sở Công Thương"),
    ItemFacts(3, "Chương trình Khuyến công địa phương 2021-2025", "in_progress", D(2020, 9, 30),
              "Quý III/2020", LEAD, LEAD, frozenset({5}), "Sở Công Thương"),
)
OFFICER_A = UserFacts(10, "a@sct.local", "Trần Văn An", "officer", LEAD)
MANAGER_M = UserFacts(11, "m@sct.local", "Nguyễn Thị Mộng Thu", "manager", LEAD)
OFFICER_C = UserFacts(12, "c@stc.local", "Phạm Minh Châu", "officer", OTHER)
MANAGER_V = UserFacts(13, "v@vp.local", "Võ Văn Vinh", "manager", OFFICE)
INACTIVE = UserFacts(14, "old@sct.local", "Cán bộ đã nghỉ", "officer", LEAD, active=False)
VIEWER = UserFacts(15, "xem@sct.local", "Lê Thị Bình", "viewer", LEAD)
ADMIN = UserFacts(16, "admin@vp.local", "Quản trị", "admin", OFFICE)
SEED_USERS = (OFFICER_A, MANAGER_M, OFFICER_C, MANAGER_V, INACTIVE, VIEWER, ADMIN)
SEED_AGENCIES = (AgencyFacts(LEAD), AgencyFacts(OTHER), AgencyFacts(OFFICE, is_consolidating_office=True))

Got = tuple[date, str, int, int]  # (day, kind, item id, stage)


def walk(items, users, agencies, rules: ReminderRules, start: date, end: date,
         calendar: WorkCalendar = DEFAULT_CALENDAR) -> dict[str, list[Got]]:
    """Plan every day from `start` to `end`; what each recipient got, in order."""
    got: dict[str, list[Got]] = defaultdict(list)
    day = start
    while day <= end:
        for n in plan_notices(items, users, agencies, rules, day, calendar):
            got[n.recipient_email].append((day, n.kind, n.item_id, n.stage))
        day += timedelta(days=1)
    return got


def only(got: list[Got], item_id: int, kind: str | None = None) -> list[tuple[date, int]]:
    return [(day, stage) for day, k, i, stage in got if i == item_id and (kind is None or k == kind)]


SEED_DUE = D(2020, 9, 30)


def item(id: int = 1, due: date | None = SEED_DUE, status: str = "in_progress",
         lead: int = LEAD, owner: int = LEAD, coordinators: frozenset[int] = frozenset()) -> ItemFacts:
    return ItemFacts(id, f"Đề án {id}", status, due, "Quý III/2020", lead, owner, coordinators)


# --- The seed scenario, walked day by day -------------------------------------------------

# Item 1 (due Wed 30/9/2020): 30/9 − 3 = Sun 27/9, so stage 3 comes on Fri 25/9.
ITEM_1_DUE_SOON = [(D(2020, 9, 16), 14), (D(2020, 9, 23), 7), (D(2020, 9, 25), 3),
                   (D(2020, 9, 29), 1), (D(2020, 9, 30), 0)]
# Items 1 and 3 are late from Thu 1/10/2020, then every Thursday; alert 20's Thursday is
# 11/2/2021, inside Tết (10–16/2/2021), so it comes on Wed 17/2 — the day before alert 21.
ITEM_1_OVERDUE = [(D(2020, 10, 1), 1), (D(2020, 10, 8), 2), (D(2020, 10, 15), 3),
                  (D(2020, 10, 22), 4), (D(2020, 10, 29), 5), (D(2020, 11, 5), 6),
                  (D(2020, 11, 12), 7), (D(2020, 11, 19), 8), (D(2020, 11, 26), 9),
                  (D(2020, 12, 3), 10), (D(2020, 12, 10), 11), (D(2020, 12, 17), 12),
                  (D(2020, 12, 24), 13), (D(2020, 12, 31), 14), (D(2021, 1, 7), 15),
                  (D(2021, 1, 14), 16), (D(2021, 1, 21), 17), (D(2021, 1, 28), 18),
                  (D(2021, 2, 4), 19), (D(2021, 2, 17), 20), (D(2021, 2, 18), 21),
                  (D(2021, 2, 25), 22), (D(2021, 3, 4), 23), (D(2021, 3, 11), 24),
                  (D(2021, 3, 18), 25), (D(2021, 3, 25), 26)]
# Item 2 (due Thu 31/12/2020): nothing moves before the deadline.
ITEM_2_DUE_SOON = [(D(2020, 12, 17), 14), (D(2020, 12, 24), 7), (D(2020, 12, 28), 3),
                   (D(2020, 12, 30), 1), (D(2020, 12, 31), 0)]
# 1/1/2021 is New Year, 2–3/1 a weekend: first alert Mon 4/1/2021, then Mondays; alert 7's
# Monday is 15/2/2021 (Tết), so it comes on Wed 17/2/2021.
ITEM_2_OVERDUE = [(D(2021, 1, 4), 1), (D(2021, 1, 11), 2), (D(2021, 1, 18), 3),
                  (D(2021, 1, 25), 4), (D(2021, 2, 1), 5), (D(2021, 2, 8), 6),
                  (D(2021, 2, 17), 7), (D(2021, 2, 22), 8), (D(2021, 3, 1), 9),
                  (D(2021, 3, 8), 10), (D(2021, 3, 15), 11), (D(2021, 3, 22), 12),
                  (D(2021, 3, 29), 13)]


@pytest.fixture(scope="module")
def seed_walk() -> dict[str, list[Got]]:
    return walk(SEED_ITEMS, SEED_USERS, SEED_AGENCIES, DEFAULT, D(2020, 7, 1), D(2021, 3, 31))


def test_the_calendar_facts_the_walk_relies_on():
    """The moved days above are right only if the calendar says so: check each one."""
    cal = DEFAULT_CALENDAR
    assert D(2020, 9, 27).weekday() == 6 and cal.previous_working_day(D(2020, 9, 27)) == D(2020, 9, 25)
    assert cal.is_holiday(D(2021, 1, 1)) and cal.next_working_day(D(2021, 1, 1)) == D(2021, 1, 4)
    assert all(not cal.is_working_day(D(2021, 2, d)) for d in range(10, 17))  # Tết 2021
    assert cal.next_working_day(D(2021, 2, 11)) == cal.next_working_day(D(2021, 2, 15)) == D(2021, 2, 17)
    expected_days = [d for d, _ in ITEM_1_DUE_SOON + ITEM_1_OVERDUE + ITEM_2_DUE_SOON + ITEM_2_OVERDUE]
    assert all(cal.is_working_day(d) for d in expected_days)


def test_lead_officer_gets_every_stage_then_weekly_alerts(seed_walk):
    """Rule 2 and 3: the lead agency's officer gets stages 14, 7, 3, 1, 0 (moved back to a
    working day: 27/9/2020 is a Sunday, so stage 3 is Fri 25/9), then an alert on the first
    working day after the deadline and every 7 days, moved forward over Tết 2021."""
    got = seed_walk[OFFICER_A.email]
    assert only(got, 1, "due_soon") == ITEM_1_DUE_SOON
    assert only(got, 1, "overdue") == ITEM_1_OVERDUE
    assert only(got, 3) == only(got, 1)  # same deadline, same days
    assert only(got, 2, "due_soon") == ITEM_2_DUE_SOON
    assert only(got, 2, "overdue") == ITEM_2_OVERDUE


def test_coordinating_officer_gets_the_first_stage_only(seed_walk):
    """Rule 2: a coordinating agency's officers hear once, at the largest stage, and never
    about overdue items."""
    assert seed_walk[OFFICER_C.email] == [(D(2020, 9, 16), "due_soon", 1, 14)]


def test_owner_manager_gets_every_overdue_alert_and_no_reminder(seed_walk):
    """Rule 3: the owner agency's managers get the overdue alerts, never the reminders."""
    got = seed_walk[MANAGER_M.email]
    assert {kind for _, kind, _, _ in got} == {"overdue"}
    assert only(got, 1) == only(got, 3) == ITEM_1_OVERDUE
    assert only(got, 2) == ITEM_2_OVERDUE


def test_consolidating_office_hears_from_the_third_alert_on(seed_walk):
    """Rule 3: with escalate_after=2, the consolidating office's managers get alert 3 on
    (item 2: from Mon 18/1/2021)."""
    got = seed_walk[MANAGER_V.email]
    assert only(got, 2) == ITEM_2_OVERDUE[2:]
    assert only(got, 2)[0] == (D(2021, 1, 18), 3)
    assert only(got, 1) == only(got, 3) == ITEM_1_OVERDUE[2:]


def test_inactive_viewer_and_admin_get_nothing_from_the_walk(seed_walk):
    """Rule 4: a deactivated officer of the lead agency, a viewer of it and an admin of the
    consolidating office are never told anything."""
    assert set(seed_walk) == {OFFICER_A.email, MANAGER_M.email, OFFICER_C.email, MANAGER_V.email}


# --- Ended items and open deadlines -------------------------------------------------------

@pytest.mark.parametrize("status", ["submitted", "approved", "withdrawn"])
@pytest.mark.parametrize("day", [D(2020, 9, 30), D(2020, 10, 15)])  # stage 0; escalated alert 3
def test_an_ended_item_gets_nothing_from_then_on(status, day):
    """Rule 1: once submitted (or approved, withdrawn) an item is never reminded of again —
    planning the day after the change yields nothing for it, where it yielded before."""
    still_open = item(coordinators=frozenset({OTHER}))
    assert plan_notices([still_open], SEED_USERS, SEED_AGENCIES, DEFAULT, day)
    ended = replace(still_open, status=status)
    assert plan_notices([ended], SEED_USERS, SEED_AGENCIES, DEFAULT, day) == []
    others = plan_notices([ended, replace(still_open, id=2)], SEED_USERS, SEED_AGENCIES, DEFAULT, day)
    assert {n.item_id for n in others} == {2}


def test_an_item_submitted_during_the_walk_stops_being_reminded():
    """Rule 1: officer A got stage 1 of item 1 on 29/9/2020; it was submitted that day, so
    the planning of 30/9 (stage 0) and of every day after has nothing for it."""
    open_item = item()
    assert [n.stage for n in plan_notices([open_item], SEED_USERS, SEED_AGENCIES, DEFAULT,
                                          D(2020, 9, 29))] == [1]
    submitted = replace(open_item, status="submitted")
    later = walk([submitted], SEED_USERS, SEED_AGENCIES, DEFAULT, D(2020, 9, 30), D(2021, 3, 31))
    assert later == {}


def test_an_item_without_a_deadline_gets_nothing():
    """Rule 1: open texts such as "Thường xuyên" have no due date, so nothing to count down to."""
    regular = replace(item(coordinators=frozenset({OTHER})), due_date=None, due_period="Thường xuyên")
    assert walk([regular], SEED_USERS, SEED_AGENCIES, DEFAULT, D(2020, 7, 1), D(2020, 12, 31)) == {}


def test_a_postponed_item_follows_its_new_deadline():
    """Rule 5: postponing only moves the due date; the reminders follow the new one."""
    postponed = item(status="postponed", due=D(2020, 12, 31))
    got = walk([postponed], [OFFICER_A], SEED_AGENCIES, DEFAULT, D(2020, 9, 1), D(2021, 1, 4))
    assert only(got[OFFICER_A.email], 1) == [(d, s) for d, s in ITEM_2_DUE_SOON + ITEM_2_OVERDUE[:1]]


# --- Moving reminders and alerts ----------------------------------------------------------

def test_stages_that_meet_after_moving_are_both_emitted():
    """Rule 2: stages 2 and 1 before Mon 5/10/2020 fall on Sat and Sun, both move back to
    Fri 2/10; both are emitted, with different dedupe keys."""
    rules = ReminderRules(stages=(2, 1, 0))
    notices = plan_notices([item(due=D(2020, 10, 5))], [OFFICER_A], [], rules, D(2020, 10, 2))
    assert [n.stage for n in notices] == [1, 2]
    assert len({n.dedupe_key for n in notices}) == 2


def test_a_deadline_on_a_day_off_is_reminded_the_working_day_before():
    """Rule 2: a due date on Sunday 4/10/2020 (it should have been rolled forward) still gets
    its stage 0, on Friday 2/10, together with stage 1 (Sat 3/10, also moved back)."""
    got = walk([item(due=D(2020, 10, 4))], [OFFICER_A], [], ReminderRules(stages=(1, 0)),
               D(2020, 9, 20), D(2020, 10, 4))
    assert only(got[OFFICER_A.email], 1) == [(D(2020, 10, 2), 0), (D(2020, 10, 2), 1)]


def test_stages_counted_in_working_days():
    """Rule 2 with working_days: stages count working days back from Fri 26/2/2021, skipping
    Tết (10–16/2/2021): 14 → Mon 1/2, 7 → Wed 17/2, 3 → Tue 23/2, 1 → 25/2, 0 → 26/2.
    In calendar days stage 14 would be Tue 9/2 and stage 7 Fri 19/2."""
    due = D(2021, 2, 26)
    expected = [(D(2021, 2, 1), 14), (D(2021, 2, 17), 7), (D(2021, 2, 23), 3), (D(2021, 2, 25), 1),
                (D(2021, 2, 26), 0)]
    working = walk([item(due=due)], [OFFICER_A], [], ReminderRules(working_days=True),
                   D(2021, 1, 1), due)
    assert only(working[OFFICER_A.email], 1) == expected
    calendar_days = walk([item(due=due)], [OFFICER_A], [], DEFAULT, D(2021, 1, 1), due)
    assert only(calendar_days[OFFICER_A.email], 1)[:2] == [(D(2021, 2, 9), 14), (D(2021, 2, 19), 7)]


def test_working_day_stages_on_a_deadline_on_a_day_off():
    """Rule 2 with working_days: for a Sunday deadline (4/10/2020), stage 1 (one working day
    back) and stage 0 (moved back) are both on Friday 2/10."""
    got = walk([item(due=D(2020, 10, 4))], [OFFICER_A], [],
               ReminderRules(stages=(2, 1, 0), working_days=True), D(2020, 9, 20), D(2020, 10, 4))
    assert only(got[OFFICER_A.email], 1) == [(D(2020, 10, 1), 2), (D(2020, 10, 2), 0),
                                             (D(2020, 10, 2), 1)]


def test_overdue_interval_and_escalation_follow_the_rules():
    """Rule 3 with other settings: every 3 days from the first working day after the deadline,
    an alert on a weekend coming on Monday, and the office told from alert 2 (escalate_after=1)."""
    rules = ReminderRules(overdue_interval=3, escalate_after=1)
    got = walk([item(due=D(2020, 10, 5))], SEED_USERS, SEED_AGENCIES, rules,
               D(2020, 10, 6), D(2020, 10, 20))
    # first Tue 6/10; 9/10 Fri; 12/10 Mon; 15/10 Thu; 18/10 Sun → Mon 19/10
    alerts = [(D(2020, 10, 6), 1), (D(2020, 10, 9), 2), (D(2020, 10, 12), 3), (D(2020, 10, 15), 4),
              (D(2020, 10, 19), 5)]
    assert only(got[OFFICER_A.email], 1) == alerts
    assert only(got[MANAGER_M.email], 1) == alerts
    assert only(got[MANAGER_V.email], 1) == alerts[1:]


def test_daily_alerts_over_a_weekend_all_come_on_monday():
    """Rule 3: with a 1-day interval the Saturday and Sunday alerts move to Monday, so Monday
    carries three alert numbers (each its own notice; the digest groups them)."""
    rules = ReminderRules(overdue_interval=1)
    got = walk([item(due=D(2020, 10, 7))], [OFFICER_A], [], rules, D(2020, 10, 8), D(2020, 10, 13))
    assert only(got[OFFICER_A.email], 1) == [(D(2020, 10, 8), 1), (D(2020, 10, 9), 2), (D(2020, 10, 12), 3),
                                             (D(2020, 10, 12), 4), (D(2020, 10, 12), 5),
                                             (D(2020, 10, 13), 6)]


def test_admin_days_off_and_worked_saturdays_are_respected():
    """Rules 2 and 3 use the calendar given: an admin day off on Fri 25/9/2020 pushes stage 3
    back to Thu 24/9, and a worked Saturday 3/10 brings an alert forward from Mon 5/10."""
    calendar = WorkCalendar(extra_days_off=[D(2020, 9, 25)], extra_working_days=[D(2020, 10, 3)])
    rules = ReminderRules(stages=(3,), overdue_interval=3)
    got = walk([item()], [OFFICER_A], [], rules, D(2020, 9, 1), D(2020, 10, 10), calendar)
    assert only(got[OFFICER_A.email], 1) == [(D(2020, 9, 24), 3), (D(2020, 10, 1), 1),
                                             (D(2020, 10, 5), 2), (D(2020, 10, 7), 3)]
    # 1/10 + 3 = Sun 4/10 → Mon 5/10 (3/10 is worked, but is not alert 2's nominal day)


# --- Recipients --------------------------------------------------------------------------

def test_owner_and_lead_differ():
    """Rule 3: overdue alerts go to the OWNER agency's managers and the LEAD agency's officers;
    not to the lead's managers nor the owner's officers."""
    owner, lead = 7, 8
    users = [UserFacts(1, "owner.mgr@x", "", "manager", owner),
             UserFacts(2, "owner.off@x", "", "officer", owner),
             UserFacts(3, "lead.mgr@x", "", "manager", lead), UserFacts(4, "lead.off@x", "", "officer", lead)]
    notices = plan_notices([item(lead=lead, owner=owner)], users, [], DEFAULT, D(2020, 10, 1))
    assert [(n.kind, n.recipient_email) for n in notices] == [("overdue", "lead.off@x"),
                                                             ("overdue", "owner.mgr@x")]
    soon = plan_notices([item(lead=lead, owner=owner)], users, [], DEFAULT, D(2020, 9, 30))
    assert [(n.kind, n.recipient_email) for n in soon] == [("due_soon", "lead.off@x")]


def test_shared_mailbox_gets_each_notice_once():
    """Rules 2 and 3: the lead agency's shared mailbox gets the reminders and the alerts, once
    each (as a mailbox: no name, no user id, Vietnamese); a coordinator's mailbox gets the
    first stage only."""
    agencies = [AgencyFacts(LEAD, shared_mailbox="vanthu@sct.local"),
                AgencyFacts(OTHER, shared_mailbox="vanthu@stc.local")]
    it = item(coordinators=frozenset({OTHER, LEAD}))  # the lead listed as coordinator too
    got = walk([it], [OFFICER_A], agencies, DEFAULT, D(2020, 9, 1), D(2020, 10, 15))
    assert only(got["vanthu@sct.local"], 1) == ITEM_1_DUE_SOON + ITEM_1_OVERDUE[:3]
    assert got["vanthu@stc.local"] == [(D(2020, 9, 16), "due_soon", 1, 14)]
    [notice] = [n for n in plan_notices([it], [OFFICER_A], agencies, DEFAULT, D(2020, 10, 1))
                if n.recipient_email == "vanthu@sct.local"]
    assert (notice.recipient_email, notice.recipient_name, notice.recipient_user_id, notice.locale) == (
        "vanthu@sct.local", "", None, "vi")


def test_mailbox_at_an_officers_address_is_not_doubled():
    """Rule 2: when the mailbox is an officer's own address (any case), one notice goes there,
    the officer's (with his name and id)."""
    agencies = [AgencyFacts(LEAD, shared_mailbox="A@SCT.local")]
    for day in (D(2020, 9, 16), D(2020, 10, 1)):
        notices = plan_notices([item()], [OFFICER_A], agencies, DEFAULT, day)
        assert [(n.recipient_email, n.recipient_user_id) for n in notices] == [
            (OFFICER_A.email, OFFICER_A.id)]


def test_officer_who_muted_due_soon_gets_no_reminder_but_still_alerts():
    """Rule 2: an officer who muted "due_soon" gets no reminder; his overdue alerts still come."""
    muted = replace(OFFICER_A, muted=frozenset({"due_soon"}))
    got = walk([item()], [muted], [], DEFAULT, D(2020, 9, 1), D(2020, 10, 8))
    assert only(got[OFFICER_A.email], 1, "due_soon") == []
    assert only(got[OFFICER_A.email], 1, "overdue") == ITEM_1_OVERDUE[:2]


def test_officer_who_muted_overdue_gets_no_alert():
    """Rule 3: an officer who muted "overdue" gets no alert; his reminders still come."""
    muted = replace(OFFICER_A, muted=frozenset({"overdue"}))
    got = walk([item()], [muted], [], DEFAULT, D(2020, 9, 1), D(2020, 10, 8))
    assert only(got[OFFICER_A.email], 1) == ITEM_1_DUE_SOON


def test_managers_cannot_mute_alerts_in_their_scope():
    """Rule 3: a manager who muted "overdue" still gets alerts for his owner agency's items,
    and the consolidating office's manager still gets the escalated ones."""
    users = [replace(MANAGER_M, muted=frozenset({"overdue", "due_soon"})),
             replace(MANAGER_V, muted=frozenset({"overdue"}))]
    got = walk([item()], users, SEED_AGENCIES, DEFAULT, D(2020, 9, 1), D(2020, 10, 15))
    assert only(got[MANAGER_M.email], 1) == ITEM_1_OVERDUE[:3]
    assert only(got[MANAGER_V.email], 1) == ITEM_1_OVERDUE[2:3]


def test_deactivated_users_viewers_and_admins_get_nothing():
    """Rule 4: whatever their agency and whatever the day, these users are never told."""
    users = [replace(OFFICER_A, active=False), replace(MANAGER_M, active=False),
             replace(MANAGER_V, active=False),
             UserFacts(20, "xem@sct.local", "", "viewer", LEAD),
             UserFacts(21, "admin@sct.local", "", "admin", LEAD),
             UserFacts(22, "admin@vp.local", "", "admin", OFFICE)]
    assert walk([item(coordinators=frozenset({LEAD}))], users, SEED_AGENCIES, DEFAULT,
                D(2020, 9, 1), D(2020, 11, 30)) == {}


def test_no_duplicates_when_roles_overlap():
    """No duplicate dedupe keys: an owner that is also the consolidating office, a lead listed
    among its own coordinators, and a user given twice each still yield one notice."""
    agencies = [AgencyFacts(LEAD, shared_mailbox="vt@sct.local", is_consolidating_office=True)]
    it = item(coordinators=frozenset({LEAD}))
    for day in (D(2020, 9, 16), D(2020, 10, 15)):
        notices = plan_notices([it, it], [OFFICER_A, OFFICER_A, MANAGER_M], agencies, DEFAULT, day)
        keys = [n.dedupe_key for n in notices]
        assert len(keys) == len(set(keys)) > 0


def test_notice_fields_and_dedupe_key():
    """The notice carries what the digest needs; the key is kind:item:stage:lower-case e-mail."""
    user = replace(OFFICER_A, email="An.Tran@SCT.local", locale="en")
    [notice] = plan_notices([item()], [user], [], DEFAULT, D(2020, 9, 25))
    assert notice == PlannedNotice("due_soon", 1, "An.Tran@SCT.local", OFFICER_A.name, OFFICER_A.id, "en",
                                   3, 5)
    assert notice.dedupe_key == "due_soon:1:3:an.tran@sct.local"
    [late] = plan_notices([item()], [user], [], DEFAULT, D(2020, 10, 8))
    assert (late.kind, late.stage, late.days_left) == ("overdue", 2, -8)


def test_sorted_overdue_first_then_by_deadline_item_and_email():
    """Output order: overdue before due_soon; within a kind by due date, item id, e-mail."""
    items = [item(5, due=D(2020, 10, 14)), item(4, due=D(2020, 10, 14)), item(3, due=D(2020, 9, 30)),
             item(2, due=D(2020, 9, 29)), item(1, due=D(2020, 10, 8)), item(6, due=D(2020, 9, 22))]
    users = [UserFacts(2, "b@x", "", "officer", LEAD), UserFacts(1, "a@x", "", "officer", LEAD)]
    today = D(2020, 9, 30)  # item 6: alert 2; 2: alert 1; 3: stage 0; 1: stage 8; 4, 5: stage 14
    notices = plan_notices(items, users, [], ReminderRules(stages=(14, 8, 7, 0)), today)
    assert [(n.kind, n.item_id, n.recipient_email) for n in notices] == [
        ("overdue", 6, "a@x"), ("overdue", 6, "b@x"),
        ("overdue", 2, "a@x"), ("overdue", 2, "b@x"),
        ("due_soon", 3, "a@x"), ("due_soon", 3, "b@x"),
        ("due_soon", 1, "a@x"), ("due_soon", 1, "b@x"),
        ("due_soon", 4, "a@x"), ("due_soon", 4, "b@x"),
        ("due_soon", 5, "a@x"), ("due_soon", 5, "b@x"),
    ]


def test_input_order_does_not_change_the_answer():
    """Planning is deterministic: shuffled inputs give the same list."""
    items = [item(i, due=D(2020, 9, 30) + timedelta(days=i % 20), coordinators=frozenset({OTHER}))
             for i in range(1, 60)]
    users = list(SEED_USERS) + [UserFacts(100 + i, f"u{i}@x", "", "officer", i % 3) for i in range(20)]
    agencies = list(SEED_AGENCIES)
    first = plan_notices(items, users, agencies, DEFAULT, D(2020, 10, 8))
    rng = random.Random(7)
    for _ in range(3):
        rng.shuffle(items), rng.shuffle(users), rng.shuffle(agencies)
        assert plan_notices(iter(items), iter(users), iter(agencies), DEFAULT, D(2020, 10, 8)) == first
    assert first


@pytest.mark.parametrize("bad", [dict(stages=(7, -1)), dict(overdue_interval=0), dict(escalate_after=-1)])
def test_rules_refuse_nonsense(bad):
    """Settings that would plan nothing or loop forever are refused at once."""
    with pytest.raises(ValueError):
        ReminderRules(**bad)


def test_muted_notices_are_parsed_in_one_place():
    """`User.muted_notices` is read as NoticeKinds (unknown words ignored) and written in the
    kinds' order, whatever order the settings form gave."""
    assert parse_muted("status,,due_soon,nonsense") == {NoticeKind.STATUS, NoticeKind.DUE_SOON}
    assert parse_muted(None) == parse_muted("") == frozenset()
    assert format_muted(["status", NoticeKind.DUE_SOON]) == "due_soon,status"
    assert parse_muted(format_muted(NoticeKind)) == set(NoticeKind)
    user = User(muted_notices="overdue")
    assert user.muted_kinds == {NoticeKind.OVERDUE}
    user.muted_kinds = [NoticeKind.STATUS]
    assert user.muted_notices == "status"


def test_planner_needs_neither_flask_nor_a_database():
    """The planner takes plain values: it imports neither Flask nor SQLAlchemy."""
    tree = ast.parse(Path(planner.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    forbidden = {"flask", "sqlalchemy", "flask_sqlalchemy"}
    assert not {name for name in imported if name.split(".")[0] in forbidden}


# --- Properties --------------------------------------------------------------------------

STATUSES = ["not_started", "in_progress", "consulting", "returned", "postponed",
            "submitted", "approved", "withdrawn"]


@st.composite
def scenarios(draw):
    due = draw(st.dates(D(2020, 1, 1), D(2030, 12, 31)))
    today = due + timedelta(days=draw(st.integers(-40, 80)))
    items = [item(i, due=due + timedelta(days=draw(st.integers(-3, 3))),
                  status=draw(st.sampled_from(STATUSES)),
                  lead=draw(st.integers(1, 3)), owner=draw(st.integers(1, 3)),
                  coordinators=frozenset(draw(st.sets(st.integers(1, 3), max_size=2))))
             for i in range(1, draw(st.integers(1, 6)) + 1)]
    rules = ReminderRules(stages=tuple(draw(st.lists(st.integers(0, 20), max_size=6))),
                          working_days=draw(st.booleans()), overdue_interval=draw(st.integers(1, 10)),
                          escalate_after=draw(st.integers(0, 3)))
    return items, rules, today


PROPERTY_USERS = [UserFacts(i, f"u{i}@x", "", role, agency, locale="vi")
                  for i, (role, agency) in enumerate([(r, a) for r in ("officer", "manager", "viewer")
                                                      for a in (1, 2, 3)])]
PROPERTY_AGENCIES = [AgencyFacts(1, shared_mailbox="U0@x"), AgencyFacts(2, shared_mailbox="box2@x"),
                     AgencyFacts(3, is_consolidating_office=True)]


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_property_working_days_no_ended_items_unique_keys(scenario):
    """For any deadline in 2020–2030 and any day around it: reminders fall on working days,
    ended items get nothing, dedupe keys are unique, the order is the documented one."""
    items, rules, today = scenario
    notices = plan_notices(items, PROPERTY_USERS, PROPERTY_AGENCIES, rules, today)
    by_id = {i.id: i for i in items}
    ended = {"submitted", "approved", "withdrawn"}
    assert all(by_id[n.item_id].status not in ended for n in notices)
    keys = [n.dedupe_key for n in notices]
    assert len(keys) == len(set(keys))
    for n in notices:
        due = by_id[n.item_id].due_date
        assert n.days_left == (due - today).days
        if n.kind == "due_soon":
            assert DEFAULT_CALENDAR.is_working_day(today)
            assert today <= due and n.stage in rules.stages
        else:
            assert DEFAULT_CALENDAR.is_working_day(today)
            assert today > due and n.stage >= 1
    order = [({"overdue": 0, "due_soon": 1}[n.kind], by_id[n.item_id].due_date, n.item_id,
              n.recipient_email.lower()) for n in notices]
    assert order == sorted(order)


def test_every_lead_agency_of_an_item_is_reminded_and_alerted():
    """A published lead cell naming two agencies ("Bộ CHQS tỉnh; UBND cấp xã"): the officers
    of both get every reminder stage and every overdue alert, once each."""
    co_led = replace(item(1), co_lead_ids=frozenset({OTHER}))
    got = walk([co_led], SEED_USERS, SEED_AGENCIES, DEFAULT, D(2020, 9, 1), D(2020, 10, 16))
    expected_soon = [(day, stage) for day, stage in ITEM_1_DUE_SOON]
    for officer in (OFFICER_A, OFFICER_C):
        assert only(got[officer.email], 1, "due_soon") == expected_soon
        assert only(got[officer.email], 1, "overdue") == ITEM_1_OVERDUE[:3]
    alone = walk([item(1)], SEED_USERS, SEED_AGENCIES, DEFAULT, D(2020, 9, 1), D(2020, 10, 16))
    assert OFFICER_C.email not in alone
