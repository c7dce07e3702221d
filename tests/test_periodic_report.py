"""The periodic report ("Báo cáo tình hình thực hiện"): the same numbers as the page (the
snapshot once frozen), the overdue, postponed and withdrawn items, DOCX and PDF."""
from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest
from docx import Document
from scorecard_fixture import load_into_database
from test_scorecard_snapshots import submit_late
from test_scorecard_web import table_figures

from tracker.appendix.pdf import find_chromium
from tracker.scorecard.jobs import run_freeze

PAGE = "/scorecard?kind=quarter&year=2026&quarter=1"


def docx_figures(path) -> tuple[dict, tuple]:
    """The report's scorecard table as the page's figures (on time … rate)."""
    table = Document(str(path)).tables[0]
    rows = {}
    for row in table.rows[1:]:
        cells = [cell.text for cell in row.cells]
        values = [cells[i] for i in (3, 4, 5, 6, 7, 8, 2, 9)]
        rows[cells[1]] = tuple(int(v) for v in values[:7]) + (values[7],)
    total = rows.pop("Tổng cộng")
    return rows, total


def report_text(path) -> str:
    document = Document(str(path))
    return "\n".join([p.text for p in document.paragraphs] + [
        cell.text for table in document.tables for row in table.rows for cell in row.cells])


def test_report_has_the_pages_numbers_and_lists(app, client, auth, make_user, runner,
                                                tmp_path):
    """The periodic report prints the page's numbers and its overdue, postponed and withdrawn lists."""
    ids = load_into_database()
    auth.login(make_user("admin", "Văn phòng UBND tỉnh"))
    page = table_figures(client.get(PAGE).get_data(as_text=True))
    out = tmp_path / "bao-cao.docx"
    result = runner.invoke(args=["report", "periodic", "--quarter", "I/2026", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert docx_figures(out) == page
    text = report_text(out)
    assert "BÁO CÁO TÌNH HÌNH THỰC HIỆN" in text
    assert "từ ngày 15/12/2025 đến ngày 14/3/2026" in text
    document = Document(str(out))
    overdue = {row.cells[1].text: row.cells[4].text for row in document.tables[1].rows[1:]}
    # Item 4 (Tháng 2/2026, due Monday 2/3) is 12 days overdue on 14/3/2026.
    assert overdue["Nhiệm vụ số 4 của Sở Công Thương"] == "12"
    postponed = {row.cells[1].text: row.cells[5].text for row in document.tables[2].rows[1:]}
    assert postponed["Nhiệm vụ số 12 của Sở Tài chính"] == \
        "Công văn số 1/UBND-TH ngày 1/12/2025"
    withdrawn = {row.cells[1].text: row.cells[4].text for row in document.tables[3].rows[1:]}
    assert withdrawn == {"Nhiệm vụ số 14 của Sở Tài chính": "Không còn phù hợp",
                         "Nhiệm vụ số 28 của Sở Tư pháp": "Không còn phù hợp",
                         "Nhiệm vụ số 41 của Sở Xây dựng": "Không còn phù hợp"}
    assert ids
    download = client.get(PAGE.replace("/scorecard?", "/scorecard/report.docx?"))
    assert download.status_code == 200
    (tmp_path / "web.docx").write_bytes(download.data)
    assert docx_figures(tmp_path / "web.docx") == page


def test_a_frozen_period_reports_its_snapshot(app, runner, tmp_path):
    """A frozen period's report keeps the snapshot's numbers after an item is edited."""
    ids = load_into_database()
    run_freeze(date(2026, 3, 15), datetime(2026, 3, 15, tzinfo=UTC))
    before = tmp_path / "before.docx"
    runner.invoke(args=["report", "periodic", "--quarter", "I/2026", "-o", str(before)])
    submit_late(ids[4], date(2026, 3, 13))
    after = tmp_path / "after.docx"
    result = runner.invoke(args=["report", "periodic", "--quarter", "I/2026", "-o", str(after)])
    assert "(số liệu đã chốt)" in result.output
    assert docx_figures(after) == docx_figures(before)
    assert "Số liệu đã chốt ngày" in report_text(after)


@pytest.mark.parametrize("args,message", [
    (["--month", "13/2026"], "viết theo dạng 3/2026"),
    (["--quarter", "V/2026"], "viết theo dạng I/2026"),
    (["--half", "3/2026"], "viết theo dạng 1/2026"),
    (["--year", "26"], "4 chữ số"),
    (["--month", "3/2026", "--year", "2026"], "Chọn đúng một kỳ"),
    ([], "Chọn đúng một kỳ"),
])
def test_bad_periods(app, runner, tmp_path, args, message):
    """A bad period or file type is refused with a Vietnamese message and no file is written."""
    out = tmp_path / "r.docx"
    result = runner.invoke(args=["report", "periodic", *args, "-o", str(out)])
    assert result.exit_code != 0 and message in result.output
    assert not out.exists()
    result = runner.invoke(args=["report", "periodic", "--year", "2026", "-o",
                                 str(tmp_path / "r.xlsx")])
    assert result.exit_code != 0 and "đuôi .docx, .pdf" in result.output


@pytest.mark.skipif(not find_chromium() or not shutil.which("pdftotext"),
                    reason="needs chromium and pdftotext")
def test_pdf(app, runner, tmp_path):
    """The periodic report as PDF carries its title and the total line."""
    load_into_database()
    out = tmp_path / "r.pdf"
    result = runner.invoke(args=["report", "periodic", "--quarter", "I/2026", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "BÁO CÁO TÌNH HÌNH THỰC HIỆN" in text and "Tổng cộng" in text
    assert "CÁC ĐỀ ÁN QUÁ HẠN CHƯA HOÀN THÀNH" in text
