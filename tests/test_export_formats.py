"""CSV, XLSX and DOCX renderings of the appendix table, read back with the same libraries."""
import codecs
import csv
import io
from datetime import date

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import _Cell
from helpers import item_snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tracker.appendix.export_csv import FORMULA_PREFIXES, appendix_csv
from tracker.appendix.export_docx import USABLE_WIDTH_TWIPS, appendix_docx
from tracker.appendix.export_xlsx import appendix_xlsx, sheet_names
from tracker.appendix.table import CENTRED_COLUMNS, Grouping, build_table

TODAY = date(2020, 10, 1)


ITEMS = [
    item_snapshot(title="Đề án phát triển nguồn nhân lực chất lượng cao giai đoạn 2021–2025",
             coordination="Sở Tài chính, Sở Nội vụ\nUBND các huyện, thị xã",
             notes="Đang chờ số liệu"),
    item_snapshot(title="<script>alert('x')</script> & \"trích dẫn\"", lead_agency="Sở Y tế",
             original_due_period="Quý IV/2020", status="submitted",
             submission_ref="Tờ trình số 45/TTr-SYT ngày 20/9/2020"),
    item_snapshot(title="=1+1", coordination="-", lead_agency="@Sở Tư pháp",
             original_due_period="Quý IV/2020", approving_level="+84 HĐND tỉnh"),
    item_snapshot(title="#N/A", coordination="\tthụt đầu dòng", original_due_period="Quý III/2020"),
]


def plan_table(grouping=Grouping.QUARTER, with_status=True, items=ITEMS, **kwargs):
    values = dict(title="Danh mục đề án trình UBND tỉnh năm 2020",
                  attached_to="Báo cáo số 12/BC-VP ngày 30/9/2020 của Văn phòng UBND tỉnh",
                  subtitle="Tính đến ngày 30/9/2020")
    values.update(kwargs)
    return build_table(values["title"], values["attached_to"], items, with_status=with_status,
                       today=TODAY, grouping=grouping, subtitle=values["subtitle"])


def layout(table, groups=None, total=True):
    """The table's lines as the renderers print them: headers, then per group the heading,
    the rows and the count line, then the total; a one-text line is a list of one."""
    lines = [list(table.headers)]
    for group in groups if groups is not None else table.groups:
        if group.heading:
            lines.append([group.heading])
        lines.extend(list(row.cells) for row in group.rows)
        if group.count_line:
            lines.append([group.count_line])
    if total and table.total_line:
        lines.append([table.total_line])
    return lines


def padded(lines, width):
    return [line + [""] * (width - len(line)) for line in lines]


# --- CSV ---------------------------------------------------------------------------------

def unneutralise(cell):
    """What the importer does: drop the apostrophe put before a would-be formula."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_PREFIXES) else cell


def csv_records(data):
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_bom_crlf_and_quotes_line_breaks():
    """The CSV starts with a BOM, ends lines with CRLF and quotes the cells holding line breaks (bare LF)."""
    data = appendix_csv(plan_table())
    text = data.decode("utf-8-sig")
    assert text.startswith("STT,Tên đề án,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian trình,"
                           "Cấp trình,Tình hình thực hiện,Ghi chú\r\n")
    assert text.endswith("Tổng cộng: 4 đề án,,,,,,,\r\n")
    # Cells with line breaks are quoted; lines end with CRLF, the only bare LFs are in cells.
    assert '"Sở Tài chính, Sở Nội vụ\nUBND các huyện, thị xã"' in text
    assert ',"Trễ hạn (hạn 30/9/2020)\nĐang chờ số liệu"\r\n' in text
    records = csv_records(data)
    assert text.count("\r\n") == len(records)
    assert text.replace("\r\n", "").count("\n") == sum(cell.count("\n") for record in records
                                                       for cell in record)


def test_csv_lines_follow_the_table_with_headings_counts_and_total():
    """The CSV lines are the table's header, group headings, rows, counts and total, with no title line."""
    table = plan_table()
    records = csv_records(appendix_csv(table))
    assert [[unneutralise(cell) for cell in record] for record in records] == \
        padded(layout(table), 8)
    assert records[1] == ["QUÝ III/2020"] + [""] * 7
    assert records[-2] == ["Cộng: 2 đề án"] + [""] * 7
    # No title rows: the header is the first line.
    assert all(table.title not in record for record in records)


