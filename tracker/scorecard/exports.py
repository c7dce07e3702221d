"""The scorecard as files: CSV (the command line's contract), XLSX and DOCX (the appendix's
decree layout: A4 landscape, Times New Roman, bold centred title, bordered table)."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import nsdecls
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from tracker.appendix.export_docx import (
    BODY_SIZE,
    CELL_STYLE,
    TABLE_SIZE,
    TABLE_STYLE,
    TITLE_SIZE,
    USABLE_WIDTH_TWIPS,
    _add_cell_style,
    _clean,
    _set_fonts,
    _set_up_page,
)
from tracker.appendix.formats import FORMATS as FILE_FORMATS
from tracker.periods import format_date
from tracker.scoring import Scorecard, ScoreRow

# The command line's contract (issue 13): these columns, in this order.
CSV_HEADERS = ("Cơ quan chủ trì", "Tổng số", "Hoàn thành đúng hạn", "Hoàn thành quá hạn",
               "Chưa hoàn thành trong hạn", "Quá hạn chưa hoàn thành", "Không có thời hạn",
               "Tỷ lệ đúng hạn (%)")
# Printed tables add the withdrawn items, counted apart.
TABLE_HEADERS = ("STT", *CSV_HEADERS[:7], "Đã rút khỏi danh mục", CSV_HEADERS[7])
SCORECARD_WIDTHS = (4, 22, 8, 9, 9, 10, 10, 9, 10, 9)
TITLE = "KẾT QUẢ THỰC HIỆN NHIỆM VỤ THEO CƠ QUAN CHỦ TRÌ"


def csv_rate(row: ScoreRow) -> str:
    """"91.8" (a dot: a number any tool reads; the page and the print use "91,8"); "" for
    no item due."""
    return "" if row.rate is None else f"{row.rate:.1f}"


def row_values(row: ScoreRow) -> list:
    return [row.agency, row.total, row.on_time, row.late, row.open_in_time, row.overdue,
            row.no_deadline]


def scorecard_csv(card: Scorecard) -> bytes:
    """UTF-8 with BOM, CRLF, the header line, one line per lead agency, then "Tổng cộng"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for row in [*card.rows, card.totals]:
        agency = row.agency
        if agency[:1] in ("=", "+", "-", "@", "\t", "\r", "'"):   # formula injection
            agency = "'" + agency
        writer.writerow([agency, *row_values(row)[1:], csv_rate(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def subtitle(card: Scorecard, scope_label: str = "") -> str:
    parts = [f"Kỳ báo cáo: {card.period.label} ({card.period.dates})",
             f"Số liệu tính đến ngày {format_date(card.as_of)}"]
    if scope_label:
        parts.append(f"Phạm vi: {scope_label}")
    return "\n".join(parts)


def table_rows(card: Scorecard) -> list[list[str]]:
    rows = []
    for number, row in enumerate(card.rows, 1):
        rows.append([str(number), *map(str, row_values(row)), str(row.withdrawn), row.rate_text])
    totals = card.totals
    rows.append(["", *map(str, row_values(totals)), str(totals.withdrawn), totals.rate_text])
    return rows


def scorecard_xlsx(card: Scorecard, scope_label: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kết quả"
    bold = Font(name="Times New Roman", size=12, bold=True)
    plain = Font(name="Times New Roman", size=12)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet.append([TITLE])
    sheet["A1"].font = Font(name="Times New Roman", size=14, bold=True)
    for line in subtitle(card, scope_label).split("\n"):
        sheet.append([line])
    sheet.append([])
    header_row = sheet.max_row + 1
    sheet.append(list(TABLE_HEADERS))
    for index, row in enumerate([*card.rows, card.totals], 1):
        last = row is card.totals
        sheet.append(["" if last else index, *row_values(row), row.withdrawn,
                      None if row.rate is None else round(row.rate, 1)])
    for row in sheet.iter_rows(min_row=header_row, max_row=sheet.max_row):
        for cell in row:
            cell.border = border
            cell.font = bold if cell.row in (header_row, sheet.max_row) else plain
            cell.alignment = Alignment(wrap_text=True, vertical="center",
                                       horizontal="left" if cell.column == 2 else "center")
    for letter, width in zip("ABCDEFGHIJ", (6, 40, 10, 12, 12, 14, 14, 12, 12, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def new_document(title: str):
    """A document in the appendix's layout (fonts, A4 landscape, margins, page numbers)."""
    document = Document()
    _set_fonts(document)
    _add_cell_style(document)
    _set_up_page(document.sections[0])
    document.core_properties.title = title[:255]
    document.core_properties.language = "vi-VN"
    return document


def add_centred(document, text: str, *, size: int = BODY_SIZE, bold=False, italic=False,
                after: int = 0) -> None:
    for line in text.split("\n"):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(line)
        run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    paragraph.paragraph_format.space_after = Pt(after)


def add_table(document, headers: list[str] | tuple[str, ...], rows: list[list[str]],
              *, bold_last: bool = False, left_columns: tuple[int, ...] = (1,),
              widths: tuple[int, ...] | None = None) -> None:
    """A bordered table, header row bold, centred and repeated on every page, rows not split.

    Written as one piece of XML: python-docx's add_row is linear in the table's length, so a
    report of thousands of rows took minutes that way."""
    style_id = document.styles[TABLE_STYLE].style_id
    cell_style_id = document.styles[CELL_STYLE].style_id
    size = f'<w:sz w:val="{TABLE_SIZE * 2}"/><w:szCs w:val="{TABLE_SIZE * 2}"/>'

    weights = widths or (1,) * len(headers)
    twips = [USABLE_WIDTH_TWIPS * weight // sum(weights) for weight in weights]

    def cell(text: str, *, bold: bool, centred: bool, column: int) -> str:
        runs = "<w:b/>" if bold else ""
        align = '<w:jc w:val="center"/>' if centred else ""
        return (f'<w:tc><w:tcPr><w:tcW w:w="{twips[column]}" w:type="dxa"/></w:tcPr><w:p><w:pPr>'
                f'<w:pStyle w:val="{cell_style_id}"/>{align}</w:pPr><w:r><w:rPr>{runs}{size}'
                f'</w:rPr><w:t xml:space="preserve">{escape(_clean(str(text)))}</w:t></w:r>'
                f'</w:p></w:tc>')

    parts = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{style_id}"/>'
             '<w:tblW w:w="5000" w:type="pct"/><w:jc w:val="center"/></w:tblPr><w:tblGrid>',
             *(f'<w:gridCol w:w="{width}"/>' for width in twips), "</w:tblGrid>",
             '<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>',
             *(cell(text, bold=True, centred=True, column=column)
               for column, text in enumerate(headers)), "</w:tr>"]
    for index, values in enumerate(rows):
        bold = bold_last and index == len(rows) - 1
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        parts.extend(cell(text, bold=bold, centred=column not in left_columns, column=column)
                     for column, text in enumerate(values))
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    # A placeholder paragraph now, the table's XML in its place when saved (`save`): moving
    # a parsed table of thousands of rows into the document cost seconds.
    tables = document.__dict__.setdefault("_pending_tables", [])
    document.add_paragraph(f"{PLACEHOLDER}{len(tables)}§")
    tables.append("".join(parts))
    document.add_paragraph()


PLACEHOLDER = "TRACKER-SCORECARD-TABLE-"
_PLACEHOLDER_PARAGRAPH = re.compile(
    rb"<w:p>(?:(?!</w:p>).)*?" + PLACEHOLDER.encode() + rb"(\d+)\xc2\xa7.*?</w:p>", re.DOTALL)


def save(document) -> bytes:
    """The document's bytes, with each table added by add_table in its place."""
    skeleton = io.BytesIO()
    document.save(skeleton)
    tables = document.__dict__.get("_pending_tables", [])
    out = io.BytesIO()
    with zipfile.ZipFile(skeleton) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = _PLACEHOLDER_PARAGRAPH.sub(
                    lambda match: tables[int(match[1])].encode("utf-8"), data)
            target.writestr(info, data)
    return out.getvalue()


def add_scorecard_table(document, card: Scorecard) -> None:
    rows = table_rows(card)
    rows[-1][1] = "Tổng cộng"
    add_table(document, TABLE_HEADERS, rows, bold_last=True, widths=SCORECARD_WIDTHS)


def scorecard_docx(card: Scorecard, scope_label: str = "") -> bytes:
    document = new_document(TITLE)
    add_centred(document, TITLE, size=TITLE_SIZE, bold=True)
    add_centred(document, subtitle(card, scope_label), italic=True, after=12)
    add_scorecard_table(document, card)
    return save(document)


# The scorecard is saved in three of the formats the appendix uses (their media types too).
FORMATS = {code: FILE_FORMATS[code].media_type for code in ("csv", "xlsx", "docx")}


def render(card: Scorecard, fmt: str, scope_label: str = "") -> bytes:
    if fmt == "csv":
        return scorecard_csv(card)
    if fmt == "xlsx":
        return scorecard_xlsx(card, scope_label)
    if fmt == "docx":
        return scorecard_docx(card, scope_label)
    raise ValueError(fmt)
