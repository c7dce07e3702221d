"""Reading appendix tables from Word, Excel, CSV and pasted text, and interpreting them.

Pure: no database, no app. The seed table (351/BC-SCT, three items) laid out the way
agencies really send it must give exactly the seed's items, whatever the format.
"""
from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from openpyxl import Workbook

from tracker.appendix.importer import (
    decode,
    find_header,
    fold,
    header_key,
    interpret,
    pick_table,
    read_table,
)
from tracker.appendix.readers import (
    MAX_ROWS,
    ReadError,
    SourceTable,
    parse_delimited,
    read_pasted,
    read_upload,
)
from tracker.appendix.table import Grouping, ItemSnapshot, Numbering, build_table

SEED = Path(__file__).resolve().parent.parent / "tracker" / "demo" / "appendix-351-BC-SCT-2020.tsv"
SEED_LINES = [line.split("\t") for line in SEED.read_text(encoding="utf-8").splitlines()
              if line.strip()]
HEADER, ITEMS = SEED_LINES[0], SEED_LINES[1:]
TITLE = "DANH MỤC ĐỀ ÁN, VĂN BẢN TRÌNH UBND TỈNH, CHỦ TỊCH UBND TỈNH 6 THÁNG CUỐI NĂM 2020"
ATTACHED = "(Kèm theo Báo cáo số 351/BC-SCT ngày 29/5/2020 của Sở Công Thương)"


def seed_items() -> list[tuple]:
    return [(int(stt), title, lead, coordination, period, level)
            for stt, title, lead, coordination, period, level in ITEMS]


def items_of(result) -> list[tuple]:
    return [(row.position, row.title, row.lead_agency, row.coordination, row.due_period,
             row.approving_level) for row in result.rows]


def only_table(tables: list[SourceTable]) -> SourceTable:
    return tables[pick_table(tables)]


# --- building files the way users do ------------------------------------------------------

def docx_bytes(build) -> bytes:
    document = Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def seed_docx(document) -> None:
    """Title, "(Kèm theo …)", then the table: header, a heading row merged across, and the
    lead agency written once in a cell merged down over the three items."""
    document.add_paragraph(TITLE)
    document.add_paragraph(ATTACHED)
    table = document.add_table(rows=2 + len(ITEMS), cols=6)
    table.style = "Table Grid"
    for column, text in enumerate(HEADER):
        table.cell(0, column).text = text
    table.cell(1, 0).merge(table.cell(1, 5)).text = "QUÝ III/2020"
    for r, item in enumerate(ITEMS, start=2):
        for column, text in enumerate(item):
            if column != 2:
                table.cell(r, column).text = text
    table.cell(2, 2).text = ITEMS[0][2]
    table.cell(2, 2).merge(table.cell(1 + len(ITEMS), 2))
    document.add_paragraph("Nơi nhận: - Như trên; - Lưu: VT.")


