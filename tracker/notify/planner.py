"""Who is reminded of what on a given day: the reminder rules on plain values.

No Flask, no database: `service.py` loads the facts and stores the answer, so the rules
can be tested in milliseconds and a day can be planned again and again with the same result.

Before a deadline, the lead agency's officers (and its shared mailbox) get one "due soon"
notice per stage; the coordinating agencies only get the first stage. A reminder whose day
is not worked comes the working day *before*, so it is never late. After the deadline,
"overdue" alerts go every `overdue_interval` days to the owner agency's managers and the
lead agency's officers, from the first working day after it; an alert that falls on a day
off comes the next working day. After `escalate_after` alerts, the consolidating office's
managers are told too. Who of an agency receives a kind (active users, mutes, its shared
mailbox) is the one recipient rule of outbox/recipients.py, which queued mail follows too.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.notices import DIGEST_ORDER, NoticeKind
from tracker.outbox.recipients import (
    MANAGER,
    OFFICER,
    OVERDUE,
    AgencyFacts,
    Recipient,
    UserFacts,
    agency_audience,
    merge,
)
from tracker.statuses import is_ended
from tracker.workdays import DEFAULT_CALENDAR, WorkCalendar

__all__ = ["DUE_SOON", "OVERDUE", "AgencyFacts", "ItemFacts", "PlannedNotice", "ReminderRules",
           "UserFacts", "plan_notices"]

# The kinds as plain strings in the loop below: StrEnum members there (hashed into `seen`,
# looked up for the sort) made planning 100,000 items take twice as long
# (bench/bench_planner.py). They compare equal to the members all the same.
DUE_SOON = NoticeKind.DUE_SOON.value

_KIND_ORDER = {kind.value: rank for kind, rank in DIGEST_ORDER.items()}


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """One proposal, as much as the planner needs; `owner_agency_id` is its plan's owner."""

    id: int
    title: str
    status: str
    due_date: date | None
    due_period: str
    lead_agency_id: int
    owner_agency_id: int
    coordinator_ids: frozenset[int] = frozenset()
    lead_agency_name: str = ""
    # The other agencies a published lead cell names ("Bộ CHQS tỉnh; UBND cấp xã"): reminded
    # as the lead is.
    co_lead_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class ReminderRules:
    """The admin's settings; checked here so a bad row cannot loop or silently plan nothing."""

    stages: tuple[int, ...] = (14, 7, 3, 1, 0)  # days before the deadline (0 = the day itself)
    working_days: bool = False  # count the stages in working days instead of calendar days
    overdue_interval: int = 7  # calendar days between overdue alerts
    escalate_after: int = 2  # from alert escalate_after + 1 on, the consolidating office is told

    def __post_init__(self) -> None:
        if any(stage < 0 for stage in self.stages):
            raise ValueError(f"stages must be >= 0: {self.stages}")
        if self.overdue_interval < 1:
            raise ValueError(f"overdue_interval must be >= 1: {self.overdue_interval}")
        if self.escalate_after < 0:
            raise ValueError(f"escalate_after must be >= 0: {self.escalate_after}")


@dataclass(frozen=True, slots=True)
class PlannedNotice:
    """One thing to tell one recipient; the digest of the day gathers a recipient's notices.
    `service.write_notices` stores it as a `models.Notice`."""

    kind: str  # NoticeKind.DUE_SOON or NoticeKind.OVERDUE
    item_id: int
    recipient_email: str
    recipient_name: str  # "" for a shared mailbox
    recipient_user_id: int | None  # None for a shared mailbox
    locale: str
    stage: int  # due_soon: days before the deadline; overdue: the alert number 1, 2, 3 …
    days_left: int  # calendar days from today to the deadline (negative when late)

    @property
    def dedupe_key(self) -> str:
        """Unique per notice: the database refuses a second copy when a day is planned twice."""
        return f"{self.kind}:{self.item_id}:{self.stage}:{self.recipient_email.lower()}"


class _Directory:
    """Users and mailboxes indexed once by agency, and each agency's audience worked out once
    per kind (by the one recipient rule, outbox/recipients.py), so an item never scans all users."""

    def __init__(self, users: Iterable[UserFacts], agencies: Iterable[AgencyFacts]) -> None:
        self.users: dict[int, list[UserFacts]] = defaultdict(list)
        for user in users:
            self.users[user.agency_id].append(user)
        self.agencies: dict[int, AgencyFacts] = {agency.id: agency for agency in agencies}
        self.office_ids = sorted(agency.id for agency in self.agencies.values()
                                 if agency.is_consolidating_office and agency.active)
        self._audiences: dict[tuple, list[Recipient]] = {}
        self._merged: dict[tuple, list[Recipient]] = {}

    def audience(self, kind: str, role: str, agency_id: int, *, with_mailbox: bool = True
                 ) -> list[Recipient]:
        """Who of the agency receives `kind` sent to its `role`: users first, then the mailbox."""
        key = (kind, role, agency_id, with_mailbox)
        if key not in self._audiences:
            self._audiences[key] = agency_audience(
                kind, (role,), self.users.get(agency_id, ()), self.agencies.get(agency_id),
                with_mailbox=with_mailbox)
        return self._audiences[key]

    def due_soon_audience(self, item: ItemFacts, *, coordinators: bool) -> list[Recipient]:
        """The lead agencies' officers and mailboxes; at the first stage, the coordinating
        agencies' too. Worked out once per set of agencies: many items share them."""
        leads = (item.lead_agency_id, *sorted(item.co_lead_ids))
        others = tuple(sorted(item.coordinator_ids)) if coordinators else ()
        key = (DUE_SOON, leads, others)
        if key not in self._merged:
            self._merged[key] = merge(self.audience(DUE_SOON, OFFICER, agency_id)
                                      for agency_id in (*leads, *others))
        return self._merged[key]

    def overdue_audience(self, item: ItemFacts, *, escalated: bool) -> list[Recipient]:
        """The owner agency's managers, the lead agencies' officers and mailboxes; once
        escalated, the consolidating office's managers too."""
        leads = (item.lead_agency_id, *sorted(item.co_lead_ids))
        key = (OVERDUE, item.owner_agency_id, leads, escalated)
        if key not in self._merged:
            groups = [self.audience(OVERDUE, MANAGER, item.owner_agency_id, with_mailbox=False),
                      *(self.audience(OVERDUE, OFFICER, lead_id) for lead_id in leads)]
            if escalated:
                groups += [self.audience(OVERDUE, MANAGER, office_id, with_mailbox=False)
                           for office_id in self.office_ids]
            self._merged[key] = merge(groups)
        return self._merged[key]


