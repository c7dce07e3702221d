"""Agencies come and go on purpose: an unknown lead agency on the item form is a question
(the closest names, an explicit "Tạo cơ quan mới"), every creation is in the admin journal,
an agency nothing refers to can be deleted, and two agencies can be merged. On SQLite and
PostgreSQL."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from conftest import PASSWORD

from tracker.admin import service
from tracker.extensions import db
from tracker.models import (
    Agency,
    AuditEntry,
    ImportDraft,
    Item,
    JournalEntry,
    Plan,
    User,
    item_coordinators,
    item_leads,
)

NEW_ITEM = {"title": "Đề án mới", "due_period": "Quý IV/2026", "approving_level": "UBND tỉnh",
            "coordination": ""}


def text(response) -> str:
    return response.get_data(as_text=True)


def agency_named(name: str) -> Agency | None:
    return db.session.scalar(sa.select(Agency).where(Agency.name == name))


def created_entries() -> dict[int, AuditEntry]:
    """target agency id → its "agency.create" entry."""
    return {entry.target_id: entry for entry in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "agency.create"))}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def signed_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}
                       ).status_code == 302
    return client


@pytest.fixture
def manager(make_user, seed_plan):
    """A manager of Sở Công Thương, which owns the seed plan (1); Sở Tài chính exists."""
    make_user("officer", "Sở Tài chính")
    return make_user("manager", "Sở Công Thương", name="Nguyễn Thị Thu")


@pytest.fixture
def admin(make_user, seed_plan):
    return make_user("admin", "Văn phòng UBND tỉnh", name="Quản trị viên")


# ---- the item form ---------------------------------------------------------------------------

def test_an_unknown_lead_agency_is_a_question_not_a_new_agency(app, manager):
    """A typo ("Sở Tài chánh") finds no agency: the form comes back with "Không có cơ quan này;
    có phải: Sở Tài chính?" and the "Tạo cơ quan mới" box; nothing is created."""
    client = signed_in(app, manager)
    agencies, items = count(Agency), count(Item)
    response = client.post("/plans/1/items/new", data={**NEW_ITEM,
                                                       "lead_agency_name": "Sở Tài chánh"})
    assert response.status_code == 400
    page = text(response)
    assert "Không có cơ quan này; có phải: Sở Tài chính?" in page
    assert 'name="create_agency"' in page and "Tạo cơ quan mới" in page
    assert 'data-value="Sở Tài chính"' in page   # the button that puts it in the field
    assert re.search(r'name="create_agency_for" type="hidden" value="Sở Tài chánh"', page)
    assert (count(Agency), count(Item)) == (agencies, items)

    # The box ticked for another text is asked again, for the new text.
    response = client.post("/plans/1/items/new", data={
        **NEW_ITEM, "lead_agency_name": "Sở Tài chánh tỉnh", "create_agency": "y",
        "create_agency_for": "Sở Tài chánh"})
    assert response.status_code == 400 and "Không có cơ quan này" in text(response)
    assert (count(Agency), count(Item)) == (agencies, items)

    # The existing name, as the suggestion gives it: saved with no question.
    response = client.post("/plans/1/items/new", data={**NEW_ITEM,
                                                       "lead_agency_name": "Sở Tài chính"})
    assert response.status_code == 302
    assert count(Agency) == agencies


def test_a_new_agency_is_created_when_the_box_is_ticked_and_journaled(app, manager):
    """Ticked for the very text typed, the agency is created, and the admin journal says who
    created it, from the item form."""
    client = signed_in(app, manager)
    response = client.post("/plans/1/items/new", data={
        **NEW_ITEM, "lead_agency_name": "Ban Quản lý khu kinh tế", "create_agency": "y",
        "create_agency_for": "Ban Quản lý khu kinh tế"})
    assert response.status_code == 302
    agency = agency_named("Ban Quản lý khu kinh tế")
    entry = created_entries()[agency.id]
    assert (entry.actor_id, entry.target_type) == (manager.id, "agency")
    assert entry.details.splitlines() == ["name: — → Ban Quản lý khu kinh tế",
                                          "source: item_form"]


def test_a_known_name_under_another_spelling_asks_nothing(app, manager):
    """"Sở TC" is Sở Tài chính (the import's matching): no question, no new agency."""
    client = signed_in(app, manager)
    agencies = count(Agency)
    response = client.post("/plans/1/items/new", data={**NEW_ITEM, "lead_agency_name": "Sở TC"})
    assert response.status_code == 302 and count(Agency) == agencies


def test_the_agency_question_comes_with_the_other_errors(app, manager):
    """Every error at once: a bad period and an unknown agency in one answer."""
    client = signed_in(app, manager)
    response = client.post("/plans/1/items/new", data={
        **NEW_ITEM, "due_period": "Quý V/2026", "lead_agency_name": "Sở Tài chánh"})
    assert response.status_code == 400
    page = text(response)
    assert "Không có cơ quan này" in page and "Quý V/2026" in page


