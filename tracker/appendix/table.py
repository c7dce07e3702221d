"""The appendix table model (plain Python): what each printed row says.

Every renderer (the HTML print view, DOCX, XLSX, CSV, PDF) takes an
`AppendixTable`, so the wording of a row, the grouping and the numbering are
decided here once.
"""
from __future__ import annotations

import enum
import functools
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from tracker.appendix.layout import CENTRED_KEYS, PLAN_HEADERS, PLAN_KEYS, widths_of
from tracker.periods import PeriodError, format_date, parse_period, quarter_label
from tracker.statuses import VI_LABELS, Status, is_overdue
from tracker.text import name_key

STATUS_HEADERS = ("Tình hình thực hiện", "Ghi chú")
# Under a list that has its own "Tình hình thực hiện" or "Ghi chú" column, the tracker's
# columns say they are the tracker's.
TRACKER_PROGRESS_HEADER = "Tình hình thực hiện (cập nhật)"
TRACKER_REMARKS_HEADER = "Ghi chú theo dõi"
STATUS_KEYS = ("progress", "remarks")
# Progress columns beside a published list's own columns (relative widths).
PROGRESS_WIDTH, REMARKS_WIDTH = 20, 12
# Relative column widths (percent of the table), shared by the print view, DOCX and XLSX.
PLAN_WIDTHS = (5, 37, 14, 22, 11, 11)
STATUS_WIDTHS = (5, 25, 11, 15, 9, 9, 16, 10)
# Columns of the seed's table printed centred (STT, Thời gian trình, Cấp trình).
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


@dataclass(slots=True)
class ItemSnapshot:
    """The plain values of one item that the appendix needs (not frozen: a frozen dataclass's
    __init__ cost 8 × as much, 5,000 of them per printed plan; nothing changes one)."""

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
    withdrawal_requested: bool = False
    plan_title: str = ""
    # As published (imported lists): the STT and lead cells, the list's own columns, further
    # lines of the item, the cells merged with the row above, the section it is under.
    number_text: str = ""
    lead_text: str = ""
    extra: dict | None = None
    sub_rows: tuple | None = None
    section_id: int | None = None


@dataclass(slots=True)
class AppendixRow:
    """A printed item's number and cell texts (not frozen, as ItemSnapshot: one per item)."""

    number: int
    cells: tuple[str, ...]


@dataclass(slots=True)
class Cell:
    """A printed cell: its text and how many grid columns and lines it covers."""

    text: str
    colspan: int = 1
    rowspan: int = 1


class Covered(enum.Enum):
    """A grid position taken by a cell to its left (colspan) or above it (rowspan)."""

    LEFT = "left"
    ABOVE = "above"


@dataclass(frozen=True, slots=True)
class BodyLine:
    """One printed line of the body, one slot per grid column."""

    kind: str      # "item" | "heading" | "header" | "count" | "total"
    slots: tuple   # Cell | Covered, one per column

    @property
    def cells(self) -> list[Cell]:
        return [slot for slot in self.slots if isinstance(slot, Cell)]

    def texts(self) -> list[str]:
        """The text of every grid column, a merged cell's text in its first position only."""
        return [slot.text if isinstance(slot, Cell) else "" for slot in self.slots]


