"""The appendix table model (plain Python): what each printed row says.

Renderers (the HTML print view now; DOCX, XLSX, CSV later) all take an
`AppendixTable`, so the wording of a row is decided here once.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tracker.periods import format_date
from tracker.statuses import VI_LABELS, Status, is_overdue

PLAN_HEADERS = ("STT", "Tên đề án", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian trình",
                "Cấp trình")
STATUS_HEADERS = ("Tình hình thực hiện", "Ghi chú")

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


@dataclass(frozen=True)
class ItemSnapshot:
    """The plain values of one item that the appendix needs."""

    title: str
    lead_agency: str
    coordination: str
    original_due_period: str
    due_period: str
    due_date: date | None
    approving_level: str
    status: str
    submission_ref: str | None = None
    outcome_ref: str | None = None
    notes: str = ""
    last_status_note: str = ""
    requested_due_period: str | None = None


@dataclass(frozen=True)
class AppendixRow:
    number: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class AppendixTable:
    title: str
    attached_line: str
    headers: tuple[str, ...]
    rows: tuple[AppendixRow, ...]

    @property
    def with_status(self) -> bool:
        return len(self.headers) > len(PLAN_HEADERS)


def progress_text(item: ItemSnapshot) -> str:
    """"Tình hình thực hiện": the status in the official wording, with its document or reason;
    a postponement request not yet decided is said after it."""
    text = _status_text(item)
    if item.requested_due_period:
        text += f"; xin lùi sang {item.requested_due_period} — chờ duyệt"
    return text


def _status_text(item: ItemSnapshot) -> str:
    status = Status(item.status)
    label = VI_LABELS[status]
    if status == Status.SUBMITTED and item.submission_ref:
        return f"{label} ({item.submission_ref})"
    if status == Status.APPROVED and item.outcome_ref:
        return f"Đã ban hành ({item.outcome_ref})"
    if status == Status.POSTPONED:
        text = f"Xin lùi sang {item.due_period}"
        return f"{text}: {item.last_status_note}" if item.last_status_note else text
    if status in (Status.WITHDRAWN, Status.RETURNED) and item.last_status_note:
        return f"{label}: {item.last_status_note}"
    return label


def remarks_text(item: ItemSnapshot, today: date) -> str:
    """"Ghi chú": late items say so first, then the item's own notes."""
    parts = []
    if is_overdue(item.status, item.due_date, today):
        parts.append(f"Trễ hạn (hạn {format_date(item.due_date)})")
    if item.notes:
        parts.append(item.notes)
    return "\n".join(parts)


def attached_line(attached_to: str) -> str:
    return f"(Kèm theo {attached_to})" if attached_to else ""


def build_table(title: str, attached_to: str, items: Iterable[ItemSnapshot], *,
                with_status: bool, today: date) -> AppendixTable:
    """Number the rows 1, 2, 3 … in the given order and word every cell."""
    rows = []
    for number, item in enumerate(items, start=1):
        cells = (str(number), item.title, item.lead_agency, item.coordination,
                 item.original_due_period, item.approving_level)
        if with_status:
            cells += (progress_text(item), remarks_text(item, today))
        rows.append(AppendixRow(number, cells))
    headers = PLAN_HEADERS + (STATUS_HEADERS if with_status else ())
    return AppendixTable(title.upper(), attached_line(attached_to), headers, tuple(rows))
