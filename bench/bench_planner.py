"""Benchmark: planning one day of reminders for 100,000 items, 5,000 users, 500 agencies.

Run on demand (not part of the test suite):

    .venv/bin/python bench/bench_planner.py

The data is built deterministically (seeded): deadlines mostly at month and quarter ends
of 2024–2026 as in real plans, a third of the items ended, some without a deadline, up to
five coordinating agencies each. A few days are planned: a fresh calendar first (the
holidays package builds its years), then the median of warm runs. Target: well under 3 s.
"""
from __future__ import annotations

import calendar as month_calendar
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.notify.planner import (  # noqa: E402
    AgencyFacts,
    ItemFacts,
    ReminderRules,
    UserFacts,
    plan_notices,
)
from tracker.workdays import WorkCalendar  # noqa: E402

ITEMS = int(os.environ.get("BENCH_ITEMS", "100000"))
USERS = int(os.environ.get("BENCH_USERS", "5000"))
AGENCIES = int(os.environ.get("BENCH_AGENCIES", "500"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
OFFICE = 0  # the consolidating office
ROLES = ("officer",) * 6 + ("manager",) * 2 + ("viewer", "admin")
OPEN = ("not_started", "in_progress", "consulting", "returned", "postponed")
ENDED = ("submitted", "approved", "withdrawn")
DAYS = (
    date(2025, 9, 16),  # stage 14 of the 30/9/2025 deadlines
    date(2025, 9, 30),  # a quarter end: stage 0 of many items
    date(2025, 10, 1),  # the first overdue alert of a quarter's items
    date(2026, 1, 2),  # after New Year: alerts of many months
)


def build(rng: random.Random) -> tuple[list[ItemFacts], list[UserFacts], list[AgencyFacts]]:
    agencies = [AgencyFacts(i, shared_mailbox=f"vanthu{i}@agency.local" if i % 3 == 0 else None,
                            is_consolidating_office=i == OFFICE) for i in range(AGENCIES)]
    users = [UserFacts(i, f"user{i}@agency.local", f"Cán bộ {i}", ROLES[i % len(ROLES)], i % AGENCIES,
                       active=rng.random() > 0.05, locale=rng.choice(("vi", "vi", "en")),
                       muted=frozenset(rng.sample(("due_soon", "overdue", "status"),
                                                  rng.choice((0, 0, 0, 1)))))
             for i in range(USERS)]
    month_ends = [date(y, m, month_calendar.monthrange(y, m)[1]) for y in (2024, 2025, 2026)
                  for m in range(1, 13)]
    quarter_ends = [d for d in month_ends if d.month % 3 == 0]
    items = []
    for i in range(ITEMS):
        roll = rng.random()
        if roll < 0.05:
            due = None  # "Thường xuyên"
        elif roll < 0.55:
            due = rng.choice(quarter_ends)
        elif roll < 0.85:
            due = rng.choice(month_ends)
        else:
            due = date(2024, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        lead = rng.randrange(1, AGENCIES)
        status = rng.choice(ENDED) if rng.random() < 0.33 else rng.choice(OPEN)
        owner = rng.choice((lead, rng.randrange(1, AGENCIES)))
        items.append(ItemFacts(i, f"Đề án {i}", status, due, "", lead, owner,
                               frozenset(rng.sample(range(1, AGENCIES), rng.randrange(6)))))
    return items, users, agencies


def main() -> None:
    rng = random.Random(2020)
    started = time.perf_counter()
    items, users, agencies = build(rng)
    print(f"built {len(items):,} items, {len(users):,} users, {len(agencies):,} agencies "
          f"in {time.perf_counter() - started:.2f} s")
    rules = ReminderRules()
    for day in DAYS:
        calendar = WorkCalendar()  # cold: no holiday year built yet
        started = time.perf_counter()
        notices = plan_notices(items, users, agencies, rules, day, calendar)
        cold = time.perf_counter() - started
        warm = []
        for _ in range(RUNS):
            started = time.perf_counter()
            plan_notices(items, users, agencies, rules, day, calendar)
            warm.append(time.perf_counter() - started)
        kinds = {kind: sum(n.kind == kind for n in notices) for kind in ("due_soon", "overdue")}
        print(f"{day.isoformat()}: {len(notices):>7,} notices ({kinds['due_soon']:,} due_soon, "
              f"{kinds['overdue']:,} overdue), {len({n.item_id for n in notices}):,} items; "
              f"cold {cold:.3f} s, warm median {statistics.median(warm):.3f} s, worst {max(warm):.3f} s")


if __name__ == "__main__":
    main()
