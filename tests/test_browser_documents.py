"""Real-browser test of a document attached to an update: the officer posts "Đã trình" with
the Tờ trình's PDF through the real form (multipart, CSRF on) and downloads it again from
the item's journal; a file over the limit is refused as soon as it is chosen.

Headless Chromium, the demo data, as in tests/test_browser.py (fixtures in tests/browser_fixtures.py).
SQLite only. Every test ends with no console error, uncaught exception or
Content-Security-Policy violation.
"""
from __future__ import annotations

import pytest
from browser_fixtures import OFFICER, build_app, dispose
from browser_support import open_as, serve
from test_documents import PDF

LIMIT = 64 * 1024
NAME = "Tờ trình 45-TTr-SCT.pdf"


@pytest.fixture
def live(tmp_path):
    """(app, base URL): the demo with documents of at most 64 KB."""
    app = build_app(tmp_path / "documents.sqlite")
    app.config["TRACKER_DOCUMENT_MAX_BYTES"] = LIMIT
    with serve(app) as url:
        yield app, url
    dispose(app)


def test_officer_posts_submitted_with_the_pdf_and_downloads_it(context, problems, live,
                                                               tmp_path):
    """An officer posts "Đã trình" with the Tờ trình PDF; the journal links it and downloads the
    same bytes under its name."""
    app, url = live
    upload = tmp_path / NAME
    upload.write_bytes(PDF)
    page = open_as(context, url, OFFICER, "/items/1")
    form = page.locator("form.status-form")
    assert form.get_attribute("enctype") == "multipart/form-data"
    form.locator("select[name=status]").select_option(label="Đã trình")
    form.locator("input[name=document_ref]").fill("45/TTr-SCT")
    form.locator("input[name=document_date]").fill("20/9/2020")
    form.locator("input[name=document_file]").set_input_files(str(upload))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator(".flash-success").inner_text().strip() == "Đã lưu cập nhật."

    link = page.locator("#journal .attachment a")
    assert link.inner_text().strip() == NAME
    with page.expect_download() as event:
        link.click()
    download = event.value
    assert download.suggested_filename == NAME
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == PDF
    assert not problems.all(), "\n".join(problems.all())


def test_a_file_over_the_limit_is_refused_when_chosen(context, problems, live, tmp_path):
    """The field says so at once and lets nothing be sent (the server would refuse it too)."""
    _, url = live
    big = tmp_path / "qua-lon.pdf"
    big.write_bytes(PDF + b"0" * LIMIT)
    page = open_as(context, url, OFFICER, "/items/1")
    field = page.locator("#field-document_file")
    field.locator("input[type=file]").set_input_files(str(big))
    assert field.locator(".error").inner_text() == \
        "Tệp này vượt mức tối đa 64 KB: hãy đính kèm bản nhỏ hơn."
    assert field.locator("input[type=file]").evaluate("input => input.files.length") == 0
    assert field.locator("input[type=file]").get_attribute("aria-invalid") == "true"
    assert not problems.all(), "\n".join(problems.all())