def test_csv_neutralises_formulas_and_keeps_other_text_literally():
    """The CSV prefixes a quote to cells that would start a formula and keeps other text, markup
    included, as is."""
    records = csv_records(appendix_csv(plan_table(grouping=Grouping.NONE)))
    by_title = {record[1]: record for record in records[1:]}
    formula = by_title["'=1+1"]
    assert formula[2] == "'@Sở Tư pháp" and formula[3] == "'-" and formula[5] == "'+84 HĐND tỉnh"
    assert by_title["#N/A"][3] == "'\tthụt đầu dòng"
    assert "<script>alert('x')</script> & \"trích dẫn\"" in by_title
    assert records[1][0] == "1"  # numbers are not touched


def test_csv_of_an_ungrouped_table_has_no_heading_lines():
    """The CSV of an ungrouped table without progress columns is the header and one 6-column line per item."""
    table = plan_table(grouping=Grouping.NONE, with_status=False)
    records = csv_records(appendix_csv(table))
    assert len(records) == 1 + len(ITEMS) and all(len(record) == 6 for record in records)


# --- XLSX --------------------------------------------------------------------------------

def sheet_values(ws):
    return [["" if value is None else str(value) for value in row]
            for row in ws.iter_rows(values_only=True)]


def test_xlsx_cells_are_the_table_as_strings():
    """The Excel sheet holds the title lines then the table, texts as string cells (never
    formulas), STT as numbers."""
    table = plan_table(title="=SUM(A1:A2) danh mục")
    workbook = load_workbook(io.BytesIO(appendix_xlsx(table)))
    assert workbook.sheetnames == ["Phụ lục"]
    ws = workbook["Phụ lục"]
    values = sheet_values(ws)
    assert values[:4] == padded([[table.title], [table.attached_line], [table.subtitle], []], 8)
    assert values[4:] == padded(layout(table), 8)
    # Texts are string cells (no formula, no error value); STT numbers are numbers.
    assert ws["A1"].data_type == "s" and ws["A1"].value == "=SUM(A1:A2) DANH MỤC"
    for row in ws.iter_rows(min_row=5):
        for cell in row:
            if cell.value is not None:
                assert cell.data_type == ("n" if cell.column == 1 and isinstance(cell.value, int)
                                          else "s"), cell.coordinate
    formula_row = next(row for row in ws.iter_rows() if row[1].value == "=1+1")
    assert formula_row[1].data_type == "s" and formula_row[0].value == 4
    assert next(row for row in ws.iter_rows() if row[1].value == "#N/A")[1].data_type == "s"


def test_xlsx_formatting_and_merged_lines():
    """In Excel the title lines and group lines span the row, in Times New Roman, bold or
    italic; body cells wrap, bordered."""
    table = plan_table()
    ws = load_workbook(io.BytesIO(appendix_xlsx(table)))["Phụ lục"]
    merged = {str(cell_range) for cell_range in ws.merged_cells.ranges}
    heading_rows = [row[0].row for row in ws.iter_rows(min_row=6)
                    if row[0].value and not isinstance(row[0].value, int)]
    assert merged == {"A1:H1", "A2:H2", "A3:H3"} | {f"A{r}:H{r}" for r in heading_rows}
    title, attached, header = ws["A1"], ws["A2"], ws["B5"]
    assert (title.font.name, title.font.sz, title.font.b, title.alignment.horizontal) == \
        ("Times New Roman", 14, True, "center")
    assert (attached.font.sz, attached.font.i, attached.alignment.horizontal) == (14, True, "center")
    assert header.font.b and header.alignment.horizontal == "center" and header.alignment.wrap_text
    assert header.border.left.style == "thin"
    body = ws.cell(row=7, column=2)
    assert body.value == ITEMS[0].title
    assert (body.font.name, body.font.sz, body.alignment.vertical, body.alignment.wrap_text,
            body.border.bottom.style) == ("Times New Roman", 12, "top", True, "thin")
    for column in range(8):
        expected = "center" if column in CENTRED_COLUMNS else "left"
        assert ws.cell(row=7, column=column + 1).alignment.horizontal == expected
    assert ws["A6"].value == "QUÝ III/2020" and ws["A6"].font.b
    count = ws.cell(row=heading_rows[1], column=1)
    assert count.value == "Cộng: 2 đề án" and count.font.i
    assert ws.cell(row=heading_rows[-1], column=1).value == "Tổng cộng: 4 đề án"


