"""A simulated clock walks day by day from 1/7/2020 to 31/3/2021 over the seed's three items,
through the database, the outbox and a real SMTP server: who is mailed on which day."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Item

OFFICER = "chuyenvien@demo.local"     # Sở Công Thương, leads the three items
MANAGER = "lanhdao@demo.local"        # Sở Công Thương, owns the plan
OTHER = "chuyenvien.stc@demo.local"   # Sở Tài chính: neither leads nor coordinates
ITEM_1 = "Xây dựng và trình UBND tỉnh dự thảo sửa đổi Quyết định"
ITEM_3 = "Chương trình Khuyến công địa phương"


def d(text: str) -> date:
    day, month, year = map(int, text.split("/"))
    return date(year, month, day)


# Items 1 and 3 are due Wed 30/9/2020, item 2 Thu 31/12/2020.
# Before the deadline (14, 7, 3, 1, 0 days; a weekend or holiday moves to the working day before):
#   30/9: 16/9, 23/9, 25/9 (27/9 is a Sunday), 29/9, 30/9
#   31/12: 17/12, 24/12, 28/12, 30/12, 31/12
# Overdue (first working day after the deadline, then every 7 days; a day off moves to the next
# working day):
#   items 1 and 3: 1/10/2020, 8/10 … 4/2/2021, 11/2 (Tết 10–16/2) → 17/2, 18/2 … 25/3
#   item 2: 4/1/2021 (1/1 holiday, 2–3/1 weekend), 11/1 … 8/2, 15/2 (Tết) → 17/2, 22/2 … 29/3
DUE_SOON_DAYS = ["16/9/2020", "23/9/2020", "25/9/2020", "29/9/2020", "30/9/2020",
                 "17/12/2020", "24/12/2020", "28/12/2020", "30/12/2020", "31/12/2020"]
OVERDUE_1_3 = ["1/10/2020", "8/10/2020", "15/10/2020", "22/10/2020", "29/10/2020", "5/11/2020",
               "12/11/2020", "19/11/2020", "26/11/2020", "3/12/2020", "10/12/2020", "17/12/2020",
               "24/12/2020", "31/12/2020", "7/1/2021", "14/1/2021", "21/1/2021", "28/1/2021",
               "4/2/2021", "17/2/2021", "18/2/2021", "25/2/2021", "4/3/2021", "11/3/2021",
               "18/3/2021", "25/3/2021"]
OVERDUE_2 = ["4/1/2021", "11/1/2021", "18/1/2021", "25/1/2021", "1/2/2021", "8/2/2021",
             "17/2/2021", "22/2/2021", "1/3/2021", "8/3/2021", "15/3/2021", "22/3/2021",
             "29/3/2021"]


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, tzinfo=UTC)   # 08:00 in Hà Nội


def test_a_season_of_reminders(app, seed_plan, smtp_server):
    from tracker.notify.jobs import run_flush, run_planning

    mailed: dict[str, list[date]] = defaultdict(list)
    bodies: dict[tuple[str, date], str] = {}
    day = date(2020, 7, 1)
    while day <= date(2021, 3, 31):
        if day == date(2020, 9, 24):
            # Item 1 is submitted on 24/9: from 25/9 on, only item 3 is reminded.
            db.session.execute(sa.update(Item).where(Item.position == 1)
                               .values(status="submitted", submission_ref="Tờ trình số 1/TTr"))
            db.session.commit()
        run_planning(day, at(day))
        before = len(smtp_server.messages)
        run_flush(at(day))
        for received in smtp_server.messages[before:]:
            recipient = received.envelope_to[0]
            mailed[recipient].append(day)
            bodies[(recipient, day)] = received.text()
        day += timedelta(days=1)

    assert mailed[OFFICER] == sorted({d(x) for x in DUE_SOON_DAYS + OVERDUE_1_3 + OVERDUE_2})
    assert mailed[MANAGER] == sorted({d(x) for x in OVERDUE_1_3 + OVERDUE_2})
    assert mailed[OTHER] == []
    # Submitted on 24/9: on 23/9 both items, from 25/9 only item 3 — and never item 1 again.
    assert ITEM_1 in bodies[(OFFICER, d("23/9/2020"))] and ITEM_3 in bodies[(OFFICER, d("23/9/2020"))]
    later = [text for (who, when), text in bodies.items() if who == OFFICER and when > d("24/9/2020")]
    assert later and all(ITEM_1 not in text for text in later)
    assert ITEM_3 in bodies[(OFFICER, d("25/9/2020"))]
    # One e-mail per person per day, even on 17/12 (item 2's 14-day reminder and the
    # others' overdue alert) and 17/2/2021 (alerts moved out of Tết).
    for recipient, days in mailed.items():
        assert len(days) == len(set(days)), recipient
    both = bodies[(OFFICER, d("17/12/2020"))]
    assert both.index("TRỄ HẠN") < both.index("SẮP ĐẾN HẠN")
