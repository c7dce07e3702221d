"""Hostile uploads: every count read from a file is bounded before anything is allocated.

Each file is built here, then read in a child process of its own with a memory ceiling,
so a reader that does allocate what the file asks for fails this test (MemoryError, or
killed) instead of taking the test run down with it.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from tracker.appendix.readers import (
    MAX_COLUMNS,
    MAX_XML_BYTES,
    MAX_XML_PART_BYTES,
    ReadError,
    read_pasted,
    read_upload,
)

ROOT = Path(__file__).resolve().parent.parent
# Virtual memory of the reading process: Python, lxml, python-docx and openpyxl take
# ~0.5 GB of address space; a reader that builds what a hostile count asks for needs GBs.
CEILING = 1536 * 2**20

_CHILD = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]), int(sys.argv[3])))
from tracker.appendix.readers import ReadError, read_upload
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    tables = read_upload(data, sys.argv[2])
    outcome = {"rows": [len(t.rows) for t in tables]}
except ReadError as error:
    outcome = {"refused": str(error)}
except MemoryError:
    outcome = {"crashed": "MemoryError"}
outcome["seconds"] = time.perf_counter() - start
outcome["grew_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps(outcome))
"""


def read_in_child(tmp_path, data: bytes, name: str, timeout: float = 60) -> dict:
    """read_upload in a process of its own: what it answered, how long and how much memory
    (growth of the peak resident size) it took."""
    path = tmp_path / name
    path.write_bytes(data)
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, str(path), name, str(CEILING)],
                              capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {name} took more than {timeout} s")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def refused_quickly(tmp_path, data: bytes, name: str, seconds: float = 5,
                    megabytes: float = 100) -> str:
    outcome = read_in_child(tmp_path, data, name)
    assert "refused" in outcome, outcome
    assert outcome["seconds"] < seconds and outcome["grew_mb"] < megabytes, outcome
    message = outcome["refused"]
    assert message.endswith(".") and "Traceback" not in message
    return message


def docx_with_xml(edit) -> bytes:
    """A real Word document with a 3 × 3 table, its document.xml passed through `edit`."""
    document = Document()
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"ô {r}.{c}"
    buffer = io.BytesIO()
    document.save(buffer)
    return rezip(buffer.getvalue(), {"word/document.xml": lambda xml: edit(xml.decode()).encode()})


def rezip(data: bytes, changes: dict) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename in changes:
                content = changes[info.filename](content)
            target.writestr(info.filename, content)
        for name, change in changes.items():
            if name not in source.namelist():
                target.writestr(name, change(b""))
    return out.getvalue()


def first_cell_props(props: str):
    """Put `props` into the tcPr of the table's first cell."""
    return lambda xml: re.sub(r"<w:tcPr>", f"<w:tcPr>{props}", xml, count=1)


@pytest.mark.parametrize("span", ["300000000", "1000000000000", "9" * 4000])
def test_a_cell_spanning_millions_of_columns_is_refused_without_building_them(tmp_path, span):
    """A 37 KB DOCX whose cell claims gridSpan=300000000 cost 3.8 GB; 10^12 was a
    MemoryError (a 500): the span is checked against the column limit first."""
    data = docx_with_xml(first_cell_props(f'<w:gridSpan w:val="{span}"/>'))
    assert len(data) < 40_000
    message = refused_quickly(tmp_path, data, "span.docx", seconds=2, megabytes=30)
    assert f"hơn {MAX_COLUMNS} cột" in message


