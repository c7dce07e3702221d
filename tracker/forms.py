"""The base form: WTForms' own messages go through the app's catalogs (WTForms ships no Vietnamese)."""
from __future__ import annotations

import wtforms.widgets
from flask_babel import get_translations
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms.widgets import core as widgets

from tracker.text import N_

# WTForms' built-in messages that our forms can show, so pybabel extracts them.
WTFORMS_MESSAGES = (
    N_("Not a valid choice."),
    N_("Not a valid integer value."),
    N_("Invalid Choice: could not coerce."),
    N_("Not a valid email address."),
    N_("This field is required."),
    N_("Invalid input."),
    N_("The CSRF token is missing."),
    N_("The CSRF token is invalid."),
    N_("The CSRF token has expired."),
    N_("The CSRF tokens do not match."),
)


def html_params(**kwargs) -> Markup:
    """WTForms' `html_params` (every widget's attributes), the same text without
    `Markup.format`, whose pure-Python formatter made the attributes a sixth of an item
    page's CPU (bench/profile_item_page.py). Installed in WTForms' widgets at import;
    tests/test_throughput.py checks the output against WTForms' own."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = widgets.clean_key(key)
        if value is True:
            params.append(escape(key))
        elif value is not False:
            params.append(f'{escape(key)}="{escape(value).replace(_QUOTE, _ESCAPED_QUOTE)}"')
    return Markup(" ".join(params))


_QUOTE, _ESCAPED_QUOTE = Markup('"'), Markup("&quot;")
WTFORMS_HTML_PARAMS = widgets.html_params


def install_html_params() -> None:
    """Every place WTForms looks the function up: the widgets' module, its package (labels),
    and the input widgets' own static copy."""
    widgets.html_params = wtforms.widgets.html_params = html_params
    for widget in (widgets.Input, widgets.Button):
        widget.html_params = staticmethod(html_params)


install_html_params()


class _BabelTranslations:
    """Translate only: WTForms fills in %(max)d and the like itself."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _BabelTranslations()


class EmptyForm(Form):
    """A POST-only button (log out, switch language, deactivate…) that still carries CSRF."""


def show_errors(form: Form, errors, *, default: str | None = None) -> None:
    """Put a service's (field, message) errors on the form, beside the validators' own.

    A field that has an error already keeps only that one: its value could not be read, so
    what the service says about it ("enter the date") is beside the point. A field the form
    lacks takes `default`, else the error goes above the form.
    """
    for name, message in errors:
        target = form._fields.get(name) or (form._fields.get(default) if default else None)
        if target is None:
            form.form_errors.append(message)
        elif not target.errors:
            target.errors = [message]
        elif target.name != name:   # a stand-in field collects every message sent to it
            target.errors = [*target.errors, message]
