"""Real-browser tests of the appendix in and out: importing a list from a Word file and
from a CSV through the pages (upload → preview → save or cancel), and the downloads of
the consolidated list and of a plan (Word, Excel, CSV, PDF) and its print view.

Headless Chromium drives the app served over HTTP with CSRF on and the demo data, as in
tests/test_browser.py (fixtures in tests/browser_fixtures.py). SQLite only. Every test ends with no
console error, uncaught exception or Content-Security-Policy violation on any page.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import docx
import openpyxl
import pytest
import sqlalchemy as sa
from browser_fixtures import MANAGER, build_app, dispose
from browser_support import login, open_as, serve

from tracker.extensions import db
from tracker.models import ImportDraft, Item, Plan

ADMIN = ("admin@demo.local", "quantri-demo-2020")   # Văn phòng UBND tỉnh: sees every plan
DOWNLOAD_TIMEOUT_MS = 60_000                          # the PDF is printed by a server-side Chromium

FILE_TITLE = "DANH MỤC ĐỀ ÁN TRÌNH UBND TỈNH NĂM 2021"
FILE_ATTACHED = "(Kèm theo Báo cáo số 9/BC-SCT ngày 2/1/2021 của Sở Công Thương)"
HEADER = ("STT", "Tên đề án", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian trình",
          "Cấp trình")
UNKNOWN_AGENCY = "Ban Quản lý Khu kinh tế tỉnh"
# (title, lead agency as written in the file, coordination); all "Quý I/2021", "UBND tỉnh".
FILE_ITEMS = (
    ("Đề án phát triển thương mại điện tử tỉnh giai đoạn 2021-2025", "Sở CT",
     "Sở Thông tin và Truyền thông"),
    ("Kế hoạch xúc tiến thương mại năm 2021", "", "Các Sở, ban ngành"),
    ("Quy chế quản lý chợ trên địa bàn tỉnh", "", "UBND các huyện, thị xã, thành phố"),
    ("Đề án thu hút đầu tư vào Khu kinh tế Định An", UNKNOWN_AGENCY, "Sở Kế hoạch và Đầu tư"),
)
SEED_TITLES = (
    "Xây dựng và trình UBND tỉnh dự thảo sửa đổi Quyết định ban hành Quy chế phối hợp quản lý "
    "cụm công nghiệp trên địa bàn tỉnh",
    "Dự thảo công văn thay thế Công văn số 245/UBND-CNXD ngày 22/01/2018 của Chủ tịch Ủy ban "
    "nhân dân tỉnh về việc tăng cường tiết kiệm điện trên địa bàn tỉnh Trà Vinh",
    "Chương trình Khuyến công địa phương giai đoạn 2021-2025 trên địa bàn tỉnh Trà Vinh",
    "Đề án của Sở Tài chính",   # added by build_app
)


@pytest.fixture
def live(tmp_path):
    """(app, base URL): the demo app with CSRF on, served over HTTP; the app for DB checks."""
    app = build_app(tmp_path / "appendix.sqlite")
    with serve(app) as url:
        yield app, url
    dispose(app)


def db_counts(app) -> tuple[int, int, int]:
    """(plans, items, import drafts) in the database."""
    with app.app_context():
        try:
            return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                         for model in (Plan, Item, ImportDraft))
        finally:
            db.session.remove()


def plans_listed(page, url: str) -> list[str]:
    """The titles of the lists shown on /plans/."""
    page.goto(f"{url}/plans/")
    return [t.strip() for t in page.locator("main table.grid tbody tr td:first-child")
            .all_inner_texts()]


def word_file(path: Path) -> Path:
    """The list as a Word user lays it out: a title paragraph, the "(Kèm theo …)" line, then
    a table with a quarter heading row merged across the columns, a lead agency cell merged
    down over three items, and a fourth item led by an agency the tracker does not know."""
    document = docx.Document()
    document.add_paragraph(FILE_TITLE)
    document.add_paragraph(FILE_ATTACHED)
    table = document.add_table(rows=1, cols=len(HEADER))
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = text
    heading = table.add_row()
    heading.cells[0].text = "QUÝ I/2021"
    heading.cells[0].merge(heading.cells[-1])
    first_item_row = len(table.rows)
    for number, (title, lead, coordination) in enumerate(FILE_ITEMS, 1):
        row = table.add_row()
        for cell, text in zip(row.cells, (str(number), title, lead, coordination,
                                          "Quý I/2021", "UBND tỉnh"), strict=True):
            if text:   # the merged-over cells stay untouched, as in Word
                cell.text = text
    table.cell(first_item_row, 2).merge(table.cell(first_item_row + 2, 2))
    assert [table.cell(first_item_row + i, 2).text for i in range(3)] == ["Sở CT"] * 3
    document.save(path)
    return path


def test_manager_imports_a_word_list_through_the_pages(context, problems, live, tmp_path):
    """The manager uploads a Word file with no title typed: the preview shows every row,
    "Sở CT" (merged down over three rows) matched to Sở Công Thương by abbreviation, the
    unknown agency asked about; he has it created and saves: the new plan is titled from
    the file, lists the 4 items in order with their lead agencies, and its print view
    carries the file's "(Kèm theo …)" line."""
    app, url = live
    upload = word_file(tmp_path / "danh-muc-2021.docx")
    plans_before, items_before, _ = db_counts(app)
    page = context.new_page()
    login(page, url, *MANAGER)

    page.goto(f"{url}/plans/")
    with page.expect_navigation():
        page.get_by_role("link", name="Nhập danh mục từ tệp").click()
    assert page.url.endswith("/plans/import"), page.url
    assert page.locator("textarea[name=title]").input_value() == ""
    page.set_input_files("#upload", str(upload))
    with page.expect_navigation():
        page.get_by_role("button", name="Xem trước").click()

    assert re.search(r"/imports/\d+$", page.url), (
        page.url, page.locator("main").inner_text()[:2000])
    preview = page.locator("table.import-preview")
    for title, _lead, _coordination in FILE_ITEMS:
        assert preview.get_by_text(title, exact=True).is_visible(), title
    rows = preview.locator("tbody tr:not(.group-heading)")
    assert rows.count() == len(FILE_ITEMS)
    assert preview.locator("tr.group-heading").inner_text().strip() == "QUÝ I/2021"
    lead_cells = [rows.nth(i).locator("td").nth(3) for i in range(len(FILE_ITEMS))]
    for cell in lead_cells[:3]:
        assert cell.inner_text().split("\n") == ["Sở CT", "→ Sở Công Thương"], cell.inner_text()
        assert cell.locator("small").inner_text() == "→ Sở Công Thương"
        assert cell.locator("small").is_visible()
    assert UNKNOWN_AGENCY in lead_cells[3].inner_text()

    choices = page.locator("fieldset.agency-choices")
    assert choices.locator("legend").inner_text().strip() == "Cơ quan chưa có trong hệ thống"
    assert choices.locator("label").all_inner_texts() == [UNKNOWN_AGENCY]
    save = page.get_by_role("button", name="Lưu tất cả các dòng")
    assert save.is_visible() and save.is_enabled()
    assert page.locator(".flash-danger").count() == 0, page.locator(".flash-danger").all_inner_texts()

    select = choices.get_by_label(UNKNOWN_AGENCY)
    select.select_option("new")
    assert select.input_value() == "new"
    assert select.locator("option:checked").inner_text().startswith("Tạo cơ quan mới")
    with page.expect_navigation():
        save.click()

    assert re.search(r"/plans/\d+$", page.url), (page.url, page.locator("main").inner_text()[:2000])
    assert page.locator("main h1").inner_text().strip() == FILE_TITLE
    assert page.locator(".flash-success").count() == 1
    table_rows = page.locator("table.grid.items tbody tr")
    assert table_rows.count() == len(FILE_ITEMS)
    shown = [(r.locator("td").nth(0).inner_text().strip(), r.locator("td").nth(1).inner_text().strip(),
              r.locator("td").nth(2).inner_text().strip()) for r in table_rows.all()]
    assert shown == [
        ("1", FILE_ITEMS[0][0], "Sở Công Thương"),
        ("2", FILE_ITEMS[1][0], "Sở Công Thương"),
        ("3", FILE_ITEMS[2][0], "Sở Công Thương"),
        ("4", FILE_ITEMS[3][0], UNKNOWN_AGENCY),
    ]
    assert db_counts(app)[:2] == (plans_before + 1, items_before + len(FILE_ITEMS))

    with page.expect_navigation():
        page.get_by_role("link", name="In phụ lục", exact=True).click()
    assert re.search(r"/plans/\d+/appendix$", page.url), page.url
    assert page.locator("h1.appendix-title").inner_text().strip() == FILE_TITLE.upper()
    assert page.locator("p.attached").inner_text().strip() == FILE_ATTACHED
    printed = [t.strip() for t in page.locator("table.appendix-table tbody tr:not(.group-heading)"
                                               " td:nth-child(2)").all_inner_texts()]
    assert printed == [title for title, _lead, _coordination in FILE_ITEMS]

    assert not problems.all(), "\n".join(problems.all())