def xlsx_bytes(build) -> bytes:
    book = Workbook()
    build(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def seed_xlsx(book) -> None:
    """Title rows merged across, header on row 4, a merged heading, numbers as numbers and
    the lead agency merged down."""
    sheet = book.active
    sheet.title = "Phụ lục"
    sheet["A1"], sheet["A2"] = TITLE, ATTACHED
    sheet.merge_cells("A1:F1")
    sheet.merge_cells("A2:F2")
    sheet.append([])
    sheet.append(HEADER)
    sheet.append(["QUÝ III/2020"])
    sheet.merge_cells("A5:F5")
    for number, item in enumerate(ITEMS, start=1):
        sheet.append([float(number), item[1], item[2] if number == 1 else None, *item[3:]])
    sheet.merge_cells(f"C6:C{5 + len(ITEMS)}")
    sheet.append([])
    sheet.append(["Tổng cộng: 3 đề án"])
    sheet.merge_cells("A10:F10")
    sheet.append([None, None, None, None, "KT. GIÁM ĐỐC", None])
    book.create_sheet("Trống")


STYLED_CELL = ('<w:tc><w:tcPr><w:tcW w:w="1500" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
               '<w:p><w:pPr><w:spacing w:before="60" w:after="60"/><w:jc w:val="center"/></w:pPr>'
               '<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman"/>'
               '<w:sz w:val="26"/></w:rPr><w:t>{%d}</w:t></w:r></w:p></w:tc>')


def docx_with_rows(count: int, styled: bool = False) -> bytes:
    """A .docx whose one table has a header and `count` item rows, written as XML directly
    (quicker than python-docx's row API); `styled` repeats Word-like formatting in every cell."""
    base = docx_bytes(lambda d: d.add_table(rows=1, cols=6))
    plain = "<w:tc><w:p><w:r><w:t>{%d}</w:t></w:r></w:p></w:tc>"
    cells = "".join((STYLED_CELL if styled else plain) % i for i in range(6))
    row = f"<w:tr>{cells}</w:tr>"
    rows = [row.format(*HEADER)]
    rows += [row.format(n, f"Đề án số {n}", "Sở Công Thương", "Các Sở", "Quý III/2020",
                        "UBND tỉnh") for n in range(1, count + 1)]
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                xml = data.decode("utf-8")
                xml = re.sub(r"<w:tr[ >].*</w:tr>", lambda _: "".join(rows), xml, flags=re.S)
                data = xml.encode("utf-8")
            target.writestr(info, data)
    return out.getvalue()


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows wrote it: base letters plus a combining tone mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            tone = next(mark for mark in decomposed if mark in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", decomposed.replace(tone, ""))
            out += (base + tone).encode("cp1258")
    return bytes(out)


# --- the seed in every format ---------------------------------------------------------------

def test_seed_pasted_as_tsv():
    """The seed pasted as tab-separated text reads as its three items, with no warning."""
    table = read_pasted(SEED.read_text(encoding="utf-8"))
    result = interpret(table.rows)
    assert result.ok and not result.warnings
    assert items_of(result) == seed_items()
    assert result.header_row == 1 and result.columns["lead_agency"] == "Cơ quan chủ trì"


def test_seed_pasted_from_excel_with_a_line_break_in_a_title():
    """A title pasted from Excel with a line break and quotes inside is read whole."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    stt, title, *rest = lines[1].split("\t")
    head, tail = title.split(" Quyết định ", 1)
    lines[1] = "\t".join([stt, f'"{head}\nQuyết định ""{tail}"""', *rest])
    result = interpret(read_pasted("\r\n".join(lines) + "\r\n").rows)
    assert result.ok, result.errors
    assert result.rows[0].title == f'{head}\nQuyết định "{tail}"'
    assert items_of(result)[1:] == seed_items()[1:]


def test_seed_as_word_table_with_merged_cells():
    """A Word table's cells merged across give their value once, those merged down fill each
    row; the groups and lines are kept."""
    tables = read_upload(docx_bytes(seed_docx), "Phu luc 351.docx")
    assert [t.label for t in tables] == ["Bảng 1 (5 dòng)"]
    rows = tables[0].rows
    assert rows[1] == ["QUÝ III/2020", "", "", "", "", ""]     # merged across: value once
    assert [row[2] for row in rows[2:]] == ["Sở Công Thương"] * 3  # merged down: filled in
    result = interpret(rows)
    assert result.ok and not result.warnings, (result.errors, result.warnings)
    assert items_of(result) == seed_items()
    assert result.groups == ["QUÝ III/2020"] and {r.group for r in result.rows} == {"QUÝ III/2020"}
    assert [r.line for r in result.rows] == [3, 4, 5]


def test_seed_as_excel_sheet_with_title_rows_and_merged_cells():
    """An Excel sheet gives its title lines as preamble, its numbers as text, and nothing after
    "Tổng cộng" as an item."""
    tables = read_upload(xlsx_bytes(seed_xlsx), "phu-luc.xlsx")
    assert [t.label for t in tables] == ["Trang tính “Phụ lục” (11 dòng)"]   # empty sheet left out
    table = only_table(tables)
    assert table.rows[0] == [TITLE]      # rows end at their last value
    assert table.rows[5][0] == "1"                      # 1.0 → "1"
    result = interpret(table.rows)
    assert result.ok, result.errors
    assert items_of(result) == seed_items()
    assert result.header_row == 4 and [r.line for r in result.rows] == [6, 7, 8]
    assert result.preamble == [TITLE, ATTACHED]
    assert result.groups == ["QUÝ III/2020"]
    # Nothing after "Tổng cộng" (the signature) becomes an item or a warning about one.
    assert not [w for w in result.warnings if w.row > 8]


def test_seed_as_csv_files():
    """The seed reads the same as TSV, as CSV with semicolons or commas, with or without BOM,
    and as UTF-16."""
    text = SEED.read_text(encoding="utf-8")
    semicolons = "\n".join(";".join(f'"{c}"' if ";" in c else c for c in line.split("\t"))
                           for line in text.splitlines())
    commas = "\n".join(",".join(f'"{c}"' if "," in c else c for c in line.split("\t"))
                       for line in text.splitlines())
    for name, data in (("a.tsv", text.encode("utf-8")),
                       ("b.csv", codecs.BOM_UTF8 + semicolons.encode("utf-8")),
                       ("c.csv", commas.encode("utf-8")),
                       ("d.txt", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))):
        tables = read_upload(data, name)
        assert len(tables) == 1 and tables[0].label == f"Tệp “{name}” (4 dòng)"
        result = interpret(tables[0].rows)
        assert result.ok and items_of(result) == seed_items(), name


def test_read_table_and_decode_still_work_for_the_cli():
    """The command line's read_table and decode still read the seed, a BOM and quoted line breaks."""
    assert items_of(read_table(SEED.read_text(encoding="utf-8"))) == seed_items()
    assert decode(codecs.BOM_UTF8 + "Tên".encode()) == "Tên"
    result = read_table('STT,Tên đề án,Cơ quan chủ trì,Thời gian trình\n1,"A\nB",Sở Tư pháp,'
                        "Thường xuyên\n", ",")
    assert result.ok and result.rows[0].title == "A\nB"


def test_the_printed_appendix_reads_back():
    """The table model's own layout (headings, per-group numbers, count and total lines,
    the progress columns) reads back to the same items."""
    snapshots = [ItemSnapshot(title, lead, coordination, period, period, None, level,
                              "submitted", submission_ref="Tờ trình số 45/TTr-SCT",
                              notes="Ghi chú riêng")
                 for _, title, lead, coordination, period, level in ITEMS]
    table = build_table(TITLE, "Báo cáo số 351/BC-SCT", snapshots, with_status=True,
                        today=datetime(2020, 12, 1).date(), grouping=Grouping.QUARTER,
                        numbering=Numbering.PER_GROUP)
    width = len(table.headers)
    grid = [[table.title], [table.attached_line], list(table.headers)]
    for group in table.groups:
        grid.append([group.heading] + [""] * (width - 1))
        grid += [list(row.cells) for row in group.rows]
        grid.append([group.count_line] + [""] * (width - 1))
    grid.append([table.total_line] + [""] * (width - 1))
    result = interpret(grid)
    assert result.ok, result.errors
    by_quarter = sorted(seed_items(), key=lambda item: item[4] != "Quý III/2020")
    assert [item[1:] for item in items_of(result)] == [item[1:] for item in by_quarter]
    assert [row.position for row in result.rows] == [1, 2, 3]     # the order of the list
    assert [row.number_text for row in result.rows] == ["1", "2", "1"]   # as printed
    assert result.groups == ["QUÝ III/2020", "QUÝ IV/2020"]
    # The progress and remarks columns are columns of the list as printed, kept by header.
    headers = dict(result.layout)
    assert {tuple(sorted((headers[key], text) for key, text in row.extra.items()))
            for row in result.rows} == {(("Ghi chú", "Ghi chú riêng"),
                                         ("Tình hình thực hiện", "Đã trình (Tờ trình số 45/TTr-SCT)"))}
    assert {row.progress for row in result.rows} == {"Đã trình (Tờ trình số 45/TTr-SCT)"}
    assert result.warnings == []


# --- header recognition -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "key"), [
    ("STT", "position"), ("Số TT", "position"), ("TT", "position"), ("Số thứ tự", "position"),
    ("stt", "position"),
    ("Tên đề án", "title"), ("Tên đề án, văn bản", "title"), ("Nội dung", "title"),
    ("Tên văn bản", "title"), ("Tên nhiệm vụ", "title"), ("Đề án", "title"),
    ("TÊN ĐỀ ÁN", "title"), ("Tên\nđề án", "title"), ("Ten de an", "title"),
    ("Cơ quan chủ trì", "lead_agency"), ("Đơn vị chủ trì", "lead_agency"),
    ("Cơ quan chủ trì soạn thảo", "lead_agency"), ("Chủ trì", "lead_agency"),
    ("Cơ quan\nchủ trì", "lead_agency"), ("CƠ QUAN CHỦ TRÌ", "lead_agency"),
    ("Cơ quan phối hợp", "coordination"), ("Đơn vị phối hợp", "coordination"),
    ("Phối hợp", "coordination"),
    ("Thời gian trình", "due_period"), ("Thời hạn trình", "due_period"),
    ("Thời gian hoàn thành", "due_period"), ("Thời hạn", "due_period"), ("Thời gian", "due_period"),
    ("Cấp trình", "approving_level"), ("Cấp quyết định", "approving_level"),
    ("Cơ quan quyết định", "approving_level"), ("Cấp ban hành", "approving_level"),
    ("Cấp phê duyệt", "approving_level"),
    ("Ghi chú", "notes"), ("Tình hình thực hiện", "progress"), ("Kết quả thực hiện", None),
    ("Tiến độ", "progress"), ("Sản phẩm", "product"), ("Hình thức văn bản", "product"),
    ("Kinh phí", None), ("", None), ("DANH MỤC ĐỀ ÁN, VĂN BẢN TRÌNH UBND TỈNH", None),
    ("(Kèm theo Báo cáo số 351/BC-SCT)", None),
])
def test_header_cells_are_recognised_by_meaning(text, key):
    """A header cell is recognised by its meaning, in any case, spacing, NFD or without diacritics."""
    assert header_key(text) == key
    assert header_key(unicodedata.normalize("NFD", text)) == key
    assert header_key(f"  {text.upper()} ") == key