@dataclass(frozen=True)
class SectionSnapshot:
    """A heading or repeated header row of a published list, as published."""

    id: int
    kind: str
    cells: tuple        # ((text, span), …)


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
    # The key of each column (PLAN_KEYS, a list's own "c<N>", then STATUS_KEYS).
    keys: tuple[str, ...] = PLAN_KEYS
    # A published list's body as published (headings, merged cells); None: from `groups`.
    body: tuple[BodyLine, ...] | None = None
    lines_after: tuple[str, ...] = ()   # lines between the attached line and the table

    @property
    def with_status(self) -> bool:
        return self.keys[-1] == STATUS_KEYS[-1]

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
        if self.keys == PLAN_KEYS:
            return PLAN_WIDTHS
        if self.keys == PLAN_KEYS + STATUS_KEYS:
            return STATUS_WIDTHS
        own = tuple(key for key in self.keys if key not in STATUS_KEYS)
        return widths_of(own) + ((PROGRESS_WIDTH, REMARKS_WIDTH) if self.with_status else ())

    @property
    def percent_widths(self) -> tuple[int, ...]:
        """Widths in whole percent (at least 1), for the print view's column classes."""
        widths = self.widths
        total = sum(widths)
        return tuple(max(1, round(100 * width / total)) for width in widths)

    @functools.cached_property
    def centred(self) -> frozenset[int]:
        """Columns printed centred (STT, the period, the level); the others left-aligned."""
        return frozenset(i for i, key in enumerate(self.keys) if key in CENTRED_KEYS)

    @property
    def lines(self) -> tuple[BodyLine, ...]:
        """Every body line in print order: the published body, or the groups with their
        heading, rows and count lines, and the total."""
        if self.body is not None:
            return self.body
        lines = [line for group in self.groups for line in self.group_lines(group)]
        if self.total_line:
            lines.append(spanning("total", self.total_line, len(self.headers)))
        return tuple(lines)

    def line_texts(self) -> Iterator[Sequence[str]]:
        """The texts of `lines`, line by line, a merged cell's text in its first position:
        for the formats that have no merged cells (CSV), without building 35,000 cells for
        5,000 items."""
        if self.body is not None:
            yield from (line.texts() for line in self.body)
            return
        rest = [""] * (len(self.headers) - 1)
        for group in self.groups:
            if group.heading:
                yield [group.heading, *rest]
            yield from map(_CELLS, group.rows)
            if group.count_line:
                yield [group.count_line, *rest]
        if self.total_line:
            yield [self.total_line, *rest]

    def plain_lines(self, groups: Iterable[AppendixGroup] | None = None
                    ) -> Iterator[BodyLine | Sequence[str]]:
        """`lines` (of `groups` only, without the total line, when given), where an item row
        of the groups is only its cell texts: for the formats that write each cell anyway
        (XLSX), without a Cell per cell (30,000 for 5,000 rows, a tenth of the export)."""
        if self.body is not None:
            yield from self.body
            return
        width = len(self.headers)
        for group in self.groups if groups is None else groups:
            if group.heading:
                yield spanning("heading", group.heading, width)
            yield from (row.cells for row in group.rows)
            if group.count_line:
                yield spanning("count", group.count_line, width)
        if groups is None and self.total_line:
            yield spanning("total", self.total_line, width)

    def group_lines(self, group: AppendixGroup) -> list[BodyLine]:
        """A group's heading line, its rows and its count line."""
        width = len(self.headers)
        lines = [spanning("heading", group.heading, width)] if group.heading else []
        lines.extend(BodyLine("item", tuple(Cell(text) for text in row.cells))
                     for row in group.rows)
        if group.count_line:
            lines.append(spanning("count", group.count_line, width))
        return lines

    @property
    def item_count(self) -> int:
        return sum(1 for line in self.lines if line.kind == "item"
                   and not (line.slots and line.slots[0] is Covered.ABOVE))


_CELLS = operator.attrgetter("cells")


def spanning(kind: str, text: str, width: int) -> BodyLine:
    return BodyLine(kind, (Cell(text, colspan=width),) + (Covered.LEFT,) * (width - 1))


def progress_text(item: ItemSnapshot) -> str:
    """"Tình hình thực hiện": the status in the official wording, with its document or reason;
    a request not yet decided is said after it, as a request."""
    text = _status_text(item)
    if item.requested_due_period:
        text += f". Đề nghị lùi sang {item.requested_due_period}, chờ ý kiến"
    if item.withdrawal_requested:
        text += ". Đề nghị rút khỏi danh mục, chờ ý kiến"
    return text


def _status_text(item: ItemSnapshot) -> str:
    status = Status(item.status)
    label = VI_LABELS[status]
    if status == Status.SUBMITTED and item.submission_ref:
        return f"{label} ({item.submission_ref})"
    if status == Status.APPROVED and item.outcome_ref:
        return f"Đã ban hành ({item.outcome_ref})"
    if status == Status.POSTPONED:
        # Decided, not asked: the deadline in force is the new one. For a postponed item the
        # snapshot's outcome_ref is the document of the decision, when it had one.
        text = f"Đã được đồng ý lùi sang {item.due_period}"
        if item.outcome_ref:
            text += f" ({item.outcome_ref})"
        return f"{text}: {item.last_status_note}" if item.last_status_note else text
    if status == Status.WITHDRAWN:
        # Decided: with the document of the decision, when it had one, and the reason.
        text = f"{label} ({item.outcome_ref})" if item.outcome_ref else label
        return f"{text}: {item.last_status_note}" if item.last_status_note else text
    if status == Status.RETURNED and item.last_status_note:
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


