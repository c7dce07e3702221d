"""E-mails about one item's postponement: queued with the change, sent after the commit."""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from tracker.mailer import agency_recipients, queue_message
from tracker.models import JournalEntry, OutboxMessage, Proposal, Role
from tracker.web import external_url


def _queue_for(recipients, kind: str, subject_of, template: str, **context) -> list[OutboxMessage]:
    messages = []
    actor_id = context["entry"].user_id
    for recipient in recipients:
        if actor_id is not None and recipient.user_id == actor_id:
            continue  # nobody is mailed about what he did himself
        with force_locale(recipient.locale or "vi"):
            subject = subject_of()
        messages.append(queue_message(kind, recipient.email, subject, template,
                                      recipient_name=recipient.name, locale=recipient.locale,
                                      user_id=recipient.user_id, **context))
    return messages


def postponement_requested(proposal: Proposal, entry: JournalEntry, requester: str) -> list[OutboxMessage]:
    """Tell the managers of the plan's owner agency that a request waits for them."""
    link = external_url("proposals.show", proposal_id=proposal.id)
    return _queue_for(
        agency_recipients(proposal.plan.owner_agency_id, roles=(Role.MANAGER,)),
        "postponement_requested",
        lambda: _("[Proposal tracker] Postponement request: %(title)s",
                  title=_short(proposal.title)),
        "postponement_requested", proposal=proposal, entry=entry, requester=requester, link=link,
    )


def postponement_decided(proposal: Proposal, entry: JournalEntry, approved: bool,
                         decider: str) -> list[OutboxMessage]:
    """Tell the lead agency (officers, managers, shared mailbox) what was decided."""
    link = external_url("proposals.show", proposal_id=proposal.id)
    return _queue_for(
        agency_recipients(proposal.lead_agency_id, roles=(Role.OFFICER, Role.MANAGER)),
        "postponement_decided",
        lambda: (_("[Proposal tracker] Postponement approved: %(title)s", title=_short(proposal.title))
                 if approved else
                 _("[Proposal tracker] Postponement refused: %(title)s", title=_short(proposal.title))),
        "postponement_decided", proposal=proposal, entry=entry, approved=approved,
        decider=decider, link=link,
    )


def _short(title: str, limit: int = 80) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
