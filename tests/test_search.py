"""Search: folding without a database, then one table of queries run on SQLite and on
PostgreSQL (the same items found on both), ranking, filters, scope, and the index kept in
step with every write."""
from __future__ import annotations

import re
from dataclasses import fields
from datetime import UTC, date, datetime
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from tracker.agencies import AgencyDirectory
from tracker.extensions import db
from tracker.models import Agency, Item, ItemSearch, JournalEntry, JournalKind, Plan
from tracker.plans.service import ItemFields, ItemFilters, add_item, create_plan
from tracker.search.text import document_numbers, fold, item_text, parse_query, terms

# ------------------------------------------------------------------ folding, no database


def test_fold_drops_case_and_diacritics():
    """Folding drops case and diacritics and reads đ as d, so 'dak lak' meets 'Đắk Lắk'."""
    assert fold("Quy hoạch tỉnh ĐẮK LẮK") == "quy hoach tinh dak lak"
    assert fold("Đề án  đô thị\nmới") == "de an do thi moi"
    assert fold("Tờ trình số 45/TTr-SCT") == "to trinh so 45/ttr-sct"


def test_query_words_keep_document_numbers_and_drop_edge_punctuation():
    """Query words keep document numbers whole (45/TTr-SCT) and drop punctuation at their edges."""
    assert terms("“Quy hoạch”, (Đắk Lắk)") == ["quy", "hoach", "dak", "lak"]
    assert terms("45/TTr-SCT") == ["45/ttr-sct"]
    assert terms("quy quy QUY") == ["quy"]
    assert terms("") == [] and terms(" ,; ") == []


def test_agency_abbreviations_are_a_second_spelling():
    """ "Sở KH&ĐT" also looks for "sở kế hoạch đầu tư"; a document number is not split."""
    assert parse_query("Sở KH&ĐT").spellings == (("so", "kh&dt"), ("so", "ke", "hoach", "dau", "tu"))
    assert parse_query("45/TTr-SCT").spellings == (("45/ttr-sct",),)
    assert parse_query("quy hoạch").phrase == "quy hoach"
    assert parse_query("  ").empty


def test_document_numbers_of_a_reference_line():
    """The document numbers of a reference line are found for the index."""
    assert document_numbers("Báo cáo số 351/BC-SCT ngày 29/5/2020 của Sở Công Thương") == \
        ["351/BC-SCT"]
    assert document_numbers("Nghị quyết 12/2020/NQ-HĐND, ngày 1/10/2020") == ["12/2020/NQ-HĐND"]


def test_item_text_holds_every_part_folded():
    """An item's indexed text holds its title, notes, coordination, documents and agencies, folded."""
    text = item_text(title="Quy hoạch", agencies=["Sở KH&ĐT"], documents=[None, "45/TTr-SCT"],
                     list_reference="Báo cáo số 351/BC-SCT ngày 29/5/2020")
    assert text == "quy hoach | so kh&dt | so ke hoach dau tu | 45/ttr-sct | 351/bc-sct"


# ------------------------------------------------------------------ both databases


def titles(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'<td><a href="/items/\d+">([^<]+)</a>', response.get_data(as_text=True))


def add(plan: Plan, title: str, lead: str, **fields) -> Item:
    item = add_item(plan, ItemFields(
        title=title, lead_agency_name=lead, coordination=fields.pop("coordination", ""),
        due_period=fields.pop("due_period", "Quý IV/2020"), approving_level="UBND tỉnh",
        notes=fields.pop("notes", "")), AgencyDirectory.load())
    for key, value in fields.items():
        setattr(item, key, value)
    return item


QUY_HOACH = "Quy hoạch tỉnh Đắk Lắk thời kỳ 2021-2030"
CONG_NGHIEP = "Đề án phát triển công nghiệp hỗ trợ"
CHUYEN_DOI = "Kế hoạch chuyển đổi số"
NOI_VU = "Đề án sắp xếp đơn vị hành chính"


