"""Text normalisation shared by models, forms and the importer (plain Python)."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\x00"))


def clean(text: str | None) -> str:
    """NFC-normalise, drop zero-width characters and NUL, trim; keep inner line breaks."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", str(text)).translate(_INVISIBLE)
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def name_key(name: str) -> str:
    """Key for matching agency names: case, spacing and Unicode form ignored."""
    return _SPACES.sub(" ", clean(name)).casefold()


def N_(message: str) -> str:
    """Mark a string for translation without translating it (pybabel keyword N_)."""
    return message