def test_xlsx_print_set_up():
    """The Excel sheet prints A4 landscape, one page wide, with the decree's margins, a repeated
    header, page numbers after page 1."""
    table = plan_table()
    ws = load_workbook(io.BytesIO(appendix_xlsx(table)))["Phụ lục"]
    assert ws.freeze_panes == "A6"
    assert ws.print_title_rows == "$5:$5"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    margins = ws.page_margins
    assert [round(value * 25.4, 3) for value in (margins.left, margins.right, margins.top,
                                                 margins.bottom)] == [30, 15, 20, 20]
    assert ws.HeaderFooter.differentFirst
    assert ws.oddHeader.center.text == "&P" and not ws.firstHeader.center.text
    widths = [ws.column_dimensions[letter].width for letter in "ABCDEFGH"]
    assert sum(widths) == pytest.approx(150, abs=0.1)
    assert [round(width / 1.5) for width in widths] == list(table.widths)


def test_xlsx_without_attached_line_or_subtitle_moves_the_header_up():
    """Without a "Kèm theo" line or subtitle, the Excel header row moves up, and its freeze and
    print title too."""
    table = plan_table(grouping=Grouping.NONE, with_status=False, attached_to="", subtitle="")
    ws = load_workbook(io.BytesIO(appendix_xlsx(table))).active
    values = sheet_values(ws)
    assert values[0][0] == table.title and values[1] == [""] * 6
    assert values[2] == list(table.headers) and ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"


def test_xlsx_sheet_per_group():
    """Excel with a sheet per group gives each group its sheet, title and header; an ungrouped
    table stays on one."""
    table = plan_table()
    workbook = load_workbook(io.BytesIO(appendix_xlsx(table, sheet_per_group=True)))
    assert workbook.sheetnames == ["QUÝ III-2020", "QUÝ IV-2020"]
    for ws, group in zip(workbook.worksheets, table.groups, strict=True):
        values = sheet_values(ws)
        assert values[0][0] == table.title
        assert values[4:] == padded(layout(table, groups=[group], total=False), 8)
        assert ws.print_title_rows == "$5:$5" and ws.freeze_panes == "A6"
    # An ungrouped table stays on one sheet.
    plain = load_workbook(io.BytesIO(appendix_xlsx(plan_table(grouping=Grouping.NONE),
                                                   sheet_per_group=True)))
    assert plain.sheetnames == ["Phụ lục"]


def test_sheet_names_are_valid_and_unique():
    """Sheet names lose the characters Excel forbids, keep to 31 characters, avoid "History" and
    are unique regardless of case."""
    names = sheet_names(["QUÝ III/2020", "[Sở] *Công*: Thương?", "A" * 40, "a" * 40, "", "  ",
                         "'Trích'", "History", "Sở Kế hoạch và Đầu tư tỉnh Quảng Ninh"])
    assert names == ["QUÝ III-2020", "Sở Công Thương", "A" * 31, "a" * 27 + " (2)", "Phụ lục",
                     "Phụ lục (2)", "Trích", "History (2)", "Sở Kế hoạch và Đầu tư tỉnh Quản"]
    assert all(len(name) <= 31 for name in names)


def test_xlsx_and_docx_drop_characters_xml_cannot_carry():
    """Excel and Word drop the control characters XML cannot carry and keep the rest of the text."""
    table = plan_table(grouping=Grouping.NONE,
                       items=[item_snapshot(title="Đề\x00 án\x07 A\x1b\ufffe", notes="x\x0by",
                                       status="submitted")])
    ws = load_workbook(io.BytesIO(appendix_xlsx(table))).active
    assert ws["B6"].value == "Đề án A" and ws["H6"].value == "xy"
    cells = docx_lines(Document(io.BytesIO(appendix_docx(table))))[1]
    assert cells[1] == "Đề án A" and cells[7] == "xy"


# --- DOCX --------------------------------------------------------------------------------

def docx_lines(document):
    """Each table row as its cells' texts (paragraphs joined with "\\n"), merged cells once."""
    table = document.tables[0]
    return [["\n".join(p.text for p in _Cell(tc, table).paragraphs) for tc in tr.tc_lst]
            for tr in table._tbl.tr_lst]


