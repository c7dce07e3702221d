"""Scopes through the pages: each agency sees and changes what the policy allows, no more."""
import re

import pytest
import sqlalchemy as sa
from factories import make_plan
from helpers import text

from tracker.extensions import db
from tracker.models import Item, JournalEntry, Plan


@pytest.fixture
def plans(seed_plan):
    """Plan 1: Sở Công Thương's seed plan. Plan 2: Sở Nội vụ's plan; its items are led in turn
    by Sở Công Thương, Sở Tài chính, Sở Nội vụ, Sở Tư pháp, and all name Sở Tài chính."""
    other = make_plan(4, title="Danh mục Sở Nội vụ", owner="Sở Nội vụ")
    return seed_plan.id, other.id


def listed_plans(client) -> set[str]:
    return set(re.findall(r'href="/plans/(\d+)"', text(client.get("/plans/"))))


def test_plans_list_follows_the_scope(client, auth, make_user, plans):
    sct, snv = plans
    auth.login(make_user("viewer", "Văn phòng UBND tỉnh"))
    assert listed_plans(client) == {str(sct), str(snv)}
    auth.logout()
    auth.login(make_user("viewer", "Sở Tư pháp"))         # leads an item of plan 2 only
    assert listed_plans(client) == {str(snv)}
    auth.logout()
    auth.login(make_user("officer", "Sở Tài chính"))   # involved in plan 2 only
    assert listed_plans(client) == {str(snv)}
    assert client.get(f"/plans/{sct}").status_code == 403
    assert client.get(f"/plans/{snv}").status_code == 200
    auth.logout()
    auth.login(make_user("officer", "Sở Xây dựng"))
    assert listed_plans(client) == set()


def test_managers_manage_only_their_agencys_plans(client, auth, make_user, plans):
    sct, snv = plans
    auth.login(make_user("manager", "Sở Công Thương"))
    assert client.get(f"/plans/{sct}/edit").status_code == 200
    assert client.get(f"/plans/{snv}").status_code == 200          # involved: reads it
    assert client.get(f"/plans/{snv}/edit").status_code == 403     # but does not manage it
    office_id = db.session.scalar(sa.text("SELECT id FROM agency WHERE name = 'Văn phòng UBND tỉnh'"))
    response = client.post("/plans/new", data={"title": "X", "owner_agency_id": str(office_id)})
    assert response.status_code == 400                             # may not create for another
    auth.logout()
    auth.login(make_user("manager", "Văn phòng UBND tỉnh"))
    assert client.get(f"/plans/{snv}/edit").status_code == 200     # consolidating office
    item = db.session.scalar(sa.select(Item.id).where(Item.plan_id == snv))
    assert client.get(f"/items/{item}/edit").status_code == 200


def test_coordinating_officer_comments_but_cannot_change_status(client, auth, make_user, plans):
    _, snv = plans
    item = db.session.scalars(sa.select(Item).where(Item.plan_id == snv)
                              .options(sa.orm.joinedload(Item.lead_agency))
                              .order_by(Item.position)).first()
    assert item.lead_agency.name == "Sở Công Thương"   # led by SCT, coordinated by STC
    auth.login(make_user("officer", "Sở Tài chính"))
    page = text(client.get(f"/items/{item.id}"))
    assert 'name="status"' not in page and 'name="note"' in page
    assert f'action="/items/{item.id}/notes"' not in page
    before = db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))
    response = client.post(f"/items/{item.id}/status", data={
        "status": "submitted", "document_ref": "1/TTr", "document_date": "1/1/2021", "version": "1"})
    assert response.status_code == 400 and db.session.get(Item, item.id).status == "not_started"
    assert client.post(f"/items/{item.id}/notes", data={"notes": "x", "version": "1"}).status_code == 403
    assert client.post(f"/items/{item.id}/status", data={"note": "Sở Tài chính đã góp ý",
                                                         "version": "1"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == before + 1


def test_lead_officer_keeps_the_notes_column(client, auth, make_user, plans):
    auth.login(make_user("officer", "Sở Công Thương"))
    response = client.post("/items/1/notes", data={"notes": "Đang chờ số liệu", "version": "1"})
    assert response.status_code == 302
    assert db.session.get(Item, 1).notes == "Đang chờ số liệu"
    entry = db.session.scalars(sa.select(JournalEntry).order_by(JournalEntry.id.desc())).first()
    assert (entry.field, entry.new_value) == ("notes", "Đang chờ số liệu")
    assert "Đang chờ số liệu" in text(client.get("/plans/1/appendix?progress=1"))
    # Officers still cannot edit the item's fields.
    assert client.post("/items/1/edit", data={"title": "x", "version": "2"}).status_code == 403


def test_forged_update_on_another_agencys_item_changes_nothing(client, auth, make_user, plans):
    auth.login(make_user("officer", "Sở Nội vụ"))   # owns plan 2, nothing to do with plan 1
    before = db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))
    for url, data in (("/items/1/status", {"status": "submitted", "document_ref": "9/TTr",
                                           "document_date": "1/1/2021", "version": "1"}),
                      ("/items/1/notes", {"notes": "x", "version": "1"}),
                      ("/items/1/decision", {"decision": "approve", "version": "1"})):
        assert client.post(url, data=data).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == before
    assert db.session.get(Item, 1).status == "not_started"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 2