def test_a_file_with_an_error_shows_it_and_saves_nothing(context, problems, live, tmp_path):
    """A CSV with one impossible period ("Quý V/2021"): the preview shows the Vietnamese
    error on that row and disables the save button; cancelling goes back to the plans
    list, and no plan, item or draft is left in the database."""
    app, url = live
    upload = tmp_path / "danh-muc-loi.csv"
    with upload.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerow(["1", "Đề án có thời gian trình sai", "Sở Công Thương", "Sở Tài chính",
                         "Quý V/2021", "UBND tỉnh"])
        writer.writerow(["2", "Đề án có thời gian trình đúng", "Sở Công Thương", "",
                         "Quý II/2021", "UBND tỉnh"])
    before = db_counts(app)
    page = context.new_page()
    login(page, url, *MANAGER)
    listed_before = plans_listed(page, url)

    page.get_by_role("link", name="Nhập danh mục từ tệp").click()
    page.wait_for_url(re.compile(r"/plans/import$"))
    page.locator("textarea[name=title]").fill("Danh mục thử tệp có lỗi")
    page.set_input_files("#upload", str(upload))
    with page.expect_navigation():
        page.get_by_role("button", name="Xem trước").click()

    assert re.search(r"/imports/\d+$", page.url), (
        page.url, page.locator("main").inner_text()[:2000])
    bad_row = page.locator("table.import-preview tbody tr.has-error")
    assert bad_row.count() == 1
    assert "Đề án có thời gian trình sai" in bad_row.inner_text()
    error = bad_row.locator("p.error")
    assert "Quý phải từ I đến IV" in error.inner_text(), error.all_inner_texts()
    assert error.is_visible()
    assert page.locator(".flash-danger").count() >= 1
    save = page.get_by_role("button", name="Lưu tất cả các dòng")
    assert save.is_visible() and save.is_disabled()
    assert db_counts(app) == (before[0], before[1], before[2] + 1)  # only the draft

    with page.expect_navigation():
        page.get_by_role("button", name="Huỷ việc nhập").click()
    assert page.url.rstrip("/").endswith("/plans"), page.url
    assert page.locator("main h1").inner_text().strip() == "Danh mục"
    assert plans_listed(page, url) == listed_before
    assert "Danh mục thử tệp có lỗi" not in listed_before
    assert db_counts(app) == before   # no plan, no item, and the draft is gone

    assert not problems.all(), "\n".join(problems.all())