def test_docx_page_is_landscape_a4_with_the_decree_margins():
    """The Word page is A4 landscape with the decree's margins, numbered from 1 at the top
    centre but not on page 1."""
    section = Document(io.BytesIO(appendix_docx(plan_table()))).sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    assert [round(length.mm) for length in (section.top_margin, section.bottom_margin,
                                            section.left_margin, section.right_margin)] == \
        [20, 20, 30, 15]
    # Page number: top centre, not on the first page, restarting at 1.
    assert section.different_first_page_header_footer
    header = section.header.paragraphs[0]
    assert header.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert [text.text for text in header._p.iter(qn("w:instrText"))] == [" PAGE "]
    assert header.runs[0].font.size == Pt(13)
    assert not list(section.first_page_header._element.iter(qn("w:instrText")))
    assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"


def test_docx_fonts_and_title_lines():
    """The Word file is in Times New Roman 13, its title bold 14, the "Kèm theo" line italic 14,
    the table 12 with grid lines."""
    table = plan_table()
    document = Document(io.BytesIO(appendix_docx(table)))
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    fonts = defaults.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert {key.split("}")[1]: value for key, value in fonts.attrib.items()} == \
        dict(ascii="Times New Roman", hAnsi="Times New Roman", eastAsia="Times New Roman",
             cs="Times New Roman")
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(13)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "Times New Roman"
    title, attached, subtitle = document.paragraphs[:3]
    assert title.text == "DANH MỤC ĐỀ ÁN TRÌNH UBND TỈNH NĂM 2020"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(run.bold and run.font.size == Pt(14) for run in title.runs)
    assert attached.text == table.attached_line and attached.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(run.italic and run.font.size == Pt(14) for run in attached.runs)
    assert subtitle.text == table.subtitle and subtitle.runs[0].font.size == Pt(13)
    word_table = document.tables[0]
    assert word_table.style.name == "Table Grid"
    cell_paragraph = word_table.rows[2].cells[1].paragraphs[0]
    assert cell_paragraph.style.font.size == Pt(12)


def test_docx_table_cells_rows_and_widths():
    """The Word table repeats its header, never splits a row, spans headings and counts, and
    fills the page width in proportion."""
    table = plan_table()
    document = Document(io.BytesIO(appendix_docx(table)))
    assert docx_lines(document) == layout(table)
    word_table = document.tables[0]
    rows = word_table._tbl.tr_lst
    # The header row repeats on every page; no row splits across pages.
    assert rows[0].trPr.find(qn("w:tblHeader")) is not None
    assert all(row.trPr.find(qn("w:tblHeader")) is None for row in rows[1:])
    assert all(row.trPr.find(qn("w:cantSplit")) is not None for row in rows)
    header_cells = word_table.rows[0].cells
    assert all(run.bold for cell in header_cells for run in cell.paragraphs[0].runs)
    assert all(cell.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER for cell in header_cells)
    # Headings span the whole row in bold; count and total lines in italic.
    heading, count = rows[1].tc_lst, rows[4].tc_lst
    assert len(heading) == 1 and heading[0].grid_span == 8
    assert _Cell(heading[0], word_table).paragraphs[0].runs[0].bold
    assert _Cell(count[0], word_table).text == "Cộng: 2 đề án" and count[0].grid_span == 8
    assert _Cell(count[0], word_table).paragraphs[0].runs[0].italic
    body = word_table.rows[2].cells
    for index, cell in enumerate(body):
        expected = WD_ALIGN_PARAGRAPH.CENTER if index in CENTRED_COLUMNS else None
        assert cell.paragraphs[0].alignment == expected
    # A line break in the model is a second paragraph of the cell.
    assert [p.text for p in body[3].paragraphs] == ["Sở Tài chính, Sở Nội vụ", "UBND các huyện, thị xã"]
    grid = [int(col.get(qn("w:w"))) for col in word_table._tbl.tblGrid.iter(qn("w:gridCol"))]
    assert sum(grid) == USABLE_WIDTH_TWIPS == round(252 / 25.4 * 1440)
    assert [round(width * 100 / USABLE_WIDTH_TWIPS) for width in grid] == list(table.widths)


def test_docx_keeps_markup_literally_and_reads_crlf_as_line_break():
    """Word keeps markup as literal text and reads CRLF and CR as line breaks."""
    table = plan_table(grouping=Grouping.NONE, with_status=False,
                       items=[ITEMS[1], item_snapshot(title="Dòng một\r\nDòng hai\rDòng ba\tcột")])
    lines = docx_lines(Document(io.BytesIO(appendix_docx(table))))
    assert lines[1][1] == "<script>alert('x')</script> & \"trích dẫn\""
    assert lines[2][1] == "Dòng một\nDòng hai\nDòng ba\tcột"


