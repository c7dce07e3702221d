"""An import's draft is used once: a double "Lưu" (two clicks, a resent form, two tabs)
saves the rows once, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import sqlalchemy as sa
from conftest import PASSWORD

from tracker.extensions import db
from tracker.models import ImportDraft, Item

SEED_TEXT = "\n".join([
    "STT\tTên đề án\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian trình\tCấp trình",
    "1\tĐề án một\tSở Công Thương\tCác Sở\tQuý III/2020\tUBND tỉnh",
    "2\tĐề án hai\tSở Công Thương\tCác Sở\tQuý IV/2020\tUBND tỉnh",
])


def items_in(plan_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Item)
                             .where(Item.plan_id == plan_id))


def signed_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def start(client, plan_id: int) -> str:
    response = client.post(f"/plans/{plan_id}/import", data={"pasted": SEED_TEXT},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.location


class FirstWriteBarrier:
    """Hold each request's first write statement until both requests have reached theirs
    (or a second has passed): both have read the draft by then, as in a real double click
    where the second POST arrives while the first is still saving."""

    def __init__(self, engine, parties: int = 2):
        self.engine, self.barrier = engine, threading.Barrier(parties, timeout=2)
        self.waited: set[int] = set()

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().split(None, 1)[0].upper()
        me = threading.get_ident()
        if verb in ("INSERT", "UPDATE", "DELETE") and me not in self.waited:
            self.waited.add(me)
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                pass

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self)


def test_two_concurrent_saves_of_one_draft_save_the_rows_once(app, manager, seed_plan):
    """Two POSTs of "save" at the same time: one saves, the other is sent back with a
    message; the rows are in the plan once and the draft is gone."""
    before = items_in(seed_plan.id)
    url = start(signed_in(app, manager), seed_plan.id)
    clients = [signed_in(app, manager) for _ in range(2)]
    responses: list = [None, None]

    def save(index: int) -> None:
        with app.app_context():
            responses[index] = clients[index].post(url)

    with FirstWriteBarrier(db.engine):
        threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert all(r is not None and r.status_code == 302 for r in responses), responses
    assert items_in(seed_plan.id) == before + 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportDraft)) == 0
    pages = [clients[i].get(responses[i].location).get_data(as_text=True) for i in range(2)]
    assert sum("đã được lưu hoặc đã huỷ" in page for page in pages) == 1


def test_a_resent_save_or_cancel_is_redirected_with_a_message(app, manager, seed_plan):
    """After the save, the same form sent again (back button, F5) neither saves again nor
    fails: it is redirected with a message; so is a cancel sent after the save."""
    client = signed_in(app, manager)
    before = items_in(seed_plan.id)
    url = start(client, seed_plan.id)
    assert client.post(url).status_code == 302
    for again_url in (url, f"{url}/cancel"):
        again = client.post(again_url)
        assert again.status_code == 302
        assert "đã được lưu hoặc đã huỷ" in client.get(again.location).get_data(as_text=True)
    assert items_in(seed_plan.id) == before + 2


def test_a_save_racing_a_cancel_does_one_of_them(app, manager, seed_plan):
    """Cancel in one tab and save in another at the same moment: either the rows are saved
    or nothing is, never a 500."""
    before = items_in(seed_plan.id)
    url = start(signed_in(app, manager), seed_plan.id)
    clients = [signed_in(app, manager) for _ in range(2)]
    responses: list = [None, None]

    def post(index: int, button_url: str) -> None:
        with app.app_context():
            responses[index] = clients[index].post(button_url)

    with FirstWriteBarrier(db.engine):
        threads = [threading.Thread(target=post, args=(0, url)),
                   threading.Thread(target=post, args=(1, f"{url}/cancel"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert [r.status_code for r in responses] == [302, 302]
    assert items_in(seed_plan.id) in (before, before + 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportDraft)) == 0