def test_fold_ignores_case_diacritics_and_layout():
    """Folding drops case, diacritics (đ → d), punctuation and line breaks."""
    assert fold("  Cơ quan\nCHỦ  TRÌ: ") == fold("co quan chu tri") == "co quan chu tri"
    assert fold("Đơn vị") == "don vi"


def test_synonym_headers_extra_columns_kept_and_unknown_ones_named():
    """Synonym headers are understood; numbers are kept as printed; every other column is kept
    in place under its header."""
    rows = [
        ["Số TT", "Tên đề án, văn bản", "Đơn vị\nchủ trì", "Đơn vị phối hợp", "Thời hạn trình",
         "Cấp quyết định", "Sản phẩm", "Tình hình thực hiện", "Ghi chú", "Kinh phí"],
        ["01", "Đề án A", "Sở Tài chính", "Sở Nội vụ", "Tháng 9/2020", "UBND tỉnh",
         "Quyết định", "Đã trình UBND tỉnh", "Ưu tiên", "100 triệu"],
        ["2.", "Đề án B", "Sở Tư pháp", "", "Năm 2021", "HĐND tỉnh", "", "", "", ""],
    ]
    result = interpret(rows)
    assert result.ok, result.errors
    first, second = result.rows
    assert (first.position, first.lead_agency, first.due_period) == (1, "Sở Tài chính", "Tháng 9/2020")
    assert (first.number_text, second.number_text) == ("01", "2.")     # as printed
    assert first.progress == "Đã trình UBND tỉnh"
    # Every other column is kept as a column of the list, in its place, under its header.
    assert result.layout[6:] == [("c6", "Sản phẩm"), ("c7", "Tình hình thực hiện"),
                                 ("c8", "Ghi chú"), ("c9", "Kinh phí")]
    assert first.extra == {"c6": "Quyết định", "c7": "Đã trình UBND tỉnh", "c8": "Ưu tiên",
                           "c9": "100 triệu"}
    assert (second.position, second.extra, second.progress) == (2, {}, "")
    assert result.warnings == []


