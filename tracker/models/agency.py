from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models._types import NFCString
from tracker.text import name_key


class Agency(db.Model):
    """A department, district or office: leads, coordinates and owns plans."""

    __tablename__ = "agency"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(NFCString(255))
    # Case/space/Unicode-insensitive key, so "sở công  thương" finds "Sở Công Thương".
    name_key: so.Mapped[str] = so.mapped_column(sa.String(255), unique=True)
    is_consolidating_office: so.Mapped[bool] = so.mapped_column(default=False)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # A shared inbox (văn thư) that gets the agency's notices besides its officers.
    shared_mailbox: so.Mapped[str | None] = so.mapped_column(sa.String(254))

    def __init__(self, name: str, **kwargs) -> None:
        super().__init__(name=name, name_key=name_key(name), **kwargs)

    def rename(self, name: str) -> None:
        self.name = name
        self.name_key = name_key(name)

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.name!r}>"
