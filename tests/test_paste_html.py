"""A table pasted from Word: the clipboard's HTML keeps the merged cells that its plain text
loses (a coordination cell written once for two items, an item printed on two lines)."""
from __future__ import annotations

import io

import sqlalchemy as sa

from tracker.appendix.importer import interpret_table
from tracker.appendix.readers import read_pasted_html
from tracker.extensions import db
from tracker.models import Agency, Item

# As Word puts a table on the clipboard (trimmed): MsoNormal paragraphs, &nbsp;, spans.
WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>
p.MsoNormal {margin:0cm}</style></head><body lang=VI>
<!--StartFragment--><table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0>
<tr><td><p class=MsoNormal><b>TT</b></p></td><td><p class=MsoNormal><b>Tên đề án</b></p></td>
<td><p class=MsoNormal><b>Cơ quan chủ trì</b></p></td>
<td><p class=MsoNormal><b>Cơ quan phối hợp</b></p></td>
<td><p class=MsoNormal><b>Thời hạn hoàn thành</b></p></td></tr>
<tr><td colspan=5><p class=MsoNormal><b>I.&nbsp;Môi trường</b></p></td></tr>
<tr><td rowspan=2><p class=MsoNormal>1</p></td><td rowspan=2><p class=MsoNormal>Đề án thứ nhất</p></td>
<td><p class=MsoNormal>Trung ương Mặt trận Tổ quốc Việt Nam</p></td>
<td><p class=MsoNormal>Bộ, cơ quan ngang bộ;</p>
<p class=MsoNormal>Đài Truyền hình Việt Nam</p></td>
<td rowspan=2><p class=MsoNormal>2030</p></td></tr>
<tr><td><p class=MsoNormal>Ủy ban nhân dân các tỉnh</p></td>
<td><p class=MsoNormal>Đài địa phương</p></td></tr>
<tr><td><p class=MsoNormal>2</p></td><td><p class=MsoNormal>Đề án thứ hai</p></td>
<td><p class=MsoNormal>Sở Tài chính</p></td>
<td rowspan=2><p class=MsoNormal>Các sở, ngành liên quan</p></td>
<td><p class=MsoNormal>Quý IV/2025</p></td></tr>
<tr><td><p class=MsoNormal>3</p></td><td><p class=MsoNormal>Đề án thứ ba</p></td>
<td><p class=MsoNormal>Sở Nội vụ</p></td><td><p class=MsoNormal>Năm 2026</p></td></tr>
</table><!--EndFragment--></body></html>"""


def test_word_html_keeps_merged_cells():
    table = read_pasted_html(WORD_HTML)
    assert table.rows[0] == ["TT", "Tên đề án", "Cơ quan chủ trì", "Cơ quan phối hợp",
                             "Thời hạn hoàn thành"]
    assert table.rows[1] == ["I. Môi trường", "", "", "", ""] and table.spans[(1, 0)] == 5
    assert table.rows[3] == ["1", "Đề án thứ nhất", "Ủy ban nhân dân các tỉnh", "Đài địa phương",
                             "2030"]
    assert {(3, 0), (3, 1), (3, 4), (5, 3)} == table.merged
    assert table.rows[2][3] == "Bộ, cơ quan ngang bộ;\nĐài Truyền hình Việt Nam"

    result = interpret_table(table)
    assert result.errors == []
    first, second, third = result.rows
    assert first.sub_rows == [{"lead_agency": "Ủy ban nhân dân các tỉnh",
                               "coordination": "Đài địa phương"}]
    # The coordination written once for items 2 and 3 belongs to both, printed merged.
    assert third.coordination == "Các sở, ngành liên quan" and third.merged_up == ["coordination"]
    assert [s.text for s in result.sections] == ["I. Môi trường"]


def test_html_without_a_table_is_left_to_the_plain_text():
    assert read_pasted_html("<p>Không có bảng</p>") is None
    assert read_pasted_html("") is None


def test_the_import_page_reads_the_clipboard_html(client, auth, make_user):
    auth.login(make_user("manager", "Văn phòng UBND tỉnh"))
    owner = db.session.scalar(sa.select(Agency.id).where(Agency.name == "Văn phòng UBND tỉnh"))
    plain = "\n".join("\t".join(row) for row in read_pasted_html(WORD_HTML).rows)
    response = client.post("/plans/import", data={
        "title": "Danh mục dán", "owner_agency_id": str(owner), "pasted": plain,
        "pasted_html": WORD_HTML})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.location).get_data(as_text=True)
    choices = {f"agency-{i}": "new" for i in range(page.count('name="agency-'))}
    saved = client.post(response.location, data=choices)
    assert saved.status_code == 302
    third = db.session.scalars(sa.select(Item).order_by(Item.position)).all()[2]
    assert third.coordination == "Các sở, ngành liên quan"
    assert third.extra == {"_merged_up": ["coordination"]}


def test_the_import_speaks_the_users_language(client, auth, make_user):
    """The preview's and the upload form's messages follow the user's language; the same
    rows read from the command line (no request) speak Vietnamese, the documents' language."""
    auth.login(make_user("manager", "Văn phòng UBND tỉnh", locale="en"))
    owner = db.session.scalar(sa.select(Agency.id).where(Agency.name == "Văn phòng UBND tỉnh"))
    refused = client.post("/plans/import", data={
        "title": "T", "owner_agency_id": str(owner), "pasted": "A\tB\n1\t2\n"})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Missing column" in page and "Thiếu cột" not in page
    response = client.post("/plans/import", data={
        "title": "T", "owner_agency_id": str(owner),
        "pasted": "STT\tTên đề án\tCơ quan chủ trì\tThời gian trình\n"
                  "1\tĐề án A\tSở Tài chính\tQuý V/2020\n2\tĐề án B\tSở Tài chính\tSau khi Bộ cho ý kiến\n"})
    preview = client.get(response.location).get_data(as_text=True)
    assert "give no quarter, month, year or date" in preview
    assert "The quarters must be I to IV" in preview       # the period's own message too

    refused = client.post("/plans/import", data={
        "title": "T", "owner_agency_id": str(owner),
        "upload": (io.BytesIO(b"%PDF-1.7 not a table"), "danh-muc.pdf")},
        content_type="multipart/form-data")
    assert "is a PDF: a table cannot be read from a PDF" in refused.get_data(as_text=True)

    from tracker.appendix.importer import read_table
    assert "Thiếu cột" in str(read_table("A\tB\n1\t2\n").errors[0])