def test_legacy_horizontal_merges_and_grid_before_are_bounded_too(tmp_path):
    """hMerge repeats the span, gridBefore pads the row: both are counts from the file."""
    merged = docx_with_xml(first_cell_props(
        '<w:gridSpan w:val="300000000"/><w:hMerge w:val="continue"/>'))
    assert f"hơn {MAX_COLUMNS} cột" in refused_quickly(tmp_path, merged, "hmerge.docx",
                                                       seconds=2, megabytes=30)
    before = docx_with_xml(lambda xml: xml.replace(
        "<w:tr>", '<w:tr><w:trPr><w:gridBefore w:val="300000000"/></w:trPr>', 1))
    assert "<w:gridBefore" in zipfile.ZipFile(io.BytesIO(before)).read(
        "word/document.xml").decode()
    assert f"hơn {MAX_COLUMNS} cột" in refused_quickly(tmp_path, before, "before.docx",
                                                       seconds=2, megabytes=30)


def test_spans_within_the_limit_still_read_and_are_recorded():
    """The bound is the column limit, not a ban on spans: a heading across three columns is
    read as before, with its span recorded for the print-back."""
    data = docx_with_xml(first_cell_props('<w:gridSpan w:val="3"/>'))
    [table] = read_upload(data, "span.docx")
    assert table.spans == {(0, 0): 3}
    assert table.rows[0][:3] == ["ô 0.0", "", ""]


def heavy_rows_docx(xml_bytes: int) -> bytes:
    """A Word table of fewer than 20,000 rows whose formatted XML unpacks to `xml_bytes`:
    compressed about 100:1, so neither the ratio nor the old 100 MB total caught it."""
    run = ('<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" '
           'w:cs="Times New Roman"/><w:b/><w:i/><w:color w:val="1F3864"/><w:sz w:val="26"/>'
           '<w:szCs w:val="26"/><w:lang w:val="vi-VN"/></w:rPr><w:t xml:space="preserve">'
           'Đề án </w:t></w:r>')
    cell = ('<w:tc><w:tcPr><w:tcW w:w="1500" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
            '<w:p><w:pPr><w:spacing w:before="60" w:after="60"/><w:jc w:val="both"/></w:pPr>'
            + run * 6 + "</w:p></w:tc>")
    row = "<w:tr>" + cell * 3 + "</w:tr>"
    count = xml_bytes // len(row.encode())
    assert count < 20_000
    return docx_with_xml(lambda xml: re.sub(r"<w:tr[ >].*</w:tr>", lambda _: row * count, xml,
                                            flags=re.S))


def test_xml_that_unpacks_to_tens_of_megabytes_is_refused_before_parsing(tmp_path):
    """A docx of well under 1 MB whose document.xml unpacks to 40 MB (95 MB in the report)
    passed the zip checks and python-docx parsed it into ~17 times its size: the XML of each
    part is bounded on the zip's directory, before anything is inflated or parsed."""
    data = heavy_rows_docx(40 * 2**20)
    member = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml")
    assert len(data) < 1_000_000 and member.file_size < 1000 * member.compress_size
    message = refused_quickly(tmp_path, data, "nang.docx", seconds=2, megabytes=60)
    assert "quá lớn khi giải nén" in message


