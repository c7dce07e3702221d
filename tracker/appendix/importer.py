"""Read an appendix table (TSV as pasted from Word, or CSV) into plain rows.

Plain Python: checks every row and reports every problem (row, column, why)
before anything is written. Saving is the caller's job, all rows or none.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from tracker.appendix.table import PLAN_HEADERS
from tracker.periods import PeriodError, parse_period
from tracker.text import clean, name_key

# Columns by meaning, keyed as the header normalises.
COLUMNS = {
    name_key("STT"): "position",
    name_key("Tên đề án"): "title",
    name_key("Cơ quan chủ trì"): "lead_agency",
    name_key("Cơ quan phối hợp"): "coordination",
    name_key("Thời gian trình"): "due_period",
    name_key("Cấp trình"): "approving_level",
}
REQUIRED = ("title", "lead_agency", "due_period")
HEADER_OF = dict(zip(("position", "title", "lead_agency", "coordination", "due_period",
                      "approving_level"), PLAN_HEADERS, strict=True))


@dataclass
class RowError:
    row: int        # line number in the file, the header being line 1
    column: str     # the header as printed, or "" for the whole row
    message: str

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


@dataclass
class ImportResult:
    rows: list[ImportedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) only; anything else is refused with a clear message."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            "Tệp không phải mã UTF-8. Hãy lưu lại tệp với mã hoá UTF-8 (Unicode) rồi thử lại."
        ) from None


def read_table(text: str, delimiter: str | None = None) -> ImportResult:
    """Parse the table; the delimiter is a tab unless the header line has none (then a comma)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first_line = text.split("\n", 1)[0]
    delimiter = delimiter or ("\t" if "\t" in first_line else ",")
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    result = ImportResult()
    if not records:
        result.errors.append(RowError(1, "", "Tệp trống, không có bảng nào."))
        return result
    header = [COLUMNS.get(name_key(cell)) for cell in records[0]]
    missing = [HEADER_OF[c] for c in REQUIRED if c not in header]
    if missing:
        expected = ", ".join(PLAN_HEADERS)
        result.errors.append(RowError(1, "", f"Thiếu cột {', '.join(missing)}. "
                                             f"Dòng tiêu đề cần có: {expected}."))
        return result
    for line, record in enumerate(records[1:], start=2):
        values = {key: clean(cell) for key, cell in zip(header, record, strict=False) if key}
        if not any(values.values()):
            continue  # an empty line creates nothing
        result.rows.append(_check_row(line, values, len(result.rows) + 1, result.errors))
    if not result.rows and not result.errors:
        result.errors.append(RowError(2, "", "Bảng không có dòng đề án nào."))
    return result


def _check_row(line: int, values: dict[str, str], default_position: int,
               errors: list[RowError]) -> ImportedRow:
    for key in REQUIRED:
        if not values.get(key):
            errors.append(RowError(line, HEADER_OF[key], "không được để trống."))
    position = default_position
    if values.get("position"):
        try:
            position = int(values["position"].rstrip("."))
            if position < 1:
                raise ValueError
        except ValueError:
            errors.append(RowError(line, HEADER_OF["position"],
                                   f"\"{values['position']}\" không phải số thứ tự (1, 2, 3 …)."))
    if values.get("due_period"):
        try:
            parse_period(values["due_period"])
        except PeriodError as error:
            errors.append(RowError(line, HEADER_OF["due_period"], str(error)))
    for key, limit in (("title", 2000), ("lead_agency", 255), ("coordination", 1000),
                       ("approving_level", 200)):
        if len(values.get(key, "")) > limit:
            errors.append(RowError(line, HEADER_OF[key], f"dài quá {limit} ký tự."))
    return ImportedRow(
        line=line, position=position, title=values.get("title", ""),
        lead_agency=values.get("lead_agency", ""), coordination=values.get("coordination", ""),
        due_period=values.get("due_period", ""), approving_level=values.get("approving_level", ""),
    )