@pytest.fixture
def searchable(app):
    """Two lists: the Sở Công Thương's (351/BC-SCT) with three items, and one of the Sở Nội vụ."""
    db.session.add(Agency("Văn phòng UBND tỉnh", is_consolidating_office=True))
    directory = AgencyDirectory.load()
    plan = create_plan("Danh mục Sở Công Thương", directory.find_or_create("Sở Công Thương"),
                       "Báo cáo số 351/BC-SCT ngày 29/5/2020 của Sở Công Thương")
    other = create_plan("Danh mục Sở Nội vụ", directory.find_or_create("Sở Nội vụ"))
    db.session.flush()
    add(plan, QUY_HOACH, "Sở Kế hoạch và Đầu tư", coordination="Các Sở, ban ngành, địa phương")
    add(plan, CONG_NGHIEP, "Sở Công Thương", status="submitted",
        submission_ref="Tờ trình số 45/TTr-SCT ngày 20/9/2020", due_period="Quý III/2020")
    add(plan, CHUYEN_DOI, "Sở KH&CN", notes="Phối hợp với Viettel; ưu tiên công nghiệp")
    add(other, NOI_VU, "Sở Nội vụ", coordination="UBND các huyện, thị xã, thành phố")
    db.session.commit()
    return {"plan": plan.id, "other": other.id}


@pytest.fixture
def sign_in(app, make_user, searchable):
    def signed(role: str, agency: str):
        client = app.test_client()
        user = make_user(role, agency)
        client.post("/login", data={"email": user.email, "password": "mat-khau-thu-nghiem"})
        return client

    return signed


QUERIES = [
    # (query, the titles found, as a set)
    ("quy hoach", {QUY_HOACH}),
    ("QUY HOẠCH", {QUY_HOACH}),
    ("dak lak", {QUY_HOACH}),
    ("Đắk Lắk", {QUY_HOACH}),
    ("ĐẮK LẮK 2021", {QUY_HOACH}),
    ("45/TTr-SCT", {CONG_NGHIEP}),
    ("45/ttr-sct", {CONG_NGHIEP}),
    ("351/BC-SCT", {QUY_HOACH, CONG_NGHIEP, CHUYEN_DOI}),
    ("Sở KH&ĐT", {QUY_HOACH}),
    ("so ke hoach va dau tu", {QUY_HOACH}),
    ("khoa học và công nghệ", {CHUYEN_DOI}),
    ("KH&CN", {CHUYEN_DOI}),
    ("viettel", {CHUYEN_DOI}),
    ("chuyen doi so", {CHUYEN_DOI}),
    ("ban ngành", {QUY_HOACH}),
    ("UBND các huyện", {NOI_VU}),
    ("Ủy ban nhân dân các huyện", {NOI_VU}),
    ("sở nội vụ", {NOI_VU}),
    ("cong nghiep", {CONG_NGHIEP, CHUYEN_DOI}),
    ("100%_\\", set()),
    ("không có gì như thế", set()),
]


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=[q for q, _ in QUERIES])
def test_search_finds_the_same_items_on_both_databases(sign_in, query, expected):
    """Each query finds exactly these items, on SQLite and on PostgreSQL alike."""
    admin = sign_in("admin", "Văn phòng UBND tỉnh")
    assert set(titles(admin.get("/search?" + urlencode({"q": query})))) == expected


def test_results_are_ranked_title_first(sign_in):
    """ "công nghiệp" is in one item's title and another's notes: the title comes first."""
    admin = sign_in("admin", "Văn phòng UBND tỉnh")
    assert titles(admin.get("/search?q=công+nghiệp")) == [CONG_NGHIEP, CHUYEN_DOI]


