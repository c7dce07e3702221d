"""Interpret an appendix table (rows of cell strings) as the items of a plan.

Plain Python: finds the header row under the title lines, recognises columns
by meaning, reads group headings ("QUÝ III/2020", "I. LĨNH VỰC …"), skips
count lines, footnotes and repeated headers, and checks every row, reporting
every problem (row, column, why) before anything is written. Saving is the
caller's job, all rows or none. The grids come from `tracker.appendix.readers`.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from tracker.agency_names import lead_names
from tracker.appendix.readers import ReadError, SourceTable, decode, parse_delimited
from tracker.i18n import _
from tracker.periods import PeriodError, parse_period
from tracker.text import clean, without_diacritics

__all__ = ["ImportResult", "ImportedRow", "ReadError", "RowError", "SectionRow", "decode",
           "find_header", "interpret", "interpret_table", "joined_table", "pick_table",
           "read_table"]

HEADER_OF = {
    "position": "STT",
    "title": "Tên đề án",
    "lead_agency": "Cơ quan chủ trì",
    "coordination": "Cơ quan phối hợp",
    "due_period": "Thời gian trình",
    "approving_level": "Cấp trình",
    "notes": "Ghi chú",
    "progress": "Tình hình thực hiện",
    "product": "Sản phẩm",
}
PLAN_COLUMNS = ("position", "title", "lead_agency", "coordination", "due_period", "approving_level")
# Filled from the item above when a merged cell lost its value in a paste. Only the lead and
# the period: an empty one is hardly meant, whereas a coordination or "Cấp trình" may truly be
# empty (and the DOCX/XLSX readers say which cells are merged).
FILLED_DOWN = ("lead_agency", "due_period")
LIMITS = {"position": 50, "title": 2000, "lead_agency": 1000, "coordination": 2000,
          "due_period": 200, "approving_level": 200}
EXTRA_LIMIT = 5000
HEADER_SEARCH_ROWS = 30
_HEADER_CELL_MAX = 80     # longer cells are data, never a header

# Header cells by meaning, tried in order on the folded text (no case, no diacritics,
# punctuation as spaces): "Cơ quan chủ trì soạn thảo" is a lead agency before anything else.
_HEADER_RULES = (
    ("position", re.compile(r"(so )?(stt|tt|thu tu)")),
    ("lead_agency", re.compile(r".*\bchu tri\b.*")),
    ("coordination", re.compile(r".*\bphoi hop\b.*")),
    # "Đơn vị thực hiện" beside "Đơn vị phối hợp" (Đồng Nai 179/KH-UBND): the lead.
    ("lead_agency", re.compile(r"(don vi|co quan)( duoc giao)? thuc hien")),
    ("approving_level", re.compile(r"(cap|tham quyen)( co tham quyen)? (trinh|quyet dinh|ban hanh"
                                   r"|phe duyet)\b.*|co quan (quyet dinh|ban hanh|phe duyet)\b.*")),
    ("due_period", re.compile(r"(thoi gian|thoi han|thoi diem)\b.*")),
    # "Kết quả thực hiện" in a published list is the expected result (Bộ VHTTDL 6225), a
    # column of its own, not the tracker's progress.
    ("progress", re.compile(r"(tinh hinh (thuc hien|trien khai)|tien do|tinh trang)\b.*")),
    ("notes", re.compile(r"ghi chu\b.*")),
    ("product", re.compile(r"(san pham|hinh thuc)\b.*")),
    # "Nhiệm vụ, giải pháp", "NHIỆM VỤ VÀ GIẢI PHÁP", "Chỉ tiêu" — not "Văn bản giao nhiệm vụ".
    ("title", re.compile(r"(ten|noi dung)\b.*|((de an|van ban|nhiem vu|giai phap|cong viec|chi tieu)"
                         r"( va)? ?)+")),
)
_FOLD_DROP = re.compile(r"[^\w]+|_")
_NUMBER = re.compile(r"\(?0*(\d{1,6})[.)]?")
_COLUMN_NUMBER = re.compile(r"\(?\d{1,3}\)?")
_MARKER = re.compile(r"(?:[IVXLC]+|[A-ZĐ])(?:[.)]|(?:\.\d+)+\.?)?")
# A sub-group number ("5.1") whose items are numbered under it ("5.1.1").
_DOTTED = re.compile(r"\d+(?:\.\d+)+\.?")
_HEADING_PREFIX = re.compile(r"(?:[IVXLC]+|[A-ZĐ])[.)]\s*[^\W\d_]")
_HEADING_WORDS = re.compile(r"(linh vuc|nhom|phan|khoi|chuong|muc)\b")
_PERIOD_WORDS = re.compile(r"(quy|thang|nam|6 thang)\b")
# "Cộng: 3 đề án", "Tổng cộng: 10 đề án", "Tổng số 10 văn bản" (on the casefolded text).
_COUNT_LINE = re.compile(r"(tổng cộng|tổng số|cộng)\s*(:|\d|$|đề án|văn bản)")
_FOOTNOTE_WORDS = re.compile(r"(ghi chu|luu y|chu thich|nguon)\b")
_FOOTNOTE_MARK = re.compile(r"\*|\(\d+\)|\d+\)\s")


@dataclass
@dataclass
class RowError:
    row: int        # 1-based row of the source table (line of a CSV/paste, row of a sheet)
    column: str     # the header as written in the source, or "" for the whole row
    message: str
    field: str = ""  # the meaning of the column ("title", "lead_agency" …), for highlighting

    def __str__(self) -> str:
        if self.column:
            return _("row %(row)d, column “%(column)s”: %(message)s", row=self.row,
                     column=self.column, message=self.message)
        return _("row %(row)d: %(message)s", row=self.row, message=self.message)


@dataclass
class ImportedRow:
    line: int
    position: int
    title: str
    lead_agency: str        # the lead cell on one line ("Bộ CHQS tỉnh; UBND cấp xã")
    coordination: str
    due_period: str         # as published (NFC, trimmed), "" when the list has none
    approving_level: str
    group: str = ""         # the heading above the row, as written ("QUÝ III/2020")
    progress: str = ""      # "Tình hình thực hiện" as written
    number_text: str = ""   # the STT cell as published ("1.1", "5.2.3", "1.")
    lead_text: str = ""     # the lead cell as published
    lead_names: list[str] = field(default_factory=list)   # the agencies it names
    extra: dict[str, str] = field(default_factory=dict)   # the list's own columns, by key
    sub_rows: list[dict[str, str]] = field(default_factory=list)  # further lines of the item
    merged_up: list[str] = field(default_factory=list)    # keys of cells merged with the row above
    section: int | None = None                             # index in ImportResult.sections


@dataclass
class SectionRow:
    """A heading or a header row repeated inside the table, as published."""

    line: int
    kind: str                       # "heading" | "header"
    cells: list[list]               # [[text, columns spanned], …]
    text: str                       # on one line, for the preview and choosing a section


@dataclass
class ImportResult:
    rows: list[ImportedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)        # headings with items, in order
    header_row: int = 0                                    # 1-based; 0 when none was found
    columns: dict[str, str] = field(default_factory=dict)  # meaning → header as written
    preamble: list[str] = field(default_factory=list)      # the lines above the header
    # The list's columns in order as (key, header as published): the six known keys, and
    # "c<N>" for its own columns.
    layout: list[tuple[str, str]] = field(default_factory=list)
    sections: list[SectionRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def read_table(text: str, delimiter: str | None = None) -> ImportResult:
    """CSV/TSV text (a tab unless there is none, then `;` or `,`) interpreted as a table."""
    try:
        rows = parse_delimited(text, delimiter)
    except ReadError as error:
        return ImportResult(errors=[RowError(1, "", str(error))])
    return interpret(rows)


def pick_table(tables: list[SourceTable]) -> int:
    """Index of the first table whose header row is recognised, or -1."""
    for index, table in enumerate(tables):
        if find_header(_cleaned(table.rows[:HEADER_SEARCH_ROWS])) is not None:
            return index
    return -1


def joined_table(tables: list[SourceTable], index: int) -> SourceTable:
    """The chosen table and the tables that continue it: a list printed as a table per
    section, or broken by a page note, is one list. A following table continues it when it
    has as many columns and either repeats the header or has no header of its own."""
    first = tables[index]
    width = _width(first.rows)
    rows = [list(row) for row in first.rows]
    spans = dict(first.spans) if first.spans is not None else None
    merged = set(first.merged) if first.merged is not None else None
    header = find_header(_cleaned(first.rows[:HEADER_SEARCH_ROWS]))
    header_keys = ([header_key(cell) for cell in _cleaned([first.rows[header]])[0]]
                   if header is not None else [])
    for table in tables[index + 1:]:
        if not table.rows or _width(table.rows) != width:
            break
        own = find_header(_cleaned(table.rows[:HEADER_SEARCH_ROWS]))
        if own is not None:
            keys = [header_key(cell) for cell in _cleaned([table.rows[own]])[0]]
            if keys != header_keys:
                break
        offset = len(rows)
        rows.extend(list(row) for row in table.rows)
        if spans is not None and table.spans is not None:
            spans.update({(r + offset, c): n for (r, c), n in table.spans.items()})
        if merged is not None and table.merged is not None:
            merged.update((r + offset, c) for r, c in table.merged)
    return SourceTable(first.label, rows, first.preamble, spans, merged)


def _width(rows: list[list[str]]) -> int:
    return max((len(row) for row in rows), default=0)


def find_header(rows: list[list[str]]) -> int | None:
    """0-based index of the first of the first 30 rows that names the title column and at
    least one other known column."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [header_key(cell) for cell in row]
        if "title" in keys and len({key for key in keys if key}) >= 2:
            return index
    return None