def test_two_level_header_from_excel():
    """A two-level Excel header ("Cơ quan thực hiện" over "Chủ trì" and "Phối hợp") and a
    column-number row are understood."""
    def build(book):
        sheet = book.active
        sheet.append(["STT", "Tên đề án", "Cơ quan thực hiện", None, "Thời gian trình", "Cấp trình"])
        sheet.append([None, None, "Chủ trì", "Phối hợp"])
        sheet.append(["1", "2", "3", "4", "5", "6"])    # the column-number row
        for column in "ABEF":
            sheet.merge_cells(f"{column}1:{column}2")
        sheet.merge_cells("C1:D1")
        sheet.append(ITEMS[0])
    result = interpret(only_table(read_upload(xlsx_bytes(build), "x.xlsx")).rows)
    assert result.ok, result.errors
    assert items_of(result) == seed_items()[:1]
    assert result.columns["lead_agency"] == "Chủ trì" and not result.warnings


def test_two_level_header_pasted_and_repeated_at_a_page_break():
    """A pasted two-level header, repeated at a page break, is understood and skipped."""
    header = ("STT\tTên đề án\tCơ quan thực hiện\t\tThời gian trình\tCấp trình\n"
              "\t\tChủ trì\tPhối hợp\t\t\n")
    text = header + "\t".join(ITEMS[0]) + "\n" + header + "\t".join(ITEMS[1]) + "\n"
    result = interpret(read_pasted(text).rows)
    assert result.ok, result.errors
    assert items_of(result) == seed_items()[:2] and not result.warnings


# --- rows that are not items -------------------------------------------------------------