def test_an_edit_asks_only_about_a_changed_lead(app, manager):
    """Saving an item with its lead as it is asks nothing; a new unknown lead is asked about
    (and with no close name, says so)."""
    client = signed_in(app, manager)
    item = db.session.get(Item, 1)
    data = {"title": item.title, "lead_agency_name": "Sở Công Thương",
            "coordination": item.coordination, "due_period": item.due_period,
            "approving_level": item.approving_level, "version": str(item.version)}
    assert client.post("/items/1/edit", data={**data, "title": "Tên mới"}).status_code == 302
    response = client.post("/items/1/edit", data={**data, "lead_agency_name": "Cục Hải quan",
                                                  "version": str(item.version + 1)})
    assert response.status_code == 400
    assert "Không có cơ quan này trong hệ thống." in text(response)
    assert agency_named("Cục Hải quan") is None


def test_each_unknown_name_of_a_published_lead_cell_is_named(app, manager, runner, tmp_path):
    """An imported list's lead cell may name several agencies: the unknown one is named."""
    source = tmp_path / "list.tsv"
    source.write_text("Danh mục nhiệm vụ năm 2026\n"
                      "STT\tNhiệm vụ\tChủ trì\tThời gian hoàn thành\n"
                      "1\tNhiệm vụ một\tSở Công Thương\tQuý IV/2026\n", encoding="utf-8")
    assert runner.invoke(args=["import-appendix", str(source), "--owner", "Sở Công Thương"]
                         ).exit_code == 0
    plan_id = db.session.scalar(sa.select(sa.func.max(Plan.id)))
    client = signed_in(app, manager)
    response = client.post(f"/plans/{plan_id}/items/new", data={
        "title": "Nhiệm vụ hai", "lead_agency_name": "Sở Công Thương; Sở Tài chánh",
        "due_period": "Quý IV/2026"})
    assert response.status_code == 400
    assert "Không có cơ quan “Sở Tài chánh”; có phải: Sở Tài chính?" in text(response)


# ---- every creation is journaled ---------------------------------------------------------------

def test_every_way_an_agency_is_created_is_journaled(app, admin, runner, tmp_path):
    """The agencies page, an import (web and command line), `create-admin` and the demo:
    each new agency has its "agency.create" entry, with who and from where."""
    client = signed_in(app, admin)
    assert client.post("/admin/agencies", data={"name": "Sở Y tế", "active": "y"}
                       ).status_code == 302
    pasted = ("STT\tTên đề án\tCơ quan chủ trì\tThời gian trình\n"
              "1\tĐề án một\tSở Khoa học và Công nghệ\tQuý IV/2026")
    preview = client.post("/plans/1/import", data={"pasted": pasted},
                          content_type="multipart/form-data").location
    draft_id = int(preview.rstrip("/").rsplit("/", 1)[1])
    response = client.post(f"/imports/{draft_id}", data={"action": "save", "agency-0": "new"})
    assert response.status_code == 302, text(response)
    source = tmp_path / "list.tsv"
    source.write_text("Danh mục năm 2026\nSTT\tTên đề án\tCơ quan chủ trì\tThời gian trình\n"
                      "1\tĐề án hai\tSở Ngoại vụ\tQuý IV/2026\n", encoding="utf-8")
    assert runner.invoke(args=["import-appendix", str(source), "--owner", "Sở Du lịch"]
                         ).exit_code == 0
    assert runner.invoke(args=["create-admin", "qt2@so.gov.vn", "--name", "Quản trị hai",
                               "--agency", "Sở Thông tin và Truyền thông", "--password",
                               "mot-mat-khau-rat-dai-2026"]).exit_code == 0

    entries = created_entries()
    expected = {"Sở Y tế": (admin.id, None), "Sở Khoa học và Công nghệ": (admin.id, "import"),
                "Sở Ngoại vụ": (None, "command"), "Sở Du lịch": (None, "command"),
                "Sở Thông tin và Truyền thông": (None, "command")}
    for name, (actor_id, source_code) in expected.items():
        entry = entries[agency_named(name).id]
        sources = [line for line in entry.details.splitlines() if line.startswith("source: ")]
        assert (entry.actor_id, sources) == \
            (actor_id, [f"source: {source_code}"] if source_code else []), name
    # The demo's agencies (seed_plan loads it) are journaled too.
    for name in ("Văn phòng UBND tỉnh", "Sở Công Thương", "Sở Tài chính"):
        assert "source: demo" in entries[agency_named(name).id].details.splitlines(), name


# ---- deleting ------------------------------------------------------------------------------