@functools.lru_cache(maxsize=4096)
def header_key(text: str) -> str | None:
    """The meaning of a header cell ("Đơn vị chủ trì" → "lead_agency"), or None."""
    if len(text) > 2 * _HEADER_CELL_MAX:
        return None
    folded = fold(text)
    if not folded or len(folded) > _HEADER_CELL_MAX:
        return None
    for key, rule in _HEADER_RULES:
        if rule.fullmatch(folded):
            return key
    return None


def fold(text: str) -> str:
    """Casefolded, without diacritics (đ → d), punctuation and line breaks as single spaces."""
    return _FOLD_DROP.sub(" ", without_diacritics(clean(text).casefold())).strip()


def interpret(rows: list[list[str]], spans: dict[tuple[int, int], int] | None = None,
              merged: set[tuple[int, int]] | None = None) -> ImportResult:
    """Read a grid of cell strings as an appendix table; see the module docstring.

    `spans` (cells merged across: (row, column) → columns) and `merged` (cells merged with
    the one above) come from Word and Excel files; None for text, where a merged-across
    cell is one field of a shorter row.
    """
    return _Interpreter(_cleaned(rows), spans, merged).run()


def interpret_table(table: SourceTable) -> ImportResult:
    return interpret(table.rows, table.spans, table.merged)


