"""The daily digest, written at send time: the outbox's sender asks its composer (see
outbox/composers.py) to write each digest from its notices just before sending, so a
digest says what is still true then; one whose items have all ended is cancelled.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from tracker.extensions import db
from tracker.models import Item, MessageKind, Notice, OutboxMessage, User
from tracker.notices import DIGEST_ORDER, NoticeKind
from tracker.outbox import composers
from tracker.outbox.labels import NOTHING_LEFT
from tracker.outbox.links import external_url
from tracker.periods import format_date
from tracker.statuses import LABELS, Status, is_ended

DIGEST = MessageKind.DIGEST


def register(app: Flask) -> None:
    """Have the outbox's sender ask this module to write the digests."""
    composers.register(app, DIGEST, compose_digests)


def compose_digests(messages: list[OutboxMessage], users: dict[int, User], today: date
                    ) -> dict[int, str]:
    """Write each digest from its notices still worth sending, in its recipient's language:
    two queries for the whole batch (notices, items). Returns the digests with nothing left
    to say, to be cancelled."""
    lines = digest_lines([m.id for m in messages], today)
    views: dict = {}
    empty = {}
    for message in messages:
        if lines.get(message.id):
            render_digest(message, users.get(message.user_id), lines[message.id], views)
        else:
            empty[message.id] = NOTHING_LEFT
    return empty


@dataclass
class DigestLine:
    kind: str
    item: Item
    days: int  # days left (negative: late)
    stage: int




def digest_lines(message_ids: list[int], today: date) -> dict[int, list[DigestLine]]:
    """Each digest's notices still worth sending: overdue first, then due soon, then changes,
    each group by due date. Items that have ended since planning are dropped."""
    notices = db.session.execute(
        sa.select(Notice.message_id, Notice.kind, Notice.item_id, Notice.stage)
        .where(Notice.message_id.in_(message_ids))
    ).all()
    item_ids = {n.item_id for n in notices}
    items = {p.id: p for p in db.session.scalars(
        sa.select(Item).where(Item.id.in_(item_ids))
        .options(so.joinedload(Item.lead_agency))
    )} if item_ids else {}
    by_message: dict[int, dict[tuple[str, int], DigestLine]] = defaultdict(dict)
    for message_id, kind, item_id, stage in notices:
        item = items.get(item_id)
        if item is None or (kind in (NoticeKind.DUE_SOON, NoticeKind.OVERDUE)
                                and is_ended(item.status)):
            continue
        days = (item.due_date - today).days if item.due_date else 0
        lines = by_message[message_id]
        if (kind, item_id) not in lines or stage < lines[(kind, item_id)].stage:
            lines[(kind, item_id)] = DigestLine(kind, item, days, stage)
    return {
        message_id: sorted(lines.values(), key=lambda line: (
            DIGEST_ORDER[line.kind], line.item.due_date or today, line.item.id))
        for message_id, lines in by_message.items()
    }


@dataclass(frozen=True)
class LineView:
    """One digest line as printed; the same item reads the same for every recipient of a
    batch in one language, so it is worded once and reused."""

    kind: str
    title: str
    agency: str
    period: str
    deadline: str
    when: str
    late: bool
    link: str


def _line_view(line: DigestLine) -> LineView:
    item = line.item
    if line.kind == NoticeKind.STATUS:
        when = _(LABELS[Status(item.status)])
    elif line.days < 0:
        when = ngettext("%(num)d day late", "%(num)d days late", -line.days)
    elif line.days == 0:
        when = _("due today")
    else:
        when = ngettext("%(num)d day left", "%(num)d days left", line.days)
    return LineView(line.kind, item.title, item.lead_agency.name, item.due_period,
                    format_date(item.due_date) if item.due_date else "", when,
                    line.days <= 0 and line.kind != NoticeKind.STATUS,
                    external_url("items.show", item_id=item.id))


def render_digest(message: OutboxMessage, user: User | None, lines: list[DigestLine],
                  views: dict | None = None) -> None:
    """Write the digest in the recipient's language; `views` caches worded lines."""
    views = {} if views is None else views
    locale = (user.locale if user else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        groups: dict[str, list[LineView]] = defaultdict(list)
        for line in lines:
            key = (locale, line.kind, line.item.id, line.days)
            if key not in views:
                views[key] = _line_view(line)
            groups[line.kind].append(views[key])
        subject = digest_subject(groups, lines)
        context = dict(groups=groups, subject=subject, recipient_name=user.name if user else "",
                       list_link=external_url("plans.mine"))
        message.subject = subject
        message.recipient_name = user.name if user else ""
        message.body_text = render_template("email/digest.txt", **context)
        message.body_html = render_template("email/digest.html", **context)


def digest_subject(groups: dict[str, list], lines: list[DigestLine]) -> str:
    """`[Nhắc việc] 3 đề án đến hạn trình trong 7 ngày`, or the overdue count first."""
    overdue, changes = groups.get(NoticeKind.OVERDUE, []), groups.get(NoticeKind.STATUS, [])
    soon = [line for line in lines if line.kind == NoticeKind.DUE_SOON]
    parts = []
    if overdue:
        parts.append(ngettext("%(num)d item overdue", "%(num)d items overdue", len(overdue)))
    if soon:
        horizon = max(line.days for line in soon)
        parts.append(ngettext("%(num)d item due within %(days)d days",
                              "%(num)d items due within %(days)d days", len(soon), days=horizon)
                     if horizon > 0 else
                     ngettext("%(num)d item due today", "%(num)d items due today", len(soon)))
    if changes:
        parts.append(ngettext("%(num)d status change", "%(num)d status changes", len(changes)))
    return _("[Reminder]") + " " + ", ".join(parts)