def test_headings_count_lines_footnotes_and_empty_rows():
    """Title lines, headings, count lines, repeated headers, empty rows and footnotes are told
    from items and kept in place."""
    header = ["TT", "Nội dung", "Chủ trì", "Phối hợp", "Thời gian", "Cấp trình"]
    rows = [
        ["DANH MỤC ĐỀ ÁN NĂM 2021"],
        ["(Kèm theo Kế hoạch số 12/KH-UBND)"],
        header,
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
        ["A. CÁC ĐỀ ÁN TRÌNH UBND TỈNH", "", "", "", "", ""],
        ["I", "LĨNH VỰC CÔNG NGHIỆP", "", "", "", ""],
        ["1", "Đề án một", "Sở Công Thương", "", "Quý I/2021", "UBND tỉnh"],
        ["", "", "", "", "", ""],
        ["2", "Đề án hai", "Sở Công Thương", "", "Quý II/2021", "UBND tỉnh"],
        ["Cộng: 2 đề án", "", "", "", "", ""],
        header,                                      # repeated at a page break
        ["", "QUÝ III/2021", "", "", "", ""],
        ["3", "Đề án ba", "Sở Tài chính", "", "Quý III/2021", "UBND tỉnh"],
        ["Ghi chú: các đề án có thể điều chỉnh."],
        ["* Đề án trọng điểm"],
        ["Tổng cộng: 3 đề án"],
        ["", "Đề án sau dòng tổng", "Sở Y tế", "", "Quý IV/2021", ""],
    ]
    result = interpret(rows)
    assert result.ok, result.errors
    assert [(r.position, r.title, r.group) for r in result.rows] == [
        (1, "Đề án một", "I. LĨNH VỰC CÔNG NGHIỆP"),
        (2, "Đề án hai", "I. LĨNH VỰC CÔNG NGHIỆP"),
        (3, "Đề án ba", "QUÝ III/2021"),
    ]
    assert result.groups == ["I. LĨNH VỰC CÔNG NGHIỆP", "QUÝ III/2021"]
    assert result.header_row == 3
    assert result.preamble == ["DANH MỤC ĐỀ ÁN NĂM 2021", "(Kèm theo Kế hoạch số 12/KH-UBND)"]
    by_row = {w.row: w.message for w in result.warnings}
    assert "chú thích" in by_row[14] and "chú thích" in by_row[15]
    assert "tổng cộng" in by_row[17]
    assert set(by_row) == {14, 15, 17}
    # Headings (one with no item of its own) and the header repeated at a page break are
    # kept in place, with their cells, to print as published.
    assert [(s.line, s.kind, s.text) for s in result.sections] == [
        (5, "heading", "A. CÁC ĐỀ ÁN TRÌNH UBND TỈNH"), (6, "heading", "I. LĨNH VỰC CÔNG NGHIỆP"),
        (11, "header", "TT Nội dung Chủ trì Phối hợp Thời gian Cấp trình"),
        (12, "heading", "QUÝ III/2021")]
    assert result.sections[1].cells == [["I", 1], ["LĨNH VỰC CÔNG NGHIỆP", 1]] + [["", 1]] * 4
    assert [r.section for r in result.rows] == [1, 1, 3]


def test_merged_cells_lost_in_a_paste_are_taken_from_the_row_above():
    """Required cells left empty by a paste of merged cells are taken from the row above, with a
    warning, but not across a heading."""
    text = ("STT\tTên đề án\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian trình\tCấp trình\n"
            "1\tĐề án một\tSở Công Thương\tSở Tài chính\tQuý III/2020\tUBND tỉnh\n"
            "2\tĐề án hai\t\t\t\t\n"
            "3\tĐề án ba\t\tSở Nội vụ\tQuý IV/2020\t\n"
            "QUÝ I/2021\t\t\t\t\t\n"
            "4\tĐề án bốn\t\t\t\tUBND tỉnh\n")
    result = interpret(read_pasted(text).rows)
    assert [(r.lead_agency, r.coordination, r.due_period, r.approving_level) for r in result.rows] == [
        ("Sở Công Thương", "Sở Tài chính", "Quý III/2020", "UBND tỉnh"),
        ("Sở Công Thương", "", "Quý III/2020", ""),
        ("Sở Công Thương", "Sở Nội vụ", "Quý IV/2020", ""),
        ("", "", "Quý I/2021", "UBND tỉnh"),
    ]
    # Only the required columns: an empty "Cấp trình" may be meant (and the export of such
    # an item must read back the same), so it is not filled.
    filled = [(w.row, w.field) for w in result.warnings if "lấy theo dòng trên" in w.message]
    assert filled == [(3, "lead_agency"), (3, "due_period"), (4, "lead_agency")]
    # Not across a heading: the fourth item's lead stays empty and is an error; its period
    # comes from the heading, with a warning.
    assert [(e.row, e.field) for e in result.errors] == [(6, "lead_agency")]
    assert any(w.row == 6 and "tiêu đề nhóm" in w.message for w in result.warnings)


def test_numbering_is_kept_as_printed():
    """Items are numbered in order while the printed number ("I.2", a restart at 1) is kept,
    with no warning."""
    header = "STT\tTên đề án\tCơ quan chủ trì\tThời gian trình\n"
    odd = read_table(header + "1\tA\tSở X\tNăm 2021\nI.2\tB\tSở X\tNăm 2021\n5\tC\tSở X\tNăm 2021\n")
    assert odd.ok and [r.position for r in odd.rows] == [1, 2, 3]
    assert [r.number_text for r in odd.rows] == ["1", "I.2", "5"]
    assert odd.warnings == []
    restarted = read_table(header + "1\tA\tSở X\tNăm 2021\n2\tB\tSở X\tNăm 2021\n"
                                    "1\tC\tSở X\tNăm 2021\n")
    assert restarted.ok and [r.number_text for r in restarted.rows] == ["1", "2", "1"]


