"""The appendix table as an Excel workbook, laid out for printing (Nghị định 30/2020/NĐ-CP).

Each sheet carries the title rows (title, "(Kèm theo …)" line, subtitle), an
empty row, the header row, then the rows, with group headings and the
"Cộng: …" / "Tổng cộng: …" lines as merged rows. It prints on landscape A4,
one page wide, with the decree's margins, the header row repeated on every
page and the page number at the top centre from the second page on.

The workbook is written in openpyxl's write-only (streaming) mode, which is
several times faster than the normal one for ten thousand rows. That mode
still honours merged cells, print titles, frozen panes, column widths, page
set-up and headers, provided the sheet-level settings are made before the
first row is appended (they are written at the top of the sheet's XML).
The body rows are not openpyxl cells at all: a cell object per value cost 9 s
for 5,000 rows (bench/bench_exports.py). openpyxl writes each sheet with one
placeholder row where the body goes, and the body's `<row>` elements, written as
escaped strings with the style ids openpyxl gave the prototypes, take its place
as the package is copied into the final zip.

Every text is stored as a string cell: openpyxl would otherwise store a text
starting with "=" as a formula (and "#N/A" as an error).
"""
from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from copy import copy

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from tracker.appendix.table import AppendixTable, BodyLine, Cell
from tracker.text import xml_safe

