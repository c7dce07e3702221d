"""Agencies: find by name (ignoring case, spacing, Unicode form), create, link by mention."""
from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Agency
from tracker.text import name_key


def all_agencies() -> list[Agency]:
    return list(db.session.scalars(sa.select(Agency).order_by(Agency.name)))


class AgencyDirectory:
    """All agencies loaded once, so resolving many rows costs one query."""

    def __init__(self, agencies: Iterable[Agency]) -> None:
        self.by_key = {agency.name_key: agency for agency in agencies}

    @classmethod
    def load(cls) -> AgencyDirectory:
        return cls(db.session.scalars(sa.select(Agency)))

    def find(self, name: str) -> Agency | None:
        return self.by_key.get(name_key(name))

    def find_or_create(self, name: str) -> Agency:
        agency = self.find(name)
        if agency is None:
            agency = Agency(name)
            db.session.add(agency)
            self.by_key[agency.name_key] = agency
        return agency

    def mentioned_in(self, text: str) -> list[Agency]:
        """Agencies whose full name appears in a coordination phrase, as whole words."""
        haystack = name_key(text)
        found = []
        for key, agency in self.by_key.items():
            if key and re.search(rf"(?<!\w){re.escape(key)}(?!\w)", haystack):
                found.append(agency)
        return sorted(found, key=lambda a: a.name)
