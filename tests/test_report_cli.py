"""`flask report scorecard`: the command-line contract of issue 13, on the hand-computed
fixture: the CSV's exact header and rows, XLSX and DOCX, and bad arguments refused."""
from __future__ import annotations

import pytest
from docx import Document
from openpyxl import load_workbook
from scorecard_fixture import EXPECTED, EXPECTED_TOTAL, load_into_database

HEADER = ("Cơ quan chủ trì,Tổng số,Hoàn thành đúng hạn,Hoàn thành quá hạn,"
          "Chưa hoàn thành trong hạn,Quá hạn chưa hoàn thành,Không có thời hạn,"
          "Tỷ lệ đúng hạn (%)")
ARGS = ["report", "scorecard", "--from", "15/12/2025", "--as-of", "10/3/2026"]


def expected_line(agency, figures) -> str:
    on_time, late, in_time, overdue, none, _withdrawn, total, rate = figures
    rate = "" if rate == "—" else rate.replace(",", ".")
    return f"{agency},{total},{on_time},{late},{in_time},{overdue},{none},{rate}"


def test_csv_contract(app, runner, tmp_path):
    """Header exactly as the issue writes it, one line per lead agency, then Tổng cộng; the
    counts are the hand-computed ones (Quý I/2026 as of 10/3/2026, as --from/--as-of)."""
    load_into_database()
    out = tmp_path / "ket-qua.csv"
    result = runner.invoke(args=[*ARGS, "-o", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == HEADER
    # Quý I's period ends 14/3; --as-of 10/3 ends it on 10/3: the items due 11-13/3 are out.
    assert lines[-1] == ""
    body = lines[1:-1]
    assert body[-1].startswith("Tổng cộng,")
    assert len(body) == len(EXPECTED) + 1


def test_csv_matches_the_hand_counts_with_the_period_end(app, runner, tmp_path):
    """Without --from, every item at --as-of: the fixture has nothing due after the quarter
    but its "Quý I/2026" and "Quý II/2026" items, counted in time."""
    load_into_database()
    out = tmp_path / "all.csv"
    assert runner.invoke(args=["report", "scorecard", "--as-of", "10/3/2026", "-o",
                               str(out)]).exit_code == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == HEADER and lines[-1].startswith("Tổng cộng,")


def test_csv_of_a_range_gives_the_hand_counts(app, runner, tmp_path):
    """15/12/2025 – 10/3/2026 of plan 1 (the fixture's): its counts by hand."""
    load_into_database()
    out = tmp_path / "q.csv"
    result = runner.invoke(args=["report", "scorecard", "--from", "15/12/2025", "--as-of",
                                 "10/3/2026", "--plan", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    rows = {line.split(",")[0]: line for line in lines[1:]}
    # Items due 11–13/3 (in time on 10/3) fall outside a range ending on 10/3.
    sct = EXPECTED["Sở Công Thương"]
    assert rows["Sở Công Thương"] == expected_line(
        "Sở Công Thương", (sct[0], sct[1], 0, sct[3], sct[4], 0, sct[6] - 1, sct[7]))
    assert rows["Sở Y tế"] == expected_line("Sở Y tế", EXPECTED["Sở Y tế"])
    assert rows["Sở Tài chính"] == expected_line("Sở Tài chính", EXPECTED["Sở Tài chính"])
    # By hand: the six items due 11–13/3 are out (five in time, and Sở Nội vụ's item due
    # 12/3 finished early on 9/3): 34 - 6 = 28, on time 12 - 1 = 11, rate 11/24 = 45,8 %.
    assert rows["Tổng cộng"] == "Tổng cộng,28,11,6,0,7,4,45.8"
    assert EXPECTED_TOTAL[6] == 34
    assert rows["Sở Nội vụ"] == "Sở Nội vụ,4,1,1,0,0,2,50.0"


def test_xlsx_and_docx(app, runner, tmp_path):
    """The scorecard command also writes XLSX and DOCX with the same rows and the total."""
    load_into_database()
    xlsx, docx = tmp_path / "k.xlsx", tmp_path / "k.docx"
    assert runner.invoke(args=[*ARGS, "-o", str(xlsx)]).exit_code == 0
    assert runner.invoke(args=[*ARGS, "-o", str(docx)]).exit_code == 0
    values = [row for row in load_workbook(xlsx).active.iter_rows(values_only=True)]
    assert any(row[1] == "Tổng cộng" for row in values if len(row) > 1)
    assert any(row[1] == "Sở Y tế" and row[2] == 6 for row in values if len(row) > 2)
    document = Document(str(docx))
    table = document.tables[0]
    assert table.rows[0].cells[1].text == "Cơ quan chủ trì"
    assert table.rows[-1].cells[1].text == "Tổng cộng"
    assert document.sections[0].page_width > document.sections[0].page_height   # landscape


@pytest.mark.parametrize("args,message", [
    (["--as-of", "31/2/2026", "-o", "{dir}/a.csv"], "tháng 2 năm 2026 chỉ có 28 ngày"),
    (["--as-of", "hôm qua", "-o", "{dir}/a.csv"], "ngày/tháng/năm"),
    (["--as-of", "10/3/2026", "-o", "{dir}/a.pdf"], "đuôi .csv, .xlsx, .docx"),
    (["--as-of", "10/3/2026", "-o", "{dir}/missing/a.csv"], "không tồn tại"),
    (["--as-of", "10/3/2026", "--plan", "999", "-o", "{dir}/a.csv"], "Không có danh mục số 999"),
    (["--as-of", "10/3/2026", "--from", "11/3/2026", "-o", "{dir}/a.csv"], "phải trước"),
])
def test_bad_arguments(app, runner, tmp_path, args, message):
    """A clear Vietnamese message, a non-zero exit, and no file written."""
    load_into_database()
    args = [arg.format(dir=tmp_path) for arg in args]
    result = runner.invoke(args=["report", "scorecard", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert list(tmp_path.rglob("a.*")) == []
