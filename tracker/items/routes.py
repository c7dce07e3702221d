"""The item's page and its forms: status updates, decisions on requests, reinstating,
notes, field edits, and the files of the documents its journal cites."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import policy
from tracker.agencies import all_agencies
from tracker.appendix.layout import PlanLayout
from tracker.extensions import db
from tracker.forms import show_errors
from tracker.items import bp
from tracker.items.attachments import attach, commit_with_file, get_attachment, send_attachment
from tracker.items.forms import (
    EditItemForm,
    NotesForm,
    ReinstateForm,
    RequestDecisionForm,
    StatusUpdateForm,
    item_fields,
    item_form_class,
    item_form_data,
    submitted_item,
)
from tracker.items.service import (
    FIELD_LABELS,
    REQUESTS,
    StatusUpdate,
    decide_request,
    decision_problems,
    early_document_warning,
    edit_item,
    edit_notes,
    journal_of,
    post_status_update,
    reinstate,
    request_waiting,
    status_update_problems,
)
from tracker.models import Item, JournalKind
from tracker.services import CONFLICTS, FieldError
from tracker.statuses import Status
from tracker.web import get_item, takes_document, tracker_today


def conflict_message() -> str:
    return _("Someone else changed this item after you opened it. Nothing was saved: "
             "check the current values, then submit again.")


class Rights:
    """What the current user may do on one item, asked of the policy once per request."""

    def __init__(self, item: Item) -> None:
        owner = item.plan.owner_agency_id
        lead = {item.lead_agency_id} | {agency.id for agency in item.leads}
        user = current_user._get_current_object()  # the rules read it often: not the proxy
        self.update = policy.can_update_status(user, lead, owner)
        self.comment = policy.can_comment(user, lead, owner, [a.id for a in item.coordinators])
        self.manage = policy.can_manage_plan(user, owner)
        self.decide = policy.can_decide_request(user, owner)
        self.needs_approval = policy.request_needs_approval(user, owner)


def offer_statuses(form: StatusUpdateForm, item: Item, rights: Rights) -> None:
    form.offer_statuses(item.status, may_change_status=rights.update,
                        request_waiting=request_waiting(item) is not None,
                        asks=rights.needs_approval)


def render_item(item: Item, *, status: int = 200, form: StatusUpdateForm | None = None,
                decision_form: RequestDecisionForm | None = None,
                notes_form: NotesForm | None = None, reinstate_form: ReinstateForm | None = None):
    rights = Rights(item)
    if form is None and rights.comment:
        form = StatusUpdateForm(formdata=None, version=item.version)
    if form is not None:
        offer_statuses(form, item, rights)
    asked = request_waiting(item)
    if decision_form is None and rights.decide and asked is not None:
        decision_form = RequestDecisionForm(formdata=None, version=item.version)
    if reinstate_form is None and rights.decide and item.status == Status.WITHDRAWN:
        reinstate_form = ReinstateForm(formdata=None, version=item.version)
    if notes_form is None and rights.update:
        notes_form = NotesForm(formdata=None, notes=item.notes, version=item.version)
    return render_template(
        "items/show.html", item=item, form=form, decision_form=decision_form,
        asked=asked, reinstate_form=reinstate_form,
        notes_form=notes_form, rights=rights, journal=journal_of(item.id),
        today=tracker_today(), field_labels=FIELD_LABELS,
        extra_columns=layout.extra_columns() if (layout := PlanLayout.from_json(
            item.plan.layout)) else [],
    ), status


@bp.get("/<int:item_id>")
def show(item_id: int):
    """One item: every field, its journal newest first, and the forms the user may use."""
    return render_item(get_item(item_id))


@bp.post("/<int:item_id>/status")
@takes_document
def update_status(item_id: int):
    """Post a status update, a postponement request, or a note."""
    item = get_item(item_id)
    rights = Rights(item)
    if not rights.comment:
        abort(403)
    form = StatusUpdateForm()
    offer_statuses(form, item, rights)
    valid = form.validate_on_submit()
    if not valid and form.status.errors and form.version.data is not None \
            and form.version.data != item.version:
        # The status chosen on a stale page is no longer offered because the item
        # moved on: that is the conflict, not an invalid choice.
        form.status.errors = []
        keep_typed_text(form, item)
        return render_item(item, form=form, status=409)
    update = StatusUpdate(
        new_status=form.status.data or None, note=form.note.data or "",
        document_ref=form.document_ref.data or "", document_date=form.document_date.date,
        new_period=form.new_period.data or "",
    )
    if not valid:
        if not form.status.errors:
            # What the service would refuse too, so that one submit shows every error.
            show_errors(form, status_update_problems(item, update, today=tracker_today()))
        return render_item(item, form=form, status=400)
    try:
        entry = post_status_update(
            item, update, actor=current_user, expected_version=form.version.data,
            needs_approval=rights.needs_approval, today=tracker_today())
        attachment = attach(item.id, entry, form.document_file.document)
        warning = early_document(item, update.document_date)
        commit_with_file(attachment, form.document_file.document)
    except FieldError as error:
        db.session.rollback()
        show_errors(form, error.errors)
        return render_item(get_item(item_id), form=form, status=400)
    except CONFLICTS:
        db.session.rollback()
        item = get_item(item_id)
        keep_typed_text(form, item)
        return render_item(item, form=form, status=409)
    flash(_("The request was sent to the managers; it waits for their decision.")
          if entry.kind in REQUESTS
          else _("The note was added.") if entry.kind == JournalKind.COMMENT
          else _("The update was saved."), "success")
    if warning:
        flash(warning, "warning")
    return redirect(url_for("items.show", item_id=item.id))


def early_document(item: Item, document_date) -> str | None:
    """The warning for a document dated before the item's list (saved all the same)."""
    return early_document_warning(item.plan, document_date,
                                  current_app.config["TRACKER_TIMEZONE"])


