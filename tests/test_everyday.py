"""Everyday use (issue 11): filters that start at "Tất cả", the empty list, the import
preview's summary, and the appendix out: the print view's Print button, the PDF button's busy
words, file names that say whether the progress columns are in, the consolidated list's own
title and subtitle, a group's count line kept with its group in Word. The browser side of the
same is tests/test_browser_everyday.py; every error of a form at once is tests/test_form_errors.py."""
from __future__ import annotations

import io
import re
from datetime import date

import docx
import openpyxl
import sqlalchemy as sa
from helpers import text

from tracker.appendix.documents import file_name
from tracker.appendix.export_docx import appendix_docx
from tracker.appendix.formats import DOWNLOADS, EXPORT_FORMATS
from tracker.appendix.table import Grouping, ItemSnapshot, build_table
from tracker.clock import today_in
from tracker.extensions import db
from tracker.models import Agency


def test_filter_selects_start_at_all(client, auth, make_user, seed_plan):
    """Every filter select of a plan page and of the consolidated list offers "Tất cả" (no value) first."""
    auth.login(make_user("admin", "Văn phòng UBND tỉnh"))
    for url, names in (("/plans/1", ("lead", "period", "status", "level")),
                       ("/consolidated", ("owner", "lead", "period", "status", "level"))):
        page = text(client.get(url))
        for name in names:
            select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
            first = re.match(r'\s*<option[^>]*value=""[^>]*>([^<]*)</option>', select)
            assert first and first.group(1) == "Tất cả", (url, name, select[:200])


def test_an_empty_list_says_so_and_offers_adding_and_importing(client, auth, manager):
    """A list with no item says "Chưa có đề án nào" and offers adding and importing, with no
    filters, table or print link; a list filtered down to nothing is not empty."""
    auth.login(manager)
    owner = db.session.scalar(sa.select(Agency.id).where(Agency.name == "Sở Công Thương"))
    response = client.post("/plans/new", data={"title": "Danh mục mới", "owner_agency_id": owner})
    plan_url = response.location
    page = text(client.get(plan_url))
    plan_id = int(plan_url.rstrip("/").rsplit("/", 1)[1])
    section = re.search(r'<section class="empty-state">(.*?)</section>', page, re.S).group(1)
    assert "<h2>Chưa có đề án nào</h2>" in section
    assert f'<a class="button" href="/plans/{plan_id}/items/new">Thêm đề án</a>' in section
    assert f'<a class="button" href="/plans/{plan_id}/import">Nhập từ tệp</a>' in section
    # No empty table under filters, no print of nothing.
    assert 'class="filters"' not in page and "table class=\"grid items\"" not in page
    assert f"/plans/{plan_id}/appendix" not in page
    # A list with items, even filtered down to none, is not "empty".
    page = text(client.get("/plans/1?status=approved"))
    assert "empty-state" not in page and "Không có đề án nào phù hợp." in page


def test_the_import_preview_counts_as_saved_only_what_will_be(client, auth, manager, seed_plan):
    """The import preview promises no saving while a row has an error, and counts the rows that
    will be saved when none has."""
    auth.login(manager)
    bad = ("Tên đề án\tCơ quan chủ trì\tThời gian trình\n"
           "Đề án tốt\tSở Công Thương\tQuý I/2021\n"
           "Đề án xấu\tSở Công Thương\tQuý V/2021\n"
           "Đề án tốt nữa\tSở Công Thương\tQuý II/2021\n")
    response = client.post(f"/plans/{seed_plan.id}/import", data={"pasted": bad},
                           content_type="multipart/form-data")
    summary = " ".join(re.search(r'<p class="summary">(.*?)</p>', text(client.get(response.location)),
                                 re.S).group(1).split())
    assert "sẽ được lưu" not in summary
    assert "Chưa lưu được dòng nào: 1 dòng có lỗi, 2 dòng không có lỗi · 1 lỗi" in summary
    good = bad.replace("Quý V/2021", "Quý III/2021")
    response = client.post(f"/plans/{seed_plan.id}/import", data={"pasted": good},
                           content_type="multipart/form-data")
    summary = " ".join(re.search(r'<p class="summary">(.*?)</p>', text(client.get(response.location)),
                                 re.S).group(1).split())
    assert summary.startswith("3 đề án sẽ được lưu · 0 lỗi")


