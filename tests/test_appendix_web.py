"""The appendix through the web: downloads of a plan and of the consolidated list, and the
import flow (upload or paste → preview → confirm), on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so
from factories import make_plan, statements_as_plans_grow

from tracker.extensions import db
from tracker.models import Agency, ImportDraft, Item, JournalEntry, Plan

SEED = Path(__file__).resolve().parent.parent / "tracker" / "demo" / "appendix-351-BC-SCT-2020.tsv"
SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_ROWS = [line.split("\t") for line in SEED_TEXT.splitlines()[1:] if line.strip()]


def items_of(plan_id: int) -> list[tuple]:
    items = db.session.scalars(sa.select(Item).where(Item.plan_id == plan_id)
                                   .options(so.joinedload(Item.lead_agency))
                                   .order_by(Item.position, Item.id))
    return [(str(p.position), p.title, p.lead_agency.name, p.coordination, p.due_period,
             p.approving_level) for p in items]


def counts() -> tuple[int, int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Plan, Item, Agency, JournalEntry))


@pytest.fixture
def manager(client, auth, make_user, seed_plan):
    user = make_user("manager", "Sở Công Thương")
    auth.login(user)
    return user


# ---------------------------------------------------------------- downloads


def test_plan_downloads_in_every_format_carry_the_seed_rows(client, manager, seed_plan):
    """A plan's CSV (UTF-8 with BOM, as an attachment), Excel and Word downloads carry its title and rows."""
    expected = [tuple(row) for row in SEED_ROWS]
    response = client.get(f"/plans/{seed_plan.id}/appendix.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"phu-luc-")
    assert response.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0] == ["STT", "Tên đề án", "Cơ quan chủ trì", "Cơ quan phối hợp",
                        "Thời gian trình", "Cấp trình"]
    assert [tuple(line) for line in lines[1:]] == expected

    response = client.get(f"/plans/{seed_plan.id}/appendix.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    values = [[("" if c is None else str(c)) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == seed_plan.title.upper()
    assert [tuple(v) for v in values if v[1] in {r[1] for r in SEED_ROWS}] == expected

    response = client.get(f"/plans/{seed_plan.id}/appendix.docx")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.data))
    assert document.paragraphs[0].text == seed_plan.title.upper()
    table = document.tables[0]
    rows = [tuple(cell.text for cell in row.cells) for row in table.rows]
    assert rows[1:] == expected


def test_unknown_format_is_404(client, manager, seed_plan):
    """An appendix in an unknown format is a 404, for a plan and for the consolidated list."""
    assert client.get(f"/plans/{seed_plan.id}/appendix.exe").status_code == 404
    assert client.get("/consolidated/appendix.odt").status_code == 404


def test_filtered_download_has_only_matching_rows_and_says_so(client, manager, seed_plan):
    """A filtered appendix holds only the matching rows, and its printed page names the filter."""
    response = client.get(f"/plans/{seed_plan.id}/appendix.csv?period=Quý IV/2020")
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [line[1] for line in lines[1:]] == [SEED_ROWS[1][1]]
    page = client.get(f"/plans/{seed_plan.id}/appendix?period=Quý IV/2020").get_data(as_text=True)
    assert "Thời gian trình: Quý IV/2020" in page


def test_a_download_without_a_valued_filter_does_not_look_up_the_plans_values(
        client, manager, seed_plan, monkeypatch):
    """The values present in the plan (three queries over its items) are read only when the
    query string asks for a lead, a period or a level; a plain download needs none."""
    from tracker.appendix.pages import routes

    looked_up = []
    real = routes.filter_choices
    monkeypatch.setattr(routes, "filter_choices", lambda plan_id: looked_up.append(plan_id)
                        or real(plan_id))
    plain = client.get(f"/plans/{seed_plan.id}/appendix.csv?progress=1&group=quarter")
    assert plain.status_code == 200 and len(plain.data.decode("utf-8-sig").splitlines()) > 3
    assert looked_up == []
    filtered = client.get(f"/plans/{seed_plan.id}/appendix.csv?period=Quý IV/2020")
    assert looked_up == [seed_plan.id]
    assert [line[1] for line in csv.reader(io.StringIO(filtered.data.decode("utf-8-sig")))][1:] \
        == [SEED_ROWS[1][1]]