def keep_typed_text(form, item) -> None:
    """After a conflict: keep what the user typed, say why it was not saved, and carry the
    current version so a deliberate second submit goes through."""
    form.version.data, form.version.raw_data = item.version, None
    form.form_errors.append(conflict_message())


@bp.post("/<int:item_id>/decision")
@takes_document
def decide(item_id: int):
    """Approve or refuse a waiting postponement or withdrawal request (managers in scope)."""
    item = get_item(item_id)
    if not Rights(item).decide:
        abort(403)
    form = RequestDecisionForm()
    approve = form.decision.data == "approve"
    if not form.validate_on_submit():
        if not form.decision.errors:
            show_errors(form, decision_problems(approve=approve, reason=form.reason.data or "",
                                                document_date=form.document_date.date,
                                                today=tracker_today()))
        return render_item(item, decision_form=form, status=400)
    asked = request_waiting(item)
    try:
        entry = decide_request(item, approve=approve, reason=form.reason.data or "",
                               actor=current_user, expected_version=form.version.data,
                               document_ref=form.document_ref.data or "",
                               document_date=form.document_date.date,
                               today=tracker_today())
        attachment = attach(item.id, entry, form.document_file.document)
        warning = early_document(item, form.document_date.date)
        commit_with_file(attachment, form.document_file.document)
    except FieldError as error:
        db.session.rollback()
        show_errors(form, error.errors, default="decision")
        return render_item(get_item(item_id), decision_form=form, status=400)
    except CONFLICTS:
        db.session.rollback()
        flash(conflict_message(), "danger")
        return render_item(get_item(item_id), status=409)
    flash(DECIDED[asked, approve], "success")
    if warning:
        flash(warning, "warning")
    return redirect(url_for("items.show", item_id=item.id))


DECIDED = {
    (Status.POSTPONED, True): _l("The postponement was approved."),
    (Status.POSTPONED, False): _l("The postponement was refused."),
    (Status.WITHDRAWN, True): _l("The withdrawal was approved: the item is off the list."),
    (Status.WITHDRAWN, False): _l("The withdrawal was refused."),
}


@bp.post("/<int:item_id>/reinstate")
def reinstate_item(item_id: int):
    """Put a withdrawn item back on the list (managers in scope), with the reason."""
    item = get_item(item_id)
    if not Rights(item).decide:
        abort(403)
    form = ReinstateForm()
    if not form.validate_on_submit():
        return render_item(item, reinstate_form=form, status=400)
    try:
        reinstate(item, reason=form.reason.data or "", actor=current_user,
                  expected_version=form.version.data)
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, error.message]
        return render_item(get_item(item_id), reinstate_form=form, status=400)
    except CONFLICTS:
        db.session.rollback()
        flash(conflict_message(), "danger")
        return render_item(get_item(item_id), status=409)
    flash(_("The item is back on the list."), "success")
    return redirect(url_for("items.show", item_id=item.id))


@bp.get("/<int:item_id>/documents/<int:attachment_id>")
def document(item_id: int, attachment_id: int):
    """Download the file of a document cited in the item's journal (whoever may read the item)."""
    get_item(item_id)
    attachment = get_attachment(item_id, attachment_id)
    if attachment is None:
        abort(404)
    return send_attachment(attachment)


@bp.post("/<int:item_id>/notes")
def update_notes(item_id: int):
    """Keep the item's "Ghi chú" up to date (the lead agency, managers in scope)."""
    item = get_item(item_id)
    if not Rights(item).update:
        abort(403)
    form = NotesForm()
    if not form.validate_on_submit():
        return render_item(item, notes_form=form, status=400)
    try:
        edit_notes(item, form.notes.data or "", user_id=current_user.id,
                   agency_id=current_user.agency_id, expected_version=form.version.data)
        db.session.commit()
    except CONFLICTS:
        db.session.rollback()
        item = get_item(item_id)
        keep_typed_text(form, item)
        return render_item(item, notes_form=form, status=409)
    flash(_("Saved."), "success")
    return redirect(url_for("items.show", item_id=item.id))


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
def edit(item_id: int):
    """Change an item's fields (managers in scope); each changed field is journaled."""
    item = get_item(item_id)
    if not policy.can_manage_plan(current_user, item.plan.owner_agency_id):
        abort(403)
    form_class = item_form_class(item.plan, EditItemForm)
    form = form_class(obj=item, **item_form_data(item))
    conflict = False
    directory = submitted_item(form, actor_id=current_user.id,
                               unchanged=item.lead_text or item.lead_agency.name)
    if directory is not None:
        try:
            edit_item(item, item_fields(form, item.plan, editing=True),
                          directory,
                          user_id=current_user.id, agency_id=current_user.agency_id,
                          expected_version=form.version.data)
            db.session.commit()
        except CONFLICTS:
            db.session.rollback()
            item = get_item(item_id)
            form = form_class(formdata=None, obj=item, **item_form_data(item))
            conflict = True
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("items.show", item_id=item.id))
    status = 409 if conflict else 400 if form.errors else 200
    return render_template("items/form.html", form=form, plan=item.plan, item=item,
                           agencies=all_agencies(), conflict=conflict), status
