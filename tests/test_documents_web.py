"""A status update or a postponement decision carries the file of its document: kept in the
document folder with a row in the database, listed in the item's journal, downloaded by
whoever may read the item, never served as a page; a refused update leaves no file."""
from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import text
from sqlalchemy.orm.exc import StaleDataError
from test_documents import HTML, PDF, PNG, word_file

from tracker.extensions import db
from tracker.models import Attachment, Item, JournalEntry

NAME = "Tờ trình 45-TTr-SCT.pdf"
SUBMITTED = {"status": "submitted", "document_ref": "45/TTr-SCT", "document_date": "20/9/2020",
             "version": "1"}


def post(client, url: str, data: dict, file: tuple[bytes, str] | None = None):
    if file is not None:
        data = {**data, "document_file": (io.BytesIO(file[0]), file[1])}
    return client.post(url, data=data, content_type="multipart/form-data")


def folder(app) -> Path:
    return Path(app.config["TRACKER_DOCUMENT_FOLDER"])


def stored_files(app) -> list[str]:
    return sorted(os.listdir(folder(app))) if folder(app).exists() else []


def counts() -> tuple[int, int]:
    return (db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)))


def field_errors(response, name: str = "document_file") -> str:
    page = text(response)
    match = re.search(rf'id="field-{name}">(.*?)</div>', page, re.S)
    assert match, f"no field {name} on the page"
    return " ".join(re.findall(r'<p class="error"[^>]*>(.*?)</p>', match.group(1)))


@pytest.fixture
def submitted(client, auth, officer):
    """Item 1 recorded as submitted, with its Tờ trình attached; the officer signed in."""
    auth.login(officer)
    response = post(client, "/items/1/status", SUBMITTED, (PDF, NAME))
    assert response.status_code == 302, field_errors(response)
    return db.session.scalars(sa.select(Attachment)).one()