def test_consolidated_list_groups_by_quarter_across_plans(client, auth, make_user, seed_plan):
    """The consolidated list spans every plan and groups by quarter in order, or by lead agency,
    with subtotals and a total."""
    make_plan(3, title="Danh mục của Sở Tài chính", owner="Sở Tài chính")
    auth.login(make_user("viewer", "Văn phòng UBND tỉnh"))
    page = client.get("/consolidated/appendix?group=quarter&numbering=per_group").get_data(as_text=True)
    assert "QUÝ III/2020" in page and "QUÝ IV/2020" in page
    assert page.index("QUÝ III/2020") < page.index("QUÝ IV/2020")
    assert "Cộng: " in page and "Tổng cộng: 6 đề án" in page
    listing = client.get("/consolidated").get_data(as_text=True)
    assert "Danh mục của Sở Tài chính" in listing and seed_plan.title in listing
    response = client.get("/consolidated/appendix.csv?group=lead")
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    headings = [line[0] for line in lines if line[0] and not line[0].isdigit() and line[0] != "STT"]
    assert "SỞ CÔNG THƯƠNG" in headings


def test_consolidated_list_is_scoped_to_what_the_user_may_read(client, auth, make_user, seed_plan):
    """The consolidated list shows only the items the user may read: none for an unrelated
    agency's officer."""
    make_plan(2, title="Danh mục riêng của Sở Nội vụ", owner="Sở Nội vụ", )
    auth.login(make_user("officer", "Sở Y tế"))
    page = client.get("/consolidated/appendix").get_data(as_text=True)
    assert seed_plan.title not in page and "Đề án số 1 về" not in page
    assert "<tbody>" in page and "<td>1</td>" not in page


def test_consolidated_downloads_run_a_constant_number_of_queries(client, auth, make_user,
                                                                  count_queries):
    """A consolidated download runs as many queries for 300 items as for 5."""
    auth.login(make_user("admin", "Văn phòng UBND tỉnh"))
    numbers = [n for _response, n in statements_as_plans_grow(
        client, count_queries, "/consolidated/appendix.docx?progress=1&group=quarter", (5, 300))]
    assert numbers[0] == numbers[1], numbers


# ---------------------------------------------------------------- import


def seed_docx(contacts_first: bool = False) -> bytes:
    """The seed as a Word user lays it out: title, "(Kèm theo …)", then the table;
    optionally after another table that is not an appendix (a list of contacts)."""
    document = docx.Document()
    if contacts_first:
        contacts = document.add_table(rows=2, cols=2)
        for cell, text in zip(contacts._cells, ("Họ và tên", "Điện thoại", "Nguyễn Văn A",
                                                "0294 3855"), strict=True):
            cell.text = text
    document.add_paragraph("DANH MỤC ĐỀ ÁN TRÌNH UBND TỈNH 6 THÁNG CUỐI NĂM 2020")
    document.add_paragraph("(Kèm theo Báo cáo số 351/BC-SCT ngày 29/5/2020 của Sở Công Thương)")
    table = document.add_table(rows=1, cols=6)
    header = SEED_TEXT.splitlines()[0].split("\t")
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in SEED_ROWS:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def seed_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["DANH MỤC ĐỀ ÁN TRÌNH UBND TỈNH"])
    sheet.append([])
    sheet.append(SEED_TEXT.splitlines()[0].split("\t"))
    for row in SEED_ROWS:
        sheet.append([int(row[0]), *row[1:]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def start_import(client, **data):
    """POST the new-list import form; the owner is the signed-in manager's agency."""
    owner = db.session.scalar(sa.select(Agency.id).where(Agency.name == "Sở Công Thương"))
    form = {"title": "Danh mục nhập", "owner_agency_id": str(owner), **data}
    return client.post("/plans/import", data=form, content_type="multipart/form-data")


def confirm(client, preview_url: str, **choices):
    return client.post(preview_url, data=choices)


@pytest.mark.parametrize("source", ["paste", "docx", "xlsx"])
def test_the_seed_imported_from_each_source_gives_its_three_items(client, manager, source):
    """Pasted, Word or Excel, the seed appendix previews without writing, then saves its three
    items with the existing agencies."""
    data = {}
    if source == "paste":
        data["pasted"] = SEED_TEXT
    else:
        content = seed_docx() if source == "docx" else seed_xlsx()
        data["upload"] = (io.BytesIO(content), f"phu-luc.{source}")
    response = start_import(client, **data)
    assert response.status_code == 302, response.get_data(as_text=True)
    preview = client.get(response.location)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert all(row[1] in page for row in SEED_ROWS)
    before = counts()
    assert before[0] == 1  # only the demo plan so far: the preview wrote nothing
    response = confirm(client, response.location)
    assert response.status_code == 302
    plan_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    assert items_of(plan_id) == [tuple(row) for row in SEED_ROWS]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportDraft)) == 0
    # The lead agency is the existing one, not a copy.
    assert counts()[2] == before[2]


