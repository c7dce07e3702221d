"""The appendix table as a Word document, laid out per Nghị định 30/2020/NĐ-CP, Phụ lục I.

Landscape A4 (297 × 210 mm), margins top/bottom 20 mm, left 30 mm, right 15 mm,
Times New Roman throughout (also for the East-Asian and complex-script slots,
so Word does not fall back to a theme font), body size 13. Above the table:
the title (bold, centred, size 14), the "(Kèm theo …)" line (italic, centred,
size 14) and the subtitle (centred, size 13). The table is bordered ("Table
Grid"), size 12, its header row bold, centred and repeated on every page; no
row is split across pages. Group headings (bold) and the "Cộng: …" /
"Tổng cộng: …" lines (italic) are rows of one cell spanning every column. The
page number sits at the top centre from the second page on, restarting at 1.

A line break inside a cell becomes a new paragraph of that cell (so the cell's
paragraph texts joined with "\\n" give the cell text back); CR and CRLF count
as line breaks; a tab becomes a Word tab. Characters XML 1.0 cannot carry are
dropped.

Speed and memory: python-docx's `add_row()` / `cell.text` re-walks the table for
every cell, far too slow for ten thousand rows, so the `<w:tbl>` element is written
as one XML string (every text escaped). Nor is that string parsed: an lxml tree of
5,000 rows cost 2.5 s and ~500 MB of a worker's memory that glibc never gave back
(bench/bench_exports.py). python-docx writes the document around a placeholder
paragraph, and the table's text takes the placeholder's place in word/document.xml
as the package is copied into the final zip.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from tracker.appendix.table import AppendixTable, Cell, Covered
from tracker.text import xml_safe

FONT_NAME = "Times New Roman"
LANGUAGE = "vi-VN"
BODY_SIZE = 13
TITLE_SIZE = 14
TABLE_SIZE = 12
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 297, 210
MARGIN_TOP_MM = MARGIN_BOTTOM_MM = 20
MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 30, 15
HEADER_DISTANCE_MM = 10
TWIPS_PER_MM = 1440 / 25.4
# Width the table may use, in twentieths of a point (252 mm).
USABLE_WIDTH_TWIPS = round((PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM) * TWIPS_PER_MM)
TABLE_STYLE = "Table Grid"
CELL_STYLE = "Appendix Table"     # paragraph style of every cell paragraph
# Characters XML 1.0 cannot carry (control characters other than tab, LF, CR;
# lone surrogates; U+FFFE/U+FFFF): dropped rather than failing the export.


def appendix_docx(table: AppendixTable) -> bytes:
    """The table as .docx bytes; see the module docstring for the layout."""
    document = Document()
    _set_fonts(document)
    cell_style_id = _add_cell_style(document)
    _set_up_page(document.sections[0])

    lines = [(text, style) for text, style in (
        (table.label, dict(bold=True, size=TITLE_SIZE)),
        (table.title, dict(bold=True, size=TITLE_SIZE)),
        (table.attached_line, dict(italic=True, size=TITLE_SIZE)),
        *((line, dict(bold=True, size=BODY_SIZE)) for line in table.lines_after),
        (table.subtitle, dict(size=BODY_SIZE)),
    ) if text]
    for index, (text, style) in enumerate(lines):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if index == len(lines) - 1:
            paragraph.paragraph_format.space_after = Pt(12)
        for number, part in enumerate(_clean(text).split("\n")):
            if number:
                paragraph.add_run().add_break()
            run = paragraph.add_run(part)
            run.bold = style.get("bold")
            run.italic = style.get("italic")
            run.font.size = Pt(style["size"])

    # The table's place; Word wants a paragraph after a table.
    document.add_paragraph(PLACEHOLDER)
    tail = document.add_paragraph()
    tail.paragraph_format.space_after = Pt(0)
    table_style_id = document.styles[TABLE_STYLE].style_id

    document.core_properties.title = _clean(table.title)[:255]
    document.core_properties.language = LANGUAGE
    skeleton = io.BytesIO()
    document.save(skeleton)
    return _with_table(skeleton, _table_xml(table, table_style_id, cell_style_id))


# A paragraph no text of the table can produce (texts are escaped; "§" would be too).
PLACEHOLDER = "TRACKER-APPENDIX-TABLE-PLACEHOLDER"
_PLACEHOLDER_PARAGRAPH = re.compile(
    rb"<w:p>(?:(?!</w:p>).)*?" + PLACEHOLDER.encode() + rb".*?</w:p>", re.DOTALL)


def _with_table(skeleton: io.BytesIO, table_xml: str) -> bytes:
    """The package with the placeholder paragraph of word/document.xml replaced by the
    table; every other part copied as it is."""
    out = io.BytesIO()
    with zipfile.ZipFile(skeleton) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                before, count = _PLACEHOLDER_PARAGRAPH.subn(
                    lambda _match: table_xml.encode("utf-8"), data, count=1)
                assert count == 1, "the table's placeholder paragraph is missing"
                data = before
            target.writestr(info, data)
    return out.getvalue()


def _clean(text: str) -> str:
    return xml_safe(text.replace("\r\n", "\n").replace("\r", "\n"))


def _set_fonts(document) -> None:
    """Times New Roman, size 13, Vietnamese, in the document defaults and in Normal.

    The template's defaults name theme fonts (`w:asciiTheme` …), which win over
    a named font at the same level, so they are removed, and every slot
    (ascii, hAnsi, eastAsia, cs) is named.
    """
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for element in (run_defaults, document.styles["Normal"].element.get_or_add_rPr()):
        fonts = element.find(qn("w:rFonts"))
        if fonts is None:
            fonts = element.makeelement(qn("w:rFonts"), {})
            element.insert(0, fonts)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)
        for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(slot), FONT_NAME)
    for size in ("w:sz", "w:szCs"):
        element = run_defaults.find(qn(size))
        if element is not None:
            element.set(qn("w:val"), str(BODY_SIZE * 2))
    language = run_defaults.find(qn("w:lang"))
    if language is not None:
        language.set(qn("w:val"), LANGUAGE)
    normal = document.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = Pt(BODY_SIZE)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0


def _add_cell_style(document) -> str:
    style = document.styles.add_style(CELL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.size = Pt(TABLE_SIZE)
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.line_spacing = 1.0
    return style.style_id


def _set_up_page(section) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width = Mm(PAGE_WIDTH_MM)
    section.page_height = Mm(PAGE_HEIGHT_MM)
    section.top_margin = Mm(MARGIN_TOP_MM)
    section.bottom_margin = Mm(MARGIN_BOTTOM_MM)
    section.left_margin = Mm(MARGIN_LEFT_MM)
    section.right_margin = Mm(MARGIN_RIGHT_MM)
    section.header_distance = Mm(HEADER_DISTANCE_MM)
    section.footer_distance = Mm(HEADER_DISTANCE_MM)
    section.gutter = Mm(0)
    # Page numbers restart at 1 for each appendix; pgNumType goes before w:cols.
    page_numbers = section._sectPr.makeelement(qn("w:pgNumType"), {qn("w:start"): "1"})
    columns = section._sectPr.find(qn("w:cols"))
    if columns is not None:
        columns.addprevious(page_numbers)
    else:
        section._sectPr.append(page_numbers)

    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False  # an empty first-page header
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    size = f'<w:rPr><w:sz w:val="{BODY_SIZE * 2}"/><w:szCs w:val="{BODY_SIZE * 2}"/></w:rPr>'
    for run in (
        f'<w:r {nsdecls("w")}>{size}<w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {nsdecls("w")}>{size}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
        f'<w:r {nsdecls("w")}>{size}<w:fldChar w:fldCharType="separate"/></w:r>',
        f'<w:r {nsdecls("w")}>{size}<w:t>1</w:t></w:r>',
        f'<w:r {nsdecls("w")}>{size}<w:fldChar w:fldCharType="end"/></w:r>',
    ):
        paragraph._p.append(parse_xml(run))


def column_widths(widths: tuple[int, ...]) -> list[int]:
    """Relative widths → twips summing exactly to the usable width."""
    total = sum(widths)
    twips = [USABLE_WIDTH_TWIPS * width // total for width in widths]
    twips[-1] += USABLE_WIDTH_TWIPS - sum(twips)
    return twips


def _table_xml(table: AppendixTable, table_style_id: str, cell_style_id: str) -> str:
    twips = column_widths(table.widths)
    columns = len(twips)
    centred_columns = table.centred
    paragraph_start = f'<w:p><w:pPr><w:pStyle w:val="{cell_style_id}"/>'

    def cell_start(index: int, extra: str = "", span: int = 1) -> str:
        width = sum(twips[index:index + span])
        grid_span = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
        return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid_span}{extra}</w:tcPr>'

    centred = '<w:jc w:val="center"/></w:pPr>'
    # Per column: the opening of a cell, and of a paragraph in it.
    paragraph_open = [paragraph_start + (centred if index in centred_columns else "</w:pPr>")
                      for index in range(columns)]
    header_open = [cell_start(index, '<w:vAlign w:val="center"/>') + paragraph_start + centred
                   for index in range(columns)]
    bold, italic = "<w:rPr><w:b/><w:bCs/></w:rPr>", "<w:rPr><w:i/><w:iCs/></w:rPr>"
    run_props = {"heading": bold, "header": bold, "count": italic, "total": italic}

    written: dict[tuple, str] = {}

    def body_cell(column: int, cell: Cell, kind: str, keep_with_next: bool = False) -> str:
        """A cell of a body line, written once per distinct cell and column (agencies,
        periods and statuses repeat down the columns)."""
        key = (column, cell.text, cell.colspan, cell.rowspan, kind, keep_with_next)
        xml = written.get(key)
        if xml is None:
            xml = written[key] = new_body_cell(column, cell, kind, keep_with_next)
        return xml

    def new_body_cell(column: int, cell: Cell, kind: str, keep_with_next: bool) -> str:
        """A group heading across the table keeps with the next row, and so does a group's
        last row with its count line (`keep_with_next`)."""
        keep = "<w:keepNext/>" if keep_with_next or (kind == "heading"
                                                     and cell.colspan == columns) else ""
        merge = '<w:vMerge w:val="restart"/>' if cell.rowspan > 1 else ""
        if kind == "header" or (kind == "item" and column in centred_columns
                                and cell.colspan == 1):
            opening = paragraph_start + keep + centred
        else:
            opening = paragraph_start + keep + "</w:pPr>"
        return (cell_start(column, merge, cell.colspan) + opening
                + _cell_content(cell.text, run_props.get(kind, ""), opening) + "</w:tc>")

    def parts() -> Iterator[str]:
        yield (f'<w:tbl><w:tblPr><w:tblStyle w:val="{table_style_id}"/>'
               f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
               "</w:tblPr><w:tblGrid>")
        yield "".join(f'<w:gridCol w:w="{width}"/>' for width in twips)
        yield "</w:tblGrid><w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
        for index, header in enumerate(table.headers):
            yield (header_open[index]
                   + _cell_content(header, bold, paragraph_start + centred) + "</w:tc>")
        yield "</w:tr>"
        lines = table.lines
        for index, line in enumerate(lines):
            before_count = index + 1 < len(lines) and lines[index + 1].kind == "count"
            yield "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
            for column, slot in enumerate(line.slots):
                if slot is Covered.LEFT:
                    continue
                if slot is Covered.ABOVE:   # the continuation of a cell merged down
                    yield (cell_start(column, "<w:vMerge/>") + paragraph_open[column]
                           + "</w:p></w:tc>")
                    continue
                yield body_cell(column, slot, line.kind, before_count)
            yield "</w:tr>"
        yield "</w:tbl>"

    return "".join(parts())


def _cell_content(text: str, run_props: str, next_paragraph_start: str) -> str:
    """Runs of the cell's first paragraph (already opened) and any further paragraph,
    one per line; closes the last paragraph."""
    out = []
    for number, line in enumerate(_clean(text).split("\n")):
        if number:
            out.append("</w:p>" + next_paragraph_start)
        if line:
            runs = "<w:tab/>".join(f'<w:t xml:space="preserve">{escape(part)}</w:t>'
                                   for part in line.split("\t"))
            out.append(f"<w:r>{run_props}{runs}</w:r>")
    out.append("</w:p>")
    return "".join(out)