class _Schedule:
    """Reminder and alert days per deadline, worked out once per distinct due date.

    Many items share a deadline (the end of a quarter), so the calendar is asked a few
    times per due date, not per item.
    """

    def __init__(self, rules: ReminderRules, today: date, calendar: WorkCalendar) -> None:
        self.rules = rules
        self.today = today
        self.calendar = calendar
        self.first_stage = max(rules.stages, default=None)
        self.stages = sorted(set(rules.stages), reverse=True)
        self._due_soon: dict[date, tuple[int, ...]] = {}
        self._overdue: dict[date, tuple[int, ...]] = {}

    def reminder_day(self, due: date, stage: int) -> date:
        """The stage's nominal day, moved back to a working day so it is never late."""
        return self.calendar.day_before(due, stage, working_days=self.rules.working_days)

    def alert_day(self, due: date, number: int) -> date:
        """Alert `number` (1, 2, …): every interval from the first working day after the deadline."""
        first = self.calendar.next_working_day(due + timedelta(days=1))
        nominal = first + timedelta(days=(number - 1) * self.rules.overdue_interval)
        return self.calendar.next_working_day(nominal)

    def due_soon_stages(self, due: date) -> tuple[int, ...]:
        """The stages whose reminder day is today (several, when moving made them meet)."""
        if due not in self._due_soon:
            if due < self.today:
                stages: tuple[int, ...] = ()
            else:
                stages = tuple(s for s in self.stages if self.reminder_day(due, s) == self.today)
            self._due_soon[due] = stages
        return self._due_soon[due]

    def overdue_numbers(self, due: date) -> tuple[int, ...]:
        """The alert numbers whose (moved) day is today; usually none or one."""
        if due not in self._overdue:
            self._overdue[due] = self._find_alerts(due)
        return self._overdue[due]

    def _find_alerts(self, due: date) -> tuple[int, ...]:
        first = self.calendar.next_working_day(due + timedelta(days=1))
        if self.today < first:
            return ()
        # Alert n never comes before its nominal day and the moved days never go backwards,
        # so walk down from the last alert whose nominal day has come until one is before today.
        numbers = []
        number = (self.today - first).days // self.rules.overdue_interval + 1
        while number >= 1:
            day = self.alert_day(due, number)
            if day < self.today:
                break
            if day == self.today:
                numbers.append(number)
            number -= 1
        return tuple(reversed(numbers))


def plan_notices(
    items: Iterable[ItemFacts],
    users: Iterable[UserFacts],
    agencies: Iterable[AgencyFacts],
    rules: ReminderRules,
    today: date,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> list[PlannedNotice]:
    """The notices due on `today`: overdue first, then due soon; each by deadline, item, recipient.

    The answer depends only on the arguments, so planning a day twice gives the same notices
    (and the same dedupe keys).
    """
    directory = _Directory(users, agencies)
    schedule = _Schedule(rules, today, calendar)
    ended: dict[str, bool] = {}
    seen: set[tuple[str, int, int, str]] = set()
    notices: list[PlannedNotice] = []

    def emit(kind: str, item: ItemFacts, stage: int, days_left: int,
             recipients: Iterable[Recipient]) -> None:
        for r in recipients:
            key = (kind, item.id, stage, r.key)
            if key in seen:
                continue
            seen.add(key)
            notices.append(PlannedNotice(kind, item.id, r.email, r.name, r.user_id, r.locale,
                                         stage, days_left))

    for item in items:
        due = item.due_date
        if due is None:  # an open text such as "Thường xuyên": nothing to count down to
            continue
        if item.status not in ended:
            ended[item.status] = is_ended(item.status)
        if ended[item.status]:
            continue
        days_left = (due - today).days
        if days_left >= 0:
            for stage in schedule.due_soon_stages(due):
                emit(DUE_SOON, item, stage, days_left, directory.due_soon_audience(
                    item, coordinators=stage == schedule.first_stage))
        else:
            for number in schedule.overdue_numbers(due):
                emit(OVERDUE, item, number, days_left, directory.overdue_audience(
                    item, escalated=number > rules.escalate_after))

    notices.sort(key=lambda n: (_KIND_ORDER[n.kind], n.days_left, n.item_id,
                                n.recipient_email.lower(), n.recipient_email, n.stage))
    return notices