def test_a_new_list_takes_its_title_and_attached_line_from_the_file(client, manager):
    """A new list takes its title and "Kèm theo" line from the file; a pasted table with no
    title line is refused."""
    response = start_import(client, title="", upload=(io.BytesIO(seed_docx()), "phu-luc.docx"))
    assert response.status_code == 302, response.get_data(as_text=True)
    response = confirm(client, response.location)
    plan = db.session.get(Plan, int(response.location.rsplit("/", 1)[1]))
    assert plan.title == "DANH MỤC ĐỀ ÁN TRÌNH UBND TỈNH 6 THÁNG CUỐI NĂM 2020"
    assert plan.attached_to == "Báo cáo số 351/BC-SCT ngày 29/5/2020 của Sở Công Thương"
    # A typed title wins; a pasted table has no title line, so one must be typed.
    response = start_import(client, title="", pasted=SEED_TEXT)
    assert response.status_code == 400
    assert "không có dòng tên" in response.get_data(as_text=True)


def test_unknown_agency_must_be_created_or_mapped_before_saving(client, manager, seed_plan):
    """An unknown lead agency must be created or mapped to an existing one before the import
    saves anything."""
    pasted = ("Tên đề án\tCơ quan chủ trì\tThời gian trình\n"
              "Đề án A\tSở CT\tQuý I/2021\n"
              "Đề án B\tBan Quản lý Khu kinh tế\tQuý II/2021\n"
              "Đề án C\tSở Cong Thuong tỉnh nhà\tQuý II/2021\n")
    response = client.post(f"/plans/{seed_plan.id}/import", data={"pasted": pasted},
                           content_type="multipart/form-data")
    preview = response.location
    page = client.get(preview).get_data(as_text=True)
    assert "Ban Quản lý Khu kinh tế" in page and "Tạo cơ quan mới" in page
    before = counts()
    response = confirm(client, preview)
    assert response.status_code == 400
    assert "Hãy chọn" in response.get_data(as_text=True)
    assert counts() == before
    sct = db.session.scalar(sa.select(Agency).where(Agency.name == "Sở Công Thương"))
    # agency-0 / agency-1: the unknown names in the order they appear.
    response = confirm(client, preview, **{"agency-0": "new", "agency-1": str(sct.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    leads = [row[2] for row in items_of(seed_plan.id)[3:]]
    assert leads == ["Sở Công Thương", "Ban Quản lý Khu kinh tế", "Sở Công Thương"]
    assert counts()[2] == before[2] + 1


def test_a_row_with_an_error_blocks_the_whole_import(client, manager, seed_plan):
    """One row with an error ("Quý V") blocks the whole import: nothing is saved."""
    pasted = ("Tên đề án\tCơ quan chủ trì\tThời gian trình\n"
              "Đề án tốt\tSở Công Thương\tQuý I/2021\n"
              "Đề án xấu\tSở Công Thương\tQuý V/2021\n")
    response = client.post(f"/plans/{seed_plan.id}/import", data={"pasted": pasted},
                           content_type="multipart/form-data")
    preview = response.location
    page = client.get(preview).get_data(as_text=True)
    assert "Quý phải từ I đến IV" in page
    before = counts()
    response = confirm(client, preview)
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize("name, content, message", [
    ("phu-luc.csv", SEED_TEXT.replace("\t", ",").encode("cp1258", errors="replace"), "UTF-8"),
    ("phu-luc.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".docx"),
    ("phu-luc.docx", b"PK\x03\x04 not really a zip", ""),
    ("anh.png", b"\x89PNG\r\n\x1a\n", ""),
])
def test_malformed_files_get_a_message_and_write_nothing(client, manager, name, content, message):
    """A file that is not a readable appendix (wrong encoding, old .doc, broken zip, image) gets
    a message; nothing is written."""
    before = counts()
    response = start_import(client, upload=(io.BytesIO(content), name))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'class="error"' in page
    assert counts() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportDraft)) == 0


def test_a_zip_bomb_is_refused_without_being_inflated(client, manager, tmp_path):
    """A .docx that inflates to 200 MB is refused without being inflated, and nothing is written."""
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(200):
                member.write(chunk)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    before = counts()
    response = start_import(client, upload=(io.BytesIO(bomb.read_bytes()), "bomb.docx"))
    assert response.status_code == 400
    assert counts() == before


def test_an_upload_over_the_limit_is_refused_with_413(client, manager):
    """An upload over the size limit is refused with 413 and "quá lớn"; nothing is written."""
    before = counts()
    response = start_import(client, upload=(io.BytesIO(b"x" * (50 * 1024 * 1024)), "big.csv"))
    assert response.status_code == 413
    assert "quá lớn" in response.get_data(as_text=True)
    assert counts() == before


def test_someone_elses_draft_is_not_found(client, auth, manager, make_user, seed_plan):
    """Another user's import draft is a 404, to see and to confirm."""
    response = client.post(f"/plans/{seed_plan.id}/import", data={"pasted": SEED_TEXT},
                           content_type="multipart/form-data")
    preview = response.location
    auth.logout()
    auth.login(make_user("manager", "Sở Công Thương"))
    assert client.get(preview).status_code == 404
    assert confirm(client, preview).status_code == 404


def test_rows_already_in_the_plan_or_twice_in_the_file_are_pointed_out(client, manager,
                                                                      seed_plan):
    """Rows already in the plan or twice in the file are pointed out as warnings, which do not
    block saving."""
    pasted = SEED_TEXT.rstrip("\n") + "\n4\tĐề án mới\tSở Công Thương\t\tQuý I/2021\tUBND tỉnh\n" \
        "5\tđề án  MỚI\tSở Công Thương\t\tQuý I/2021\tUBND tỉnh\n"
    response = client.post(f"/plans/{seed_plan.id}/import", data={"pasted": pasted},
                           content_type="multipart/form-data")
    page = client.get(response.location).get_data(as_text=True)
    assert page.count("đã có trong danh mục") == 3
    assert "trùng tên với dòng 5 của bảng" in page
    # Warnings do not block: the rows are saved if the user confirms.
    assert confirm(client, response.location).status_code == 302
    assert len(items_of(seed_plan.id)) == 8


def test_cancel_deletes_the_draft_and_writes_nothing(client, manager, seed_plan):
    """Cancelling an import deletes its draft and writes nothing."""
    response = client.post(f"/plans/{seed_plan.id}/import", data={"pasted": SEED_TEXT},
                           content_type="multipart/form-data")
    before = counts()
    response = client.post(f"{response.location}/cancel")
    assert response.status_code == 302
    assert counts() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportDraft)) == 0


