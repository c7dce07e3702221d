"""A long appendix printed in parts (tracker/appendix/pdf.py): the body cut into tables of
about CHUNK_ROWS rows, rendered by up to two Chromium processes, joined by pypdf with the
page numbers stamped where print.css prints them."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import date

import pytest
from browser_support import (
    A4_LANDSCAPE_PTS,
    chromium_path,
    pdf_page_sizes,
    pdf_pages_text,
    poppler_tool,
)
from pypdf import PdfReader, PdfWriter

from tracker.appendix import pdf
from tracker.appendix.documents import standalone_page
from tracker.appendix.table import (
    Grouping,
    ItemSnapshot,
    build_published_table,
    build_table,
)

HEADER = "STT Tên đề án Cơ quan chủ trì Cơ quan phối hợp Thời gian trình Cấp trình"


@pytest.fixture
def database_url(tmp_path) -> str:
    """SQLite only: the PDF depends on the page, not on the database."""
    return f"sqlite:///{tmp_path / 'pdf.sqlite'}"


def snapshot(number: int, lead: str = "Sở Công Thương", **extra) -> ItemSnapshot:
    return ItemSnapshot(title=f"Đề án số {number} về phát triển công nghiệp", lead_agency=lead,
                        coordination="Các Sở, ban ngành, địa phương; Sở Tài chính",
                        original_due_period="Quý IV/2020", due_period="Quý IV/2020",
                        due_date=None, approving_level="UBND tỉnh", status="not_started",
                        **extra)


def page_of(app, rows: int, **options) -> str:
    table = build_table("Danh mục thử nghiệm", "Báo cáo số 1/BC-SCT ngày 29/5/2020",
                        [snapshot(n + 1) for n in range(rows)], with_status=False,
                        today=date(2020, 10, 1), **options)
    with app.test_request_context():
        return standalone_page(table)


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*A4_LANDSCAPE_PTS)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def body_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", html)]


def test_a_2500_row_pdf_is_made_in_parts_by_two_processes(app, monkeypatch):
    """A 2,500-row table goes to two Chromium processes as two pages (1,000 and 1,500 rows),
    each cut into tables of 500 rows that start a page under their own header row; only the
    first page has the title block; every row once, in order; the join numbers its pages."""
    rendered = []

    def fake_render(html, chromium, timeout):
        rendered.append(html)
        return blank_pdf(3)

    monkeypatch.setattr(pdf, "_render", fake_render)
    data = pdf.html_to_pdf(page_of(app, 2500), "/usr/bin/chromium")
    assert len(rendered) == 2
    assert [page.count("<thead>") for page in rendered] == [2, 3]
    assert [page.count("appendix-part") - page.count(".appendix-part") for page in rendered] \
        == [1, 2]
    assert [page.count('<h1 class="appendix-title">') for page in rendered] == [1, 0]
    assert body_numbers(rendered[0]) + body_numbers(rendered[1]) == list(range(1, 2501))
    assert all("@top-center { content: none; }" in page for page in rendered)
    assert len(PdfReader(io.BytesIO(data)).pages) == 6


def test_a_short_table_is_one_render_as_before(app, monkeypatch):
    """Up to twice CHUNK_ROWS rows (1,000: what a web request prints itself) the page goes
    to one Chromium whole, with its own page numbers."""
    rendered = []
    monkeypatch.setattr(pdf, "_render", lambda html, *args: rendered.append(html) or b"%PDF")
    pdf.html_to_pdf(page_of(app, 2 * pdf.CHUNK_ROWS), "/usr/bin/chromium")
    assert len(rendered) == 1 and "appendix-part" not in rendered[0]
    assert "@top-center { content: counter(page)" in rendered[0]


def test_with_the_other_slot_busy_the_parts_go_to_one_process(app, monkeypatch):
    """Two Chromium processes at most per Python process: when another PDF holds the second
    slot, the parts are printed by one process, one after the other."""
    rendered = []
    monkeypatch.setattr(pdf, "_render", lambda html, *args: rendered.append(html) or blank_pdf(1))
    assert pdf._RENDERING.acquire(blocking=False)
    try:
        pdf.html_to_pdf(page_of(app, 1200), "/usr/bin/chromium")
    finally:
        pdf._RENDERING.release()
    assert len(rendered) == 1
    assert rendered[0].count("<thead>") == 3
    assert body_numbers(rendered[0]) == list(range(1, 1201))


def test_chromium_lays_the_sheet_out_for_print_only(app, monkeypatch):
    """The page Chromium prints hides the table on screen: Chromium's screen layout of a long
    table was a fifth of the PDF's cost, for nothing."""
    rendered = []
    monkeypatch.setattr(pdf, "_render", lambda html, *args: rendered.append(html) or b"%PDF")
    pdf.html_to_pdf(page_of(app, 10), "/usr/bin/chromium")
    assert "@media screen { .sheet { display: none; } }" in rendered[0]


