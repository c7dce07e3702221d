"""What free text may say on a public page (plain Python).

Public text: the plan's cells as published (title, agencies, periods, approving level, the
list's own columns), the statuses, the references of the documents (Tờ trình, Quyết định,
the letter of a decision) and the reasons of the decisions that postponed, withdrew or
returned an item. Never public: who did what (user names, e-mail addresses), comments,
the items' own notes (the "Ghi chú" column), edits, attachments.

The documents and reasons are typed by people and may name someone: before they are shown,
every e-mail address and every account holder's name in them is replaced by "…".
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
HIDDEN = "…"
# Names shorter than this ("An") would hide ordinary words.
MIN_NAME_LENGTH = 5


def redactor(names: Iterable[str]) -> Callable[[str], str]:
    """A function that hides e-mail addresses and any of `names` (case-insensitive)."""
    wanted = sorted({name.strip() for name in names if len(name.strip()) >= MIN_NAME_LENGTH},
                    key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(name) for name in wanted), re.IGNORECASE) \
        if wanted else None

    def redact(text: str) -> str:
        if not text:
            return text
        text = EMAIL.sub(HIDDEN, text)
        return pattern.sub(HIDDEN, text) if pattern is not None else text

    return redact