# ------------------------------------------------------------ the appendix out


def test_the_print_view_has_a_print_button_and_the_file_has_none(client, auth, manager, runner,
                                                                  tmp_path):
    """The print view has a print button; the same page exported as a file has no button and no script."""
    auth.login(manager)
    page = text(client.get("/plans/1/appendix"))
    assert '<button type="button" class="print-button" hidden>In</button>' in page
    assert '<script src="/static/app.js" defer></script>' in page
    # The page as a file (the PDF's input): nothing to click, no script.
    out = tmp_path / "phu-luc.html"
    result = runner.invoke(args=["export-appendix", "1", "-o", str(out), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert 'class="print-button"' not in out.read_text(encoding="utf-8")
    assert "<script" not in out.read_text(encoding="utf-8")


def test_the_pdf_button_carries_its_busy_words(client, auth, manager):
    """The PDF button carries "Đang tạo PDF…" for while it works, beside a status line for screen readers."""
    auth.login(manager)
    page = text(client.get("/plans/1"))
    button = re.search(r'<button[^>]*formaction="/plans/1/appendix.pdf"[^>]*>PDF</button>', page,
                       re.S).group(0)
    assert 'data-busy-label="Đang tạo PDF…"' in button
    assert '<span class="download-status" role="status"></span>' in page


def test_the_download_buttons_and_routes_follow_the_one_list_of_formats(client, auth, manager):
    """Every download format of appendix/formats.py has its button, in order, on the plan page
    and the consolidated list, and its route answers with its media type and a file name
    with its extension; the HTML is the print view, not a download."""
    auth.login(manager)
    for page, prefix in ((text(client.get("/plans/1")), "/plans/1/appendix"),
                         (text(client.get("/consolidated")), "/consolidated/appendix")):
        buttons = re.findall(rf'formaction="{prefix}\.(\w+)"[^>]*>([^<]+)</button>', page)
        assert buttons == [(fmt.code, fmt.label) for fmt in DOWNLOADS]
    for fmt in DOWNLOADS:
        if fmt.slow:
            continue  # the PDF (Chromium): tests/test_pdf_export.py
        response = client.get(f"/plans/1/appendix.{fmt.code}")
        assert response.mimetype == fmt.media_type
        assert response.headers["Content-Disposition"].endswith(f'{fmt.extension}"')
    assert [fmt.code for fmt in EXPORT_FORMATS if fmt not in DOWNLOADS] == ["html"]
    assert client.get("/plans/1/appendix.html").status_code == 404
    assert client.get("/consolidated/appendix.odt").status_code == 404


def test_file_names_say_whether_the_progress_columns_are_in(client, auth, manager):
    """A download's file name ends in "-tien-do" when it has the progress columns; the
    consolidated one is dated."""
    auth.login(manager)

    def saved_as(url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, url
        return re.fullmatch(r'attachment; filename="([^"]+)"',
                            response.headers["Content-Disposition"]).group(1)

    plain, progress = saved_as("/plans/1/appendix.docx"), saved_as("/plans/1/appendix.docx?progress=y")
    assert plain.startswith("phu-luc-1-danh-muc-de-an") and not plain.endswith("-tien-do.docx")
    assert progress == plain.replace(".docx", "-tien-do.docx")
    # The tracker's day (Asia/Ho_Chi_Minh), not this machine's: from 17:00 UTC they differ.
    today = today_in(client.application.config["TRACKER_TIMEZONE"]).isoformat()
    assert saved_as("/consolidated/appendix.csv") == f"danh-muc-tong-hop-{today}.csv"
    assert saved_as("/consolidated/appendix.xlsx?progress=y") == \
        f"danh-muc-tong-hop-{today}-tien-do.xlsx"


def test_a_long_name_keeps_its_progress_suffix():
    """A long title is cut to 60 characters before the "-tien-do" suffix, which is kept; no
    title gives "phu-luc"."""
    name = file_name("Danh mục " * 20, "pdf", with_status=True)
    assert name.endswith("-tien-do.pdf") and name.startswith("danh-muc-danh-muc")
    assert len(name) <= 60 + len("-tien-do.pdf")
    assert file_name("", "csv", with_status=True) == "phu-luc-tien-do.csv"


def test_the_consolidated_list_prints_the_title_and_subtitle_typed(client, auth, make_user,
                                                                   seed_plan):
    """Typed on the consolidated page: the title and the line under it, in the print view,
    Word and Excel; left empty, the usual title and the tracker's own lines."""
    auth.login(make_user("admin", "Văn phòng UBND tỉnh"))
    page = text(client.get("/consolidated"))
    assert re.search(r'<input[^>]*name="title"[^>]*value="Danh mục đề án, văn bản trình Ủy ban '
                     r'nhân dân tỉnh"', page)
    assert '<textarea' in page and 'name="subtitle"' in page
    title = "Danh mục đề án trình UBND tỉnh quý IV/2020"
    subtitle = "(Kèm theo Báo cáo số 12/BC-VPUBND ngày 5/10/2020)\nSố liệu đến ngày 30/9/2020"
    query = {"title": title, "subtitle": subtitle, "progress": "y", "group": "lead"}
    printed = text(client.get("/consolidated/appendix", query_string=query))
    assert f'<h1 class="appendix-title">{title.upper()}</h1>' in printed
    assert f'<p class="subtitle">{subtitle}</p>' in printed
    assert "Tình hình thực hiện đến ngày" not in printed    # the typed line replaces it
    # The links of the print view keep them.
    assert printed.count("subtitle=") >= 2
    document = docx.Document(io.BytesIO(client.get("/consolidated/appendix.docx",
                                                   query_string=query).data))
    paragraphs = [p.text for p in document.paragraphs if p.text]
    assert paragraphs[:2] == [title.upper(), subtitle]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/consolidated/appendix.xlsx",
                                                         query_string=query).data)).worksheets[0]
    assert [sheet.cell(1, 1).value, sheet.cell(2, 1).value] == [title.upper(), subtitle]
    # Left empty: the usual title, and the tracker's lines under it.
    printed = text(client.get("/consolidated/appendix",
                              query_string={"title": "", "subtitle": "", "progress": "y"}))
    assert "DANH MỤC ĐỀ ÁN, VĂN BẢN TRÌNH ỦY BAN NHÂN DÂN TỈNH" in printed
    assert "Tình hình thực hiện đến ngày" in printed


