"""Random, over-long and odd-Unicode input at every form and filter: never a 500."""
from __future__ import annotations

import os
import unicodedata

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tracker.extensions import db
from tracker.models import JournalEntry

ODD = st.sampled_from([
    "", " ", "\x00", "\u200b", "\ufeff", "Quý V/2020", "31/11/2020", "Tháng 13/2020",
    unicodedata.normalize("NFD", "Xin lùi sang Quý IV/2020"), "a" * 5000, "9" * 40, "-1",
    "<script>alert(1)</script>", "=HYPERLINK(\"http://x\")", "e\u0301\u0323\u0302", "\ud7ff",
])
VALUE = st.one_of(ODD, st.text(max_size=300), st.integers().map(str))
FIELDS = ("title", "owner_agency_id", "attached_to", "lead_agency_name", "coordination",
          "due_period", "approving_level", "notes", "position", "status", "note", "document_ref",
          "document_date", "new_period", "version", "email", "password", "confirm", "current",
          "decision", "reason", "pasted", "appendix_label")


def form_data():
    return st.dictionaries(st.sampled_from(FIELDS), VALUE, max_size=len(FIELDS))


POSTS = ("/plans/new", "/plans/1/edit", "/plans/1/items/new", "/items/1/status", "/items/1/edit",
         "/items/1/notes", "/items/1/decision", "/password/forgot", "/account/password",
         "/plans/import", "/plans/1/import")
# A valid submission of each form: the fuzzer replaces some fields, so it reaches the
# code behind validation too, not only the validators.
VALID = {
    "/plans/new": {"title": "Danh mục", "owner_agency_id": "1"},
    "/plans/1/edit": {"title": "Danh mục", "owner_agency_id": "1", "version": "1"},
    "/plans/1/items/new": {"title": "Đề án", "lead_agency_name": "Sở Công Thương",
                           "due_period": "Quý I/2021"},
    "/items/1/status": {"status": "postponed", "new_period": "Quý I/2021", "note": "Lý do",
                        "document_ref": "45/TTr-SCT", "document_date": "20/9/2020", "version": "1"},
    "/items/1/edit": {"title": "Đề án", "lead_agency_name": "Sở Công Thương",
                      "due_period": "Quý I/2021", "version": "1"},
    "/items/1/notes": {"notes": "Ghi chú", "version": "1"},
    "/items/1/decision": {"decision": "refuse", "reason": "Không", "version": "1"},
    "/password/forgot": {"email": "ai.do@so.vn"},
    "/plans/import": {"title": "Danh mục", "owner_agency_id": "1",
                      "pasted": "Tên đề án\tCơ quan chủ trì\tThời gian trình\nĐề án\tSở A\tQuý I/2021"},
    "/plans/1/import": {"pasted": "Tên đề án\tCơ quan chủ trì\tThời gian trình\nĐề án\tSở A\tQuý I/2021"},
    "/account/password": {"current": "mat-khau-thu-nghiem", "password": "mot-mat-khau-dai-2026",
                          "confirm": "mot-mat-khau-dai-2026"},
}
GETS = ("/plans/1", "/plans/1/appendix", "/items/1", "/consolidated", "/consolidated/appendix",
        "/plans/1/appendix.csv", "/plans/1/appendix.xlsx", "/plans/1/appendix.docx")
QUERY_KEYS = ("lead", "period", "status", "level", "overdue", "page", "progress", "group", "owner",
              "numbering", "sheets")

settings.register_profile("forms", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
                          deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                 HealthCheck.too_slow])


@pytest.fixture
def manager_client(client, auth, make_user, seed_plan):
    manager = make_user("manager", "Sở Công Thương")
    auth.login(manager)
    client.email = manager.email
    return client


@settings(settings.get_profile("forms"))
@given(url=st.sampled_from(POSTS), data=form_data(), start_valid=st.booleans())
def test_posting_anything_to_any_form_never_fails(manager_client, url, data, start_valid):
    """Posting any data to any form gives a page, a redirect, a 400 or a 409 (429 for the
    reset), never an error."""
    if start_valid:
        data = {**VALID[url], **data}
    response = manager_client.post(url, data=data)
    # 429: "Quên mật khẩu" answers 5 requests an hour per address, then asks to wait.
    allowed = (200, 302, 400, 409) + ((429,) if url == "/password/forgot" else ())
    assert response.status_code in allowed, (url, data, response.status_code)
    if response.status_code == 302 and response.location.startswith("/imports/"):
        # An import draft: its preview and its confirmation must not fail either.
        assert manager_client.get(response.location).status_code == 200
        assert manager_client.post(response.location).status_code in (302, 400)
    if url == "/account/password" and response.status_code == 302:
        # The password changed: sign in again with it so later examples keep a session.
        manager_client.post("/login", data={"email": manager_client.email,
                                            "password": data["password"]})


@settings(settings.get_profile("forms"))
@given(url=st.sampled_from(GETS), query=st.dictionaries(st.sampled_from(QUERY_KEYS), VALUE,
                                                        max_size=6))
def test_any_query_string_never_fails(manager_client, url, query):
    """Any query string on any list or page gives the page, never an error."""
    response = manager_client.get(url, query_string=query)
    assert response.status_code == 200, (url, query, response.status_code)


@settings(settings.get_profile("forms"))
@given(note=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                    min_size=1, max_size=200))
def test_notes_are_stored_nfc_without_invisible_characters(manager_client, note):
    """A note is stored in NFC without NUL or zero-width characters, or refused when nothing is left."""
    response = manager_client.post("/items/1/status", data={"note": note, "version": "1"})
    stored = db.session.scalars(sa.select(JournalEntry.note).order_by(JournalEntry.id.desc())).first()
    if response.status_code == 302:
        assert stored == unicodedata.normalize("NFC", stored)
        assert "\x00" not in stored and "\u200b" not in stored
    else:
        assert response.status_code == 400  # nothing left after cleaning: "write a note"


CELL = st.one_of(ODD, st.text(max_size=80), st.sampled_from([
    "Quý III/2020", "Tháng 9/2020", "Thường xuyên", "QUÝ IV/2020", "I. LĨNH VỰC CÔNG NGHIỆP",
    "Cộng: 3 đề án", "Sở CT", "UBND tỉnh", '"', "'=1+1", "\t", "\n"]))


@settings(settings.get_profile("forms"))
@given(cells=st.lists(st.lists(CELL, min_size=0, max_size=8), min_size=0, max_size=12),
       header=st.booleans())
def test_any_pasted_table_is_saved_whole_or_not_at_all(manager_client, cells, header):
    """Whatever is pasted: never a 500, and confirming saves every previewed row or none."""
    lines = [["STT", "Tên đề án", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian trình",
              "Cấp trình"]] if header else []
    pasted = "\n".join("\t".join(row) for row in lines + cells)
    count = sa.select(sa.func.count()).select_from(JournalEntry)
    response = manager_client.post("/plans/1/import", data={"pasted": pasted})
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        return
    preview = manager_client.get(response.location)
    assert preview.status_code == 200
    before = db.session.scalar(count)
    response = manager_client.post(response.location, data={
        f"agency-{i}": "new" for i in range(20)})
    assert response.status_code in (302, 400), response.status_code
    added = db.session.scalar(count) - before
    event("saved" if response.status_code == 302 else "refused")
    if response.status_code == 400:
        assert added == 0
    else:
        assert added > 0
