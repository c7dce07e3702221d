"""Forms of the plan pages: a plan, the list's filters, and the appendix's options."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField
from wtforms.validators import DataRequired, InputRequired, Optional

from tracker.appendix.table import Grouping, Numbering
from tracker.fields import (
    CleanStringField,
    CleanTextAreaField,
    VersionField,
    max_length,
    status_choices,
)
from tracker.forms import Form as FlaskForm
from tracker.plans.service import FilterChoices, ItemFilters
from tracker.web import due_soon_until, quiet_since


class PlanForm(FlaskForm):
    title = CleanTextAreaField(
        _l("List title"), validators=[DataRequired(_l("Enter the title of the list.")),
                                      max_length(1000)]
    )
    owner_agency_id = SelectField(
        _l("Owner agency"), coerce=int,
        validators=[InputRequired(_l("Choose the agency that owns this list."))],
    )
    attached_to = CleanStringField(
        _l("Attached to (the “Kèm theo …” line)"), validators=[Optional(), max_length(500)]
    )
    appendix_label = CleanStringField(
        _l("Appendix label (the “Phụ lục” line above the title)"),
        validators=[Optional(), max_length(50)]
    )


class EditPlanForm(PlanForm):
    version = VersionField()


class ItemFilterForm(FlaskForm):
    """The plan page's filters: a GET form, no CSRF, unknown values simply ignored."""

    class Meta:
        csrf = False

    lead = SelectField(_l("Lead agency"), coerce=str)
    period = SelectField(_l("Submission time"), coerce=str)
    status = SelectField(_l("Status"), coerce=str)
    level = SelectField(_l("Approving level"), coerce=str)
    overdue = BooleanField(_l("Overdue only"))
    due_soon = BooleanField(_l("Due soon only"))
    pending = BooleanField(_l("Awaiting decision only"))
    answer = BooleanField(_l("Awaiting the lead agency's answer only"))
    quiet = BooleanField(_l("No update for a while only"))


def read_filters(form: ItemFilterForm, choices: FilterChoices) -> ItemFilters:
    """Read the query string; values not offered by the page are ignored, never an error."""
    anything = SelectChoice("", _l("All"))
    form.lead.choices = [anything] + [SelectChoice(str(i), n) for i, n in choices.agencies]
    form.period.choices = [anything] + [SelectChoice(p) for p in choices.periods]
    form.status.choices = [anything] + status_choices()
    form.level.choices = [anything] + [SelectChoice(lv) for lv in choices.levels]

    def chosen(field):
        offered = {choice.value for choice in field.choices if choice.value}
        return field.data if field.data in offered else None

    lead = chosen(form.lead)
    return ItemFilters(
        lead_agency_id=int(lead) if lead else None,
        due_period=chosen(form.period),
        status=chosen(form.status),
        approving_level=chosen(form.level),
        overdue_only=bool(form.overdue.data),
        pending_only=bool(form.pending.data),
        due_soon_only=bool(form.due_soon.data),
        due_soon_until=due_soon_until() if form.due_soon.data else None,
        answer_only=bool(form.answer.data),
        quiet_only=bool(form.quiet.data),
        quiet_since=quiet_since() if form.quiet.data else None,
    )


GROUPINGS = [
    SelectChoice(Grouping.NONE.value, _l("No groups")),
    SelectChoice(Grouping.QUARTER.value, _l("By quarter")),
    SelectChoice(Grouping.LEAD.value, _l("By lead agency")),
    SelectChoice(Grouping.PLAN.value, _l("By list")),
]
NUMBERINGS = [
    SelectChoice(Numbering.CONTINUOUS.value, _l("Continuous numbering")),
    SelectChoice(Numbering.PER_GROUP.value, _l("Numbering restarts in each group")),
]


class AppendixOptionsForm(ItemFilterForm):
    """The plan page's filters plus the appendix's own choices (a GET form, junk ignored)."""

    progress = BooleanField(_l("With progress columns"))
    group = SelectField(_l("Groups"), choices=GROUPINGS, coerce=str)
    numbering = SelectField(_l("Numbering"), choices=NUMBERINGS, coerce=str)

    def grouping(self) -> Grouping:
        values = {g.value for g in Grouping}
        return Grouping(self.group.data) if self.group.data in values else Grouping.NONE

    def numbering_choice(self) -> Numbering:
        values = {n.value for n in Numbering}
        value = self.numbering.data
        return Numbering(value) if value in values else Numbering.CONTINUOUS