def _cleaned(rows: list[list[str]]) -> list[list[str]]:
    """NFC, trimmed cells."""
    return [[clean(str(cell)) if cell not in (None, "") else ""
             for cell in row] for row in rows]


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Columns the tracker understands; any other column is kept as the list's own ("c<N>").
CORE_COLUMNS = frozenset(PLAN_COLUMNS)
# Open texts that are a known way of saying "no fixed deadline": no warning for these.
_KNOWN_OPEN = re.compile(r"(thuong xuyen|theo ke hoach|khi co phat sinh|hang nam|hang quy|"
                         r"hang thang|dinh ky|lien tuc|theo lo trinh|theo tien do)\b")


class _Interpreter:
    def __init__(self, rows: list[list[str]], spans: dict[tuple[int, int], int] | None,
                 merged: set[tuple[int, int]] | None) -> None:
        self.grid = rows
        self.spans = spans
        self.merged = merged
        self.result = ImportResult()
        self.keys: list[str | None] = []
        self.headers: dict[str, str] = {}       # meaning → header as written
        self.index_of: dict[str, int] = {}      # meaning → column
        self.column_keys: list[str] = []        # layout key of each column
        self.width = 0
        self.group = ""
        self.section: int | None = None
        self.previous: ImportedRow | None = None
        self.open_text_lines: list[int] = []
        self.header_texts: list[str] = []
        self.after_total = 0                    # line of the "Tổng cộng" row, once met

    def run(self) -> ImportResult:
        result = self.result
        if not any(any(row) for row in self.grid):
            result.errors.append(RowError(1, "", _("The table is empty: it has no rows. Check "
                                                   "the file or what was pasted.")))
            return result
        header = find_header(self.grid)
        if header is None:
            result.errors.append(self._no_header_error())
            return result
        result.header_row = header + 1
        result.preamble = [text for row in self.grid[:header] if (text := _row_text(row))]
        first_data = self._read_header(header)
        if result.errors:
            return result
        for index in range(first_data, len(self.grid)):
            if self._read_row(index, self.grid[index]) == "end":
                break
        self._finish()
        return result

    # --- header ----------------------------------------------------------------------------

    def _no_header_error(self) -> RowError:
        found = {key for row in self.grid[:HEADER_SEARCH_ROWS] for cell in row
                 if (key := header_key(cell))}
        missing = [HEADER_OF[key] for key in ("title", "lead_agency") if key not in found] \
            or [HEADER_OF["title"]]
        return RowError(1, "", _(
            "Missing column %(missing)s: the header row of the table was not found. The header "
            "row needs: %(needed)s (worded a little differently is fine, e.g. “Đơn vị chủ trì”, "
            "“Nhiệm vụ, giải pháp”).", missing=", ".join(missing),
            needed=", ".join(HEADER_OF[k] for k in PLAN_COLUMNS)))

    def _read_header(self, header: int) -> int:
        """Map columns to meanings; return the index of the first row after the header."""
        top = self.grid[header]
        keys = [header_key(cell) for cell in top]
        texts = list(top)
        first_data = header + 1
        # A two-level header ("Cơ quan thực hiện" over "Chủ trì" | "Phối hợp"): the row below
        # names columns, and repeats (merged, filled in) or leaves empty the others.
        if first_data < len(self.grid):
            below = self.grid[first_data]
            below_keys = [header_key(cell) for cell in below]
            # At least two column names: a lone header word is a heading ("CẤP TRÌNH").
            if sum(1 for key in below_keys if key) >= 2 and all(
                    not cell or below_keys[i] or (i < len(top) and cell == top[i])
                    for i, cell in enumerate(below)):
                for i, key in enumerate(below_keys):
                    if key:
                        if i >= len(keys):
                            keys.extend([None] * (i + 1 - len(keys)))
                            texts.extend([""] * (i + 1 - len(texts)))
                        keys[i], texts[i] = key, below[i]
                first_data += 1
        self.width = max([len(texts)] + [_filled_width(row) for row in self.grid[first_data:]])
        keys.extend([None] * (self.width - len(keys)))
        texts.extend([""] * (self.width - len(texts)))
        duplicates = []
        layout = []
        for i, key in enumerate(keys):
            if key is not None and key in self.index_of:
                duplicates.append((_one_line(texts[i]), self.headers[key]))
                key = keys[i] = None
            if key is not None:
                self.index_of[key] = i
                self.headers[key] = _one_line(texts[i])
            layout.append((key if key in CORE_COLUMNS else f"c{i}", texts[i]))
        self.keys = keys
        self.header_texts = [_one_line(text) for text in texts]
        self.column_keys = [key for key, _ in layout]
        self.result.layout = layout
        self.result.columns = dict(self.headers)
        line = header + 1
        missing = [HEADER_OF[key] for key in ("title", "lead_agency") if key not in self.index_of]
        if missing:
            self.result.errors.append(RowError(line, "", _(
                "Missing column %(missing)s. The header row needs: %(needed)s.",
                missing=", ".join(missing),
                needed=", ".join(HEADER_OF[k] for k in PLAN_COLUMNS))))
        for column, first in duplicates:
            self.result.warnings.append(RowError(line, "", _(
                "Column “%(column)s” means the same as column “%(first)s”; it is kept as a "
                "column of the list's own.", column=column, first=first)))
        if "due_period" not in self.index_of and not self.result.errors:
            self.result.warnings.append(RowError(line, "", _(
                "The table has no time column (submission time, deadline): its items have no "
                "deadline and get no reminder, unless a heading names a quarter, month or "
                "year."), "due_period"))
        return first_data

    def _column(self, key: str) -> str:
        return self.headers.get(key) or HEADER_OF[key]

    # --- rows ------------------------------------------------------------------------------

    # C901: one row's kind, decided by checks whose order is the rule (the signature block
    # before a heading, the total line before a count …); split up, the order would hide.
    def _read_row(self, index: int, row: list[str]) -> str:  # noqa: C901
        line = index + 1
        filled = [(i, cell) for i, cell in enumerate(row) if cell]
        if not filled:
            return "empty"
        values = self._values(row)
        first = filled[0][1]
        folded_first = fold(first)
        has_lead_or_period = bool(values.get("lead_agency") or values.get("due_period"))
        if folded_first.startswith("noi nhan") and (
                ":" in first[:12]
                or (not values.get("title") and first != first.upper())):
            # The signature block under the table ("Nơi nhận:"); a heading in capitals
            # ("NƠI NHẬN", an agency of that name grouped by lead) is not.
            return "end"
        if self._is_column_numbers(filled):
            return "skipped"
        if self._repeats_header(row):
            self._add_section(index, row, "header")
            return "header"
        if self.after_total:
            if values.get("title") and values.get("lead_agency"):
                self.result.warnings.append(RowError(line, "", _(
                    "The row comes after the total line (row %(total)d) and is not imported. "
                    "If it is an item, move it above the total line.", total=self.after_total)))
            return "skipped"
        if not has_lead_or_period and _COUNT_LINE.match(first.casefold()):
            self.previous = None
            if folded_first.startswith("tong cong"):
                self.after_total = line     # "Tổng cộng: N đề án" closes the table
            return "count"
        if not has_lead_or_period and self._is_footnote(first):
            self.result.warnings.append(RowError(line, "", _(
                "Footnote row skipped: “%(text)s”.", text=_shorten(_row_text(row)))))
            return "footnote"
        if self._continues_item(index, values):
            self._add_sub_row(index, values)
            return "continued"
        heading = self._heading(index, filled, values)
        if heading:
            self.group = heading
            self._add_section(index, row, "heading", heading)
            return "heading"
        if not (values.get("title") or has_lead_or_period):
            self.result.warnings.append(RowError(line, "", _(
                "Row without title, lead agency or time, skipped: “%(text)s”.",
                text=_shorten(_row_text(row)))))
            return "skipped"
        self._add_item(index, values)
        return "item"

    def _values(self, row: list[str]) -> dict[str, str]:
        values = {}
        for i, key in enumerate(self.column_keys):
            text = row[i] if i < len(row) else ""
            values[key] = _one_line(text) if key in ("position", "due_period",
                                                     "approving_level") else text
        return values

    def _repeats_header(self, row: list[str]) -> bool:
        """A header repeated inside the table (at a page break, or over a part): cells that
        are all header words, at least two of them naming their own columns."""
        filled = [(i, cell) for i, cell in enumerate(row) if cell]
        found = [(i, header_key(cell)) for i, cell in filled]
        if len(filled) < 2 or not all(key for _column, key in found):
            return False
        own = sum(1 for i, key in found if i < len(self.keys) and self.keys[i] == key)
        # Pasted, a header cell merged across ("Nội dung" over STT and title) shifts the rest.
        shifted = self.spans is None and len(row) < self.width and len(filled) >= 3
        return own >= 2 or shifted

    @staticmethod
    def _is_column_numbers(filled: list[tuple[int, str]]) -> bool:
        """The "1 2 3 4 5 6" or "(1) (2) …" row that numbers the columns under the header."""
        return len(filled) >= 2 and all(_COLUMN_NUMBER.fullmatch(cell) for _column, cell in filled)

    @staticmethod
    def _is_footnote(text: str) -> bool:
        if _FOOTNOTE_MARK.match(text):
            return True
        head = text[:20]
        return ":" in head and bool(_FOOTNOTE_WORDS.match(fold(head)))

    def _continues_item(self, index: int, values: dict[str, str]) -> bool:
        """A further line of the item above (a second lead agency with its own coordinating
        agencies), its STT and title merged down: Word/Excel say so; in a paste those cells
        are empty."""
        if self.previous is None:
            return False
        title_at = self.index_of["title"]
        if self.merged is not None and (index, title_at) in self.merged:
            return True
        own = [key for key in ("lead_agency", "coordination") if values.get(key)]
        if len(own) == 1 and _is_heading_text(_one_line(values[own[0]])):
            return False    # "I. LĨNH VỰC …" written in the first column, which is the lead's
        return bool(own) and not values.get("title") and not values.get("position")

    def _add_sub_row(self, index: int, values: dict[str, str]) -> None:
        item = self.previous
        merged = self.merged or set()
        sub = {key: values.get(key, "") for i, key in enumerate(self.column_keys)
               if (index, i) not in merged and values.get(key)}
        sub.pop("title", None)
        sub.pop("position", None)
        item.sub_rows.append(sub)
        if sub.get("lead_agency"):
            for name in lead_names(sub["lead_agency"]):
                if name not in item.lead_names:
                    item.lead_names.append(name)

    def _heading(self, index: int, filled: list[tuple[int, str]], values: dict[str, str]) -> str:
        """The group heading this row is, or "" for an item."""
        texts = list(dict.fromkeys(cell for _column, cell in filled))
        if values.get("title") and values.get("lead_agency"):
            return ""
        first = _one_line(texts[0])
        if len(texts) == 1:
            if _NUMBER.fullmatch(first):
                return ""   # a lone number is an empty numbered row, not a heading
            title_at = self.index_of["title"]
            looks_like_item = (
                filled[0][0] == title_at and self.previous is not None
                and not _is_heading_text(first) and first != first.upper())
            return "" if looks_like_item else first
        only_number_and_title = {i for i, _ in filled} <= {
            self.index_of.get("position"), self.index_of["title"]}
        period_cell = values.get("due_period", "")
        if _MARKER.fullmatch(first) and (not period_cell or (
                len(texts) == 2 and not values.get("lead_agency") and not _period_of(period_cell))):
            # "I" | "LĨNH VỰC CÔNG NGHIỆP": a numbered heading written across the STT column.
            separator = " " if first[-1] in ".)" else ". "
            return f"{first}{separator}{_one_line(texts[1])}"
        if only_number_and_title and _DOTTED.fullmatch(first) and self._numbers_below(index, first):
            return f"{first} {_one_line(texts[1])}"     # "5.1 | Thương mại" over 5.1.1 …
        if _is_heading_text(first) and not values.get("lead_agency"):
            return " ".join(_one_line(text) for text in texts)
        return ""

    def _numbers_below(self, index: int, number: str) -> bool:
        """Does the next numbered row carry a number under this one ("5.1" → "5.1.1")?"""
        at = self.index_of.get("position")
        prefix = number.rstrip(".") + "."
        for row in self.grid[index + 1:index + 4]:
            cell = row[at] if at is not None and at < len(row) else ""
            if cell:
                return cell.startswith(prefix)
        return False

    def _published_cells(self, index: int, row: list[str], kind: str) -> list[list]:
        """The row's cells as [text, span] over the table's columns."""
        width = self.width
        if self.spans is None and 0 < len(row) < width:
            return _cells_of_short_row(row, width, self.keys if kind == "header" else None)
        cells, column = [], 0
        while column < width:
            text = row[column] if column < len(row) else ""
            span = (self.spans or {}).get((index, column), 1)
            span = max(1, min(span, width - column))
            cells.append([text, span])
            column += span
        return cells

    def _add_section(self, index: int, row: list[str], kind: str, text: str = "") -> None:
        self.result.sections.append(SectionRow(
            index + 1, kind, self._published_cells(index, row, kind),
            text or _shorten(_row_text(row), 200)))
        # The items below print after it (a header repeated over a part of the list too).
        self.section = len(self.result.sections) - 1
        self.previous = None    # a heading also ends merged cells

    def _merged_up(self, index: int, values: dict[str, str]) -> list[str]:
        """The columns of the row merged with the row above (a spreadsheet's merged cells),
        or, in a table without them, left empty and taken from the row above (with a
        warning each, written into `values`)."""
        if self.previous is None:
            return []
        if self.merged is not None:
            return [key for i, key in enumerate(self.column_keys)
                    if (index, i) in self.merged and key not in ("title", "position")]
        merged_up = []
        if values.get("title"):
            for key in FILLED_DOWN:
                if key in self.index_of and not values.get(key) and getattr(self.previous, key):
                    values[key] = (self.previous.lead_text if key == "lead_agency"
                                   else getattr(self.previous, key))
                    merged_up.append(key)
                    self.result.warnings.append(RowError(index + 1, self._column(key), _(
                        "empty, taken from the row above: “%(text)s”.",
                        text=_shorten(values[key])), key))
        return merged_up

    def _add_item(self, index: int, values: dict[str, str]) -> None:
        line = index + 1
        result = self.result
        errors, warnings = result.errors, result.warnings
        merged_up = self._merged_up(index, values)
        if not values.get("due_period") and self.group:
            period = _period_of(self.group)
            if period:
                values["due_period"] = period
                warnings.append(RowError(line, self._column("due_period"), _(
                    "empty, taken from the heading “%(heading)s”.", heading=self.group),
                    "due_period"))
        for key in ("title", "lead_agency"):
            if not values.get(key):
                errors.append(RowError(line, self._column(key), _("must not be empty."), key))
        self._check_period(line, values.get("due_period", ""))
        lead_text = values.get("lead_agency", "")
        extra = self._check_lengths(line, values)
        progress_at = self.index_of.get("progress")
        item = ImportedRow(
            line=line, position=len(result.rows) + 1, title=values.get("title", ""),
            lead_agency=_one_line(lead_text), coordination=values.get("coordination", ""),
            due_period=values.get("due_period", ""),
            approving_level=values.get("approving_level", ""),
            group=self.group,
            progress=values.get(f"c{progress_at}", "") if progress_at is not None else "",
            number_text=values.get("position", ""), lead_text=lead_text,
            lead_names=lead_names(lead_text), extra=extra, merged_up=merged_up,
            section=self.section,
        )
        result.rows.append(item)
        if self.group and self.group not in result.groups:
            result.groups.append(self.group)
        self.previous = item

    def _check_period(self, line: int, period_text: str) -> None:
        """An error for a time that is no period; an open text ("Thường xuyên") or none is
        noted for the warning that it gets no reminder."""
        if period_text:
            try:
                period = parse_period(period_text)
            except PeriodError as error:
                self.result.errors.append(RowError(line, self._column("due_period"), str(error),
                                                   "due_period"))
            else:
                if not period.has_deadline and not _KNOWN_OPEN.match(fold(period_text)):
                    self.open_text_lines.append(line)
        elif "due_period" in self.index_of:
            self.open_text_lines.append(line)

    def _check_lengths(self, line: int, values: dict[str, str]) -> dict[str, str]:
        """An error for each cell longer than its column takes; returns the cells of the
        columns the tracker has no field for (kept as published)."""
        errors = self.result.errors
        for key, limit in LIMITS.items():
            if len(values.get(key, "")) > limit:
                errors.append(RowError(line, self._column(key), _(
                    "longer than %(limit)d characters.", limit=limit), key))
        extra = {key: values[key] for key in self.column_keys
                 if key not in CORE_COLUMNS and values.get(key)}
        for key, text in extra.items():
            if len(text) > EXTRA_LIMIT:
                errors.append(RowError(line, self.header_texts[int(key[1:])], _(
                    "longer than %(limit)d characters.", limit=EXTRA_LIMIT)))
        return extra

    def _finish(self) -> None:
        result = self.result
        if not result.rows:
            if not result.errors:
                result.errors.append(RowError(result.header_row + 1, "", _(
                    "The table has no item row under its header row.")))
            return
        if self.open_text_lines:
            result.warnings.append(RowError(
                self.open_text_lines[0], self._column("due_period"), _(
                    "Rows %(rows)s give no quarter, month, year or date: their text is kept as "
                    "written, but they have no deadline and get no reminder.",
                    rows=_line_list(self.open_text_lines)), "due_period"))
        result.warnings.sort(key=lambda warning: warning.row)


