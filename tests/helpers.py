"""Small helpers the test modules share (fixtures are in conftest.py)."""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from tracker.appendix.table import ItemSnapshot
from tracker.extensions import db
from tracker.models import Item, OutboxMessage


def text(response) -> str:
    """The body of a test client's response, as text."""
    return response.get_data(as_text=True)


def count(model) -> int:
    """How many rows `model`'s table holds."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def titles_listed(page: str) -> set[int]:
    """The ids of the items a list page links to."""
    return {int(n) for n in re.findall(r'href="/items/(\d+)"', page)}


def version(item_id: int = 1) -> str:
    """The item's version as its forms carry it, read afresh from the database."""
    db.session.expire_all()
    return str(db.session.get(Item, item_id).version)


def outbox_rows() -> list[OutboxMessage]:
    """Every outbox message, read afresh, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def item_snapshot(**kwargs) -> ItemSnapshot:
    """An item of the appendix table: Sở Công Thương's, due Quý III/2020, unless told otherwise."""
    values = dict(title="Đề án A", lead_agency="Sở Công Thương", coordination="Các Sở",
                  original_due_period="Quý III/2020", due_period="Quý III/2020",
                  due_date=date(2020, 9, 30), approving_level="UBND tỉnh", status="in_progress")
    values.update(kwargs)
    return ItemSnapshot(**values)
