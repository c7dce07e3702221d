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

from tracker.appendix.readers import ReadError, SourceTable, decode, parse_delimited
from tracker.periods import PeriodError, parse_period
from tracker.text import clean, without_diacritics

__all__ = ["ImportResult", "ImportedRow", "ReadError", "RowError", "decode", "find_header",
           "interpret", "pick_table", "read_table"]

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
REQUIRED = ("title", "lead_agency", "due_period")
# Filled from the item above when a merged cell lost its value in a paste. Only the
# required columns: an empty one cannot be meant, whereas "Cấp trình" may truly be empty
# (and DOCX/XLSX readers fill real merged cells themselves).
FILLED_DOWN = ("lead_agency", "due_period")
LIMITS = {"title": 2000, "lead_agency": 255, "coordination": 1000, "due_period": 200,
          "approving_level": 200, "notes": 5000, "progress": 5000}
HEADER_SEARCH_ROWS = 30
_HEADER_CELL_MAX = 80     # longer cells are data, never a header

# Header cells by meaning, tried in order on the folded text (no case, no diacritics,
# punctuation as spaces): "Cơ quan chủ trì soạn thảo" is a lead agency before anything else.
_HEADER_RULES = (
    ("position", re.compile(r"(so )?(stt|tt|thu tu)")),
    ("lead_agency", re.compile(r".*\bchu tri\b.*")),
    ("coordination", re.compile(r".*\bphoi hop\b.*")),
    ("approving_level", re.compile(r"(cap|tham quyen)( co tham quyen)? (trinh|quyet dinh|ban hanh"
                                   r"|phe duyet)\b.*|co quan (quyet dinh|ban hanh|phe duyet)\b.*")),
    ("due_period", re.compile(r"(thoi gian|thoi han|thoi diem)\b.*")),
    ("progress", re.compile(r"((tinh hinh|ket qua) (thuc hien|trien khai)|tien do|tinh trang)\b.*")),
    ("notes", re.compile(r"ghi chu\b.*")),
    ("product", re.compile(r"(san pham|hinh thuc)\b.*")),
    ("title", re.compile(r"(ten|noi dung)\b.*|((de an|van ban|nhiem vu|cong viec) ?)+")),
)
_FOLD_DROP = re.compile(r"[^\w]+|_")
_NUMBER = re.compile(r"\(?0*(\d{1,6})[.)]?")
_COLUMN_NUMBER = re.compile(r"\(?\d{1,3}\)?")
_MARKER = re.compile(r"(?:[IVXLC]+|[A-ZĐ])[.)]?")
_HEADING_PREFIX = re.compile(r"(?:[IVXLC]+|[A-ZĐ])[.)]\s*[^\W\d_]")
_HEADING_WORDS = re.compile(r"(linh vuc|nhom|phan|khoi|chuong|muc)\b")
_PERIOD_WORDS = re.compile(r"(quy|thang|nam|6 thang)\b")
# "Cộng: 3 đề án", "Tổng cộng: 10 đề án", "Tổng số 10 văn bản" (on the casefolded text).
_COUNT_LINE = re.compile(r"(tổng cộng|tổng số|cộng)\s*(:|\d|$|đề án|văn bản)")
_FOOTNOTE_WORDS = re.compile(r"(ghi chu|luu y|chu thich|nguon)\b")
_FOOTNOTE_MARK = re.compile(r"\*|\(\d+\)|\d+\)\s")


