"""Everyday use (issue 11) in headless Chromium: a form's errors all at once and read with
their inputs, filters starting at "Tất cả", the empty list, the import preview's summary, the
print view's Print button, the PDF button saying it is working, and the consolidated print's
own title and subtitle with a gap under the title.

The app is served over HTTP with CSRF on and the demo data, as in tests/test_browser.py (its
fixtures in tests/browser_fixtures.py). SQLite only. Every test ends with no console error, uncaught exception
or Content-Security-Policy violation beyond the ones it provokes on purpose.
"""
from __future__ import annotations

import re

import pytest
from browser_fixtures import MANAGER, OFFICER, build_app, dispose
from browser_support import login, open_as, serve
from playwright.sync_api import expect

ADMIN = ("admin@demo.local", "quantri-demo-2020")   # Văn phòng UBND tỉnh: sees every plan
DOWNLOAD_TIMEOUT_MS = 60_000                          # the PDF is printed by a server-side Chromium


@pytest.fixture
def live(tmp_path):
    """(app, base URL): the demo app with CSRF on, served over HTTP."""
    app = build_app(tmp_path / "everyday.sqlite")
    with serve(app) as url:
        yield app, url
    dispose(app)


def refused_forms_only(problems) -> list[str]:
    """What went wrong beyond a refused form coming back as a 400 (Chromium logs those)."""
    return [p for p in problems.all() if "status of 400" not in p]


def test_the_status_form_shows_every_error_at_once_read_with_its_input(context, problems,
                                                                       live):
    """"Đã trình" with a date that does not exist and no Tờ trình number: one submit shows
    both errors, the fields stay shown, and each error is the accessible description of its
    input (aria-describedby), after its hint."""
    _app, url = live
    page = open_as(context, url, OFFICER, "/items/1")
    form = page.locator("form.status-form")
    form.locator("select[name=status]").select_option("submitted")
    form.locator("input[name=document_date]").fill("31/2/2020")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    number, day = form.locator("input[name=document_ref]"), form.locator("input[name=document_date]")
    expect(number).to_be_visible()
    expect(day).to_be_visible()
    expect(form.locator("p.error")).to_have_count(2)
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(number).to_have_accessible_description(re.compile(r"Tờ trình.*Nhập số văn bản\.$"))
    expect(day).to_have_accessible_description(
        re.compile(r"ví dụ 20/9/2020 Ngày không hợp lệ: \"31/2/2020\""))
    expect(form.locator("textarea[name=note]")).not_to_have_attribute("aria-invalid", "true")
    assert not refused_forms_only(problems), "\n".join(refused_forms_only(problems))


def test_filters_start_at_all(context, problems, live):
    """Every filter of a plan page and of the consolidated list starts at "Tất cả"."""
    _app, url = live
    page = context.new_page()
    login(page, url, *ADMIN)
    for path, names in (("/plans/1", ("lead", "period", "status", "level")),
                        ("/consolidated", ("owner", "lead", "period", "status", "level"))):
        page.goto(f"{url}{path}")
        for name in names:
            chosen = page.locator(f"form.filters select[name={name}] option:checked")
            assert chosen.inner_text() == "Tất cả", (path, name)
    assert not problems.all(), "\n".join(problems.all())


def test_a_new_list_says_it_is_empty_and_offers_adding_and_importing(context, problems, live):
    """A new list says "Chưa có đề án nào" and offers adding and importing as primary buttons,
    with no filters, table or print link."""
    _app, url = live
    page = open_as(context, url, MANAGER, "/plans/new")
    page.locator("textarea[name=title]").fill("Danh mục đề án năm 2021")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    plan_url = page.url
    empty = page.locator("section.empty-state")
    expect(empty.get_by_role("heading", name="Chưa có đề án nào")).to_be_visible()
    add = empty.get_by_role("link", name="Thêm đề án", exact=True)
    upload = empty.get_by_role("link", name="Nhập từ tệp", exact=True)
    for link in (add, upload):
        expect(link).to_be_visible()
        expect(link).to_have_class("button")          # primary, not "button secondary"
    expect(page.locator("form.filters")).to_have_count(0)
    expect(page.locator("table.grid")).to_have_count(0)
    expect(page.get_by_role("link", name="In phụ lục", exact=True)).to_have_count(0)
    with page.expect_navigation():
        upload.click()
    assert page.url == f"{plan_url}/import", page.url
    page.go_back()
    with page.expect_navigation():
        page.locator("section.empty-state").get_by_role("link", name="Thêm đề án").click()
    assert page.url == f"{plan_url}/items/new", page.url
    assert not problems.all(), "\n".join(problems.all())


