"""The DOCX and XLSX downloads as an office suite prints them: LibreOffice (headless)
converts each to PDF, read back with poppler. Checks what reading the XML cannot: the
header row repeated on every printed page, page numbers from page 2, A4 landscape, the
"Phụ lục" line and title on page 1, every row once and in order.

Needs Debian's `libreoffice-writer-nogui` and `libreoffice-calc-nogui` (`.ci/run` installs
them); without `soffice` these tests are skipped, unless TRACKER_REQUIRE_OFFICE=1 (CI),
where that is a failure.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from browser_support import A4_LANDSCAPE_PTS, pdf_page_sizes, pdf_pages_text, poppler_tool

from tracker.appendix.export_docx import appendix_docx
from tracker.appendix.export_xlsx import appendix_xlsx
from tracker.appendix.table import ItemSnapshot, build_table

ITEMS = 120
PERIODS = ("Quý III/2020", "Quý IV/2020", "Tháng 9/2020", "6 tháng cuối năm 2020", "Thường xuyên")


def soffice() -> str:
    found = shutil.which("soffice")
    if not found:
        reason = "LibreOffice (soffice) not found (install libreoffice-writer-nogui)"
        if os.environ.get("TRACKER_REQUIRE_OFFICE") == "1":
            pytest.fail(f"TRACKER_REQUIRE_OFFICE=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return found


def table():
    items = [ItemSnapshot(
        title=f"Đề án số {n} về phát triển công nghiệp hỗ trợ trên địa bàn tỉnh",
        lead_agency=("Sở Công Thương", "Sở Tài chính", "Sở Nội vụ")[n % 3],
        coordination="Các Sở, ban ngành, địa phương;\nUBND các huyện, thị xã, thành phố",
        original_due_period=PERIODS[n % len(PERIODS)], due_period=PERIODS[n % len(PERIODS)],
        due_date=date(2020, 9, 30), approving_level="UBND tỉnh", status="in_progress",
    ) for n in range(1, ITEMS + 1)]
    return build_table("Danh mục đề án trình UBND tỉnh năm 2020",
                       "Báo cáo số 12/BC-SCT ngày 30/5/2020 của Sở Công Thương", items,
                       with_status=True, today=date(2020, 10, 1), label="Phụ lục II")


@pytest.fixture(scope="module", params=["docx", "xlsx"])
def printed(request, tmp_path_factory) -> Path:
    """The download converted to PDF by LibreOffice, as printing it from the office suite."""
    office = soffice()
    for tool in ("pdfinfo", "pdftotext"):
        poppler_tool(tool)
    folder = tmp_path_factory.mktemp(f"office-{request.param}")
    render = appendix_docx if request.param == "docx" else appendix_xlsx
    source = folder / f"phu-luc.{request.param}"
    source.write_bytes(render(table()))
    subprocess.run([office, f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=240)
    return folder / "phu-luc.pdf"


def test_printed_from_the_office_suite_like_the_official_form(printed):
    """The Word file printed by the office suite is A4 landscape, with label and title first,
    page numbers from page 2, the header on every page, all rows in order."""
    sizes = pdf_page_sizes(printed)
    assert len(sizes) >= 3, f"{ITEMS} rows take several pages, got {len(sizes)}"
    width, height = A4_LANDSCAPE_PTS
    assert all(abs(w - width) <= 2 and abs(h - height) <= 2 for w, h in sizes), sizes[:3]
    pages = pdf_pages_text(printed)
    first_lines = [[line.strip() for line in text.splitlines() if line.strip()] for text in pages]
    assert first_lines[0][:2] == ["PHỤ LỤC II", "DANH MỤC ĐỀ ÁN TRÌNH UBND TỈNH NĂM 2020"]
    assert first_lines[0][2].startswith("(Kèm theo Báo cáo số 12/BC-SCT")
    for number, lines in enumerate(first_lines[1:], start=2):
        assert lines[0] == str(number), f"page {number} starts with {lines[0]!r}"
    for number, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert "Tên đề án" in flat and "Tình hình thực hiện" in flat, f"no header on page {number}"
    numbers = [int(n) for n in re.findall(r"Đề án số (\d+) về", "\n".join(pages))]
    assert numbers == list(range(1, ITEMS + 1))
