"""The admin journal: one AuditEntry per administrative action (accounts, agencies), written
here and read back in the reader's language.

An entry's details are lines: "field: old → new" for a change, "field: value" for a fact
(how many items a merge moved). Field names and coded values (yes/no, roles, where an
agency was created) are stored as codes and labelled when shown, so the journal page never
shows `is_consolidating_office: no → yes`; names and addresses are shown as stored.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _

from tracker.extensions import db
from tracker.models import AuditEntry
from tracker.models.user import ROLE_LABELS, Role
from tracker.text import N_

Change = tuple[str, Any, Any]
Fact = tuple[str, Any]

ACTION_LABELS = {
    "agency.create": N_("Agency created"),
    "agency.update": N_("Agency changed"),
    "agency.delete": N_("Agency deleted"),
    "agency.merge": N_("Agencies merged"),
    "user.invite": N_("User invited"),
    "user.update": N_("User changed"),
    "user.deactivate": N_("User deactivated"),
    "user.reactivate": N_("User reactivated"),
    "user.reinvite": N_("Invitation sent again"),
}

FIELD_LABELS = {
    "name": N_("Name"),
    "email": N_("E-mail"),
    "role": N_("Role"),
    "agency": N_("Agency"),
    "active": N_("Active"),
    "shared_mailbox": N_("Shared mailbox (văn thư)"),
    "is_consolidating_office": N_("Consolidating office"),
    "source": N_("Created from"),
    "merged": N_("Merged"),
    "items": N_("Items moved"),
    "plans": N_("Lists moved"),
    "users": N_("Users moved"),
    "journal": N_("Item journal entries moved"),
}
# A person's name is not an agency's ("Tên cơ quan").
_TARGET_FIELD_LABELS = {("user", "name"): N_("Full name")}

# Where an agency was created, when not on the agencies page.
SOURCE_FORM = "item_form"
SOURCE_IMPORT = "import"
SOURCE_COMMAND = "command"
SOURCE_DEMO = "demo"
SOURCE_LABELS = {
    SOURCE_FORM: N_("the item form"),
    SOURCE_IMPORT: N_("an imported list"),
    SOURCE_COMMAND: N_("the command line"),
    SOURCE_DEMO: N_("the demo data"),
}

YES, NO, NOTHING = "yes", "no", "—"
_BOOLEAN_LABELS = {YES: N_("yes"), NO: N_("no")}
_CODED = {
    "active": _BOOLEAN_LABELS,
    "is_consolidating_office": _BOOLEAN_LABELS,
    "role": {role.value: label for role, label in ROLE_LABELS.items()},
    "source": SOURCE_LABELS,
}
ARROW = " → "


def _stored(value: Any) -> str:
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, Role):
        return value.value
    return str(value)


def detail_text(changes: Iterable[Change] = (), facts: Iterable[Fact] = ()) -> str:
    lines = [f"{field}: {_stored(old)}{ARROW}{_stored(new)}" for field, old, new in changes]
    lines += [f"{field}: {_stored(value)}" for field, value in facts]
    return "\n".join(lines)


def record(actor_id: int | None, action: str, target_type: str, target_id: int,
           changes: Iterable[Change] = (), facts: Iterable[Fact] = ()) -> AuditEntry:
    """Add one journal entry (None: no signed-in user, e.g. the command line)."""
    entry = AuditEntry(actor_id=actor_id, action=action, target_type=target_type,
                       target_id=target_id, details=detail_text(changes, facts))
    db.session.add(entry)
    return entry


# ---- reading ---------------------------------------------------------------------------------

def action_label(action: str) -> str:
    return _(ACTION_LABELS[action]) if action in ACTION_LABELS else action


def _value(field: str, text: str) -> str:
    labels = _CODED.get(field)
    if labels is None or text == NOTHING:
        return text
    return _(labels[text]) if text in labels else text


def detail_lines(details: str, target_type: str = "agency") -> list[str]:
    """The entry's lines in the reader's language. A line of an unknown field is shown as
    stored; a name is never touched (it may hold ": " or " → ")."""
    shown = []
    for line in (details or "").splitlines():
        field, colon, rest = line.partition(": ")
        if not colon or field not in FIELD_LABELS:
            shown.append(line)
            continue
        if field in _CODED:
            rest = ARROW.join(_value(field, part) for part in rest.split(ARROW))
        label = _TARGET_FIELD_LABELS.get((target_type, field), FIELD_LABELS[field])
        shown.append(f"{_(label)}: {rest}")
    return shown