# --- All three: random texts come back as they went in -----------------------------------

TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")),
        st.sampled_from(["\n", "\t", ",", '"', "'", "=", "+", "-", "@", ";", "<", "&", " ",
                         "đ", "Đ", "ệ", "ữ", "Ở", "ậ"]),
    ),
    min_size=1, max_size=40,
)


@st.composite
def tables(draw):
    items = [item_snapshot(title=draw(TEXT), lead_agency=draw(TEXT), coordination=draw(TEXT),
                      notes=draw(TEXT), original_due_period=draw(st.sampled_from(
                          ["Quý III/2020", "Quý IV/2020", "Năm 2021", "Thường xuyên"])))
             for _ in range(draw(st.integers(1, 4)))]
    grouping = draw(st.sampled_from([Grouping.NONE, Grouping.QUARTER, Grouping.LEAD]))
    return plan_table(grouping=grouping, items=items, title=draw(TEXT),
                      attached_to=draw(TEXT), subtitle=draw(TEXT))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_random_texts_survive_every_format(table):
    """Any texts survive CSV, Excel (one sheet or per group) and Word unchanged."""
    records = csv_records(appendix_csv(table))
    assert [[unneutralise(cell) for cell in record] for record in records] == \
        padded(layout(table), 8)

    ws = load_workbook(io.BytesIO(appendix_xlsx(table))).active
    values = sheet_values(ws)
    assert [row[0] for row in values[:3]] == [table.title, table.attached_line, table.subtitle]
    assert values[4:] == padded(layout(table), 8)

    document = Document(io.BytesIO(appendix_docx(table)))
    assert [p.text for p in document.paragraphs[:3]] == \
        [table.title, table.attached_line, table.subtitle]
    assert docx_lines(document) == layout(table)

    if table.grouped:
        workbook = load_workbook(io.BytesIO(appendix_xlsx(table, sheet_per_group=True)))
        assert len(set(workbook.sheetnames)) == len(table.groups)
        for ws, group in zip(workbook.worksheets, table.groups, strict=True):
            assert sheet_values(ws)[4:] == padded(layout(table, groups=[group], total=False), 8)


def test_xlsx_body_rows_are_tall_enough_for_their_wrapped_text():
    """LibreOffice does not fit wrapped rows itself: each row carries a height, taller for a
    long title or a cell with line breaks (the text overlapped the next row without)."""
    short = item_snapshot(title="Đề án ngắn")
    long = item_snapshot(title="Xây dựng và trình UBND tỉnh dự thảo sửa đổi Quyết định ban hành " * 6)
    broken = item_snapshot(coordination="Sở A\nSở B\nSở C\nSở D\nSở E")
    table = plan_table(grouping=Grouping.NONE, items=[short, long, broken])
    sheet = load_workbook(io.BytesIO(appendix_xlsx(table))).worksheets[0]
    heights = {}
    for row in sheet.iter_rows():
        title = row[1].value
        for item, name in ((short, "short"), (long, "long"), (broken, "broken")):
            if title == item.title and row[3].value == item.coordination:
                heights[name] = sheet.row_dimensions[row[0].row].height
    assert set(heights) == {"short", "long", "broken"}
    assert heights["long"] > 3 * heights["short"]
    assert heights["broken"] >= 5 * 12


def test_xlsx_plain_item_rows_write_the_same_xml_as_their_cells():
    """The XLSX writes a plain item row from its texts (table.plain_lines), not from a Cell per
    cell: the sheet's XML is the same either way, for markup, CR, control characters, the
    joining character and multi-line cells alike."""
    from openpyxl import Workbook

    from tracker.appendix.export_xlsx import _body_xml, _Styles

    odd = item_snapshot(title="a\r\nb \x01 & <c> \ue000 d", coordination="x\ny\nz" * 20)
    table = plan_table(items=[*ITEMS, odd])
    plain = list(table.plain_lines())
    assert any(isinstance(line, tuple) for line in plain)
    sheet = Workbook(write_only=True).create_sheet("x")
    styles = _Styles(sheet)
    units = [150 * width / sum(table.widths) for width in table.widths]
    assert _body_xml(sheet, table, plain, styles, units, 7) == \
        _body_xml(sheet, table, table.lines, styles, units, 7)
    group = table.groups[1]
    assert [line.texts() if not isinstance(line, tuple) else list(line)
            for line in table.plain_lines([group])] == \
        [line.texts() for line in table.group_lines(group)]