def test_formula_guard_of_the_csv_export_is_removed():
    """The quote the CSV export puts before a formula-like cell is removed on import; other quotes stay."""
    result = read_table("STT,Tên đề án,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian trình\n"
                        "1,'=1+1 là đề án,'@Sở,'-Sở A '-B,Thường xuyên\n"
                        "2,'Trích dẫn',Sở Y tế,\"'\tSở C\",Năm 2021\n", ",")
    assert [(r.title, r.lead_agency, r.coordination) for r in result.rows] == [
        ("=1+1 là đề án", "@Sở", "-Sở A '-B"), ("'Trích dẫn'", "Sở Y tế", "Sở C")]


def test_row_errors_name_the_source_column():
    """Row errors name the row and the column as headed in the file."""
    result = read_table("Số TT\tNội dung\tĐơn vị chủ trì\tThời hạn\n"
                        "1\t\tSở Tài chính\tQuý V/2020\n"
                        f"2\t{'x' * 2001}\t{'y' * 1001}\t\n")
    assert not result.ok
    got = {(e.row, e.column, e.field) for e in result.errors}
    assert got == {(2, "Nội dung", "title"), (2, "Thời hạn", "due_period"),
                   (3, "Nội dung", "title"), (3, "Đơn vị chủ trì", "lead_agency"),
                   (3, "Thời hạn", "due_period")}     # the period taken from the row above
    assert any("Quý V/2020" in e.message for e in result.errors)
    assert str(result.errors[0]).startswith('dòng 2, cột "')


def test_wrong_columns_and_empty_tables():
    """A table without the needed columns, an empty one or one with a header only is refused, saying why."""
    wrong = interpret([["A", "B"], ["1", "2"]])
    assert not wrong.ok and "Thiếu cột" in wrong.errors[0].message
    no_lead = interpret([["STT", "Tên đề án", "Thời gian trình"], ["1", "A", "Năm 2021"]])
    assert "Thiếu cột Cơ quan chủ trì" in no_lead.errors[0].message
    assert "trống" in interpret([]).errors[0].message
    assert "trống" in interpret([["", ""], []]).errors[0].message
    only_header = interpret([HEADER])
    assert not only_header.ok and "không có dòng đề án" in only_header.errors[0].message


# --- DOCX details --------------------------------------------------------------------------

def test_docx_cell_text_breaks_tabs_and_horizontal_merges():
    """A Word cell keeps its line breaks, tabs and paragraphs; a cell merged across gives its text once."""
    def build(document):
        table = document.add_table(rows=2, cols=6)
        for column, text in enumerate(HEADER):
            table.cell(0, column).text = text
        cell = table.cell(1, 1)
        run = cell.paragraphs[0].add_run("Dòng một")
        run.add_break()
        run.add_text("Dòng hai")
        run.add_tab()
        run.add_text("sau tab")
        cell.add_paragraph("Đoạn hai")
        table.cell(1, 3).merge(table.cell(1, 4)).text = "Hai cột"
        table.cell(1, 5).text = "UBND tỉnh"
    rows = read_upload(docx_bytes(build), "a.docx")[0].rows
    assert rows[1] == ["", "Dòng một\nDòng hai\tsau tab\nĐoạn hai", "", "Hai cột", "", "UBND tỉnh"]


def test_docx_rows_in_content_controls_and_rows_starting_late():
    """Word rows inside content controls, and rows starting a column in, are read in their place."""
    def build(document):
        table = document.add_table(rows=3, cols=3)
        for column, text in enumerate(("STT", "Tên đề án", "Cơ quan chủ trì")):
            table.cell(0, column).text = text
        for column, text in enumerate(("1", "Đề án", "Sở Y tế")):
            table.cell(1, column).text = text
        table.cell(2, 1).text, table.cell(2, 2).text = "Đề án hai", "Sở Nội vụ"
        late = table.rows[2]._tr
        late.remove(late.tc_lst[0])                    # a row that starts one grid column in
        late.get_or_add_trPr().append(parse_xml(f'<w:gridBefore {nsdecls("w")} w:val="1"/>'))
        wrapped = table.rows[1]._tr                    # a row inside a content control
        sdt = parse_xml(f"<w:sdt {nsdecls('w')}><w:sdtContent/></w:sdt>")
        wrapped.addprevious(sdt)
        sdt[0].append(wrapped)
    rows = read_upload(docx_bytes(build), "a.docx")[0].rows
    assert rows == [["STT", "Tên đề án", "Cơ quan chủ trì"], ["1", "Đề án", "Sở Y tế"],
                    ["", "Đề án hai", "Sở Nội vụ"]]