def test_an_agency_nothing_refers_to_is_deleted_and_journaled(app, admin):
    """A typo agency with no item, list, user or journal entry: deleted, journaled with its
    name, and the journal page still names it. An import draft for a list it would own goes
    with it."""
    typo = Agency("Sở Tài chánh")
    db.session.add(typo)
    db.session.flush()
    db.session.add(ImportDraft(user_id=admin.id, owner_agency_id=typo.id, tables=[]))
    db.session.commit()
    typo_id = typo.id
    client = signed_in(app, admin)
    page = text(client.get(f"/admin/agencies/{typo_id}"))
    assert "Không có gì gắn với cơ quan này" in page and "Xóa cơ quan này" in page
    response = client.post(f"/admin/agencies/{typo_id}/delete")
    assert response.status_code == 302 and response.location.endswith("/admin/agencies")
    assert db.session.get(Agency, typo_id) is None and count(ImportDraft) == 0
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "agency.delete"))
    assert (entry.actor_id, entry.target_id, entry.details) == \
        (admin.id, typo_id, "name: Sở Tài chánh → —")
    journal = text(client.get("/admin/audit"))
    assert "Xóa cơ quan" in journal and "Tên cơ quan: Sở Tài chánh → —" in journal
    assert f"(đã xóa) #{typo_id}" in journal


@pytest.mark.parametrize("reference", ["user", "lead", "co-lead", "coordinator", "owner",
                                       "journal"])
def test_an_agency_in_use_is_not_deleted(app, admin, reference):
    """Users, items it leads, co-leads or coordinates, lists it owns, journal entries of its
    people: any of them keeps the agency; the refusal says what refers to it."""
    agency = Agency("Sở Tài chánh")
    db.session.add(agency)
    db.session.flush()
    item = db.session.get(Item, 2)
    if reference == "user":
        db.session.add(User(email="x@so.gov.vn", name="X", role="officer", agency=agency,
                            password_hash="!"))
    elif reference == "lead":
        item.lead_agency_id = agency.id
    elif reference == "co-lead":
        db.session.execute(item_leads.insert().values(item_id=2, agency_id=agency.id))
    elif reference == "coordinator":
        db.session.execute(item_coordinators.insert().values(item_id=2,
                                                                 agency_id=agency.id))
    elif reference == "owner":
        db.session.get(Plan, 1).owner_agency_id = agency.id
    else:
        db.session.add(JournalEntry(item_id=2, agency_id=agency.id, kind="comment",
                                    note="Ghi chú"))
    db.session.commit()
    client = signed_in(app, admin)
    assert "Xóa cơ quan này" not in text(client.get(f"/admin/agencies/{agency.id}"))
    response = client.post(f"/admin/agencies/{agency.id}/delete")
    assert response.status_code == 302
    assert "Không thể xóa Sở Tài chánh" in text(client.get(response.location))
    assert db.session.get(Agency, agency.id) is not None
    assert count(AuditEntry) == len(created_entries())   # only the demo's creations


# ---- merging -------------------------------------------------------------------------------

@pytest.fixture
def typo(app, admin):
    """"Sở Tài chánh", entered by mistake beside Sở Tài chính, and used everywhere: it owns a
    list, leads an item, co-leads one with Sở Tài chính, coordinates two (one with Sở Tài
    chính), has a user who wrote in a journal, an import draft, and a shared mailbox."""
    kept = agency_named("Sở Tài chính")
    agency = Agency("Sở Tài chánh", shared_mailbox="vanthu@stc.gov.vn")
    db.session.add(agency)
    db.session.flush()
    user = User(email="an.stc@so.gov.vn", name="Lê Văn An", role="officer", agency=agency)
    user.set_password(PASSWORD)
    db.session.add(user)
    plan = Plan(title="Danh mục của Sở Tài chánh", owner_agency_id=agency.id)
    db.session.add(plan)
    db.session.flush()
    led = Item(plan_id=plan.id, position=1, title="Đề án A", lead_agency_id=agency.id,
                   due_period="Quý IV/2026", original_due_period="Quý IV/2026")
    db.session.add(led)
    db.session.flush()
    db.session.execute(item_leads.insert(), [
        {"item_id": led.id, "agency_id": agency.id},
        {"item_id": 2, "agency_id": agency.id}, {"item_id": 2, "agency_id": kept.id}])
    db.session.execute(item_coordinators.insert(), [
        {"item_id": 1, "agency_id": agency.id}, {"item_id": 3, "agency_id": agency.id},
        {"item_id": 3, "agency_id": kept.id}])
    db.session.add(JournalEntry(item_id=led.id, user_id=user.id, agency_id=agency.id,
                                kind="comment", note="Đang soạn"))
    db.session.add(ImportDraft(user_id=admin.id, owner_agency_id=agency.id, tables=[]))
    db.session.commit()
    return agency.id, kept.id, user.id, plan.id, led.id


