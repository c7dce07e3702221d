"""import-appendix / export-appendix and seed-demo, through the real CLI."""
from pathlib import Path

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, Plan

SEED = Path(__file__).resolve().parent.parent / "tracker" / "demo" / "appendix-351-BC-SCT-2020.tsv"
SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "appendix-351-BC-SCT-2020.tsv"


def seed_cells() -> list[list[str]]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines[1:] if line.strip()]


def test_shipped_seed_is_the_shared_seed():
    """The demo copy must not drift from ../shared/seed (when that folder is beside the clone)."""
    if SHARED_SEED.exists():
        assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_import_seed_creates_plan_with_three_items(runner, app):
    result = runner.invoke(args=[
        "import-appendix", str(SEED), "--title", "Danh mục 6 tháng cuối năm 2020",
        "--owner", "  sở công  thương ", "--attached-to", "Báo cáo số 351/BC-SCT ngày 29/5/2020",
    ])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "plan 1: 3 items"
    items = db.session.scalars(sa.select(Item).order_by(Item.position)).all()
    assert [p.position for p in items] == [1, 2, 3]
    assert [p.due_period for p in items] == ["Quý III/2020", "Quý IV/2020", "Quý III/2020"]
    assert str(items[0].due_date) == "2020-09-30"
    # The owner written in another case and spacing is the same agency as the lead.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agency)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == 3


def test_printed_appendix_reproduces_every_cell_of_the_seed(runner, app, tmp_path):
    """Import the seed, export the appendix, and read back the exact table."""
    assert runner.invoke(args=["import-appendix", str(SEED), "--title", "Danh mục",
                               "--owner", "Sở Công Thương"]).exit_code == 0
    out = tmp_path / "appendix.html"
    result = runner.invoke(args=["export-appendix", "1", "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    from html.parser import HTMLParser

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th"):
                self.rows[-1].append(self.cell)
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Cells()
    parser.feed(out.read_text(encoding="utf-8"))
    expected = [line.split("\t") for line in SEED.read_text(encoding="utf-8").splitlines()]
    assert parser.rows == expected
    html = out.read_text(encoding="utf-8")
    assert "(Kèm theo" not in html  # no --attached-to given, no empty line printed
    assert "@page" in html  # stand-alone file carries its print style


def test_bad_rows_are_all_reported_and_nothing_is_written(runner, app, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text(
        "STT\tTên đề án\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian trình\tCấp trình\n"
        "1\tĐề án tốt\tSở Công Thương\tCác Sở\tQuý III/2020\tUBND tỉnh\n"
        "2\tĐề án quý sai\tSở Công Thương\t\tQuý V/2020\tUBND tỉnh\n"
        "3\t\tSở Tài chính\t\tQuý IV/2020\tUBND tỉnh\n"
        "x\tNgày sai\tSở Nội vụ\t\t31/11/2020\tUBND tỉnh\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-appendix", str(bad), "--title", "T", "--owner", "Sở X"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any("dòng 3" in line and "Thời gian trình" in line and "Quý V/2020" in line for line in lines)
    assert any("dòng 4" in line and "Tên đề án" in line for line in lines)
    # "x" in the STT column is kept as published (lists number rows "1.1", "a)", "I" …).
    assert any("dòng 5" in line and "31/11/2020" in line for line in lines)
    for model in (Plan, Item, Agency, JournalEntry):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


def test_missing_columns_and_legacy_encoding_are_refused(runner, app, tmp_path):
    wrong = tmp_path / "wrong.tsv"
    wrong.write_text("A\tB\n1\t2\n", encoding="utf-8")
    result = runner.invoke(args=["import-appendix", str(wrong), "--title", "T", "--owner", "X"])
    assert result.exit_code == 1 and "Thiếu cột" in result.output
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes(b"STT,T\xean \xf0\xea\xcc \xe1n\n")  # "Tên đề án" in Windows-1258
    result = runner.invoke(args=["import-appendix", str(legacy), "--title", "T", "--owner", "X"])
    assert result.exit_code != 0 and "UTF-8" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 0


def test_csv_with_quoted_line_breaks(runner, app, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text(
        "\ufeffSTT,Tên đề án,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian trình,Cấp trình\n"
        '1,"Đề án hai dòng\nphần sau",Sở Tư pháp,"Sở Nội vụ, Sở Tài chính",Thường xuyên,HĐND tỉnh\n',
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-appendix", str(path), "--title", "T", "--owner", "Sở Tư pháp"])
    assert result.exit_code == 0, result.output
    item = db.session.scalar(sa.select(Item))
    assert item.title == "Đề án hai dòng\nphần sau"
    assert item.due_period == "Thường xuyên" and item.due_date is None


def test_seed_demo_is_idempotent(runner, app):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and "loaded" in first.output
    assert "chuyenvien@demo.local" in first.output and "chuyenvien-demo-2020" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "already there" in second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 3
    assert runner.invoke(args=["seed-demo", "--if-empty"]).output.startswith("database not empty")


def test_import_appendix_reads_docx_and_xlsx(runner, app, tmp_path):
    """The command reads the same files as the web import: a Word table, an Excel sheet."""
    import docx
    import openpyxl

    rows = [line.split("\t") for line in SEED.read_text(encoding="utf-8").splitlines() if line]
    document = docx.Document()
    document.add_paragraph("DANH MỤC ĐỀ ÁN")
    table = document.add_table(rows=0, cols=len(rows[0]))
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    document.save(tmp_path / "phu-luc.docx")
    workbook = openpyxl.Workbook()
    workbook.active.append(["DANH MỤC ĐỀ ÁN"])
    for row in rows:
        workbook.active.append(row)
    workbook.save(tmp_path / "phu-luc.xlsx")
    for number, name in enumerate(("phu-luc.docx", "phu-luc.xlsx"), start=1):
        result = runner.invoke(args=["import-appendix", str(tmp_path / name), "--title", name,
                                     "--owner", "Sở Công Thương"])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[-1] == f"plan {number}: 3 items"
        titles = db.session.scalars(sa.select(Item.title).where(Item.plan_id == number)
                                    .order_by(Item.position)).all()
        assert titles == [row[1] for row in rows[1:]]
