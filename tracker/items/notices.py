"""E-mails about one item's postponement and withdrawal requests: queued with the change,
sent after the commit."""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from tracker.models import Item, JournalEntry, JournalKind, MessageKind, OutboxMessage, Role
from tracker.outbox.links import external_url
from tracker.outbox.queue import agency_recipients, queue_message
from tracker.statuses import Status


def _queue_for(recipients, kind: MessageKind, subject_of, **context) -> list[OutboxMessage]:
    """Queue templates/email/<kind> for each recipient but the one who acted."""
    messages = []
    actor_id = context["entry"].user_id
    for recipient in recipients:
        if actor_id is not None and recipient.user_id == actor_id:
            continue  # nobody is mailed about what he did himself
        with force_locale(recipient.locale or "vi"):
            subject = subject_of()
        messages.append(queue_message(kind, recipient.email, subject, kind.value,
                                      recipient_name=recipient.name, locale=recipient.locale,
                                      user_id=recipient.user_id, **context))
    return messages


def request_made(item: Item, entry: JournalEntry, requester: str) -> list[OutboxMessage]:
    """Tell the managers of the plan's owner agency that a request waits for them."""
    link = external_url("items.show", item_id=item.id)
    postponing = entry.kind == JournalKind.POSTPONEMENT_REQUESTED
    kind = MessageKind.POSTPONEMENT_REQUESTED if postponing else MessageKind.WITHDRAWAL_REQUESTED
    return _queue_for(
        agency_recipients(kind, item.plan.owner_agency_id, roles=(Role.MANAGER,)),
        kind,
        lambda: (_("[Proposal tracker] Postponement request: %(title)s", title=_short(item.title))
                 if postponing else
                 _("[Proposal tracker] Withdrawal request: %(title)s", title=_short(item.title))),
        item=item, entry=entry, requester=requester, link=link,
    )


def request_decided(item: Item, entry: JournalEntry, asked: Status, approved: bool,
                    decider: str) -> list[OutboxMessage]:
    """Tell the lead agency (officers, managers, shared mailbox) what was decided."""
    subjects = {
        (Status.POSTPONED, True): lambda: _("[Proposal tracker] Postponement approved: %(title)s",
                                            title=_short(item.title)),
        (Status.POSTPONED, False): lambda: _("[Proposal tracker] Postponement refused: %(title)s",
                                             title=_short(item.title)),
        (Status.WITHDRAWN, True): lambda: _("[Proposal tracker] Withdrawal approved: %(title)s",
                                            title=_short(item.title)),
        (Status.WITHDRAWN, False): lambda: _("[Proposal tracker] Withdrawal refused: %(title)s",
                                             title=_short(item.title)),
    }
    kind = MessageKind.POSTPONEMENT_DECIDED if asked == Status.POSTPONED \
        else MessageKind.WITHDRAWAL_DECIDED
    return _queue_for(_lead_recipients(item, kind), kind, subjects[asked, approved],
                      item=item, entry=entry, approved=approved, decider=decider,
                      link=external_url("items.show", item_id=item.id))


def reinstated(item: Item, entry: JournalEntry, decider: str) -> list[OutboxMessage]:
    """Tell the lead agency that its withdrawn item is back on the list."""
    return _queue_for(
        _lead_recipients(item, MessageKind.REINSTATED), MessageKind.REINSTATED,
        lambda: _("[Proposal tracker] Back on the list: %(title)s", title=_short(item.title)),
        item=item, entry=entry, decider=decider,
        link=external_url("items.show", item_id=item.id))


def _lead_recipients(item: Item, kind: str):
    return agency_recipients(kind, item.lead_agency_id, roles=(Role.OFFICER, Role.MANAGER))


def _short(title: str, limit: int = 80) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