def test_a_preview_from_before_the_split_buttons_cannot_save_by_cancelling(client, manager,
                                                                           seed_plan):
    """A page rendered before each button had its own URL posts "Hủy" to the save URL with
    the button's value: it cancels, and nothing is written."""
    response = client.post(f"/plans/{seed_plan.id}/import", data={"pasted": SEED_TEXT},
                           content_type="multipart/form-data")
    before = counts()
    answer = client.post(response.location, data={"action": "cancel"})
    assert answer.status_code == 302
    assert counts() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportDraft)) == 0


def test_consolidated_excel_has_one_sheet_per_plan_when_asked(client, auth, make_user, seed_plan):
    """The consolidated Excel file is one sheet, or one sheet per plan when asked."""
    make_plan(2, title="Danh mục của Sở Tài chính", owner="Sở Tài chính")
    auth.login(make_user("admin", "Văn phòng UBND tỉnh"))
    one = openpyxl.load_workbook(io.BytesIO(
        client.get("/consolidated/appendix.xlsx?group=plan").data))
    assert len(one.worksheets) == 1
    split = openpyxl.load_workbook(io.BytesIO(
        client.get("/consolidated/appendix.xlsx?group=plan&sheets=group").data))
    assert len(split.worksheets) == 2
    texts = [[str(c) for row in ws.iter_rows(values_only=True) for c in row if c]
             for ws in split.worksheets]
    assert SEED_ROWS[0][1] in texts[0] and "Đề án số 1 về phát triển công nghiệp" in texts[1]
    assert "Đề án số 1 về phát triển công nghiệp" not in texts[0]


