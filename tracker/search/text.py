"""What search compares: text folded the same way for the index and for the query.

Plain Python, shared by both databases: the index stores each item's text folded here,
and a query is folded here too, so SQLite and PostgreSQL compare the very same strings
(substrings of the folded text) and find the same items. Folding: case, Unicode form and
diacritics go (đ → d: "Đắk Lắk" → "dak lak", "quy hoạch" → "quy hoach"); punctuation inside
a word stays, so a document number ("45/TTr-SCT") is found as typed.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from tracker.agency_names import fold as fold_name
from tracker.agency_names import match_key

_SPACES = re.compile(r"\s+")
# Punctuation around a word of the query ("(Đắk Lắk)", "quy hoạch,") is not part of it.
_EDGE_PUNCTUATION = "\"'“”‘’«»()[]{}<>,;:.!?…"
# A document number: "45/TTr-SCT", "351/BC-SCT", "12/2020/NQ-HĐND".
_DOCUMENT_NUMBER = re.compile(r"\b\d+[\w./-]*/[\w./-]*\w")
MAX_TERMS = 8
MAX_QUERY_LENGTH = 200


def fold(text: str | None) -> str:
    """Lower case, no diacritics, one space between words: what the index holds."""
    return _SPACES.sub(" ", fold_name(text or "")).strip()


def terms(query: str) -> list[str]:
    """The words of a query, folded, each once, in order (at most MAX_TERMS)."""
    words: list[str] = []
    for word in fold(query[:MAX_QUERY_LENGTH]).split(" "):
        word = word.strip(_EDGE_PUNCTUATION)
        if word and word not in words:
            words.append(word)
    return words[:MAX_TERMS]


@dataclass(frozen=True)
class Query:
    """A search as the databases run it: an item matches when its folded text holds every
    word of one of `spellings` (the words as typed, and the agency abbreviations spelled
    out, "Sở KH&ĐT" → "so ke hoach dau tu"); `phrase` ranks it higher when found whole."""

    spellings: tuple[tuple[str, ...], ...]
    phrase: str

    @property
    def empty(self) -> bool:
        return not self.spellings


def parse_query(text: str) -> Query:
    typed = tuple(terms(text))
    if not typed:
        return Query((), "")
    spellings = [typed]
    expanded = tuple(terms(match_key(text[:MAX_QUERY_LENGTH])))
    # Not a mere split of the typed words: "45/TTr-SCT" as "45", "ttr", "sct" would only
    # find more of what the number finds. ("và" dropped is kept: agency names vary in it.)
    split = all(any(word in typed_word for typed_word in typed) for word in expanded) and \
        not set(expanded) <= set(typed)
    if expanded and expanded != typed and not split:
        spellings.append(expanded)
    return Query(tuple(spellings), " ".join(typed))


def document_numbers(text: str | None) -> list[str]:
    """The document numbers a line cites ("Báo cáo số 351/BC-SCT ngày 29/5/2020" →
    ["351/BC-SCT"]); dates are not numbers of documents."""
    found = []
    for number in _DOCUMENT_NUMBER.findall(text or ""):
        if not re.fullmatch(r"\d{1,2}/\d{1,2}(/\d{2,4})?", number):
            found.append(number)
    return found


def agency_text(names: Iterable[str]) -> str:
    """Agency names as found: folded as written, and spelled out (abbreviations expanded)."""
    return " | ".join(_agency_name(name) for name in names if name)


@functools.lru_cache(maxsize=4096)
def _agency_name(name: str) -> str:
    """One name's part (the same few hundred names recur on every item: cached)."""
    folded, key = fold(name), match_key(name)
    return folded if key in ("", folded) else f"{folded} | {key}"


def item_text(*, title: str, notes: str = "", coordination: str = "", lead_text: str = "",
              agencies: Iterable[str] = (), documents: Iterable[str | None] = (),
              list_reference: str = "") -> str:
    """The folded text an item is found by: its title, notes and coordination cell, the lead
    cell and the names of the agencies it links (these three also spelled out), the
    documents its journal cites and the number of the report its list is attached to. Parts
    are kept apart by " | ", so that no phrase spans two of them."""
    parts = [fold(title), fold(notes), agency_text([coordination]), agency_text([lead_text]),
             agency_text(agencies), *(fold(doc) for doc in documents if doc),
             *(fold(number) for number in document_numbers(list_reference))]
    return " | ".join(part for part in parts if part)
