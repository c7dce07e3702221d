"""Forms of an item: its fields (in the shape of its list), a status update, a decision on a
request, putting it back on the list, its notes.

The plans service is imported by the item forms' helpers when they run: the plan page's
"add an item" view imports this module, and importing the service runs
tracker/plans/__init__.py, which loads that view."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectChoice, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from tracker.agencies import AgencyDirectory
from tracker.agency_names import lead_names
from tracker.appendix.layout import PlanLayout
from tracker.audit import SOURCE_FORM
from tracker.fields import (
    CleanStringField,
    CleanTextAreaField,
    DocumentFileField,
    PeriodField,
    VersionField,
    VietDateField,
    max_length,
    status_choices,
)
from tracker.forms import Form as FlaskForm
from tracker.statuses import NEEDS_DECISION, REQUEST_LABELS, Status, allowed_next
from tracker.text import name_key


class ItemForm(FlaskForm):
    position = IntegerField(
        _l("No."), validators=[Optional(), NumberRange(min=1, max=100000,
                                                       message=_l("Enter a number from 1."))]
    )
    title = CleanTextAreaField(
        _l("Title"), validators=[DataRequired(_l("Enter the title.")), max_length(2000)]
    )
    lead_agency_name = CleanStringField(
        _l("Lead agency"), validators=[DataRequired(_l("Enter the lead agency.")), max_length(255)]
    )
    coordination = CleanTextAreaField(
        _l("Coordinating agencies"), validators=[Optional(), max_length(1000)]
    )
    due_period = PeriodField(
        _l("Submission time"),
        validators=[DataRequired(_l("Enter the submission time, e.g. Quý III/2020.")),
                    max_length(200)],
    )
    approving_level = CleanStringField(
        _l("Approving level"), validators=[Optional(), max_length(200)]
    )
    notes = CleanTextAreaField(_l("Notes"), validators=[Optional(), max_length(4000)])
    # Offered only once a lead agency matched none (see `lead_agencies_known`): ticked, it
    # creates the agencies named in `create_agency_for`, the lead text it was offered for.
    create_agency = BooleanField(_l("Create a new agency"))
    create_agency_for = HiddenField()

    # (name, closest existing agencies) of each lead agency that matched none.
    unknown_agencies: list = []


class EditItemForm(ItemForm):
    version = VersionField()


NO_SECTION = 0


def published_form(base: type[ItemForm], columns: list[tuple[str, str]],
                   sections: list[tuple[int, str]]) -> type[ItemForm]:
    """The item form of an imported list: also its STT as printed, its section and a field per
    column of the list's own ("Sản phẩm đầu ra" …), each labelled with the published header;
    the lead cell as published (it may name several agencies)."""
    fields: dict = {
        "number_text": CleanStringField(_l("No. as printed"), validators=[Optional(),
                                                                          max_length(50)]),
        "section_id": SelectField(
            # Not posted (an older form, a script): no section; a section of another plan is
            # ignored by the service.
            _l("Section"), coerce=int, default=NO_SECTION, validate_choice=False,
            choices=[SelectChoice(NO_SECTION, "—")] + [SelectChoice(i, t) for i, t in sections]),
        "lead_agency_name": CleanStringField(
            _l("Lead agency"), validators=[DataRequired(_l("Enter the lead agency.")),
                                           max_length(1000)]),
    }
    for key, header in columns:
        fields[f"extra_{key}"] = CleanTextAreaField(header or key, validators=[Optional(),
                                                                               max_length(5000)])
    form = type(f"Published{base.__name__}", (base,), fields)
    form.extra_keys = [key for key, _ in columns]
    return form


def item_form_class(plan, base: type[ItemForm]) -> type[ItemForm]:
    """The item form for this plan: the seed's six columns, or the imported list's shape."""
    from tracker.plans.service import plan_sections

    layout = PlanLayout.from_json(plan.layout)
    if layout is None:
        return base
    return published_form(base, layout.extra_columns(), plan_sections(plan.id))


def item_form_data(item) -> dict:
    """The current values of an item for its form (its published cells included)."""
    data = {"lead_agency_name": item.lead_text or item.lead_agency.name,
            "number_text": item.number_text, "section_id": item.section_id or NO_SECTION}
    data.update({f"extra_{key}": value for key, value in (item.extra or {}).items()
                 if not key.startswith("_")})
    return data


def item_fields(form: ItemForm, plan, *, editing: bool = False):
    """The typed values as ItemFields (with the published cells of an imported list)."""
    from tracker.plans.service import ItemFields, typed_published_cells

    published = None
    if hasattr(form, "extra_keys"):
        published = typed_published_cells(
            plan, lead_text=form.lead_agency_name.data, number_text=form.number_text.data or "",
            section_id=form.section_id.data or None,
            extra={key: getattr(form, f"extra_{key}").data or "" for key in form.extra_keys},
            keep_number=editing)
    return ItemFields(
        title=form.title.data, lead_agency_name=form.lead_agency_name.data,
        coordination=form.coordination.data or "", due_period=form.due_period.data,
        approving_level=form.approving_level.data or "", notes=form.notes.data or "",
        position=form.position.data, published=published,
    )


def lead_agencies_known(form: ItemForm, directory: AgencyDirectory, *,
                        unchanged: str | None = None) -> bool:
    """Is every agency the lead field names known, or their creation confirmed? A name that
    matches none is a question, not a new agency (a typo would otherwise become one): the
    field gets "No such agency; did you mean …?" with the closest names, and the form offers
    "Create a new agency" for exactly this text; ticked and sent back unchanged, they are
    created. `unchanged`: an edit's current lead text, which is not asked about again."""
    typed = form.lead_agency_name.data or ""
    if unchanged is not None and name_key(typed) == name_key(unchanged):
        return True
    names = (lead_names(typed) if hasattr(form, "extra_keys") else []) or [typed]
    unknown = directory.unknown_leads(names)
    if not unknown:
        return True
    if form.create_agency.data and name_key(form.create_agency_for.data or "") == name_key(typed):
        return True
    for name, suggestions in unknown:
        closest = ", ".join(agency.name for agency in suggestions)
        if len(names) == 1:
            message = (_("No such agency; did you mean: %(names)s?", names=closest) if closest
                       else _("No such agency in the tracker."))
        else:
            message = (_("No agency “%(name)s”; did you mean: %(names)s?", name=name,
                         names=closest) if closest
                       else _("No agency “%(name)s” in the tracker.", name=name))
        form.lead_agency_name.errors.append(message)
    form.unknown_agencies = unknown
    form.create_agency.data = False
    form.create_agency_for.data = typed
    return False


