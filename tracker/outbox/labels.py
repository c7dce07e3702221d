"""What the outbox stores as a message's kind and its sending errors, and how the admin
pages name them in the reader's language (the stored values stay as written here)."""
from __future__ import annotations

import re

from flask_babel import gettext as _

from tracker.models.outbox import MessageKind
from tracker.text import N_

# What the outbox stores in `last_error` (and the run log in `error`) when the reason is
# ours, not the mail server's: stored as written here, shown through `error_label`.
NO_SERVER = "not sent: no mail server configured"
RECIPIENT_DEACTIVATED = "recipient deactivated"
NOTHING_LEFT = "nothing left to say: every item has ended"
NO_ANSWER = "no answer from the mail server within {seconds} s"
_NO_ANSWER = re.compile(r"no answer from the mail server within ([\d.]+) s")
_SERVER_ANSWER = re.compile(r"\d{3} ")

# The kinds of e-mail, as the outbox page names them: one per template under
# templates/email/ (tests/test_admin_words.py checks every template has its label).
KIND_LABELS = {
    MessageKind.INVITATION: N_("Invitation"),
    MessageKind.PASSWORD_RESET: N_("Password reset"),
    MessageKind.DIGEST: N_("Daily reminders"),
    MessageKind.POSTPONEMENT_REQUESTED: N_("Postponement request"),
    MessageKind.POSTPONEMENT_DECIDED: N_("Postponement decision"),
    MessageKind.WITHDRAWAL_REQUESTED: N_("Withdrawal request"),
    MessageKind.WITHDRAWAL_DECIDED: N_("Withdrawal decision"),
    MessageKind.REINSTATED: N_("Back on the list"),
}


def kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else _("Other e-mail")


def error_label(error: str | None) -> str:
    """A stored sending error in the reader's language: our own reasons translated, the
    mail server's answer (or the connection's error) quoted after a translated lead-in."""
    if not error:
        return ""
    known = {NO_SERVER: _("Not sent: no mail server is configured."),
             RECIPIENT_DEACTIVATED: _("Cancelled: the recipient's account was deactivated."),
             NOTHING_LEFT: _("Cancelled: nothing left to remind, every item has ended.")}
    if error in known:
        return known[error]
    if match := _NO_ANSWER.fullmatch(error):
        return _("The mail server did not answer within %(seconds)s seconds.",
                 seconds=match[1].removesuffix(".0"))
    if _SERVER_ANSWER.match(error):
        return _("The mail server answered: %(answer)s", answer=error)
    return _("Sending failed: %(error)s", error=error)