def cell_text(item: ItemSnapshot, key: str, number: str) -> str:
    """What the column `key` prints for the item, as published where the list was imported."""
    match key:
        case "position":
            return number
        case "title":
            return item.title
        case "lead_agency":
            return item.lead_text or item.lead_agency
        case "coordination":
            return item.coordination
        case "due_period":
            return item.original_due_period
        case "approving_level":
            return item.approving_level
    return (item.extra or {}).get(key, "")


def row_cells(number: int | str, item: ItemSnapshot, *, with_status: bool, today: date,
              keys: Sequence[str] = PLAN_KEYS) -> tuple[str, ...]:
    if keys == PLAN_KEYS:
        # The seed's columns, as cell_text words them, without a call per cell (5,000 rows
        # of a list: a third of the time of building its table).
        cells = (str(number), item.title, item.lead_text or item.lead_agency, item.coordination,
                 item.original_due_period, item.approving_level)
    else:
        cells = tuple(cell_text(item, key, str(number)) for key in keys)
    if with_status:
        cells += (progress_text(item), remarks_text(item, today))
    return cells


def seed_rows(items: Sequence[ItemSnapshot], first: int) -> list[AppendixRow]:
    """The rows of the seed's six columns without the progress ones, numbered from `first`:
    row_cells's words in one comprehension (a call per item was a fifth of a plain CSV)."""
    return [AppendixRow(number, (str(number), item.title, item.lead_text or item.lead_agency,
                                 item.coordination, item.original_due_period,
                                 item.approving_level))
            for number, item in enumerate(items, first)]


