"""`Item.ended_on` (the day an item's ending was documented, which the scorecard counts
from) stays equal to what the journal says (scorecard_reference.ended_dates)
after every kind of write, and the migration's backfill reproduces the reference."""
from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from api_support import Api, make_token
from factories import bare_items
from helpers import version
from scorecard_reference import ended_dates

from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, Plan

TZ = "Asia/Ho_Chi_Minh"
TODAY = date(2026, 11, 30)
SEED = Path(__file__).resolve().parent.parent / "tracker" / "demo" / "appendix-351-BC-SCT-2020.tsv"
MIGRATION = (Path(__file__).parent.parent / "migrations" / "versions"
             / "c7e2a9f4b318_item_ended_on.py")


def stored() -> dict[int, date | None]:
    db.session.expire_all()
    return dict(db.session.execute(sa.select(Item.id, Item.ended_on)).all())


def reference() -> dict[int, date | None]:
    dates = ended_dates(sa.true(), TZ)
    return {item_id: dates.get(item_id) for item_id in stored()}


def assert_in_step() -> dict[int, date | None]:
    now = stored()
    assert now == reference()
    return now


def post_status(client, item_id: int, **data):
    response = client.post(f"/items/{item_id}/status",
                           data={**data, "version": version(item_id)})
    assert response.status_code == 302, response.status_code
    return response


def test_every_web_write_keeps_ended_on_in_step(client, auth, officer, manager):
    """Status updates (submitted, issued, returned), an officer's withdrawal request and the
    manager's approval, a manager's withdrawal without a document date, a reinstatement: after
    each, every item's ended_on equals the journal's reading."""
    assert set(assert_in_step().values()) == {None}
    auth.login(officer)
    post_status(client, 1, status="submitted", document_ref="45/TTr-SCT",
                document_date="10/9/2020")
    assert assert_in_step()[1] == date(2020, 9, 10)
    auth.logout()
    auth.login(manager)
    post_status(client, 1, status="approved", document_ref="12/QĐ-UBND",
                document_date="20/9/2020")
    # Issued after a submission: dated by the submission.
    assert assert_in_step()[1] == date(2020, 9, 10)
    post_status(client, 2, status="submitted", document_ref="46/TTr-SCT",
                document_date="1/10/2020")
    post_status(client, 2, status="returned", note="Bổ sung hồ sơ")
    assert assert_in_step()[2] is None
    post_status(client, 2, status="submitted", document_ref="47/TTr-SCT",
                document_date="5/10/2020")
    assert assert_in_step()[2] == date(2020, 10, 5)
    auth.logout()

    auth.login(officer)
    post_status(client, 3, status="withdrawn", note="Không còn phù hợp")
    assert assert_in_step()[3] is None      # only a request: nothing ended yet
    auth.logout()
    auth.login(manager)
    assert client.post("/items/3/decision", data={
        "decision": "approve", "document_ref": "3456/UBND-KT", "document_date": "5/10/2020",
        "version": version(3)}).status_code == 302
    assert assert_in_step()[3] == date(2020, 10, 5)
    assert client.post("/items/3/reinstate", data={
        "reason": "Giao lại", "version": version(3)}).status_code == 302
    assert assert_in_step()[3] is None

    # A manager withdraws at once, with no document: the local day it was recorded.
    post_status(client, 3, status="withdrawn", note="Đã có văn bản khác")
    entry = db.session.scalars(sa.select(JournalEntry).where(JournalEntry.item_id == 3)
                               .order_by(JournalEntry.id.desc())).first()
    assert assert_in_step()[3] == entry.created_at.astimezone(ZoneInfo(TZ)).date()


def test_an_api_status_write_keeps_ended_on_in_step(app, make_user, seed_plan):
    """A submission through the API sets ended_on to the Tờ trình's date."""
    api = Api(app, make_token(make_user("officer", "Sở Công Thương")))
    current = api.get("/items/1").get_json()["version"]
    response = api.post("/items/1/status", json={
        "status": "submitted", "document_ref": "45/TTr-SCT", "document_date": "2020-09-12"},
        headers={"If-Match": f'"{current}"'})
    assert response.status_code == 201, response.get_json()
    assert assert_in_step()[1] == date(2020, 9, 12)


def test_an_import_and_the_demo_keep_ended_on_in_step(app, runner):
    """Items written by the import command (not started) and by the demo (submitted and
    issued through the services) have the journal's ended_on."""
    from tracker.demo import load_demo

    result = runner.invoke(args=["import-appendix", str(SEED), "--title", "Danh mục",
                                 "--owner", "Sở Công Thương"])
    assert result.exit_code == 0, result.output
    load_demo(TODAY)
    db.session.commit()
    now = assert_in_step()
    assert any(day is not None for day in now.values())


def test_items_and_entries_written_directly_keep_ended_on_in_step(app):
    """Whatever the path: an item created already submitted, entries added to it in the same
    flush and later (one recorded late in the evening, UTC: the next day in Hà Nội), a status
    changed on the object, a rolled-back change."""
    item = bare_items(["submitted"])[0]
    db.session.add(JournalEntry(item_id=item.id, kind="status", old_status="in_progress",
                                new_status="submitted",
                                created_at=datetime(2026, 1, 1, 18, tzinfo=UTC)))
    db.session.commit()
    assert item.ended_on == date(2026, 1, 2)    # read in the same session, no reload
    assert assert_in_step()[item.id] == date(2026, 1, 2)
    item = db.session.get(Item, item.id)
    item.status = "withdrawn"
    db.session.add(JournalEntry(item_id=item.id, kind="status", old_status="submitted",
                                new_status="withdrawn", document_date=date(2026, 2, 3)))
    db.session.flush()
    assert db.session.scalar(sa.select(Item.ended_on).where(Item.id == item.id)) == \
        date(2026, 2, 3)
    db.session.rollback()
    assert assert_in_step()[item.id] == date(2026, 1, 2)


def test_the_migration_backfill_reproduces_the_reference(app):
    """The migration's frozen backfill gives every item the journal's ended_on (the demo's
    items and random journals), from an emptied column."""
    from tracker.demo import load_demo

    load_demo(TODAY)
    agency = db.session.scalar(sa.select(Agency).limit(1))
    plan = db.session.scalar(sa.select(Plan).limit(1))
    for n, status in enumerate(["submitted", "approved", "withdrawn", "in_progress"]):
        item = Item(plan_id=plan.id, position=100 + n, title=f"Đề án {n}",
                    lead_agency_id=agency.id, due_period="", original_due_period="",
                    approving_level="", status=status)
        db.session.add(item)
        db.session.flush()
        for k, new_status in enumerate(["submitted", "approved", "withdrawn"]):
            db.session.add(JournalEntry(
                item_id=item.id, kind="status", new_status=new_status,
                document_date=date(2026, 1, 1 + k) if (n + k) % 2 else None,
                created_at=datetime(2026, 1, 1, 17, tzinfo=UTC) + timedelta(days=n + k)))
    db.session.commit()
    expected = assert_in_step()
    assert any(day is not None for day in expected.values())
    db.session.execute(sa.update(Item.__table__).values(ended_on=None))
    spec = importlib.util.spec_from_file_location("ended_on_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration.backfill(db.session.connection(), TZ)
    assert stored() == expected
