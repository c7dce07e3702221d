"""`Item.refusal_unanswered` (the latest entry of the item's journal is a refused request,
which the start page's "waiting for your answer" counts from) stays equal to what the
journal says after every kind of write, and the migration's backfill reproduces it."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from factories import bare_items
from helpers import version

from tracker.extensions import db
from tracker.models import Item, JournalEntry
from tracker.plans.refusals import REFUSALS
from tracker.plans.service import awaiting_answer

MIGRATION = (Path(__file__).parent.parent / "migrations" / "versions"
             / "a4e7b2c9d013_item_refusal_unanswered.py")


def stored() -> dict[int, bool]:
    db.session.expire_all()
    return {item_id: bool(flag) for item_id, flag in
            db.session.execute(sa.select(Item.id, Item.refusal_unanswered)).all()}


def reference() -> dict[int, bool]:
    """The rule read from the journal in Python: the latest entry is a refusal."""
    latest: dict[int, str] = {}
    for item_id, kind in db.session.execute(
            sa.select(JournalEntry.item_id, JournalEntry.kind).order_by(JournalEntry.id)):
        latest[item_id] = kind
    return {item_id: latest.get(item_id) in REFUSALS for item_id in stored()}


def assert_in_step() -> dict[int, bool]:
    now = stored()
    assert now == reference()
    return now


def answering() -> set[int]:
    return set(db.session.scalars(sa.select(Item.id).where(awaiting_answer())))


def test_a_refusal_waits_for_an_answer_until_the_next_entry(client, auth, officer, manager):
    """An officer asks to postpone, the manager refuses: the item waits for its agency's
    answer; the officer's next update answers it. A withdrawal refused likewise."""
    auth.login(officer)
    assert client.post("/items/2/status", data={
        "status": "postponed", "new_period": "Quý I/2021", "note": "Thiếu số liệu",
        "version": version(2)}).status_code == 302
    assert client.post("/items/3/status", data={
        "status": "withdrawn", "note": "Không còn phù hợp", "version": version(3)}
    ).status_code == 302
    auth.logout()
    assert not any(assert_in_step().values())
    auth.login(manager)
    for item_id in (2, 3):
        assert client.post(f"/items/{item_id}/decision", data={
            "decision": "refuse", "reason": "Đề nghị trình đúng hạn",
            "version": version(item_id)}).status_code == 302
    flags = assert_in_step()
    assert flags[2] and flags[3]
    assert {2, 3} <= answering()
    auth.logout()
    auth.login(officer)
    assert client.post("/items/2/status", data={
        "status": "in_progress", "note": "Đang hoàn thiện hồ sơ", "version": version(2)}
    ).status_code == 302
    flags = assert_in_step()
    assert not flags[2] and flags[3]
    assert 2 not in answering() and 3 in answering()


def test_entries_written_directly_keep_the_flag_in_step(app):
    """Whatever the path: a refusal added on its own, a note after it in the same flush, a
    rolled-back refusal; an ended item with a refusal last is not waiting."""
    items = bare_items(["in_progress", "in_progress", "in_progress", "submitted"])
    db.session.add(JournalEntry(item_id=items[0].id, kind="postponement_refused"))
    db.session.add_all([JournalEntry(item_id=items[1].id, kind="withdrawal_refused"),
                        JournalEntry(item_id=items[1].id, kind="comment", note="Đã bổ sung")])
    db.session.add(JournalEntry(item_id=items[3].id, kind="postponement_refused"))
    db.session.commit()
    assert items[0].refusal_unanswered      # read in the same session, no reload
    flags = assert_in_step()
    assert [flags[item.id] for item in items] == [True, False, False, True]
    assert answering() == {items[0].id}     # the submitted one has ended
    db.session.add(JournalEntry(item_id=items[2].id, kind="postponement_refused"))
    db.session.flush()
    assert db.session.scalar(sa.select(Item.refusal_unanswered)
                             .where(Item.id == items[2].id))
    db.session.rollback()
    assert not assert_in_step()[items[2].id]


def test_the_migration_backfill_reproduces_the_journal(app):
    """The migration's frozen backfill gives every item the journal's flag (the demo's items
    and refusals with and without later entries), from an emptied column."""
    from datetime import date

    from tracker.demo import load_demo

    load_demo(date(2026, 11, 30))
    item_ids = list(db.session.scalars(sa.select(Item.id).order_by(Item.id).limit(6)))
    for n, item_id in enumerate(item_ids):
        db.session.add(JournalEntry(item_id=item_id, kind=REFUSALS[n % 2]))
        if n % 3 == 0:
            db.session.add(JournalEntry(item_id=item_id, kind="comment", note="Trả lời"))
    db.session.commit()
    expected = assert_in_step()
    assert sum(expected.values()) == 4
    db.session.execute(sa.update(Item.__table__).values(refusal_unanswered=False))
    spec = importlib.util.spec_from_file_location("refusal_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.execute(sa.text(migration.BACKFILL))
    assert stored() == expected
