"""The PDF download: the print view rendered by headless Chromium (`--print-to-pdf`), read
back with poppler's pdfinfo/pdftotext/pdftoppm."""
from __future__ import annotations

import re
from datetime import date

import pytest
from browser_support import (
    A4_LANDSCAPE_PTS,
    chromium_path,
    pdf_page_sizes,
    pdf_pages_text,
    png_size,
    poppler_tool,
    render_pdf_page_png,
)
from factories import make_plan

from tracker.appendix.documents import render_file
from tracker.appendix.table import Grouping, ItemSnapshot, build_table

ITEMS = 300


@pytest.fixture
def database_url(tmp_path) -> str:
    """SQLite only: the PDF depends on the page, not on the database (rendered once)."""
    return f"sqlite:///{tmp_path / 'pdf.sqlite'}"


@pytest.fixture
def pdf_app(app):
    app.config["CHROMIUM_PATH"] = chromium_path()
    for tool in ("pdfinfo", "pdftotext", "pdftoppm"):
        poppler_tool(tool)
    return app


@pytest.fixture
def plan_pdf(pdf_app, client, auth, make_user, tmp_path):
    plan = make_plan(ITEMS)
    auth.login(make_user("manager", "Sở Công Thương"))
    response = client.get(f"/plans/{plan.id}/appendix.pdf?progress=1")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    path = tmp_path / "appendix.pdf"
    path.write_bytes(response.data)
    return path


def test_pdf_download_is_a4_landscape_with_every_row_in_order_and_the_header_on_each_page(plan_pdf):
    """The PDF is A4 landscape with every row in order, the header on each page and page numbers
    at the top from page 2."""
    sizes = pdf_page_sizes(plan_pdf)
    assert len(sizes) >= 5, f"{ITEMS} items with progress columns take many pages: {len(sizes)}"
    width, height = A4_LANDSCAPE_PTS
    assert all(abs(w - width) <= 2 and abs(h - height) <= 2 for w, h in sizes), sizes[:3]
    pages = pdf_pages_text(plan_pdf)
    for number, text in enumerate(pages, 1):
        flat = " ".join(text.split())
        assert "Tên đề án" in flat and "Tình hình thực hiện" in flat, f"no header on page {number}"
    rows = [(int(stt), int(n)) for stt, n in re.findall(
        r"^\s*(\d+)\s+Đề án số (\d+) về phát triển", "\n".join(pages), re.M)]
    expected = list(range(1, ITEMS + 1))
    assert [stt for stt, _ in rows] == expected
    assert [n for _, n in rows] == expected
    # Page numbers at the top centre from page 2 on (Nghị định 30/2020, Phụ lục I).
    first_lines = [next(line.strip() for line in text.splitlines() if line.strip())
                   for text in pages]
    assert first_lines[1:4] == ["2", "3", "4"], first_lines[:4]
    assert first_lines[0] != "1"


def test_pdf_first_page_renders_to_a_landscape_picture(plan_pdf, tmp_path):
    """The PDF's first page renders to a landscape picture of A4 size with content."""
    png = render_pdf_page_png(plan_pdf, tmp_path / "page1.png", page=1, dpi=60)
    width, height = png_size(png)
    assert abs(width - 702) <= 3 and abs(height - 496) <= 3, (width, height)
    assert png.stat().st_size > 5_000


def test_without_chromium_the_pdf_link_explains_what_to_do(app, client, auth, make_user, seed_plan):
    """Without Chromium the PDF download is a 503 that says "chưa cài Chromium"."""
    app.config["CHROMIUM_PATH"] = "/nonexistent/chromium"
    auth.login(make_user("manager", "Sở Công Thương"))
    response = client.get(f"/plans/{seed_plan.id}/appendix.pdf")
    assert response.status_code == 503
    assert "chưa cài Chromium" in response.get_data(as_text=True)


def grouped_pdf(app, tmp_path, first_group: int) -> list[str]:
    """The text of each page of a list grouped by lead agency: `first_group` one-line items
    of "Sở A", then two of "Sở B"."""
    items = [ItemSnapshot(title=f"Đề án thử {n + 1}", lead_agency=lead, coordination="",
                          original_due_period="Quý IV/2020", due_period="Quý IV/2020",
                          due_date=None, approving_level="UBND tỉnh", status="not_started")
             for lead, count in (("Sở A", first_group), ("Sở B", 2)) for n in range(count)]
    table = build_table("Danh mục thử", "", items, with_status=False, today=date(2020, 10, 1),
                        grouping=Grouping.LEAD)
    with app.test_request_context():
        path = tmp_path / f"grouped-{first_group}.pdf"
        path.write_bytes(render_file(table, "pdf"))
    return pdf_pages_text(path)


BODY_LINE = re.compile(r"^\s*(?:\d+\s+Đề án thử \d+|Cộng: \d+ đề án|SỞ [AB]|Tổng cộng)", re.M)


def test_a_group_count_line_never_opens_a_page_alone(pdf_app, tmp_path):
    """A group that just fills the first page: its count line ("Cộng: n đề án") would be the
    first line of the next page, apart from its group; it goes over with the group's last row
    instead (print.css: break-before: avoid)."""
    calibration = grouped_pdf(pdf_app, tmp_path, 40)
    fitting = len(re.findall(r"Đề án thử \d+", calibration[0]))
    assert 10 < fitting < 40, calibration[0]
    pages = grouped_pdf(pdf_app, tmp_path, fitting)   # its count line no longer fits on page 1
    assert len(pages) == 2, pages
    body = [[" ".join(match.group(0).split()) for match in BODY_LINE.finditer(page)]
            for page in pages]
    assert body[1][:2] == [f"{fitting} Đề án thử {fitting}", f"Cộng: {fitting} đề án"], body[1][:3]
    assert body[0][-1] == f"{fitting - 1} Đề án thử {fitting - 1}", body[0][-3:]
