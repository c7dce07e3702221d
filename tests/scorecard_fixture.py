"""A hand-computed scorecard: 42 items over 6 agencies, and the counts worked out by hand.

The period is Quý I/2026 as the decree cuts it (15/12/2025 – 14/3/2026), seen on 10/3/2026.
Each item: (agency, period as filed, period after an approved postponement, status, date
of the document that completed or withdrew it, expected bucket in Quý I/2026 at 10/3/2026).
Stored deadlines (periods.py, Điều 148): "Tháng 1/2026" ends Saturday 31/1 → due 2/2/2026;
"Tháng 2/2026" ends Saturday 28/2 → due 2/3/2026; "16/2/2026" is Tết → due 23/2/2026;
"Quý I/2026" is due 31/3/2026, after the period; "10/12/2025" before it.
"""
from __future__ import annotations

from datetime import date

from tracker.periods import parse_date, parse_period
from tracker.scoring import ScoreItem, quarter_period

AS_OF = date(2026, 3, 10)
PERIOD = quarter_period(2026, 1)
AGENCIES = ("Sở Công Thương", "Sở Tài chính", "Sở Nội vụ", "Sở Tư pháp", "Sở Y tế",
            "Sở Xây dựng")
SCT, STC, SNV, STP, SYT, SXD = AGENCIES

# agency, filed period, postponed to, status, completed/withdrawn on, bucket (None: not counted)
ITEMS = [
    (SCT, "Quý IV/2025", None, "submitted", "25/12/2025", "on_time"),
    (SCT, "Tháng 1/2026", None, "submitted", "2/2/2026", "on_time"),     # Saturday → Monday
    (SCT, "20/1/2026", None, "submitted", "5/2/2026", "late"),
    (SCT, "Tháng 2/2026", None, "in_progress", None, "overdue"),
    (SCT, "12/3/2026", None, "in_progress", None, "open_in_time"),
    (SCT, "Thường xuyên", None, "in_progress", None, "no_deadline"),
    (SCT, "Quý I/2026", None, "not_started", None, None),               # due 31/3: next period
    (SCT, "5/3/2026", None, "submitted", "12/3/2026", "overdue"),       # completed after as-of
    (STC, "16/2/2026", None, "submitted", "23/2/2026", "on_time"),      # Tết → 23/2
    (STC, "16/2/2026", None, "submitted", "24/2/2026", "late"),
    (STC, "Tháng 1/2026", "Tháng 2/2026", "postponed", None, "overdue"),
    (STC, "10/12/2025", "20/1/2026", "submitted", "19/1/2026", "on_time"),  # postponed into
    (STC, "Quý IV/2025", "Quý II/2026", "postponed", None, None),      # postponed out of it
    (STC, "20/1/2026", None, "withdrawn", "15/1/2026", "withdrawn"),
    (STC, "Tháng 12/2025", None, "approved", "30/12/2025", "on_time"),  # the Tờ trình's date
    (SNV, "5/3/2026", None, "submitted", "5/3/2026", "on_time"),
    (SNV, "5/3/2026", None, "submitted", "6/3/2026", "late"),
    (SNV, "12/3/2026", None, "submitted", "9/3/2026", "on_time"),       # early
    (SNV, "13/3/2026", None, "consulting", None, "open_in_time"),
    (SNV, "Thường xuyên", None, "submitted", "1/2/2026", "no_deadline"),
    (SNV, "Thường xuyên", None, "withdrawn", "1/12/2025", None),        # withdrawn before
    (SNV, "Hằng năm", None, "returned", None, "no_deadline"),
    (STP, "Quý IV/2025", None, "returned", None, "overdue"),
    (STP, "Quý IV/2025", None, "not_started", None, "overdue"),
    (STP, "Tháng 1/2026", None, "submitted", "30/1/2026", "on_time"),
    (STP, "20/1/2026", None, "submitted", "21/1/2026", "late"),
    (STP, "10/12/2025", None, "submitted", "9/12/2025", None),          # due before the period
    (STP, "Tháng 12/2025", None, "withdrawn", "20/12/2025", "withdrawn"),
    (STP, "12/3/2026", None, "not_started", None, "open_in_time"),
    (SYT, "20/1/2026", None, "submitted", "20/1/2026", "on_time"),      # on the day itself
    (SYT, "20/1/2026", None, "approved", "15/1/2026", "on_time"),
    (SYT, "Tháng 2/2026", None, "submitted", "2/3/2026", "on_time"),    # Saturday → Monday
    (SYT, "Tháng 2/2026", None, "submitted", "3/3/2026", "late"),
    (SYT, "16/2/2026", None, "submitted", "20/3/2026", "overdue"),      # completed after as-of
    (SYT, "Thường xuyên", None, "not_started", None, "no_deadline"),
    (SXD, "Quý IV/2025", "Tháng 1/2026", "submitted", "10/2/2026", "late"),
    (SXD, "Quý IV/2025", "12/3/2026", "postponed", None, "open_in_time"),
    (SXD, "Quý IV/2025", None, "submitted", "31/12/2025", "on_time"),
    (SXD, "13/3/2026", None, "submitted", "13/3/2026", "open_in_time"),  # after as-of, in time
    (SXD, "Quý I/2026", None, "withdrawn", "5/1/2026", None),            # due after the period
    (SXD, "Thường xuyên", None, "withdrawn", "5/1/2026", "withdrawn"),
    (SXD, "5/3/2026", None, "in_progress", None, "overdue"),
]

