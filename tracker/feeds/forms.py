"""The account page's feed forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError

from tracker.forms import Form
from tracker.models import FeedScope


class NewFeedForm(Form):
    """A new calendar feed: of my items, of an agency, or of a plan (from the plan's page)."""

    kind = SelectField(_l("Calendar of"), choices=[
        SelectChoice(FeedScope.MINE.value, _l("My items")),
        SelectChoice(FeedScope.AGENCY.value, _l("The items an agency leads")),
        SelectChoice(FeedScope.PLAN.value, _l("A plan's items")),
    ], validators=[DataRequired(_l("Choose what the calendar shows."))])
    agency_id = SelectField(_l("Agency"), coerce=int, validate_choice=False,
                            validators=[Optional()])
    plan_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    # Where the form was sent from ("plan": the plan's page), to say so on the page shown.
    origin = HiddenField()

    def validate_plan_id(self, field) -> None:
        if self.kind.data == FeedScope.PLAN.value and not field.data:
            raise ValidationError(_l("A plan’s calendar is made from the plan’s page."))

    def validate_agency_id(self, field) -> None:
        if self.kind.data == FeedScope.AGENCY.value and not field.data:
            raise ValidationError(_l("Choose the agency."))