def download(page, button, folder: Path, name: str) -> Path:
    """Click a download button; save what the browser received under `folder/name`."""
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        button.click()
    got = info.value
    assert got.failure() is None, got.failure()
    path = folder / name
    got.save_as(path)
    return path


def test_downloads_from_the_consolidated_page_and_the_plan_page(context, problems, live,
                                                                  tmp_path):
    """As the admin, on /consolidated grouped by quarter with progress columns: Word (first
    table's header row, a merged "QUÝ III/2020" heading row), Excel (frozen header, seed
    titles), CSV (BOM, seed titles) and the print view (group headings and "Tổng cộng");
    on the seed plan page, the PDF from the <details> downloads panel."""
    _app, url = live
    page = open_as(context, url, ADMIN, "/consolidated")
    options = page.locator("form.appendix-options")
    options.locator("select[name=group]").select_option(label="Theo quý")
    options.locator("input[name=progress]").check()
    headers = [*HEADER, "Tình hình thực hiện", "Ghi chú"]

    word = download(page, options.get_by_role("button", name="Word", exact=True), tmp_path,
                    "tong-hop.docx")
    document = docx.Document(str(word))
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == headers
    heading_rows = [row for row in table.rows if row.cells[0].text == "QUÝ III/2020"]
    assert len(heading_rows) == 1
    assert len({id(c._tc) for c in heading_rows[0].cells}) == 1, "heading row not merged"
    word_titles = [row.cells[1].text for row in table.rows]
    assert all(title in word_titles for title in SEED_TITLES), word_titles

    excel = download(page, options.get_by_role("button", name="Excel", exact=True), tmp_path,
                     "tong-hop.xlsx")
    sheet = openpyxl.load_workbook(excel).worksheets[0]
    assert sheet.freeze_panes, "the header row should be frozen"
    values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert headers in [row[:len(headers)] for row in values]
    excel_titles = {row[1] for row in values if len(row) > 1}
    assert set(SEED_TITLES) <= excel_titles, excel_titles
    assert any(row[0] == "QUÝ III/2020" for row in values)

    comma = download(page, options.get_by_role("button", name="CSV", exact=True), tmp_path,
                     "tong-hop.csv")
    raw = comma.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:20]
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[0] == headers
    csv_titles = {line[1] for line in lines if len(line) > 1}
    assert set(SEED_TITLES) <= csv_titles, lines

    assert page.url == f"{url}/consolidated", "a download should not leave the page"
    with page.expect_navigation():
        options.get_by_role("button", name="Xem bản in").click()
    assert "/consolidated/appendix?" in page.url and "group=quarter" in page.url, page.url
    assert "progress=y" in page.url, page.url
    printed_headers = [h.strip() for h in page.locator("table.appendix-table thead th")
                       .all_inner_texts()]
    assert printed_headers == headers
    assert [h.strip() for h in page.locator("tr.group-heading").all_inner_texts()] == [
        "QUÝ III/2020", "QUÝ IV/2020"]
    assert page.locator("tr.table-total").inner_text().strip() == \
        f"Tổng cộng: {len(SEED_TITLES)} đề án"
    assert page.locator("tr.group-count").count() == 2

    page.goto(f"{url}/plans/1")
    panel = page.locator("details.downloads")
    summary = panel.locator("summary")
    assert summary.inner_text().strip() == "Phụ lục các đề án này: in hoặc tải về"
    pdf_button = panel.get_by_role("button", name="PDF", exact=True)
    assert not pdf_button.is_visible(), "the panel should start closed"
    summary.click()
    assert panel.get_attribute("open") is not None
    pdf = download(page, pdf_button, tmp_path, "phu-luc-1.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-"), pdf.read_bytes()[:200]

    assert not problems.all(), "\n".join(problems.all())