@dataclass
class RowError:
    row: int        # 1-based row of the source table (line of a CSV/paste, row of a sheet)
    column: str     # the header as written in the source, or "" for the whole row
    message: str
    field: str = ""  # the meaning of the column ("title", "lead_agency" …), for highlighting

    def __str__(self) -> str:
        where = f"dòng {self.row}" + (f", cột \"{self.column}\"" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportedRow:
    line: int
    position: int
    title: str
    lead_agency: str
    coordination: str
    due_period: str
    approving_level: str
    group: str = ""         # the heading above the row, as written ("QUÝ III/2020")
    notes: str = ""         # "Ghi chú", then "Sản phẩm: …" when the table has that column
    progress: str = ""      # "Tình hình thực hiện" as written


@dataclass
class ImportResult:
    rows: list[ImportedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)        # headings with items, in order
    header_row: int = 0                                    # 1-based; 0 when none was found
    columns: dict[str, str] = field(default_factory=dict)  # meaning → header as written
    preamble: list[str] = field(default_factory=list)      # the lines above the header

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


def interpret(rows: list[list[str]]) -> ImportResult:
    """Read a grid of cell strings as an appendix table; see the module docstring."""
    return _Interpreter(_cleaned(rows)).run()


def _cleaned(rows: list[list[str]]) -> list[list[str]]:
    """NFC, trimmed cells."""
    return [[clean(str(cell)) if cell not in (None, "") else ""
             for cell in row] for row in rows]


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Interpreter:
    def __init__(self, rows: list[list[str]]) -> None:
        self.grid = rows
        self.result = ImportResult()
        self.keys: list[str | None] = []
        self.headers: dict[str, str] = {}       # meaning → header as written
        self.index_of: dict[str, int] = {}      # meaning → column
        self.group = ""
        self.group_line = 0
        self.group_has_items = False
        self.previous: ImportedRow | None = None
        self.unnamed_with_data: set[int] = set()
        self.missing_period_lines: list[int] = []
        self.header_texts: list[str] = []
        self.after_total = 0                    # line of the "Tổng cộng" row, once met

    def run(self) -> ImportResult:
        result = self.result
        if not any(any(row) for row in self.grid):
            result.errors.append(RowError(1, "", "Bảng trống: không có dòng nào. Hãy kiểm tra "
                                                 "lại tệp hoặc nội dung đã dán."))
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
            if self._read_row(index + 1, self.grid[index]) == "end":
                break
        self._close_group()
        self._finish()
        return result

    # --- header ----------------------------------------------------------------------------

    def _no_header_error(self) -> RowError:
        found = {key for row in self.grid[:HEADER_SEARCH_ROWS] for cell in row
                 if (key := header_key(cell))}
        missing = [HEADER_OF[key] for key in REQUIRED if key not in found] or [HEADER_OF["title"]]
        return RowError(1, "", f"Thiếu cột {', '.join(missing)}: không tìm thấy dòng tiêu đề của "
                               f"bảng. Dòng tiêu đề cần có: {', '.join(HEADER_OF[k] for k in PLAN_COLUMNS)} "
                               "(viết khác đi một chút cũng được, ví dụ “Đơn vị chủ trì”).")

    def _read_header(self, header: int) -> int:
        """Map columns to meanings; return the index of the first row after the header."""
        top = self.grid[header]
        keys = [header_key(cell) for cell in top]
        texts = [_one_line(cell) for cell in top]
        first_data = header + 1
        # A two-level header ("Cơ quan thực hiện" over "Chủ trì" | "Phối hợp"): the row below
        # names columns, and repeats (merged, filled in) or leaves empty the others.
        if first_data < len(self.grid):
            below = self.grid[first_data]
            below_keys = [header_key(cell) for cell in below]
            if any(below_keys) and all(
                    not cell or below_keys[i] or (i < len(top) and cell == top[i])
                    for i, cell in enumerate(below)):
                for i, key in enumerate(below_keys):
                    if key:
                        if i >= len(keys):
                            keys.extend([None] * (i + 1 - len(keys)))
                            texts.extend([""] * (i + 1 - len(texts)))
                        keys[i], texts[i] = key, _one_line(below[i])
                first_data += 1
        unknown, duplicates = [], []
        for i, key in enumerate(keys):
            if key is None:
                if texts[i]:
                    unknown.append(f"“{texts[i]}”")
                continue
            if key in self.index_of:
                duplicates.append(f"“{texts[i]}” trùng nghĩa với cột “{self.headers[key]}”")
                keys[i] = None
                continue
            self.index_of[key] = i
            self.headers[key] = texts[i]
        self.keys = keys
        self.header_texts = texts
        self.result.columns = dict(self.headers)
        line = header + 1
        missing = [HEADER_OF[key] for key in ("title", "lead_agency") if key not in self.index_of]
        if missing:
            self.result.errors.append(RowError(
                line, "", f"Thiếu cột {', '.join(missing)}. Dòng tiêu đề cần có: "
                          f"{', '.join(HEADER_OF[k] for k in PLAN_COLUMNS)}."))
        if unknown:
            self.result.warnings.append(RowError(
                line, "", f"Không nhận ra cột {', '.join(unknown)}: nội dung các cột này sẽ không "
                          "được nhập. Nếu cần giữ, hãy đổi tên cột (ví dụ “Ghi chú”)."))
        for duplicate in duplicates:
            self.result.warnings.append(RowError(
                line, "", f"Cột {duplicate}; chỉ dùng cột đầu tiên, cột sau không được nhập."))
        return first_data

    def _column(self, key: str) -> str:
        return self.headers.get(key) or HEADER_OF[key]

    # --- rows ------------------------------------------------------------------------------

    def _read_row(self, line: int, row: list[str]) -> str:
        filled = [(i, cell) for i, cell in enumerate(row) if cell]
        if not filled:
            return "empty"
        values = self._values(row)
        first = filled[0][1]
        folded_first = fold(first)
        has_lead_or_period = bool(values.get("lead_agency") or values.get("due_period"))
        if folded_first.startswith("noi nhan"):
            return "end"    # the signature block under the table
        if self._repeats_header(row) or self._is_column_numbers(filled):
            return "skipped"
        if self.after_total:
            if values.get("title") and values.get("lead_agency"):
                self.result.warnings.append(RowError(
                    line, "", f"Dòng nằm sau dòng tổng cộng (dòng {self.after_total}) nên không "
                              "được nhập. Nếu đây là đề án, hãy chuyển nó lên trên dòng tổng cộng."))
            return "skipped"
        if not has_lead_or_period and _COUNT_LINE.match(first.casefold()):
            self._close_group()
            if folded_first.startswith("tong cong"):
                self.after_total = line     # "Tổng cộng: N đề án" closes the table
            return "count"
        if not has_lead_or_period and self._is_footnote(first):
            self.result.warnings.append(RowError(
                line, "", f"Bỏ qua dòng chú thích “{_shorten(_row_text(row))}”."))
            return "footnote"
        heading = self._heading(filled, values)
        if heading:
            self._open_group(line, heading)
            return "heading"
        if not (values.get("title") or has_lead_or_period):
            self.result.warnings.append(RowError(
                line, "", f"Dòng không có tên đề án, cơ quan chủ trì và thời gian trình, bỏ qua: "
                          f"“{_shorten(_row_text(row))}”."))
            return "skipped"
        for i, _ in filled:
            if i >= len(self.keys) or (self.keys[i] is None and not self.header_texts[i]):
                self.unnamed_with_data.add(i)
        self._add_item(line, values)
        return "item"

    def _values(self, row: list[str]) -> dict[str, str]:
        values = {}
        for key, i in self.index_of.items():
            text = row[i] if i < len(row) else ""
            values[key] = _one_line(text) if key in ("position", "lead_agency", "due_period",
                                                     "approving_level") else text
        return values

    def _repeats_header(self, row: list[str]) -> bool:
        """A header repeated at a page break: the title column's header and another, or (the
        lower row of a two-level header) only cells naming their own columns."""
        matching = other = 0
        for i, cell in enumerate(row):
            if cell:
                if i < len(self.keys) and self.keys[i] and header_key(cell) == self.keys[i]:
                    matching += 1
                else:
                    other += 1
        title_at = self.index_of["title"]
        title_repeated = title_at < len(row) and header_key(row[title_at]) == "title"
        return matching >= 2 and (title_repeated or not other)

    @staticmethod
    def _is_column_numbers(filled: list[tuple[int, str]]) -> bool:
        """The "1 2 3 4 5 6" or "(1) (2) …" row that numbers the columns under the header."""
        return len(filled) >= 2 and all(_COLUMN_NUMBER.fullmatch(cell) for _, cell in filled)

    @staticmethod
    def _is_footnote(text: str) -> bool:
        if _FOOTNOTE_MARK.match(text):
            return True
        head = text[:20]
        return ":" in head and bool(_FOOTNOTE_WORDS.match(fold(head)))

    def _heading(self, filled: list[tuple[int, str]], values: dict[str, str]) -> str:
        """The group heading this row is, or "" for an item."""
        texts = list(dict.fromkeys(cell for _, cell in filled))
        if values.get("title") and values.get("lead_agency"):
            return ""
        first = texts[0]
        if len(texts) == 1:
            if _NUMBER.fullmatch(first):
                return ""   # a lone number is an empty numbered row, not a heading
            title_at = self.index_of["title"]
            looks_like_item = (
                filled[0][0] == title_at and self.previous is not None
                and not _is_heading_text(first) and first != first.upper())
            return "" if looks_like_item else first
        if _MARKER.fullmatch(first) and not values.get("due_period"):
            # "I" | "LĨNH VỰC CÔNG NGHIỆP": a numbered heading written across the STT column.
            separator = " " if first[-1] in ".)" else ". "
            return f"{first}{separator}{texts[1]}"
        if _is_heading_text(first) and not values.get("lead_agency"):
            return " ".join(texts)
        return ""

    def _open_group(self, line: int, heading: str) -> None:
        self._close_group()
        self.group, self.group_line, self.group_has_items = heading, line, False
        self.previous = None

    def _close_group(self) -> None:
        if self.group and not self.group_has_items:
            self.result.warnings.append(RowError(
                self.group_line, "", f"“{_shorten(self.group)}” được hiểu là tiêu đề nhóm nhưng "
                                     "không có đề án nào bên dưới; bỏ qua."))
            self.group_has_items = True     # warn once
        self.previous = None    # a heading or count line also ends merged cells
        self.group = ""

    def _add_item(self, line: int, values: dict[str, str]) -> None:
        result = self.result
        errors, warnings = result.errors, result.warnings
        if values.get("title") and self.previous is not None:
            for key in FILLED_DOWN:
                if key in self.index_of and not values.get(key) and getattr(self.previous, key):
                    values[key] = getattr(self.previous, key)
                    warnings.append(RowError(line, self._column(key), "để trống, lấy theo dòng "
                                             f"trên: “{_shorten(values[key])}”.", key))
        if not values.get("due_period") and self.group:
            period = _period_of(self.group)
            if period:
                values["due_period"] = period
                warnings.append(RowError(line, self._column("due_period"), "để trống, lấy theo "
                                         f"tiêu đề nhóm “{self.group}”.", "due_period"))
        for key in REQUIRED:
            if values.get(key):
                continue
            if key == "due_period" and key not in self.index_of:
                self.missing_period_lines.append(line)
            else:
                errors.append(RowError(line, self._column(key), "không được để trống.", key))
        default = len(result.rows) + 1
        position = default
        raw = values.get("position", "")
        if raw:
            match = _NUMBER.fullmatch(raw)
            if match and int(match[1]) >= 1:
                position = int(match[1])
            else:
                warnings.append(RowError(line, self._column("position"), f"“{raw}” không phải số "
                                         f"thứ tự (1, 2, 3 …); dùng số {default} theo thứ tự dòng.",
                                         "position"))
        if values.get("due_period"):
            try:
                parse_period(values["due_period"])
            except PeriodError as error:
                errors.append(RowError(line, self._column("due_period"), str(error), "due_period"))
        notes = values.get("notes", "")
        if values.get("product"):
            notes = "\n".join(filter(None, (notes, f"Sản phẩm: {values['product']}")))
        values["notes"] = notes
        for key, limit in LIMITS.items():
            if len(values.get(key, "")) > limit:
                column = self._column("product" if key == "notes" and key not in self.index_of
                                      else key)
                errors.append(RowError(line, column, f"dài quá {limit} ký tự.", key))
        item = ImportedRow(
            line=line, position=position, title=values.get("title", ""),
            lead_agency=values.get("lead_agency", ""), coordination=values.get("coordination", ""),
            due_period=values.get("due_period", ""),
            approving_level=values.get("approving_level", ""),
            group=self.group, notes=notes, progress=values.get("progress", ""),
        )
        result.rows.append(item)
        if self.group and self.group not in result.groups:
            result.groups.append(self.group)
        self.group_has_items = True
        self.previous = item

    def _finish(self) -> None:
        result = self.result
        if not result.rows:
            if not result.errors:
                result.errors.append(RowError(result.header_row + 1, "", "Bảng không có dòng đề án "
                                              "nào dưới dòng tiêu đề."))
            return
        if self.missing_period_lines:
            result.errors.append(RowError(
                result.header_row, "", f"Thiếu cột {HEADER_OF['due_period']}: các dòng "
                f"{_line_list(self.missing_period_lines)} không có thời gian trình (cũng không "
                "có tiêu đề nhóm theo quý/tháng/năm). Hãy thêm cột “Thời gian trình”.",
                "due_period"))
        for i in sorted(self.unnamed_with_data):
            result.warnings.append(RowError(
                result.header_row, "", f"Cột thứ {i + 1} không có tiêu đề nhưng có dữ liệu; nội "
                                       "dung cột này sẽ không được nhập."))
        for before, row in zip(result.rows, result.rows[1:], strict=False):
            if row.position <= before.position:
                result.warnings.append(RowError(
                    row.line, self._column("position"), "Số thứ tự không tăng dần (có thể đánh "
                    "lại từ 1 ở mỗi nhóm); các đề án được đánh số lại 1, 2, 3 … theo thứ tự "
                    "trong bảng.", "position"))
                for number, item in enumerate(result.rows, start=1):
                    item.position = number
                break
        result.warnings.sort(key=lambda warning: warning.row)


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
    return shown + (f" … ({len(lines)} dòng)" if len(lines) > 10 else "")