FONT_NAME = "Times New Roman"
TITLE_SIZE = 14
SUBTITLE_SIZE = 13
TABLE_SIZE = 12
PAGE_NUMBER_SIZE = 13
# Sum of the column widths, in Excel character units; the page is fitted to one
# page wide anyway, this only sets the proportions of text to column.
TABLE_WIDTH_UNITS = 150
MM_PER_INCH = 25.4
MARGINS_MM = dict(left=30, right=15, top=20, bottom=20, header=10, footer=10)
SINGLE_SHEET_NAME = "Phụ lục"
SHEET_NAME_MAX = 31
# Characters Excel refuses in sheet names (slashes are made hyphens before this applies).
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 cannot carry (control characters other than tab, LF, CR;
# lone surrogates; U+FFFE/U+FFFF): dropped rather than failing the export.


def appendix_xlsx(table: AppendixTable, sheet_per_group: bool = False) -> bytes:
    """The table as .xlsx bytes.

    One sheet named "Phụ lục", or, with `sheet_per_group` on a grouped table,
    one sheet per group named after its heading, each with the title rows and
    only that group's rows (heading row and "Cộng: …" line included).
    """
    workbook = Workbook(write_only=True)
    bodies: list[tuple[int, str]] = []
    if sheet_per_group and table.grouped:
        names = sheet_names([group.heading for group in table.groups])
        for name, group in zip(names, table.groups, strict=True):
            bodies.append(_write_sheet(workbook.create_sheet(name), table,
                                       table.plain_lines([group])))
    else:
        bodies.append(_write_sheet(workbook.create_sheet(SINGLE_SHEET_NAME), table,
                                   table.plain_lines()))
    skeleton = io.BytesIO()
    workbook.save(skeleton)
    return _with_bodies(skeleton, bodies)


# The placeholder row's one value, a number (write-only mode writes it inline).
PLACEHOLDER = 918273645


def _with_bodies(skeleton: io.BytesIO, bodies: list[tuple[int, str]]) -> bytes:
    """The package with each sheet's placeholder row replaced by its body rows (write-only
    mode names the sheets' parts sheet1.xml, sheet2.xml … in the order they were made)."""
    parts = {f"xl/worksheets/sheet{number}.xml": body
             for number, body in enumerate(bodies, start=1)}
    out = io.BytesIO()
    with zipfile.ZipFile(skeleton) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in parts:
                row, xml = parts[info.filename]
                placeholder = re.compile(rf'<row r="{row}"[^>]*><c [^>]*><v>{PLACEHOLDER}</v>'
                                         rf"</c></row>".encode())
                body = xml.encode("utf-8")
                data, count = placeholder.subn(lambda _match, body=body: body, data, count=1)
                assert count == 1, f"the placeholder row of {info.filename} is missing"
            target.writestr(info, data)
    return out.getvalue()


def sheet_names(headings: Sequence[str]) -> list[str]:
    """Valid, unique sheet names from group headings.

    At most 31 characters; a slash or backslash becomes a hyphen ("QUÝ III/2020" →
    "QUÝ III-2020"), the other characters Excel refuses (``[]:*?``) are removed, as are
    apostrophes at either end; a name taken already (Excel compares them ignoring case, and keeps
    "History" for itself) gets " (2)", " (3)" …; an empty heading gives "Phụ lục".
    """
    names: list[str] = []
    taken = {"history"}
    for heading in headings:
        base = _SHEET_NAME_FORBIDDEN.sub("", _xml_text(heading).replace("/", "-").replace("\\", "-"))
        base = " ".join(base.split()).strip("'").strip() or SINGLE_SHEET_NAME
        name, counter = _truncate(base, SHEET_NAME_MAX), 1
        while name.casefold() in taken:
            counter += 1
            suffix = f" ({counter})"
            name = _truncate(base, SHEET_NAME_MAX - len(suffix)).rstrip() + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _truncate(text: str, limit: int) -> str:
    """At most `limit` UTF-16 code units, which is how Excel counts."""
    while len(text.encode("utf-16-le")) // 2 > limit:
        text = text[:-1]
    return text


def _xml_text(text: str) -> str:
    return xml_safe(text)


class _Styles:
    """Prototype cells, one per kind of cell; every cell written copies one's style.

    Copying the style array of a prototype is how openpyxl copies styles itself
    (`WorksheetCopy`); assigning Font/Border/Alignment objects to each of 80,000
    cells would hash every object each time and take seconds.
    """

    def __init__(self, worksheet) -> None:
        thin = Side(style="thin", color="000000")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)

        def font(size: int = TABLE_SIZE, **kwargs) -> Font:
            return Font(name=FONT_NAME, size=size, **kwargs)

        def prototype(font: Font, alignment: Alignment, border: Border | None = None,
                      fill: PatternFill | None = None) -> WriteOnlyCell:
            cell = WriteOnlyCell(worksheet)
            cell.font = font
            cell.alignment = alignment
            if border is not None:
                cell.border = border
            if fill is not None:
                cell.fill = fill
            return cell

        centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.title = prototype(font(TITLE_SIZE, bold=True), centred)
        self.attached = prototype(font(TITLE_SIZE, italic=True), centred)
        self.subtitle = prototype(font(SUBTITLE_SIZE), centred)
        self.header = prototype(font(bold=True), centred, border,
                                PatternFill(fill_type="solid", fgColor="D9D9D9"))
        self.body_left = prototype(font(), Alignment(horizontal="left", vertical="top",
                                                     wrap_text=True), border)
        self.body_centred = prototype(font(), Alignment(horizontal="center", vertical="top",
                                                        wrap_text=True), border)
        line = Alignment(horizontal="left", vertical="top", wrap_text=True)
        self.heading = prototype(font(bold=True), line, border)
        self.header_line = prototype(font(bold=True), centred, border)
        self.line_after = prototype(font(SUBTITLE_SIZE, bold=True), centred)
        self.count = prototype(font(italic=True), line, border)

    @staticmethod
    def cell(worksheet, prototype: WriteOnlyCell, value: str | int | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(worksheet)
        cell._style = copy(prototype._style)
        if isinstance(value, str):
            cell.value = _xml_text(value)
            cell.data_type = "s"  # never a formula nor an error code
        elif value is not None:
            cell.value = value
        return cell


def _write_sheet(ws, table: AppendixTable, lines: Iterable[BodyLine | Sequence[str]]
                 ) -> tuple[int, str]:
    """Everything of the sheet but its body rows, which come back as XML with their first
    row number (the placeholder's)."""
    styles = _Styles(ws)
    columns = len(table.headers)
    last_column = get_column_letter(columns)
    units = [TABLE_WIDTH_UNITS * width / sum(table.widths) for width in table.widths]

    title_lines = [(text, style, size) for text, style, size in (
        (table.label, styles.title, TITLE_SIZE),
        (table.title, styles.title, TITLE_SIZE),
        (table.attached_line, styles.attached, TITLE_SIZE),
        *((line, styles.line_after, SUBTITLE_SIZE) for line in table.lines_after),
        (table.subtitle, styles.subtitle, SUBTITLE_SIZE),
    ) if text]
    header_row = len(title_lines) + 2  # the title lines, one empty row, the header

    # Everything written at the top of the sheet's XML must be set before the first row.
    for index, width in enumerate(units, start=1):
        ws.column_dimensions[get_column_letter(index)].width = round(width, 2)
    ws.freeze_panes = f"A{header_row + 1}"
    for row_number, (text, _, size) in enumerate(title_lines, start=1):
        ws.row_dimensions[row_number].height = _merged_height(text, size, TABLE_WIDTH_UNITS)
    _page_setup(ws, header_row)

    row_number = 0

    def merged_row(text: str, prototype: WriteOnlyCell) -> None:
        nonlocal row_number
        row_number += 1
        cells = [styles.cell(ws, prototype, text)]
        cells += [styles.cell(ws, prototype) for _ in range(columns - 1)]
        ws.append(cells)
        if columns > 1:
            ws.merged_cells.add(f"A{row_number}:{last_column}{row_number}")

    for text, prototype, _ in title_lines:
        merged_row(text, prototype)
    ws.append([])
    row_number += 1
    ws.append([styles.cell(ws, styles.header, header) for header in table.headers])
    row_number += 1

    body_start = row_number + 1
    ws.append([PLACEHOLDER])
    return body_start, _body_xml(ws, table, lines, styles, units, body_start)


# Joins a row's texts to escape them at once; a row holding it is escaped cell by cell.
_JOIN = "\ue000"


def _body_xml(ws, table: AppendixTable, lines: Iterable[BodyLine | Sequence[str]],
              styles: _Styles, units: list[float], body_start: int) -> str:
    """The body rows as the sheet's XML, from row `body_start`; their merged cells are
    recorded on `ws`. A line is a BodyLine, or the cell texts of a plain item row."""
    columns = len(table.headers)
    aligned = [styles.body_centred if index in table.centred else styles.body_left
               for index in range(columns)]
    aligned_ids = [prototype.style_id for prototype in aligned]
    prototype_of = {"heading": styles.heading, "header": styles.header_line,
                    "count": styles.count, "total": styles.count}
    style_of = {kind: prototype.style_id for kind, prototype in prototype_of.items()}
    left_id = styles.body_left.style_id
    letters = [get_column_letter(index + 1) for index in range(columns)]
    position = table.keys.index("position") if "position" in table.keys else -1
    per_line = _letters_per_line(units)
    rows = []
    for row_number, line in enumerate(lines, start=body_start):
        if not isinstance(line, BodyLine):
            rows.append(_item_row(row_number, line, letters, aligned_ids, position, per_line))
            continue
        cells = []
        for column, slot in enumerate(line.slots):
            reference = f"{letters[column]}{row_number}"
            if not isinstance(slot, Cell):
                style = style_of.get(line.kind, aligned_ids[column])
                cells.append(f'<c r="{reference}" s="{style}"/>')
                continue
            if line.kind == "item":
                style = aligned_ids[column] if slot.colspan == 1 else left_id
            else:
                style = style_of[line.kind]
            if line.kind == "item" and column == position and _is_number(slot.text):
                # STT as a number: no "number stored as text" flag.
                cells.append(f'<c r="{reference}" s="{style}" t="n"><v>{int(slot.text)}</v></c>')
            else:
                # Every text a string cell: never a formula nor an error code.
                cells.append(f'<c r="{reference}" s="{style}" t="inlineStr"><is>'
                             f'<t xml:space="preserve">{_escaped(slot.text)}</t></is></c>')
            if slot.colspan > 1 or slot.rowspan > 1:
                ws.merged_cells.add(
                    f"{reference}:{letters[column + slot.colspan - 1]}"
                    f"{row_number + slot.rowspan - 1}")
        if line.kind == "item":
            # LibreOffice does not fit wrapped rows itself: the file carries the height.
            height = _row_height(line.texts(), units, per_line)
            rows.append(f'<row r="{row_number}" ht="{height:g}" customHeight="1">')
        else:
            rows.append(f'<row r="{row_number}">')
        rows.append("".join(cells))
        rows.append("</row>")
    return "".join(rows)


def _item_row(row_number: int, texts: Sequence[str], letters: list[str],
              style_ids: list[int], position: int, per_line: list[int]) -> str:
    """A plain item row (no merged cell) as XML, as _body_xml writes an item's BodyLine."""
    joined = _JOIN.join(texts)
    escaped = _escaped(joined).split(_JOIN) if joined.count(_JOIN) == len(texts) - 1 else \
        [_escaped(text) for text in texts]
    height = _row_height(texts, (), per_line)
    out = [f'<row r="{row_number}" ht="{height:g}" customHeight="1">']
    for column, text in enumerate(texts):
        if column == position and _is_number(text):
            out.append(f'<c r="{letters[column]}{row_number}" s="{style_ids[column]}" t="n">'
                       f"<v>{int(text)}</v></c>")
        else:
            out.append(f'<c r="{letters[column]}{row_number}" s="{style_ids[column]}" '
                       f't="inlineStr"><is><t xml:space="preserve">{escaped[column]}</t></is></c>')
    out.append("</row>")
    return "".join(out)


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def _escaped(text: str) -> str:
    """Cell text for the sheet's XML: escaped, a CR kept as a character reference (a bare
    one would be read back as LF), what XML 1.0 cannot carry dropped."""
    return _xml_text(text).translate(_ESCAPES)


def _is_number(text: str) -> bool:
    return text.isdigit() and text == str(int(text))


def _page_setup(ws, header_row: int) -> None:
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(**{side: mm / MM_PER_INCH for side, mm in MARGINS_MM.items()})
    ws.print_options.horizontalCentered = True
    # Page number at the top centre, not on the first page.
    ws.HeaderFooter.differentFirst = True
    ws.oddHeader.center.text = "&P"
    ws.oddHeader.center.size = PAGE_NUMBER_SIZE
    ws.oddHeader.center.font = f"{FONT_NAME},Regular"


def _letters_per_line(units: Sequence[float]) -> list[int]:
    return [max(1, int(width * 1.1)) for width in units]


def _row_height(cells: Sequence[str], units: Sequence[float],
                per_line: Sequence[int] | None = None) -> float:
    """Row height (points) for a body row of wrapped cells. Excel fits such rows itself when
    it opens the file, LibreOffice does not (the text overlapped when printed), so the file
    carries an estimate: the tallest cell's line count at about one letter per width unit
    (Times New Roman 12), erring on the tall side. `per_line`: _letters_per_line(units)."""
    lines = 1
    for text, letters in zip(cells, per_line or _letters_per_line(units), strict=False):
        if len(text) <= letters and "\n" not in text:
            continue        # one line, as most cells
        lines = max(lines, sum(max(1, math.ceil(len(part) / letters))
                               for part in text.split("\n")))
    return round(lines * TABLE_SIZE * 1.3 + 4, 1)


def _merged_height(text: str, size: int, width_units: float) -> float:
    """Row height (points) for a wrapped text in a merged row, which Excel does not
    fit by itself: a rough count of lines at about 1.4 character units per letter
    at size 14 (upper-case bold)."""
    per_line = max(1, int(width_units / (1.4 * size / TITLE_SIZE)))
    lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
    return round(lines * size * 1.35, 1)
