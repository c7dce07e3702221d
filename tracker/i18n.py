"""Translation for the plain modules (the importer, the readers): the language of the
request inside one, Vietnamese — the documents' language and the default — outside (the
command line, the scheduler, tests of the plain modules).

Messages are English msgids with `%(name)s` placeholders, like the rest of the interface,
so one catalog (tracker/translations) serves templates, forms and these modules.
"""
from __future__ import annotations

import functools
from pathlib import Path

from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).with_name("translations")
DEFAULT_LOCALE = "vi"


@functools.cache
def _catalog(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), [locale], domain="messages")


def _(msgid: str, /, **values) -> str:
    """`msgid` translated, its `%(name)s` placeholders filled in."""
    from flask import has_request_context

    if has_request_context():
        from flask_babel import gettext

        return gettext(msgid, **values)
    text = _catalog(DEFAULT_LOCALE).gettext(msgid)
    return text % values if values else text
