"""The appendix table model (plain Python): what each printed row says.

Every renderer (the HTML print view, DOCX, XLSX, CSV, PDF) takes an
`AppendixTable`, so the wording of a row, the grouping and the numbering are
decided here once.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tracker.periods import PeriodError, format_date, parse_period, quarter_label
from tracker.statuses import VI_LABELS, Status, is_overdue

PLAN_HEADERS = ("STT", "Tên đề án", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian trình",
                "Cấp trình")
STATUS_HEADERS = ("Tình hình thực hiện", "Ghi chú")
# Relative column widths (percent of the table), shared by the print view, DOCX and XLSX.
PLAN_WIDTHS = (5, 37, 14, 22, 11, 11)
STATUS_WIDTHS = (5, 25, 11, 15, 9, 9, 16, 10)
# Columns printed centred (STT, Thời gian trình, Cấp trình); the others are left-aligned.
CENTRED_COLUMNS = frozenset({0, 4, 5})


class Grouping(enum.StrEnum):
    """How a consolidated list is cut into groups, each under a heading row."""

    NONE = "none"
    QUARTER = "quarter"
    LEAD = "lead"
    PLAN = "plan"


class Numbering(enum.StrEnum):
    CONTINUOUS = "continuous"   # 1 … N through the whole table
    PER_GROUP = "per_group"     # restart at 1 under each heading

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
    plan_title: str = ""


@dataclass(frozen=True)
class AppendixRow:
    number: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class AppendixGroup:
    """Rows under one heading ("QUÝ III/2020"); an ungrouped table has one group without one."""

    heading: str
    rows: tuple[AppendixRow, ...]

    @property
    def count_line(self) -> str:
        """The line closing a group ("Cộng: 3 đề án"); none for an ungrouped table."""
        return f"Cộng: {len(self.rows)} đề án" if self.heading else ""


@dataclass(frozen=True)
class AppendixTable:
    title: str
    attached_line: str
    headers: tuple[str, ...]
    groups: tuple[AppendixGroup, ...] = ()
    subtitle: str = ""          # e.g. the filters of a filtered list, or "Tính đến ngày …"
    label: str = ""             # "PHỤ LỤC II": its own line above the title, when set

    @property
    def with_status(self) -> bool:
        return len(self.headers) > len(PLAN_HEADERS)

    @property
    def grouped(self) -> bool:
        return any(group.heading for group in self.groups)

    @property
    def rows(self) -> tuple[AppendixRow, ...]:
        return tuple(row for group in self.groups for row in group.rows)

    @property
    def total_line(self) -> str:
        """"Tổng cộng: N đề án" under a grouped table."""
        return f"Tổng cộng: {len(self.rows)} đề án" if self.grouped else ""

    @property
    def widths(self) -> tuple[int, ...]:
        return STATUS_WIDTHS if self.with_status else PLAN_WIDTHS


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


def quarter_heading(period_text: str) -> tuple[tuple, str]:
    """(sort key, heading) of the group a period falls in when grouping by quarter.

    Quarters, months and dates fall in their quarter ("QUÝ III/2020"); half-years and
    years, which span quarters, head their own group ("6 THÁNG CUỐI NĂM 2020"), after
    the quarters ending with them; open texts ("Thường xuyên") come last, by name.
    """
    try:
        period = parse_period(period_text)
    except PeriodError:
        period = None
    if period is None or period.last_day is None:
        return (1, date.max, 0, period_text.casefold()), period_text.upper()
    last = period.last_day
    if period.kind in ("quarter", "month", "date"):
        quarter = (last.month - 1) // 3 + 1
        end = date(last.year, quarter * 3, 1)
        return (0, end, 0, ""), quarter_label(last.year, quarter).upper()
    return (0, last.replace(day=1), 1, period.kind), period.label.upper()


def _group_of(item: ItemSnapshot, grouping: Grouping) -> tuple[tuple, str]:
    match grouping:
        case Grouping.QUARTER:
            return quarter_heading(item.original_due_period)
        case Grouping.LEAD:
            return (item.lead_agency.casefold(),), item.lead_agency.upper()
        case Grouping.PLAN:
            return (), item.plan_title.upper()   # plans keep the order they come in
    return (), ""


def row_cells(number: int, item: ItemSnapshot, *, with_status: bool, today: date) -> tuple[str, ...]:
    cells = (str(number), item.title, item.lead_agency, item.coordination,
             item.original_due_period, item.approving_level)
    if with_status:
        cells += (progress_text(item), remarks_text(item, today))
    return cells


def build_table(title: str, attached_to: str, items: Iterable[ItemSnapshot], *,
                with_status: bool, today: date, grouping: Grouping = Grouping.NONE,
                numbering: Numbering = Numbering.CONTINUOUS, subtitle: str = "",
                label: str = "") -> AppendixTable:
    """Group the items (stable: rows keep their order inside a group), number the rows
    and word every cell."""
    buckets: dict[str, tuple[tuple, list[ItemSnapshot]]] = {}
    for item in items:
        key, heading = _group_of(item, grouping)
        buckets.setdefault(heading, (key, []))[1].append(item)
    ordered = list(buckets.items())
    if grouping != Grouping.PLAN:
        ordered.sort(key=lambda entry: entry[1][0])
    groups = []
    number = 0
    for heading, (_, members) in ordered:
        if numbering == Numbering.PER_GROUP:
            number = 0
        rows = []
        for item in members:
            number += 1
            rows.append(AppendixRow(number, row_cells(number, item, with_status=with_status,
                                                      today=today)))
        groups.append(AppendixGroup(heading, tuple(rows)))
    headers = PLAN_HEADERS + (STATUS_HEADERS if with_status else ())
    return AppendixTable(title.upper(), attached_line(attached_to), headers, tuple(groups),
                         subtitle=subtitle, label=label.upper())