def table_columns(columns: Sequence[tuple[str, str]], with_status: bool
                  ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(keys, headers) of the printed table: the list's columns, then the progress columns
    when asked, renamed under a list that has its own "Tình hình thực hiện" or "Ghi chú"
    column (a progress report imported as published)."""
    keys = tuple(key for key, _ in columns)
    headers = tuple(header for _, header in columns)
    if with_status:
        own = {name_key(header) for header in headers}
        keys += STATUS_KEYS
        headers += (
            TRACKER_PROGRESS_HEADER if name_key(STATUS_HEADERS[0]) in own else STATUS_HEADERS[0],
            TRACKER_REMARKS_HEADER if name_key(STATUS_HEADERS[1]) in own else STATUS_HEADERS[1])
    return keys, headers


# C901: one walk down the published list; its helpers are closures over the walk's state
# (the lines so far, the cells still open to a merge from below).
def build_published_table(title: str, attached_line: str,  # noqa: C901
                          columns: Sequence[tuple[str, str]],
                          sections: Sequence[SectionSnapshot], items: Iterable[ItemSnapshot], *,
                          with_status: bool, today: date, complete: bool = True,
                          subtitle: str = "", label: str = "",
                          lines_after: Sequence[str] = ()) -> AppendixTable:
    """An imported list printed as published: its header row, its headings and repeated
    header rows in place, its STT, every cell as published, the further lines of an item
    and the cells merged down printed merged; the progress columns on the right when asked.

    Items come in list order; each is printed under its section. A filtered part of the
    list (`complete` False) keeps only the headings with items under them.
    """
    keys, headers = table_columns(columns, with_status)
    width = len(keys)
    by_section: dict[int | None, list[ItemSnapshot]] = {}
    for item in items:
        by_section.setdefault(item.section_id, []).append(item)
    lines: list[list] = []
    open_cells: list[Cell | None] = [None] * width   # the cell a merged-down one continues

    def add_items(members: list[ItemSnapshot]) -> None:
        for item in members:
            add_item(item)

    own_keys = keys[:len(columns)]

    def add_item(item: ItemSnapshot) -> None:
        first = [cell_text(item, key, item.number_text) for key in own_keys]
        if with_status:
            first += [progress_text(item), remarks_text(item, today)]
        merged_up = (item.extra or {}).get("_merged_up")
        if not item.sub_rows and not merged_up:     # most rows: one line, nothing merged
            row = [Cell(text) for text in first]
            open_cells[:] = row
            lines.append(("item", row))
            return
        sub_rows = list(item.sub_rows or ())
        height = 1 + len(sub_rows)
        merged_up = set(merged_up or ())
        split = {key for sub in sub_rows for key in sub}
        block = [[None] * width for _ in range(height)]
        for column, key in enumerate(keys):
            above = open_cells[column]
            if key in merged_up and above is not None and height == 1:
                above.rowspan += 1
                block[0][column] = Covered.ABOVE
                continue
            if key in split:
                for line_number in range(height):
                    text = first[column] if line_number == 0 else \
                        sub_rows[line_number - 1].get(key, "")
                    block[line_number][column] = Cell(text)
                open_cells[column] = block[-1][column]
            else:
                cell = Cell(first[column], rowspan=height)
                block[0][column] = cell
                for line_number in range(1, height):
                    block[line_number][column] = Covered.ABOVE
                open_cells[column] = cell
        lines.extend(("item", row) for row in block)

    def add_section(section: SectionSnapshot) -> None:
        slots: list = []
        for text, span in section.cells:
            span = max(1, min(int(span), width - len(slots)))
            if span <= 0 or len(slots) >= width:
                break
            slots.append(Cell(text, colspan=span))
            slots.extend([Covered.LEFT] * (span - 1))
        if not slots:
            slots.append(Cell(""))
        if len(slots) < width:      # the progress columns, or columns added later
            last = next(i for i in range(len(slots) - 1, -1, -1) if isinstance(slots[i], Cell))
            slots[last].colspan += width - len(slots)
            slots.extend([Covered.LEFT] * (width - len(slots)))
        lines.append((section.kind, slots))
        open_cells[:] = [None] * width

    add_items(by_section.pop(None, []))
    pending: list[SectionSnapshot] = []
    for section in sections:
        members = by_section.pop(section.id, [])
        if complete:
            add_section(section)
            add_items(members)
        elif members:
            for waiting in pending + [section]:
                add_section(waiting)
            pending = []
            add_items(members)
        elif section.kind == "heading":
            pending.append(section)
    for members in by_section.values():   # under a section that is gone: at the end
        add_items(members)
    body = tuple(BodyLine(kind, tuple(slots)) for kind, slots in lines)
    return AppendixTable(title, attached_line, headers, (), subtitle=subtitle, label=label,
                         keys=keys, body=body, lines_after=tuple(lines_after))


def build_table(title: str, attached_to: str, items: Iterable[ItemSnapshot], *,
                with_status: bool, today: date, grouping: Grouping = Grouping.NONE,
                numbering: Numbering = Numbering.CONTINUOUS, subtitle: str = "",
                label: str = "", columns: Sequence[tuple[str, str]] | None = None,
                published_attached_line: str = "") -> AppendixTable:
    """Group the items (stable: rows keep their order inside a group), number the rows
    and word every cell. `columns`: a published list's own columns, else the seed's six."""
    buckets: dict[str, tuple[tuple, list[ItemSnapshot]]] = {}
    if grouping == Grouping.NONE:
        # One group without a heading, as _group_of says for every item, at no cost per item.
        members = list(items)
        if members:
            buckets[""] = ((), members)
    else:
        for item in items:
            key, heading = _group_of(item, grouping)
            buckets.setdefault(heading, (key, []))[1].append(item)
    ordered = list(buckets.items())
    if grouping != Grouping.PLAN:
        ordered.sort(key=lambda entry: entry[1][0])
    groups = []
    number = 0
    own_keys = tuple(key for key, _ in columns) if columns else PLAN_KEYS
    for heading, (_, members) in ordered:
        if numbering == Numbering.PER_GROUP:
            number = 0
        if own_keys == PLAN_KEYS and not with_status:
            rows = seed_rows(members, number + 1)
            number += len(members)
        else:
            rows = []
            for item in members:
                number += 1
                rows.append(AppendixRow(number, row_cells(number, item, with_status=with_status,
                                                          today=today, keys=own_keys)))
        groups.append(AppendixGroup(heading, tuple(rows)))
    keys, headers = table_columns(columns or tuple(zip(PLAN_KEYS, PLAN_HEADERS, strict=True)),
                                  with_status)
    return AppendixTable(title.upper(), published_attached_line or attached_line(attached_to),
                         headers, tuple(groups),
                         subtitle=subtitle, label=label.upper(), keys=keys)