def submitted_item(form: ItemForm, *, actor_id: int,
                   unchanged: str | None = None) -> AgencyDirectory | None:
    """The item form sent, valid, and its lead agencies known or their creation confirmed
    (asked alongside the other errors, so the form shows them all at once): the directory to
    save with, which journals an agency it creates as made by `actor_id` on the item form.
    None: show the form (again)."""
    if not form.is_submitted():
        return None
    valid = form.validate_on_submit()
    directory = AgencyDirectory.load(actor_id=actor_id, source=SOURCE_FORM)
    if not form.lead_agency_name.errors:
        valid = lead_agencies_known(form, directory, unchanged=unchanged) and valid
    return directory if valid else None


class StatusUpdateForm(FlaskForm):
    status = SelectField(_l("New status"), coerce=str, default="")
    note = CleanTextAreaField(_l("Note / reason"), validators=[Optional(), max_length(4000)])
    document_ref = CleanStringField(
        _l("Document number (Tờ trình, Quyết định)"), validators=[Optional(), max_length(300)]
    )
    document_date = VietDateField(_l("Document date"), validators=[Optional(), max_length(30)])
    document_file = DocumentFileField(_l("File of the document"))
    new_period = PeriodField(_l("New submission time"), validators=[Optional(), max_length(200)])
    version = VersionField()

    def offer_statuses(self, current: str, *, may_change_status: bool = True,
                       request_waiting: bool = False, asks: bool = False) -> None:
        """The transitions the status model allows from `current`, plus "note only".

        Someone who may only comment gets "note only"; one whose postponement or withdrawal
        is a request (`asks`) is offered them in those words; while a request waits, no other
        can be made.
        """
        next_statuses = sorted(allowed_next(current), key=list(Status).index) \
            if may_change_status else []
        if request_waiting:
            next_statuses = [s for s in next_statuses if s not in NEEDS_DECISION]
        choices = status_choices(next_statuses)
        if asks:
            choices = [SelectChoice(c.value, _l(REQUEST_LABELS[Status(c.value)]))
                       if c.value in REQUEST_LABELS else c for c in choices]
        self.status.choices = [SelectChoice("", _l("— no change, note only —"))] + choices
        if not may_change_status:
            # A note is all this user can post: asking for a status too would mislead.
            self.note.validators = [DataRequired(_l("Write your comment or note.")),
                                    *self.note.validators]


class RequestDecisionForm(FlaskForm):
    """A manager's answer to a waiting postponement or withdrawal request."""

    decision = SelectField(choices=[SelectChoice("approve", _l("Approve")),
                                    SelectChoice("refuse", _l("Refuse"))],
                           validators=[InputRequired()])
    reason = CleanTextAreaField(_l("Reason (required to refuse)"),
                                validators=[Optional(), max_length(4000)])
    # The letter that carries the decision, when there is one (printed with it).
    document_ref = CleanStringField(_l("Document number (Công văn, Thông báo)"),
                                    validators=[Optional(), max_length(300)])
    document_date = VietDateField(_l("Document date"), validators=[Optional(), max_length(30)])
    # Its own id: the page also shows the status form's document field.
    document_file = DocumentFileField(_l("File of the document"), id="decision_document_file")
    version = VersionField()


class ReinstateForm(FlaskForm):
    """A manager puts a withdrawn item back on the list, saying why."""

    reason = CleanTextAreaField(_l("Reason"), validators=[InputRequired(_l("Give the reason.")),
                                                          max_length(4000)])
    version = VersionField()


class NotesForm(FlaskForm):
    notes = CleanTextAreaField(_l("Notes"), validators=[Optional(), max_length(4000)])
    version = VersionField()
