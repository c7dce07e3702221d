"""Agencies: find by name (case, spacing, Unicode form, diacritics and the usual abbreviations
ignored), create (always journaled), suggest the closest ones, link by mention."""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import sqlalchemy as sa

from tracker import audit
from tracker.agency_names import match_key
from tracker.extensions import db
from tracker.models import Agency
from tracker.text import name_key

SUGGESTION_CUTOFF = 0.6


def all_agencies() -> list[Agency]:
    return list(db.session.scalars(sa.select(Agency).order_by(Agency.name)))


def new_agency(name: str, *, actor_id: int | None, source: str | None = None,
               **fields) -> Agency:
    """Add an agency and its line in the admin journal: every way an agency comes to be (the
    agencies page, the item form, an import, the command line, the demo) goes through here.
    `source`: where it was created, when not on the agencies page (audit.SOURCE_LABELS)."""
    agency = Agency(name, **fields)
    db.session.add(agency)
    db.session.flush()  # the journal needs the id
    changes = [("name", None, agency.name)]
    changes += [(field, None, getattr(agency, field)) for field in
                ("shared_mailbox", "active", "is_consolidating_office") if field in fields]
    audit.record(actor_id, "agency.create", "agency", agency.id, changes,
                 [("source", source)] if source else ())
    return agency


class AgencyDirectory:
    """All agencies loaded once, so resolving many rows costs one query.

    A name that matches none is created by `find_or_create`, journaled as made by
    `actor_id` from `source`: the callers that may create say who and where.
    """

    def __init__(self, agencies: Iterable[Agency], *, actor_id: int | None = None,
                 source: str | None = None) -> None:
        self.actor_id, self.source = actor_id, source
        self.by_key: dict[str, Agency] = {}
        self.by_match: dict[str, Agency] = {}
        self._patterns: dict[str, re.Pattern] = {}
        for agency in sorted(agencies, key=lambda a: (not a.active, a.name or "")):
            self._remember(agency)

    @classmethod
    def load(cls, *, actor_id: int | None = None, source: str | None = None) -> AgencyDirectory:
        return cls(db.session.scalars(sa.select(Agency)), actor_id=actor_id, source=source)

    def _remember(self, agency: Agency) -> None:
        self.by_key[agency.name_key] = agency
        # Two agencies with one match key (say "Sở TC" and "Sở Tài chính" both created before
        # abbreviations were understood): the first, active ones first, answers for both.
        self.by_match.setdefault(match_key(agency.name), agency)

    def find(self, name: str) -> Agency | None:
        """The agency of that exact name (case, spacing, Unicode form aside), else the one whose
        name means the same once diacritics and abbreviations are folded ("Sở KH&ĐT")."""
        agency = self.by_key.get(name_key(name))
        if agency is None and (key := match_key(name)):
            agency = self.by_match.get(key)
        return agency

    def find_or_create(self, name: str) -> Agency:
        agency = self.find(name)
        if agency is None:
            agency = new_agency(name, actor_id=self.actor_id, source=self.source)
            self._remember(agency)
        return agency

    def unknown_leads(self, names: Iterable[str]) -> list[tuple[str, list[Agency]]]:
        """(name, the closest existing agencies) for each name that finds no agency: what the
        item form asks about before creating anything."""
        return [(name, self.suggestions(name)) for name in self.unknown_names(names)]

    def unknown_names(self, names: Iterable[str]) -> list[str]:
        """The names that find no agency, each once (spellings of one name count once), in the
        order first seen; empty names are left out."""
        unknown, seen = [], set()
        for name in names:
            key = match_key(name or "")
            if not key or key in seen:
                continue
            seen.add(key)
            if self.find(name) is None:
                unknown.append(name)
        return unknown

    def suggestions(self, name: str, limit: int = 3) -> list[Agency]:
        """The existing agencies whose names are closest to `name` (difflib ratio on match
        keys, at least 0.6), best first: the "same as …" choices for a name not found."""
        key = match_key(name)
        if not key:
            return []
        scored = []
        matcher = difflib.SequenceMatcher(b=key, autojunk=False)
        for other_key, agency in self.by_match.items():
            matcher.set_seq1(other_key)
            if matcher.real_quick_ratio() < SUGGESTION_CUTOFF or \
                    matcher.quick_ratio() < SUGGESTION_CUTOFF:
                continue
            ratio = matcher.ratio()
            if ratio >= SUGGESTION_CUTOFF:
                scored.append((-ratio, agency.name, agency))
        scored.sort(key=lambda entry: entry[:2])
        return [agency for _, _, agency in scored[:limit]]

    def mentioned_in(self, text: str) -> list[Agency]:
        """Agencies whose name appears in a coordination phrase, as whole words: written in full
        or with the usual abbreviations ("Sở TC, Sở TP" names Sở Tài chính and Sở Tư pháp)."""
        haystacks = (name_key(text), match_key(text))
        found = {}
        for index, keys in enumerate((self.by_key, self.by_match)):
            for key, agency in keys.items():
                if key and self._pattern(key).search(haystacks[index]):
                    found[id(agency)] = agency
        return sorted(found.values(), key=lambda a: a.name)

    def _pattern(self, key: str) -> re.Pattern:
        pattern = self._patterns.get(key)
        if pattern is None:
            pattern = self._patterns[key] = re.compile(rf"(?<!\w){re.escape(key)}(?!\w)")
        return pattern
