"""Atom feeds (RFC 4287) of a plan's changes, in plain Python: what each journal entry says,
written with `feedgen`.

The same entries make the signed-in and secret-URL feeds (everything the journal says, the
acting agency as author) and the public feed of a published plan (`public=True`: status
changes and decisions only, their documents and reasons, no notes or comments, no person).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from feedgen.feed import FeedGenerator

from tracker.periods import format_date
from tracker.statuses import VI_LABELS, Status

# XML 1.0 allows no control character but tab and line breaks: a pasted one would make
# lxml refuse to write the feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

FIELD_NAMES = {
    "title": "tên đề án", "coordination": "cơ quan phối hợp", "approving_level": "cấp trình",
    "notes": "ghi chú", "position": "số thứ tự", "due_period": "thời gian trình",
    "lead_agency": "cơ quan chủ trì", "number_text": "số thứ tự", "section": "mục",
    "extra": "cột của danh mục",
}


@dataclass(frozen=True, slots=True)
class Change:
    """One journal entry, as plain values."""

    entry_id: int
    created_at: datetime
    item_id: int
    item_title: str
    kind: str
    old_status: str | None
    new_status: str | None
    field: str | None
    old_value: str | None
    new_value: str | None
    note: str
    document_ref: str | None
    document_date: date | None
    new_due_period: str | None
    agency: str


def clean(value: str | None) -> str:
    return _CONTROL.sub("", value or "")


def _status(code: str | None) -> str:
    try:
        return VI_LABELS[Status(code)]
    except ValueError:
        return code or ""


def _document(change: Change) -> str:
    parts = [change.document_ref or ""]
    if change.document_date:
        parts.append(f"ngày {format_date(change.document_date)}")
    return " ".join(part for part in parts if part)


def headline(change: Change) -> str:
    """What happened, in one line (the entry's title after the item's)."""
    match change.kind:
        case "created":
            return "Đưa vào danh mục"
        case "status":
            if change.new_status == Status.POSTPONED and change.new_due_period:
                return f"Đồng ý lùi thời gian trình sang {change.new_due_period}"
            return f"{_status(change.old_status)} → {_status(change.new_status)}"
        case "comment":
            return "Ghi chú"
        case "edit":
            return f"Sửa {FIELD_NAMES.get(change.field or '', change.field or '')}"
        case "postponement_requested":
            return f"Đề nghị lùi thời gian trình sang {change.new_due_period or ''}".strip()
        case "postponement_refused":
            return "Không đồng ý lùi thời gian trình"
        case "withdrawal_requested":
            return "Đề nghị rút khỏi danh mục"
        case "withdrawal_refused":
            return "Không đồng ý rút khỏi danh mục"
        case "reinstated":
            return f"Đưa trở lại danh mục ({_status(change.new_status)})"
    return change.kind


def details(change: Change, *, public: bool, public_text: Callable[[str], str]) -> str:
    """The entry's text: the document it cites and its note (the public feed: the reason of a
    decision only, through `public_text`)."""
    lines = [headline(change)]
    if change.kind == "edit" and not public:
        lines.append(f"{change.old_value or ''} → {change.new_value or ''}")
    document = _document(change)
    if document:
        lines.append(f"Văn bản: {public_text(document) if public else document}")
    if change.note:
        if not public:
            lines.append(change.note)
        elif change.new_status in PUBLIC_REASONS:
            lines.append(f"Lý do: {public_text(change.note)}")
    return "\n".join(clean(line) for line in lines if line)


# Statuses whose reason is part of the public record (DESIGN: withdrawn items keep theirs).
PUBLIC_REASONS = frozenset({Status.POSTPONED.value, Status.WITHDRAWN.value, Status.RETURNED.value})
# The journal kinds a public feed lists: what the printed progress report says.
PUBLIC_KINDS = ("created", "status", "reinstated")


@dataclass(frozen=True)
class FeedInfo:
    feed_id: str          # a tag: URI, stable
    title: str
    self_url: str
    page_url: str         # the page the feed is about
    author: str           # an agency, never a person
    updated: datetime     # used when there is no entry yet


def build_atom(info: FeedInfo, changes: Iterable[Change], *, item_url: Callable[[int], str],
               entry_id: Callable[[int], str], public: bool = False,
               public_text: Callable[[str], str] = lambda text: text) -> bytes:
    """The feed, newest change first."""
    changes = list(changes)
    feed = FeedGenerator()
    feed.id(info.feed_id)
    feed.title(clean(info.title))
    feed.author({"name": clean(info.author) or "—"})
    feed.link(href=info.self_url, rel="self", type="application/atom+xml")
    feed.link(href=info.page_url, rel="alternate", type="text/html")
    feed.language("vi")
    feed.generator("tracker")
    feed.updated(max((change.created_at for change in changes), default=info.updated))
    for change in changes:
        entry = feed.add_entry(order="append")
        entry.id(entry_id(change.entry_id))
        entry.title(clean(f"{change.item_title}: {headline(change)}"))
        entry.updated(change.created_at)
        entry.published(change.created_at)
        entry.link(href=item_url(change.item_id), rel="alternate", type="text/html")
        entry.content(details(change, public=public, public_text=public_text), type="text")
        if change.agency and not public:
            entry.author({"name": clean(change.agency)})
    return feed.atom_str(pretty=False)