def test_a_part_never_ends_after_a_heading_nor_starts_with_a_count_line(app):
    """Cut near a group's end: the count line ("Cộng: …") stays with the group's last row,
    a group's heading with its first row."""
    items = [snapshot(n + 1, lead="Sở A") for n in range(4)] + \
        [snapshot(n + 5, lead="Sở B") for n in range(4)]
    table = build_table("Danh mục", "", items, with_status=False, today=date(2020, 10, 1),
                        grouping=Grouping.LEAD)
    with app.test_request_context():
        html = standalone_page(table)
    # Lines: heading A, 4 rows, count A, heading B, 4 rows, count B, total.
    assert len(pdf.table_parts(html, 2)) >= 3
    for size in range(1, 13):
        parts = pdf.table_parts(html, size)
        assert "".join(parts) in html
        for part in parts:
            first = part.lstrip()[:40]
            last_row = re.findall(r"<tr[^>]*>", part)[-1]
            assert "group-count" not in first, (size, part)
            assert "group-heading" not in last_row or part is parts[-1], (size, part)


def test_a_part_never_cuts_a_cell_merged_down(app):
    """A published list's item on three lines (a cell merged down over them) stays whole in
    one part."""
    columns = [("position", "STT"), ("title", "Tên đề án"), ("c0", "Sản phẩm")]
    items = [snapshot(n + 1, number_text=str(n + 1), section_id=None,
                      sub_rows=({"c0": "b"}, {"c0": "c"}) if n == 1 else None)
             for n in range(4)]
    table = build_published_table("Danh mục", "", columns, [], items, with_status=False,
                                  today=date(2020, 10, 1))
    with app.test_request_context():
        html = standalone_page(table)
    # Rows: item 1, item 2 (three lines, rowspan 3), item 3, item 4.
    parts = pdf.table_parts(html, 2)
    sizes = [part.count("<tr") for part in parts]
    assert sum(sizes) == 6
    assert sizes[0] == 4, sizes       # item 1 and all three lines of item 2


def test_the_inline_css_is_not_escaped(app):
    """The print CSS inlined for Chromium keeps its quotes: escaped ("&#34;"), the page
    number's font and size were invalid and dropped."""
    html = page_of(app, 1)
    assert 'font: 13pt "Times New Roman"' in html and "&#34;" not in html


def words_without_page_furniture(pages: list[str]) -> list[str]:
    """The words of the pages in order, without the page number and repeated header row."""
    out = []
    for number, text in enumerate(pages, 1):
        flat = " ".join(text.split())
        if number > 1:
            assert flat.startswith(f"{number} "), (number, flat[:40])
            flat = flat.removeprefix(f"{number} ")
        out += flat.replace(HEADER, " ").split()
    return out


def number_box(path, page: int) -> tuple[float, ...]:
    """The page number's box on `page` (points), as pdftotext -bbox reads it."""
    out = subprocess.run([poppler_tool("pdftotext"), "-bbox", "-f", str(page), "-l", str(page),
                          str(path), "-"], check=True, capture_output=True, text=True).stdout
    match = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                      rf"{page}</word>", out)
    assert match, out[:500]
    return tuple(float(value) for value in match.groups())


def test_the_parts_print_the_same_text_as_one_render(app, tmp_path):
    """300 rows printed whole and in three parts of 100: the same text in the same order, A4
    landscape, the header on every page, the title on the first only, the page numbers
    2, 3 … at the top centre where Chromium prints them, and at most a page more per part."""
    chromium = chromium_path()
    html = page_of(app, 300)
    whole, parts = tmp_path / "whole.pdf", tmp_path / "parts.pdf"
    whole.write_bytes(pdf.html_to_pdf(html, chromium))
    parts.write_bytes(pdf.html_to_pdf(html, chromium, chunk_rows=100))
    whole_pages, part_pages = pdf_pages_text(whole, layout=False), \
        pdf_pages_text(parts, layout=False)
    assert len(whole_pages) <= len(part_pages) <= len(whole_pages) + 2
    assert words_without_page_furniture(part_pages) == \
        words_without_page_furniture(whole_pages)
    width, height = A4_LANDSCAPE_PTS
    assert all(abs(w - width) <= 2 and abs(h - height) <= 2 for w, h in pdf_page_sizes(parts))
    for number, text in enumerate(part_pages, 1):
        assert HEADER in " ".join(text.split()), f"no header on page {number}"
        assert ("DANH MỤC THỬ NGHIỆM" in text) == (number == 1)
    stamped, printed = number_box(parts, 2), number_box(whole, 2)
    centre = (stamped[0] + stamped[2]) / 2
    assert abs(centre - (printed[0] + printed[2]) / 2) < 0.5
    assert printed[1] - 1.5 < stamped[1] and stamped[3] < printed[3] + 1.5, (stamped, printed)
    assert number_box(parts, len(part_pages))


def test_the_app_does_not_load_pypdf_until_it_joins_a_pdf():
    """pypdf costs a process 15 MB of memory: the app (every web worker) loads it only when
    it joins the parts of a long PDF, which the worker does."""
    import sys

    code = ("import sys; from tracker import create_app; "
            "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://'}); "
            "import tracker.appendix.documents, tracker.appendix.jobs; "
            "print('pypdf' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"