# Worked out by hand from the table above (not by the code under test):
# agency: on time, late, open in time, overdue, no deadline, withdrawn, total, rate (%).
EXPECTED = {
    SCT: (2, 1, 1, 2, 1, 0, 7, "40,0"),
    STC: (3, 1, 0, 1, 0, 1, 5, "60,0"),
    SNV: (2, 1, 1, 0, 2, 0, 6, "66,7"),
    STP: (1, 1, 1, 2, 0, 1, 5, "25,0"),
    SYT: (3, 1, 0, 1, 1, 0, 6, "60,0"),
    SXD: (1, 1, 2, 1, 0, 1, 5, "33,3"),
}
EXPECTED_TOTAL = (12, 6, 5, 7, 4, 3, 34, "48,0")

# "Tháng 3/2026" (15/2/2026 – 14/3/2026) at 10/3/2026, by hand.
EXPECTED_MARCH = {
    SCT: (0, 0, 1, 2, 1, 0, 4, "0,0"),
    STC: (1, 1, 0, 1, 0, 0, 3, "33,3"),
    SNV: (2, 1, 1, 0, 1, 0, 5, "66,7"),
    STP: (0, 0, 1, 0, 0, 0, 1, "—"),
    SYT: (1, 1, 0, 1, 1, 0, 4, "33,3"),
    SXD: (0, 0, 2, 1, 0, 0, 3, "0,0"),
}
EXPECTED_MARCH_TOTAL = (4, 3, 5, 5, 3, 0, 20, "33,3")


def deadline(text: str) -> date | None:
    return parse_period(text).deadline()


def score_items() -> list[ScoreItem]:
    """The table as the domain module takes it."""
    items = []
    for n, (agency, filed, postponed, status, ended, _bucket) in enumerate(ITEMS, 1):
        items.append(ScoreItem(
            id=n, lead_agency_id=AGENCIES.index(agency) + 1, lead_agency=agency, status=status,
            due_date=deadline(postponed or filed), original_due_date=deadline(filed),
            ended_on=parse_date(ended) if ended else None))
    return items


def load_into_database(owner: str = "Văn phòng UBND tỉnh") -> dict[int, int]:
    """The same items as rows of one plan, completed by journaled status changes with the
    documents' dates, as the app records them. Returns {fixture number: item id}."""
    from datetime import UTC, datetime

    from tracker.agencies import AgencyDirectory
    from tracker.extensions import db
    from tracker.models import JournalEntry, JournalKind
    from tracker.plans.service import ItemFields, add_item, create_plan

    directory = AgencyDirectory.load()
    for name in AGENCIES:
        directory.find_or_create(name)
    plan = create_plan("Danh mục nhiệm vụ năm 2026", directory.find_or_create(owner))
    db.session.flush()
    ids = {}
    created = datetime(2025, 11, 1, 3, tzinfo=UTC)
    for n, (agency, filed, postponed, status, ended, _bucket) in enumerate(ITEMS, 1):
        item = add_item(plan, ItemFields(
            title=f"Nhiệm vụ số {n} của {agency}", lead_agency_name=agency, coordination="",
            due_period=filed, approving_level="UBND tỉnh", position=n), directory)
        db.session.flush()
        entries = []
        if postponed:
            period = parse_period(postponed)
            item.due_period, item.due_date = period.label, period.deadline()
            entries.append(JournalEntry(kind=JournalKind.STATUS.value, old_status="not_started",
                                        new_status="postponed", new_due_period=period.label,
                                        document_ref="1/UBND-TH", note="Lùi thời gian trình",
                                        document_date=date(2025, 12, 1), created_at=created))
        if status in ("submitted", "approved"):
            entries.append(JournalEntry(kind=JournalKind.STATUS.value, old_status="in_progress",
                                        new_status="submitted", document_ref=f"{n}/TTr-XX",
                                        document_date=parse_date(ended), created_at=created))
        if status == "approved":
            entries.append(JournalEntry(kind=JournalKind.STATUS.value, old_status="submitted",
                                        new_status="approved", document_ref=f"{n}/QĐ-UBND",
                                        document_date=date(2026, 1, 10), created_at=created))
        if status == "withdrawn":
            entries.append(JournalEntry(kind=JournalKind.STATUS.value, old_status="not_started",
                                        new_status="withdrawn", note="Không còn phù hợp",
                                        document_ref="2/UBND-TH",
                                        document_date=parse_date(ended), created_at=created))
        for entry in entries:
            entry.item_id = item.id
        db.session.add_all(entries)
        item.status = status
        ids[n] = item.id
    db.session.commit()
    return ids