def test_a_submission_carries_its_document(app, client, officer, submitted):
    """The file is kept under a generated name in the document folder; the database records
    the user's name, size, type and SHA-256 with the journal entry; the journal links it."""
    entry = db.session.scalars(sa.select(JournalEntry).order_by(JournalEntry.id.desc())).first()
    assert (entry.new_status, entry.document_ref) == ("submitted", "45/TTr-SCT")
    assert (submitted.journal_entry_id, submitted.item_id) == (entry.id, 1)
    assert (submitted.original_name, submitted.media_type, submitted.size, submitted.sha256) == \
        (NAME, "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest())
    assert stored_files(app) == [submitted.stored_name]
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", submitted.stored_name)
    assert (folder(app) / submitted.stored_name).read_bytes() == PDF
    assert db.session.get(Item, 1).status == "submitted"

    journal = text(client.get("/items/1")).split('id="journal"')[1]
    link = f'<a href="/items/1/documents/{submitted.id}" download>{NAME}</a>'
    assert link in journal


@pytest.mark.parametrize("reader", ["officer", "manager", "viewer"])
def test_whoever_may_read_the_item_downloads_it_as_an_attachment(client, auth, make_user,
                                                                 submitted, reader):
    """The lead agency, its manager and the consolidating office download the bytes as they
    were sent, under the Vietnamese name (RFC 5987), never to be shown inline."""
    agency = "Văn phòng UBND tỉnh" if reader == "viewer" else "Sở Công Thương"
    auth.logout()
    auth.login(make_user(reader, agency))
    response = client.get(f"/items/1/documents/{submitted.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''T%E1%BB%9D%20tr%C3%ACnh%2045-TTr-SCT.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "no-store" in response.headers["Cache-Control"]


def test_others_get_403_or_404(client, auth, make_user, submitted):
    """An agency that may not read the plan gets 403; a document under another item's address,
    or none at all, is a 404; the anonymous are sent to sign in."""
    url = f"/items/1/documents/{submitted.id}"
    assert client.get(f"/items/2/documents/{submitted.id}").status_code == 404
    assert client.get(f"/items/1/documents/{submitted.id + 1}").status_code == 404
    auth.logout()
    assert client.get(url).status_code == 302
    auth.login(make_user("officer", "Sở Tài chính"))
    response = client.get(url)
    assert response.status_code == 403
    assert PDF not in response.data


def test_a_web_page_named_pdf_is_refused_and_nothing_is_written(app, client, auth, officer):
    auth.login(officer)
    before = counts()
    response = post(client, "/items/1/status", SUBMITTED, (HTML, "to-trinh.pdf"))
    assert response.status_code == 400
    assert "có đuôi .pdf nhưng nội dung là trang web (HTML)" in field_errors(response)
    assert counts() == before
    assert stored_files(app) == []
    assert db.session.get(Item, 1).status == "not_started"


def test_a_file_over_the_limit_is_refused_on_the_form(app, client, auth, officer):
    """Over TRACKER_DOCUMENT_MAX_BYTES, the form says so (not a bare 413), nothing saved."""
    app.config["TRACKER_DOCUMENT_MAX_BYTES"] = 1024 * 1024
    auth.login(officer)
    before = counts()
    big = PDF + b"0" * (1024 * 1024)
    response = post(client, "/items/1/status", SUBMITTED, (big, "to-trinh.pdf"))
    assert response.status_code == 400
    assert "vượt mức tối đa 1 MB" in field_errors(response)
    assert counts() == before and stored_files(app) == []


def test_a_form_with_a_document_may_exceed_max_content_length(app, client, auth, officer):
    """The two forms that carry a document take the document limit (plus the form) even
    when it is above MAX_CONTENT_LENGTH; every other form keeps MAX_CONTENT_LENGTH; far over
    the document limit the request is refused with 413 naming the document limit."""
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, TRACKER_DOCUMENT_MAX_BYTES=1024 * 1024)
    auth.login(officer)
    document = PDF + b"0" * (512 * 1024)
    response = post(client, "/items/1/status", SUBMITTED, (document, "to-trinh.pdf"))
    assert response.status_code == 302
    assert post(client, "/items/1/notes", {"notes": "x" * 100_000, "version": "2"}) \
        .status_code == 413
    huge = PDF + b"0" * (3 * 1024 * 1024)
    response = post(client, "/items/2/status", {"note": "Kèm văn bản", "version": "1"},
                    (huge, "to-trinh.pdf"))
    assert response.status_code == 413
    assert "tối đa 1 MB" in text(response)
    assert len(stored_files(app)) == 1


def test_the_larger_limit_is_set_before_the_csrf_check_reads_the_form(app, client, officer):
    """With CSRF on (as in production) the token is read from the body before any view runs:
    the document's limit must already hold then."""
    app.config.update(WTF_CSRF_ENABLED=True, MAX_CONTENT_LENGTH=64 * 1024)

    def token(page: str) -> str:
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    login_token = token(text(client.get("/login")))
    assert client.post("/login", data={"email": officer.email, "password": "mat-khau-thu-nghiem",
                                       "csrf_token": login_token}).status_code == 302
    form_token = token(text(client.get("/items/1")))
    document = PDF + b"0" * (256 * 1024)
    response = post(client, "/items/1/status", {**SUBMITTED, "csrf_token": form_token},
                    (document, "to-trinh.pdf"))
    assert response.status_code == 302
    assert len(stored_files(app)) == 1


def test_a_refused_update_writes_no_file(app, client, auth, officer):
    """A good file with an update that fails its own checks (no Tờ trình number): nothing in
    the database, nothing in the folder, and the form asks for the file again."""
    auth.login(officer)
    before = counts()
    response = post(client, "/items/1/status", {**SUBMITTED, "document_ref": ""},
                    (PDF, "to-trinh.pdf"))
    assert response.status_code == 400
    assert "Nhập số văn bản." in field_errors(response, "document_ref")
    assert "Hãy chọn lại tệp" in text(response)
    assert counts() == before and stored_files(app) == []


def test_a_failed_commit_removes_the_file_again(app, client, auth, officer, monkeypatch):
    """The file is written just before the commit; when the commit fails (here: someone else
    saved the item at that moment) it is removed, and the user is told of the conflict."""
    auth.login(officer)
    before = counts()

    def conflicting_commit():
        assert len(stored_files(app)) == 1, "the file is written before the commit"
        raise StaleDataError("the row changed")

    monkeypatch.setattr(db.session, "commit", conflicting_commit)
    response = post(client, "/items/1/status", SUBMITTED, (PDF, "to-trinh.pdf"))
    monkeypatch.undo()
    assert response.status_code == 409
    assert counts() == before and stored_files(app) == []


def test_a_folder_that_cannot_take_the_file_saves_nothing(app, client, auth, officer, tmp_path):
    (tmp_path / "not-a-folder").write_text("x")
    app.config["TRACKER_DOCUMENT_FOLDER"] = str(tmp_path / "not-a-folder" / "documents")
    auth.login(officer)
    before = counts()
    response = post(client, "/items/1/status", SUBMITTED, (PDF, "to-trinh.pdf"))
    assert response.status_code == 400
    assert "Máy chủ không lưu được tệp" in field_errors(response)
    assert counts() == before
    assert db.session.get(Item, 1).status == "not_started"


def test_a_postponement_decision_carries_its_letter(app, client, auth, officer, manager):
    auth.login(officer)
    assert post(client, "/items/2/status", {"status": "postponed", "new_period": "Quý I/2021",
                                            "note": "Chờ hướng dẫn", "version": "1"}).status_code == 302
    auth.logout()
    auth.login(manager)
    page = text(client.get("/items/2"))
    assert 'id="decision_document_file"' in page
    response = post(client, "/items/2/decision", {
        "decision": "approve", "document_ref": "2345/UBND-KT", "document_date": "5/10/2020",
        "version": "2"}, (PNG, "Công văn 2345.png"))
    assert response.status_code == 302
    attachment = db.session.scalars(sa.select(Attachment)).one()
    entry = db.session.get(JournalEntry, attachment.journal_entry_id)
    assert (entry.new_status, entry.document_ref) == ("postponed", "2345/UBND-KT")
    assert (attachment.item_id, attachment.media_type) == (2, "image/png")
    assert "Công văn 2345.png" in text(client.get("/items/2")).split('id="journal"')[1]
    download = client.get(f"/items/2/documents/{attachment.id}")
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Type"] == "image/png"


def test_a_decision_with_a_fake_file_is_refused(app, client, auth, officer, manager):
    auth.login(officer)
    post(client, "/items/2/status", {"status": "postponed", "new_period": "Quý I/2021",
                                     "note": "Chờ hướng dẫn", "version": "1"})
    auth.logout()
    auth.login(manager)
    before = counts()
    response = post(client, "/items/2/decision", {"decision": "approve", "version": "2"},
                    (HTML, "cong-van.png"))
    assert response.status_code == 400
    assert "trang web (HTML)" in field_errors(response, "decision_document_file")
    assert counts() == before and stored_files(app) == []
    assert db.session.get(Item, 2).requested_due_period == "Quý I/2021"


def test_a_note_may_carry_a_word_file(app, client, auth, officer):
    auth.login(officer)
    data = word_file()
    assert post(client, "/items/1/status", {"note": "Dự thảo lần 2", "version": "1"},
                (data, "Dự thảo.docx")).status_code == 302
    attachment = db.session.scalars(sa.select(Attachment)).one()
    response = client.get(f"/items/1/documents/{attachment.id}")
    assert response.data == data
    assert response.headers["Content-Type"] == \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_missing_file_is_a_404_that_says_so(app, client, submitted):
    (folder(app) / submitted.stored_name).unlink()
    response = client.get(f"/items/1/documents/{submitted.id}")
    assert response.status_code == 404
    assert "không còn trên máy chủ" in text(response)


def test_the_item_page_query_count_does_not_grow_with_documents(app, client, auth, officer,
                                                                 count_queries):
    auth.login(officer)
    counted = []
    for files in (1, 4):
        for number in range(files - len(db.session.scalars(sa.select(Attachment)).all())):
            assert post(client, "/items/1/status", {"note": f"Văn bản {number}", "version": "1"},
                        (PDF, f"van-ban-{number}.pdf")).status_code == 302
        with count_queries() as statements:
            page = text(client.get("/items/1"))
        assert page.count("/items/1/documents/") == files
        counted.append(len(statements))
    assert counted[0] == counted[1], counted