def test_several_tables_in_a_docx_and_pick_table():
    """Every table of a Word file is offered; the first that is an appendix is picked, none when
    there is none."""
    def build(document):
        info = document.add_table(rows=2, cols=2)
        info.cell(0, 0).text, info.cell(0, 1).text = "UBND TỈNH TRÀ VINH", "CỘNG HÒA XÃ HỘI …"
        info.cell(1, 0).text = "SỞ CÔNG THƯƠNG"
        document.add_paragraph(TITLE)
        seed_docx(document)
    tables = read_upload(docx_bytes(build), "bao-cao.docx")
    assert [t.label for t in tables] == ["Bảng 1 (2 dòng)", "Bảng 2 (5 dòng)"]
    assert pick_table(tables) == 1
    assert items_of(interpret(tables[1].rows)) == seed_items()
    assert pick_table(tables[:1]) == -1 and pick_table([]) == -1
    assert find_header(tables[1].rows) == 0


def test_big_docx_table_is_read_whole():
    """A 2000-row Word table, highly compressed, is read whole and not taken for a zip bomb."""
    data = docx_with_rows(2000, styled=True)
    member = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml")
    assert member.file_size > 100 * member.compress_size    # repetitive XML is no zip bomb
    tables = read_upload(data, "lon.docx")
    result = interpret(tables[0].rows)
    assert result.ok and len(result.rows) == 2000 and result.rows[-1].position == 2000


# --- refusals ------------------------------------------------------------------------------

def refused(data: bytes, name: str) -> str:
    with pytest.raises(ReadError) as caught:
        read_upload(data, name)
    message = str(caught.value)
    assert message.endswith(".") and "Traceback" not in message
    return message


def test_docx_without_a_table():
    """A Word file with no table is refused as "không có bảng nào"."""
    message = refused(docx_bytes(lambda d: d.add_paragraph("Chỉ có chữ")), "thu.docx")
    assert "không có bảng nào" in message


def test_legacy_8bit_csv_asks_for_utf8():
    """A Windows-1258 CSV is refused, asking for UTF-8."""
    data = cp1258(SEED.read_text(encoding="utf-8"))
    assert data.decode("cp1258") != SEED.read_text(encoding="utf-8")  # tones kept apart …
    assert unicodedata.normalize("NFC", data.decode("cp1258")) == SEED.read_text(encoding="utf-8")
    message = refused(data, "phu-luc.csv")
    assert "UTF-8" in message and "Windows-1258" in message
    with pytest.raises(ReadError):
        decode(data)