def test_xml_parts_are_bounded_together(tmp_path):
    """Several parts each under the per-part limit still count against the total."""
    part = MAX_XML_PART_BYTES - 1024
    assert 2 * part > MAX_XML_BYTES
    filler = b'<?xml version="1.0"?><w:hdr xmlns:w="x">' + b"<w:p/>" * (part // 6) + b"</w:hdr>"
    data = rezip(docx_with_xml(lambda xml: xml), {"word/header1.xml": lambda _: filler,
                                                   "word/header2.xml": lambda _: filler})
    assert "quá lớn khi giải nén" in refused_quickly(tmp_path, data, "hai.docx", seconds=2)


def test_a_real_sized_formatted_word_table_still_reads():
    """The limit leaves room: 2,000 heavily formatted rows (~10 MB of XML) are read."""
    data = heavy_rows_docx(10 * 2**20)
    [table] = read_upload(data, "thuc.docx")
    assert len(table.rows) > 2000 and table.rows[-1][0].startswith("Đề án")


def test_a_csv_of_nothing_but_commas_is_refused_quickly(tmp_path):
    """9 MB of commas took 12 s and 270 MB to become one row of 9 million empty cells,
    then an empty table: a line longer than any table's line is refused at once."""
    message = refused_quickly(tmp_path, b"," * (9 * 2**20), "phay.csv", seconds=2)
    assert "dài hơn" in message and "Dòng 1" in message
    with pytest.raises(ReadError, match="dài hơn"):
        read_pasted("\t" * (9 * 2**20))


def test_wide_padded_csv_rows_are_cut_to_the_column_limit():
    """Excel pads rows with delimiters: empty cells past the limit are dropped, not kept
    (nor checked one by one); a value past the limit is still refused."""
    rows = read_upload(("STT,Tên" + "," * 5000 + "\n1,Đề án" + "," * 5000 + "\n").encode(),
                       "rong.csv")[0].rows
    assert [len(row) for row in rows] == [MAX_COLUMNS, MAX_COLUMNS]
    start = time.perf_counter()
    outcome = read_upload(((","* 1000 + "\n") * 9000).encode(), "phay.csv")[0].rows
    assert outcome == [] and time.perf_counter() - start < 3
    with pytest.raises(ReadError, match=f"hơn {MAX_COLUMNS} cột"):
        read_upload(("a" + "," * 500 + "b\n").encode(), "rong.csv")


def test_too_many_cells_in_all_are_refused():
    """Rows and columns each under their limit can still add up to more cells than a list
    has: 15,000 rows of 80 cells."""
    line = ",".join(["x"] * 80) + "\n"
    with pytest.raises(ReadError, match="hơn 1.000.000 ô"):
        read_upload((line * 15_000).encode(), "nhieu.csv")


def xlsx_with_sheet_xml(edit) -> bytes:
    book = Workbook()
    book.active.append(["STT", "Tên đề án"])
    book.active.append([1, "Đề án"])
    buffer = io.BytesIO()
    book.save(buffer)
    return rezip(buffer.getvalue(),
                 {"xl/worksheets/sheet1.xml": lambda xml: edit(xml.decode()).encode()})


def test_a_sheet_row_numbered_beyond_excel_is_refused(tmp_path):
    """openpyxl yields an empty row for every row number skipped: a row numbered 10^9
    was a billion iterations."""
    data = xlsx_with_sheet_xml(lambda xml: xml.replace(
        "</sheetData>", '<row r="999999999"><c r="A999999999" t="inlineStr"><is><t>x</t></is>'
                        "</c></row></sheetData>"))
    assert "hỏng" in refused_quickly(tmp_path, data, "dong.xlsx", seconds=10)


def test_styled_empty_cells_far_right_cost_little(tmp_path):
    """A styled empty cell in column XFD makes a row of 16,384 values; converting each cost
    ~3 ms a row (5,000 rows: 15 s). The values past the column limit are checked at C speed."""
    rows = "".join(f'<row r="{n}"><c r="XFD{n}" s="0"/></row>' for n in range(3, 5000))
    data = xlsx_with_sheet_xml(lambda xml: xml.replace("</sheetData>", rows + "</sheetData>"))
    outcome = read_in_child(tmp_path, data, "xfd.xlsx")
    assert outcome.get("rows") == [2] and outcome["seconds"] < 5, outcome


def test_overlapping_merged_ranges_are_refused(tmp_path):
    """Thousands of copies of one merged range each cost a pass over the sheet."""
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{n}</t></is></c></row>'
                   for n in range(3, 5000))
    merges = '<mergeCells count="20000">' + '<mergeCell ref="A1:CV5000"/>' * 20_000 + \
        "</mergeCells>"
    data = xlsx_with_sheet_xml(lambda xml: xml.replace("</sheetData>", rows + "</sheetData>"
                                                       + merges))
    assert "hỏng" in refused_quickly(tmp_path, data, "gop.xlsx", seconds=10)