def test_a_table_pasted_from_word_keeps_its_merged_cells(context, problems, live):
    """In Chromium, a paste whose clipboard holds Word's HTML: the page keeps that HTML
    beside the text, and the coordination cell Word merged over two items reaches both."""
    from test_paste_html import WORD_HTML

    from tracker.appendix.readers import read_pasted_html

    app, url = live
    plain = "\n".join("\t".join(row) for row in read_pasted_html(WORD_HTML).rows)
    page = open_as(context, url, MANAGER, "/plans/import")
    page.locator("textarea[name=title]").fill("Danh mục dán từ Word")
    page.locator("textarea[name=pasted]").evaluate(
        """(area, [html, text]) => {
            const data = new DataTransfer();
            data.setData("text/html", html);
            data.setData("text/plain", text);
            area.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
                                                             cancelable: true}));
            area.value = text;   // a synthetic paste inserts nothing by itself
        }""", [WORD_HTML, plain])
    assert page.locator("input[name=pasted_html]").input_value() == WORD_HTML
    with page.expect_navigation():
        page.get_by_role("button", name="Xem trước").click()
    assert re.search(r"/imports/\d+$", page.url), page.locator("main").inner_text()[:2000]
    for select in page.locator("fieldset.agency-choices select").all():
        select.select_option("new")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu tất cả các dòng").click()
    plan_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        try:
            items = db.session.scalars(sa.select(Item).where(Item.plan_id == plan_id)
                                       .order_by(Item.position)).all()
            assert [item.coordination for item in items[1:]] == ["Các sở, ngành liên quan"] * 2
            assert items[0].sub_rows == [{"lead_agency": "Ủy ban nhân dân các tỉnh",
                                          "coordination": "Đài địa phương"}]
        finally:
            db.session.remove()
    page.goto(f"{url}/plans/{plan_id}/appendix")
    merged = page.locator("table.appendix-table tbody td[rowspan='2']")
    assert merged.all_inner_texts() == ["1", "Đề án thứ nhất", "2030", "Các sở, ngành liên quan"]