def test_hostile_text_is_escaped_in_the_preview_and_neutralised_in_exports(client, manager,
                                                                           seed_plan):
    """Markup is escaped in the preview and the print view, and a formula is exported as text
    (CSV and Excel)."""
    hostile = '=HYPERLINK("http://x","<script>alert(1)</script>")'
    pasted = ("Tên đề án\tCơ quan chủ trì\tThời gian trình\tGhi chú\n"
              f"{hostile}\tSở Công Thương\tQuý I/2021\t<img src=x onerror=alert(1)>\n")
    response = client.post(f"/plans/{seed_plan.id}/import", data={"pasted": pasted},
                           content_type="multipart/form-data")
    page = client.get(response.location).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert confirm(client, response.location).status_code == 302
    lines = list(csv.reader(io.StringIO(
        client.get(f"/plans/{seed_plan.id}/appendix.csv").data.decode("utf-8-sig"))))
    assert lines[-1][1] == "'" + hostile
    sheet = openpyxl.load_workbook(io.BytesIO(
        client.get(f"/plans/{seed_plan.id}/appendix.xlsx").data)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == hostile]
    assert cells and all(cell.data_type == "s" for cell in cells)
    printed = client.get(f"/plans/{seed_plan.id}/appendix").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in printed


@pytest.mark.parametrize("pasted, message", [
    ("Họ và tên\tNgày sinh\nNguyễn Văn A\t1/1/1990\n", "Thiếu cột"),
    ("STT\tTên đề án\tCơ quan chủ trì\tThời gian trình\n", "không có"),
])
def test_a_table_that_is_not_an_appendix_stays_on_the_upload_form(client, manager, seed_plan,
                                                                 pasted, message):
    """A table that is not an appendix (missing columns, no rows) stays on the upload form with
    an error; no draft."""
    before = counts()
    response = client.post(f"/plans/{seed_plan.id}/import", data={"pasted": pasted},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'class="error"' in page
    assert counts() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportDraft)) == 0


