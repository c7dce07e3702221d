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


def without_diacritics(text: str) -> str:
    """"Sở Công Thương" → "So Cong Thuong": marks dropped, đ/Đ → d/D, NFC."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize(
        "NFC", "".join(char for char in text if not unicodedata.combining(char)))


_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot hold (control characters), which DOCX and XLSX
    files would otherwise refuse to save or Word to open."""
    return _XML_INVALID.sub("", text)


def N_(message: str) -> str:
    """Mark a string for translation without translating it (pybabel keyword N_)."""
    return message