def _filled_width(row: list[str]) -> int:
    """Columns up to the last non-empty cell."""
    for i in range(len(row) - 1, -1, -1):
        if row[i]:
            return i + 1
    return 0


def _cells_of_short_row(row: list[str], width: int, header_keys: list[str | None] | None
                        ) -> list[list]:
    """A pasted row with fewer fields than the table (a cell merged across is one field):
    a repeated header row puts each field under the column its word names; any other row
    lets its last field cover the rest of the row."""
    if header_keys is not None:
        starts, used = [], 0
        for cell in row:
            key = header_key(cell)
            column = next((i for i in range(used, width) if header_keys[i] == key), None)
            if column is None:
                break
            starts.append(column)
            used = column + 1
        else:
            starts[0] = 0
            ends = starts[1:] + [width]
            return [[cell, end - start] for cell, start, end in zip(row, starts, ends, strict=True)]
    cells = [[cell, 1] for cell in row]
    cells[-1][1] = width - len(row) + 1
    return cells


def _is_heading_text(text: str) -> bool:
    if _HEADING_PREFIX.match(text):
        return True
    folded = fold(text)
    return bool(_HEADING_WORDS.match(folded) or (_PERIOD_WORDS.match(folded)
                                                 and _period_of(text)))


def _period_of(text: str) -> str:
    """The canonical period a heading names ("QUÝ III/2020" → "Quý III/2020"), or ""."""
    try:
        period = parse_period(text)
    except PeriodError:
        return ""
    return period.label if period.has_deadline else ""


def _row_text(row: list[str]) -> str:
    return " ".join(_one_line(cell) for cell in dict.fromkeys(row) if cell)


def _shorten(text: str, limit: int = 80) -> str:
    text = _one_line(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _line_list(lines: list[int]) -> str:
    shown = ", ".join(map(str, lines[:10]))
    return shown + (" … " + _("(%(count)d rows)", count=len(lines)) if len(lines) > 10 else "")