def test_the_import_preview_counts_only_rows_that_will_be_saved(context, problems, live):
    """Three rows, one with an impossible period: the preview does not say "3 items will be
    saved" (none will); it counts the row with errors and the others."""
    _app, url = live
    page = open_as(context, url, MANAGER, "/plans/1/import")
    page.locator("textarea[name=pasted]").fill(
        "Tên đề án\tCơ quan chủ trì\tThời gian trình\n"
        "Đề án tốt\tSở Công Thương\tQuý I/2021\n"
        "Đề án xấu\tSở Công Thương\tQuý V/2021\n"
        "Đề án tốt nữa\tSở Công Thương\tQuý II/2021\n")
    with page.expect_navigation():
        page.get_by_role("button", name="Xem trước").click()
    summary = " ".join(page.locator("p.summary").inner_text().split())
    assert summary.startswith("Chưa lưu được dòng nào: 1 dòng có lỗi, 2 dòng không có lỗi"), summary
    assert "sẽ được lưu" not in summary
    expect(page.get_by_role("button", name="Lưu tất cả các dòng")).to_be_disabled()
    assert not problems.all(), "\n".join(problems.all())


def test_the_print_view_has_a_print_button_hidden_in_print(context, problems, live):
    """The print view has an "In" button that prints the page and is hidden on paper."""
    _app, url = live
    page = open_as(context, url, MANAGER, "/plans/1/appendix")
    button = page.get_by_role("button", name="In", exact=True)
    expect(button).to_be_visible()
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    button.click()
    assert page.evaluate("() => window.printed") == 1
    page.emulate_media(media="print")
    expect(button).to_be_hidden()
    expect(page.locator("table.appendix-table")).to_be_visible()
    page.emulate_media(media="screen")
    expect(button).to_be_visible()
    assert not problems.all(), "\n".join(problems.all())


def test_the_pdf_button_says_it_is_working_until_the_file_arrives(context, problems, live,
                                                                  tmp_path):
    """The PDF with progress columns: while the server prints it the button reads "Đang tạo
    PDF…" and is disabled; the file arrives as a download named "…-tien-do.pdf", the button
    comes back, and the page stays."""
    _app, url = live
    page = open_as(context, url, MANAGER, "/plans/1")
    panel = page.locator("details.downloads")
    panel.locator("summary").click()
    panel.locator("input[name=progress]").check()
    held = []
    page.route(re.compile(r"/appendix\.pdf\?"), lambda route: held.append(route))
    button = panel.locator("button[data-busy-label]")
    expect(button).to_have_text("PDF")
    button.click()
    expect(button).to_have_text("Đang tạo PDF…")
    expect(button).to_be_disabled()
    expect(button).to_have_attribute("aria-busy", "true")
    page.wait_for_timeout(100)
    assert len(held) == 1 and "progress=y" in held[0].request.url, held
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        held[0].continue_()
    download = info.value
    assert download.failure() is None
    assert re.fullmatch(r"phu-luc-1-danh-muc-de-an-[a-z0-9-]+-tien-do\.pdf",
                        download.suggested_filename), download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    expect(button).to_have_text("PDF")
    expect(button).to_be_enabled()
    expect(button).not_to_have_attribute("aria-busy", "true")
    assert page.url == f"{url}/plans/1"
    assert not problems.all(), "\n".join(problems.all())