def test_a_group_count_line_keeps_with_its_last_row_in_word():
    """Word: the last row of each group keeps with the next (its "Cộng: n đề án" line), so a
    page never starts with a count line; other rows break freely."""
    items = [ItemSnapshot(title=f"Đề án {lead} {n}", lead_agency=lead, coordination="",
                          original_due_period="Quý IV/2020", due_period="Quý IV/2020",
                          due_date=None, approving_level="UBND tỉnh", status="not_started")
             for lead, count in (("Sở A", 3), ("Sở B", 2)) for n in range(count)]
    table = build_table("Danh mục", "", items, with_status=False, today=date(2020, 10, 1),
                        grouping=Grouping.LEAD)
    rows = docx.Document(io.BytesIO(appendix_docx(table))).tables[0].rows
    texts = [row.cells[1].text if row.cells[0].text.isdigit() else row.cells[0].text
             for row in rows]
    assert texts == ["STT", "SỞ A", "Đề án Sở A 0", "Đề án Sở A 1", "Đề án Sở A 2",
                     "Cộng: 3 đề án", "SỞ B", "Đề án Sở B 0", "Đề án Sở B 1", "Cộng: 2 đề án",
                     "Tổng cộng: 5 đề án"]

    def keeps_with_next(row) -> bool:
        paragraphs = [p for cell in row.cells for p in cell.paragraphs]
        kept = [p.paragraph_format.keep_with_next for p in paragraphs]
        assert len(set(kept)) == 1, kept   # every paragraph of the row, or none
        return bool(kept[0])

    assert [keeps_with_next(row) for row in rows[1:]] == [
        True, False, False, True, False, True, False, True, False, False]