def test_search_takes_the_plan_page_filters(sign_in, searchable):
    """Search results take the plan page's filters (status, lead agency, overdue)."""
    admin = sign_in("admin", "Văn phòng UBND tỉnh")
    assert titles(admin.get("/search?q=cong+nghiep&status=submitted")) == [CONG_NGHIEP]
    lead = db.session.scalar(sa.select(Agency.id).where(Agency.name == "Sở KH&CN"))
    assert titles(admin.get(f"/search?q=cong+nghiep&lead={lead}")) == [CHUYEN_DOI]
    assert titles(admin.get("/search?q=cong+nghiep&overdue=y")) == [CHUYEN_DOI]


def test_search_never_leaves_the_users_scope(sign_in):
    """A department sees its own lists' items only; another agency's list stays hidden even
    when the words match; an agency with no list in common finds nothing."""
    officer = sign_in("officer", "Sở Công Thương")
    assert titles(officer.get("/search?q=sap+xep")) == []
    assert set(titles(officer.get("/search?q=de+an"))) == {CONG_NGHIEP}
    assert titles(sign_in("manager", "Sở Nội vụ").get("/search?q=de+an")) == [NOI_VU]
    assert titles(sign_in("officer", "Sở Tư pháp").get("/search?q=de+an")) == []
    assert set(titles(sign_in("viewer", "Văn phòng UBND tỉnh").get("/search?q=de+an"))) == \
        {CONG_NGHIEP, NOI_VU}


def test_odd_input_is_never_an_error(sign_in):
    """Empty, very long or punctuation-only queries give a page, never an error."""
    admin = sign_in("admin", "Văn phòng UBND tỉnh")
    for query in ("", "   ", "%", "_", "'\"", "x" * 5000, "\x00", "<script>", "quy&lead=abc"):
        response = admin.get("/search?" + urlencode({"q": query, "page": "-3", "lead": "x"}))
        assert response.status_code == 200, query
    assert "Tìm kiếm" in admin.get("/search").get_data(as_text=True)


def indexed(item_id: int) -> str:
    return db.session.scalar(sa.select(ItemSearch.body)
                             .where(ItemSearch.item_id == item_id)) or ""


def test_the_index_follows_every_write(searchable):
    """An edited title, a document cited in the journal, a list's new reference and a
    renamed agency reach the index at commit; a rolled-back write does not."""
    item = db.session.scalar(sa.select(Item).where(Item.title == CHUYEN_DOI))
    item.title = "Chương trình chuyển đổi số tỉnh Đắk Nông"
    db.session.commit()
    assert indexed(item.id).startswith("chuong trinh chuyen doi so tinh dak nong")
    db.session.add(JournalEntry(item_id=item.id, kind=JournalKind.COMMENT.value,
                                document_ref="Công văn số 77/SKHCN-VP"))
    db.session.commit()
    assert "77/skhcn-vp" in indexed(item.id)
    plan = db.session.get(Plan, searchable["plan"])
    plan.attached_to = "Báo cáo số 400/BC-SCT ngày 1/6/2020"
    db.session.commit()
    assert "400/bc-sct" in indexed(item.id) and "351/bc-sct" not in indexed(item.id)
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == "Sở KH&CN"))
    agency.rename("Sở Khoa học và Công nghệ tỉnh")
    db.session.commit()
    assert "so khoa hoc va cong nghe tinh" in indexed(item.id)
    item.title = "Không lưu"
    db.session.flush()
    db.session.rollback()
    assert "khong luu" not in indexed(item.id)


def test_the_index_row_carries_the_items_plan_and_deadline(searchable):
    """Search scopes and ranks by the index row's copies of the plan and the deadline: they
    follow the item (a new deadline after a postponement) in the same commit."""
    def copies() -> dict[int, tuple]:
        return {row.item_id: (row.plan_id, row.due_date) for row in db.session.execute(
            sa.select(ItemSearch.item_id, ItemSearch.plan_id, ItemSearch.due_date))}

    def items() -> dict[int, tuple]:
        return {row.id: (row.plan_id, row.due_date)
                for row in db.session.execute(sa.select(Item.id, Item.plan_id, Item.due_date))}

    assert copies() == items() and len(items()) == 4
    item = db.session.scalar(sa.select(Item).where(Item.title == QUY_HOACH))
    item.due_period, item.due_date = "Quý I/2021", date(2021, 3, 31)
    db.session.commit()
    assert copies()[item.id] == (searchable["plan"], date(2021, 3, 31)) and copies() == items()