def test_the_user_picks_another_table_of_a_word_file(client, manager, seed_plan):
    """In a Word file with several tables the first appendix is chosen; the user may pick
    another, and a wrong one cannot be saved."""
    response = client.post(f"/plans/{seed_plan.id}/import", content_type="multipart/form-data",
                           data={"upload": (io.BytesIO(seed_docx(contacts_first=True)),
                                               "hai-bang.docx")})
    assert response.status_code == 302
    preview = response.location
    draft = db.session.scalar(sa.select(ImportDraft))
    assert draft.table_index == 1                      # the first table that is an appendix
    page = client.get(preview).get_data(as_text=True)
    assert "Bảng 1" in page and "Bảng 2" in page and SEED_ROWS[0][1] in page
    response = client.post(f"{preview}/table", data={"table_index": "0"})
    assert response.status_code == 302
    page = client.get(preview).get_data(as_text=True)
    assert "Thiếu cột" in page and SEED_ROWS[0][1] not in page
    assert confirm(client, preview).status_code == 400
    assert len(items_of(seed_plan.id)) == 3


def test_the_appendix_label_is_printed_above_the_title_and_read_back(client, manager, seed_plan):
    """The appendix label ("PHỤ LỤC II") is printed above the title in every format, and an
    import reads it back."""
    owner = db.session.scalar(sa.select(Agency.id).where(Agency.name == "Sở Công Thương"))
    response = client.post(f"/plans/{seed_plan.id}/edit", data={
        "title": seed_plan.title, "owner_agency_id": str(owner),
        "attached_to": seed_plan.attached_to, "appendix_label": "Phụ lục II", "version": "1"})
    assert response.status_code == 302
    printed = client.get(f"/plans/{seed_plan.id}/appendix").get_data(as_text=True)
    assert printed.index('<p class="appendix-label">PHỤ LỤC II</p>') < printed.index("<h1")
    document = docx.Document(io.BytesIO(client.get(f"/plans/{seed_plan.id}/appendix.docx").data))
    assert [p.text for p in document.paragraphs[:2]] == ["PHỤ LỤC II", seed_plan.title.upper()]
    workbook = client.get(f"/plans/{seed_plan.id}/appendix.xlsx").data
    assert openpyxl.load_workbook(io.BytesIO(workbook)).worksheets[0]["A1"].value == "PHỤ LỤC II"
    # The exported workbook imported as a new list keeps label, title and "Kèm theo" line.
    response = start_import(client, title="", upload=(io.BytesIO(workbook), "phu-luc.xlsx"))
    response = confirm(client, response.location)
    plan = db.session.get(Plan, int(response.location.rsplit("/", 1)[1]))
    assert (plan.appendix_label, plan.title, plan.attached_to) == \
        ("PHỤ LỤC II", seed_plan.title.upper(), seed_plan.attached_to)


def test_the_consolidated_list_of_one_department(client, auth, make_user, seed_plan):
    """The consolidated list can be limited to one owner, which it names; an unreadable or junk
    owner gives the whole list."""
    make_plan(2, title="Danh mục của Sở Tài chính", owner="Sở Tài chính")
    auth.login(make_user("viewer", "Văn phòng UBND tỉnh"))
    finance = db.session.scalar(sa.select(Agency.id).where(Agency.name == "Sở Tài chính"))
    page = client.get("/consolidated").get_data(as_text=True)
    assert f'<option value="{finance}">Sở Tài chính</option>' in page
    printed = client.get(f"/consolidated/appendix?owner={finance}").get_data(as_text=True)
    assert "Đơn vị lập danh mục: Sở Tài chính" in printed
    assert "Đề án số 1 về phát triển công nghiệp" in printed
    assert SEED_ROWS[0][1] not in printed
    lines = list(csv.reader(io.StringIO(client.get(
        f"/consolidated/appendix.csv?owner={finance}").data.decode("utf-8-sig"))))
    assert len(lines) == 3
    # An owner the user may not see, or junk, is ignored: the whole list.
    everything = client.get("/consolidated/appendix?owner=999999").get_data(as_text=True)
    assert SEED_ROWS[0][1] in everything and "Đơn vị lập danh mục" not in everything
