"""Password rules: long enough, and not built from the user's own e-mail or name."""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10


def _fold(text: str) -> str:
    """Lower case, no diacritics, no spaces: "Trần Văn An" → "tranvanan"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).casefold()


def password_problems(password: str, email: str, name: str) -> list[str]:
    """What is wrong with `password` for this user, as messages for the form; empty when fine."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    folded = _fold(password)
    local_part = _fold(email.split("@", 1)[0])
    pieces = [local_part, _fold(name)] + [_fold(word) for word in name.split()]
    if any(len(piece) >= 4 and piece in folded for piece in pieces):
        problems.append(_l("Do not build the password from your e-mail address or your name."))
    return [str(p) for p in problems]