@pytest.mark.parametrize("field", [f.name for f in fields(ItemFilters)
                                   if f.name not in ("due_soon_until", "quiet_since")])
def test_a_filter_narrows_exactly_when_it_adds_a_condition(field):
    """`ItemFilters.narrows` tells search when it must read the items: any filter set."""
    values = {"lead_agency_id": 3, "due_period": "Quý IV/2020", "status": "submitted",
              "approving_level": "UBND tỉnh"}
    filters = ItemFilters(**{field: values.get(field, True)}, due_soon_until=date(2020, 10, 1),
                          quiet_since=datetime(2020, 9, 1, tzinfo=UTC))
    plain = sa.select(Item.id)
    assert not ItemFilters(due_soon_until=date(2020, 10, 1)).narrows
    assert filters.narrows
    assert str(filters.apply(plain, date(2020, 9, 30))) != str(plain)


def test_every_item_has_its_row_after_an_update_through_the_forms(sign_in, searchable):
    """A status update posted from the item's page indexes the Tờ trình it cites."""
    officer = sign_in("officer", "Sở Công Thương")
    item = db.session.scalar(sa.select(Item).where(Item.title == CHUYEN_DOI))
    item.lead_agency_id = db.session.scalar(sa.select(Agency.id).where(
        Agency.name == "Sở Công Thương"))
    db.session.commit()
    response = officer.post(f"/items/{item.id}/status", data={
        "status": "submitted", "document_ref": "88/TTr-SCT", "document_date": "1/10/2020",
        "note": "", "version": str(item.version)})
    assert response.status_code == 302
    assert set(titles(officer.get("/search?q=88/TTr-SCT"))) == {CHUYEN_DOI}


def test_a_broad_search_lists_the_best_and_says_so(sign_in, monkeypatch):
    """Past MAX_RESULTS matches, only the best are listed, with a word on narrowing down."""
    from tracker.search import service

    monkeypatch.setattr(service, "MAX_RESULTS", 2)
    admin = sign_in("admin", "Văn phòng UBND tỉnh")
    response = admin.get("/search?q=351/BC-SCT")
    assert len(titles(response)) == 2
    assert "Có hơn 2 đề án phù hợp" in response.get_data(as_text=True)


def test_a_broad_search_ranks_only_its_most_recent_matches(sign_in, searchable, monkeypatch):
    """Past CANDIDATES_PER_RESULT × MAX_RESULTS matches only the most recent ones are
    ranked (a bounded query, the same on both databases): an older item whose title holds
    the words is then left out, and the page says there are more."""
    from tracker.search import service

    plan = db.session.get(Plan, searchable["plan"])
    add(plan, "Báo cáo thu hút đầu tư", "Sở Công Thương", notes="Cụm công nghiệp Ea Đar")
    add(plan, "Báo cáo xúc tiến thương mại", "Sở Công Thương", notes="Khu công nghiệp Hòa Phú")
    db.session.commit()
    admin = sign_in("admin", "Văn phòng UBND tỉnh")
    assert titles(admin.get("/search?q=cong+nghiep"))[0] == CONG_NGHIEP
    monkeypatch.setattr(service, "MAX_RESULTS", 1)
    monkeypatch.setattr(service, "CANDIDATES_PER_RESULT", 2)
    response = admin.get("/search?q=cong+nghiep")
    assert titles(response) == ["Báo cáo thu hút đầu tư"]
    assert "Có hơn 1 đề án phù hợp" in response.get_data(as_text=True)
