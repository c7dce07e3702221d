"""An imported list in daily use: every agency its lead cell names may update the item, and
items are added and edited in the list's own shape (section, STT, its own columns)."""
from __future__ import annotations

import io
from pathlib import Path

import docx
import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, PlanSection

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real_appendices"
SECOND_LEAD = "Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương"


def import_set(runner, name: str) -> int:
    result = runner.invoke(args=["import-appendix", str(FIXTURES / f"{name}.docx"),
                                 "--owner", "Văn phòng UBND tỉnh"])
    assert result.exit_code == 0, result.output
    return int(result.stdout.split()[1].rstrip(":"))


def test_every_named_lead_agency_may_update_the_item(runner, client, auth, make_user):
    plan_id = import_set(runner, "chinh-phu-394-2025")
    first = db.session.scalar(sa.select(Item).where(Item.plan_id == plan_id)
                              .order_by(Item.position)
                              .options(so.joinedload(Item.lead_agency)))
    assert first.lead_agency.name == "Trung ương Mặt trận Tổ quốc Việt Nam"
    second_lead = db.session.scalar(sa.select(Agency).where(Agency.name == SECOND_LEAD))
    auth.login(make_user("officer", second_lead))
    assert client.get(f"/items/{first.id}").status_code == 200
    response = client.post(f"/items/{first.id}/status", data={
        "status": "in_progress", "note": "Đang xây dựng dự thảo", "version": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Item, first.id).status == "in_progress"
    # "Đề án của tôi" lists it; an officer of an agency the cell does not name may not update.
    assert "Đề án triển khai phong trào" in client.get("/plans/mine").get_data(as_text=True)
    auth.logout()
    auth.login(make_user("officer", "Sở Y tế"))
    response = client.post(f"/items/{first.id}/status", data={
        "status": "in_progress", "note": "x", "version": "2"})
    assert response.status_code == 403


def test_an_item_added_to_an_imported_list_takes_its_shape(runner, client, auth, make_user):
    plan_id = import_set(runner, "dong-nai-179-2025")
    section = db.session.scalar(sa.select(PlanSection).where(
        PlanSection.plan_id == plan_id, PlanSection.text == "II. Phát triển hạ tầng"))
    auth.login(make_user("manager", "Văn phòng UBND tỉnh"))
    form = client.get(f"/plans/{plan_id}/items/new").get_data(as_text=True)
    assert "Sản phẩm đầu ra" in form and "II. Phát triển hạ tầng" in form
    response = client.post(f"/plans/{plan_id}/items/new", data={
        "section_id": str(section.id), "title": "Nhiệm vụ bổ sung về hạ tầng số",
        "lead_agency_name": "Sở Xây dựng; UBND các phường, xã", "coordination": "",
        "due_period": "2026 - 2030", "approving_level": "", "extra_c5": "Kế hoạch"})
    assert response.status_code == 302, response.get_data(as_text=True)
    added = db.session.scalar(sa.select(Item).where(Item.title == "Nhiệm vụ bổ sung về "
                                                        "hạ tầng số")
                              .options(so.selectinload(Item.leads)))
    # After 2.1 … 2.9 of its section; its period kept as typed; both agencies linked (the
    # second to the list's own "UBND các phường xã": the same name but for a comma).
    assert (added.number_text, added.section_id, added.original_due_period) == \
        ("2.10", section.id, "2026 - 2030")
    assert sorted(a.name for a in added.leads) == ["Sở Xây dựng", "UBND các phường xã"]
    printed = docx.Document(io.BytesIO(client.get(f"/plans/{plan_id}/appendix.docx").data))
    rows = [[cell.text for cell in row.cells] for row in printed.tables[0].rows]
    at = next(i for i, row in enumerate(rows) if row[0] == "2.10")
    assert rows[at - 1][0] == "2.9" and rows[at + 1][0] == "III"
    assert rows[at][1:] == ["Nhiệm vụ bổ sung về hạ tầng số", "Sở Xây dựng; UBND các phường, xã",
                            "", "2026 - 2030", "Kế hoạch"]

    # Editing its own column is journaled and printed.
    response = client.post(f"/items/{added.id}/edit", data={
        "section_id": str(section.id), "number_text": "2.10", "title": added.title,
        "lead_agency_name": added.lead_text, "coordination": "", "due_period": "2026 - 2030",
        "approving_level": "", "extra_c5": "Kế hoạch và báo cáo", "version": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.scalars(sa.select(JournalEntry).where(
        JournalEntry.item_id == added.id, JournalEntry.kind == "edit")).one()
    assert (entry.field, entry.old_value, entry.new_value) == ("extra", "Kế hoạch",
                                                               "Kế hoạch và báo cáo")
    page = client.get(f"/items/{added.id}").get_data(as_text=True)
    assert "Sản phẩm đầu ra" in page and "Kế hoạch và báo cáo" in page