def test_old_and_wrong_formats():
    """Old Office files, password-protected, web pages, PDFs, images, mismatched, fake, empty
    ones are refused, saying why."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    assert ".docx" in refused(ole, "phu luc.doc") and "định dạng Word cũ" in refused(ole, "a.doc")
    assert ".xlsx" in refused(ole, "phu luc.xls")
    assert "mật khẩu" in refused(ole, "co-mat-khau.docx")
    assert "trang web" in refused(b"<html><table></table></html>", "xuat.xls")
    assert "PDF" in refused(b"%PDF-1.7\n...", "a.pdf")
    assert "chỉ nhận tệp" in refused(b"hello", "anh.png")
    xlsx = xlsx_bytes(seed_xlsx)
    assert "không khớp" in refused(xlsx, "nham.csv")
    assert "không phải tệp .docx thật" in refused(_zip_with({"a.txt": b"x"}), "a.docx")
    assert "trống" in refused(b"", "a.csv")


def _zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_bomb_is_refused_without_inflating_it(tmp_path, monkeypatch):
    """A zip bomb (too large, too compressed or too many members) is refused without being inflated."""
    path = tmp_path / "bomb.docx"
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            for _ in range(200):
                member.write(chunk)
    data = path.read_bytes()
    assert len(data) < 1_000_000

    def must_not_open(*args, **kwargs):
        raise AssertionError("the bomb was opened")
    monkeypatch.setattr("docx.Document", must_not_open)
    assert "hỏng hoặc quá lớn" in refused(data, "bomb.docx")
    # Under the 100 MB total, but one byte repeated: refused by its ratio.
    small = _zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": b" " * (20 << 20)})
    assert "hỏng hoặc quá lớn" in refused(small, "bomb2.docx")
    many = _zip_with({f"word/media/{i}.xml": b"" for i in range(10_001)})
    assert "hỏng hoặc quá lớn" in refused(many, "many.docx")


def test_corrupt_zips():
    """A truncated, junk or garbled zip is refused as damaged."""
    good = docx_bytes(seed_docx)
    assert "hỏng" in refused(good[: len(good) // 2], "cut.docx")
    assert "hỏng" in refused(b"PK\x03\x04" + b"\x00" * 100, "junk.xlsx")
    # Central directory intact, a member's compressed bytes garbled.
    archive = zipfile.ZipFile(io.BytesIO(good))
    offset = archive.getinfo("word/document.xml").header_offset + 200
    garbled = good[:offset] + bytes(b ^ 0x5A for b in good[offset:offset + 300]) + good[offset + 300:]
    assert "hỏng" in refused(garbled, "garbled.docx")


def test_too_many_rows_or_columns():
    """A table of more than 20,000 rows or 100 columns is refused, in every format and on the command line."""
    header = "\t".join(HEADER) + "\n"
    rows = header + "1\tA\tSở X\t\tNăm 2021\tUBND tỉnh\n" * MAX_ROWS
    assert "hơn 20.000 dòng" in refused(rows.encode("utf-8"), "lon.tsv")
    with pytest.raises(ReadError):
        read_pasted(rows)
    [error] = read_table(rows).errors      # the CLI's wrapper reports it as a table error
    assert error.row == 1 and "hơn 20.000 dòng" in error.message
    assert "hơn 20.000 dòng" in refused(docx_with_rows(MAX_ROWS), "lon.docx")
    wide = "\t".join(["x"] * 101)
    assert "hơn 100 cột" in refused(wide.encode("utf-8"), "rong.tsv")

    def big_sheet(book):
        sheet = book.active
        sheet.append(HEADER)
        for number in range(MAX_ROWS):
            sheet.append([number + 1, "A", "Sở X", "", "Năm 2021", "UBND tỉnh"])
    assert "hơn 20.000 dòng" in refused(xlsx_bytes(big_sheet), "lon.xlsx")


def test_xlsx_values_dates_and_formulas():
    """Excel numbers read as text, dates as d/m/yyyy, and a formula never calculated as empty."""
    def build(book):
        sheet = book.active
        sheet.append(["STT", "Tên đề án", "Cơ quan chủ trì", "Thời gian trình", "Ghi chú"])
        sheet.append([1, "Đề án", "Sở Y tế", datetime(2020, 10, 15), 0.1 + 0.2])
        sheet.append([2.0, "Đề án hai", "Sở Y tế", "Quý IV/2020", "=1+1"])
    rows = read_upload(xlsx_bytes(build), "a.xlsx")[0].rows
    # A formula never calculated by Excel has no stored value: it reads as empty.
    assert rows[1:] == [["1", "Đề án", "Sở Y tế", "15/10/2020", "0.3"],
                        ["2", "Đề án hai", "Sở Y tế", "Quý IV/2020"]]
    result = interpret(rows)
    assert result.ok and result.rows[0].due_period == "15/10/2020"


def test_paste_without_tabs_falls_back_to_semicolons_or_commas():
    """A paste without tabs is split on semicolons, or else on commas, quotes respected."""
    semicolons = "STT;Tên đề án;Cơ quan chủ trì;Thời gian trình\n1;Đề án A, B;Sở Y tế;Năm 2021\n"
    assert parse_delimited(semicolons)[1] == ["1", "Đề án A, B", "Sở Y tế", "Năm 2021"]
    commas = 'STT,Tên đề án,Cơ quan chủ trì,Thời gian trình\n1,"Đề án; A",Sở Y tế,Năm 2021\n'
    assert read_pasted(commas).rows[1] == ["1", "Đề án; A", "Sở Y tế", "Năm 2021"]


def test_a_csv_whose_quoted_title_is_full_of_semicolons_is_still_comma_separated():
    """Found by the round-trip test: line after line of ";;" inside one quoted cell made
    `;` look like the delimiter."""
    text = ('STT,Tên đề án,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian trình,Cấp trình\r\n'
            '1,"000;;\n000;;\n;;\n;;\n;;000",Sở Công Thương,,Quý I/2000,UBND tỉnh\r\n')
    tables = read_upload(text.encode("utf-8-sig"), "phu-luc.csv")
    result = interpret(tables[0].rows)
    assert result.errors == []
    assert [r.title for r in result.rows] == ["000;;\n000;;\n;;\n;;\n;;000"]


def test_a_heading_named_like_the_signature_block_does_not_end_the_table():
    """"Nơi nhận:" under the table ends it; a group heading in capitals that happens to read
    "NƠI NHẬN" (an agency of that name, grouped by lead agency) does not."""
    header = ["STT", "Tên đề án", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian trình",
              "Cấp trình"]
    rows = [header, ["NƠI NHẬN", "", "", "", "", ""],
            ["1", "Đề án A", "NƠI NHẬN", "", "Quý III/2020", "UBND tỉnh"],
            ["2", "Đề án B", "NƠI NHẬN", "", "Quý IV/2020", "UBND tỉnh"],
            ["Nơi nhận:", "", "", "", "", ""],
            ["- Như trên;", "", "", "", "", ""]]
    result = interpret(rows, spans={(1, 0): 6})
    assert [row.title for row in result.rows] == ["Đề án A", "Đề án B"]
    assert not result.errors