def test_a_pdf_the_server_cannot_make_is_explained_beside_the_buttons(context, problems, live):
    """A PDF the server cannot make (no Chromium) is explained beside the buttons, which stay
    usable, on the same page."""
    app, url = live
    app.config["CHROMIUM_PATH"] = "/nonexistent/chromium"
    page = open_as(context, url, ADMIN, "/consolidated")
    options = page.locator("form.appendix-options")
    button = options.locator("button[data-busy-label]")
    button.click()
    expect(options.locator(".download-status")).to_have_text(
        re.compile(r"^Máy chủ chưa cài Chromium nên chưa xuất được PDF"))
    expect(button).to_have_text("PDF")
    expect(button).to_be_enabled()
    assert page.url == f"{url}/consolidated"
    # The 503 is the point of the test; nothing else may go wrong.
    unexpected = [p for p in problems.all() if "503" not in p]
    assert not unexpected, "\n".join(unexpected)


def test_a_large_pdf_button_leads_to_its_waiting_page_and_then_the_file(context, problems,
                                                                          live, tmp_path):
    """Over TRACKER_PDF_BACKGROUND_ROWS the PDF button follows to the job's waiting page
    (made by the worker, not the request); once the worker has printed it, the page offers
    the file."""
    from tracker.appendix.jobs import run_export_jobs

    app, url = live
    app.config["TRACKER_PDF_BACKGROUND_ROWS"] = 2
    page = open_as(context, url, MANAGER, "/plans/1")
    panel = page.locator("details.downloads")
    panel.locator("summary").click()
    with page.expect_navigation():
        panel.locator("button[data-busy-label]").click()
    assert re.search(r"/exports/\d+$", page.url), page.url
    expect(page.locator(".export-state")).to_contain_text("Đang chờ đến lượt")
    with app.app_context():
        assert run_export_jobs() == 1
    page.reload()
    link = page.get_by_role("link", name="Tải tệp PDF")
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        link.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert not problems.all(), "\n".join(problems.all())


def test_the_consolidated_print_takes_the_typed_title_and_subtitle_with_a_gap(context, problems,
                                                                              live):
    """The office types the title and the line under it on the consolidated page; the print
    view shows them, parted from each other and from the table by a visible gap (the line
    under the title used to overlap it). Left as they are: the usual title, the same gap."""
    _app, url = live
    page = open_as(context, url, ADMIN, "/consolidated")
    options = page.locator("form.appendix-options")
    title = options.get_by_label("Tên danh mục", exact=True)
    expect(title).to_have_value("Danh mục đề án, văn bản trình Ủy ban nhân dân tỉnh")
    title.fill("Danh mục đề án trình UBND tỉnh quý IV/2020")
    options.get_by_label("Dòng dưới tên danh mục").fill(
        "(Kèm theo Báo cáo số 12/BC-VPUBND ngày 5/10/2020)")
    options.locator("input[name=progress]").check()
    with page.expect_navigation():
        options.get_by_role("button", name="Xem bản in").click()
    heading, subtitle = page.locator("h1.appendix-title"), page.locator("p.subtitle")
    expect(heading).to_have_text("DANH MỤC ĐỀ ÁN TRÌNH UBND TỈNH QUÝ IV/2020")
    expect(subtitle).to_have_text("(Kèm theo Báo cáo số 12/BC-VPUBND ngày 5/10/2020)")
    table = page.locator("table.appendix-table").bounding_box()
    top, under = heading.bounding_box(), subtitle.bounding_box()
    assert under["y"] - (top["y"] + top["height"]) >= 6, (top, under)
    assert table["y"] - (under["y"] + under["height"]) >= 12, (under, table)
    # The same in print.
    page.emulate_media(media="print")
    top, under = heading.bounding_box(), subtitle.bounding_box()
    assert under["y"] - (top["y"] + top["height"]) >= 6, (top, under)

    page.goto(f"{url}/consolidated/appendix")
    expect(heading).to_have_text("DANH MỤC ĐỀ ÁN, VĂN BẢN TRÌNH ỦY BAN NHÂN DÂN TỈNH")
    expect(subtitle).to_have_count(0)
    top, table = heading.bounding_box(), page.locator("table.appendix-table").bounding_box()
    assert table["y"] - (top["y"] + top["height"]) >= 12, (top, table)
    assert not problems.all(), "\n".join(problems.all())