def links(table, item_id: int) -> list[int]:
    return sorted(db.session.scalars(sa.select(table.c.agency_id)
                                     .where(table.c.item_id == item_id)))


def test_merging_moves_everything_to_the_agency_kept(app, admin, typo):
    """Items (lead, co-lead, coordinator: one link where both were named), the list, the
    user, the journal entries, the draft and the shared mailbox move; the typo is gone; the
    admin journal has the merge with what moved; the moved user goes on working."""
    typo_id, kept_id, user_id, plan_id, led_id = typo
    device = signed_in(app, db.session.get(User, user_id))
    client = signed_in(app, admin)
    page = text(client.get(f"/admin/agencies/{typo_id}/merge"))
    assert "Chuyển sang cơ quan được giữ: 4 đề án, 1 danh mục, 1 người dùng, 1 mục nhật ký." \
        in page
    response = client.post(f"/admin/agencies/{typo_id}/merge",
                           data={"into": str(kept_id), "confirm": "y"})
    assert response.status_code == 302 and response.location.endswith(f"/admin/agencies/{kept_id}")

    assert db.session.get(Agency, typo_id) is None
    assert db.session.get(Item, led_id).lead_agency_id == kept_id
    assert links(item_leads, led_id) == [kept_id]
    for table, item_id in ((item_leads, 2), (item_coordinators, 1),
                           (item_coordinators, 3)):
        assert kept_id in links(table, item_id) and typo_id not in links(table, item_id)
    assert db.session.get(Plan, plan_id).owner_agency_id == kept_id
    assert db.session.get(User, user_id).agency_id == kept_id
    assert db.session.scalar(sa.select(JournalEntry.agency_id)
                             .where(JournalEntry.item_id == led_id)) == kept_id
    assert db.session.scalar(sa.select(ImportDraft.owner_agency_id)) == kept_id
    assert db.session.get(Agency, kept_id).shared_mailbox == "vanthu@stc.gov.vn"
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "agency.merge"))
    assert (entry.actor_id, entry.target_id) == (admin.id, kept_id)
    assert entry.details.splitlines() == [
        "merged: Sở Tài chánh → Sở Tài chính", "shared_mailbox: — → vanthu@stc.gov.vn",
        "items: 4", "plans: 1", "users: 1", "journal: 1"]
    journal = text(client.get("/admin/audit"))
    assert "Gộp cơ quan" in journal and "Gộp: Sở Tài chánh → Sở Tài chính" in journal
    assert "Đề án chuyển sang: 4" in journal
    assert device.get(f"/items/{led_id}").status_code == 200   # still signed in, same rights


def test_a_merge_moves_every_reference_the_schema_has(app):
    """Every foreign key to agency.id is one the merge moves or refreshes: a new table that
    refers to agencies must be added to it (or the merged agency could not be deleted)."""
    references = {(fk.parent.table.name, fk.parent.name) for table in db.metadata.tables.values()
                  for fk in table.foreign_keys if fk.column.table.name == "agency"}
    moved = {(links.name, "agency_id") for links in service.MERGED_LINKS}
    moved |= {(column.class_.__tablename__, column.key) for column in service.MERGED_COLUMNS}
    moved |= {(links.name, "agency_id") for links in service.REFRESHED_LINKS}
    assert references == moved


def test_merge_refusals_change_nothing(app, admin, typo):
    """Without the confirmation, into itself, into an unknown agency, or a consolidating
    office into an ordinary agency: 400 with the reason, nothing moved."""
    typo_id, kept_id, *_ = typo
    office = agency_named("Văn phòng UBND tỉnh")
    client = signed_in(app, admin)
    before = (count(Agency), count(AuditEntry))
    url = f"/admin/agencies/{typo_id}/merge"
    response = client.post(url, data={"into": str(kept_id)})
    assert response.status_code == 400 and "Đánh dấu ô này để xác nhận việc gộp." in text(response)
    assert client.post(url, data={"into": str(typo_id), "confirm": "y"}).status_code == 400
    assert client.post(url, data={"into": "99999", "confirm": "y"}).status_code == 400
    assert client.post(url, data={"into": "abc", "confirm": "y"}).status_code == 400
    response = client.post(f"/admin/agencies/{office.id}/merge",
                           data={"into": str(kept_id), "confirm": "y"})
    assert response.status_code == 400
    assert "Văn phòng UBND tỉnh là cơ quan tổng hợp còn Sở Tài chính thì không" in text(response)
    assert (count(Agency), count(AuditEntry)) == before
    assert db.session.get(Plan, typo[3]).owner_agency_id == typo_id
