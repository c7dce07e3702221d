from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import policy
from tracker.agencies import all_agencies
from tracker.appendix.layout import PlanLayout
from tracker.extensions import db
from tracker.models import JournalKind, Proposal
from tracker.notify.service import queue_status_notices
from tracker.plans.forms import (
    EditProposalForm,
    item_form_class,
    item_form_data,
    proposal_fields,
    submitted_item,
)
from tracker.plans.service import agency_involved
from tracker.proposals import bp, notices
from tracker.proposals.forms import NotesForm, PostponementDecisionForm, StatusUpdateForm
from tracker.proposals.service import (
    FIELD_LABELS,
    StatusUpdate,
    decide_postponement,
    early_document_warning,
    edit_notes,
    edit_proposal,
    get_proposal,
    journal_of,
    post_status_update,
)
from tracker.services import CONFLICTS, FieldError
from tracker.web import tracker_today


def conflict_message() -> str:
    return _("Someone else changed this item after you opened it. Nothing was saved: "
             "check the current values, then submit again.")


def get_item(proposal_id: int) -> Proposal:
    """The item with its plan and agencies.

    :raise 404: no such item.
    :raise 403: the user may not read its plan.
    """
    proposal = get_proposal(proposal_id)
    if proposal is None:
        abort(404)
    owner = proposal.plan.owner_agency_id
    if not policy.can_read_plan(current_user, owner,
                                lambda: agency_involved(current_user.agency_id, proposal.plan_id)):
        abort(403)
    return proposal


class Rights:
    """What the current user may do on one item, asked of the policy once per request."""

    def __init__(self, proposal: Proposal) -> None:
        owner = proposal.plan.owner_agency_id
        lead = {proposal.lead_agency_id} | {agency.id for agency in proposal.leads}
        self.update = policy.can_update_status(current_user, lead, owner)
        self.comment = policy.can_comment(current_user, lead, owner,
                                          [a.id for a in proposal.coordinators])
        self.manage = policy.can_manage_plan(current_user, owner)
        self.decide = policy.can_decide_postponement(current_user, owner)
        self.needs_approval = policy.postponement_needs_approval(current_user, owner)


def render_item(proposal: Proposal, *, status: int = 200, form: StatusUpdateForm | None = None,
                decision_form: PostponementDecisionForm | None = None,
                notes_form: NotesForm | None = None):
    rights = Rights(proposal)
    if form is None and rights.comment:
        form = StatusUpdateForm(formdata=None, version=proposal.version)
    if form is not None:
        form.offer_statuses(proposal.status, may_change_status=rights.update,
                            request_waiting=bool(proposal.requested_due_period))
    if decision_form is None and rights.decide and proposal.requested_due_period:
        decision_form = PostponementDecisionForm(formdata=None, version=proposal.version)
    if notes_form is None and rights.update:
        notes_form = NotesForm(formdata=None, notes=proposal.notes, version=proposal.version)
    return render_template(
        "proposals/show.html", proposal=proposal, form=form, decision_form=decision_form,
        notes_form=notes_form, rights=rights, journal=journal_of(proposal.id),
        today=tracker_today(), field_labels=FIELD_LABELS,
        extra_columns=layout.extra_columns() if (layout := PlanLayout.from_json(
            proposal.plan.layout)) else [],
    ), status


@bp.get("/<int:proposal_id>")
def show(proposal_id: int):
    """One item: every field, its journal newest first, and the forms the user may use."""
    return render_item(get_item(proposal_id))


@bp.post("/<int:proposal_id>/status")
def update_status(proposal_id: int):
    """Post a status update, a postponement request, or a note."""
    proposal = get_item(proposal_id)
    rights = Rights(proposal)
    if not rights.comment:
        abort(403)
    form = StatusUpdateForm()
    form.offer_statuses(proposal.status, may_change_status=rights.update,
                        request_waiting=bool(proposal.requested_due_period))
    if not form.validate_on_submit():
        if form.status.errors and form.version.data is not None \
                and form.version.data != proposal.version:
            # The status chosen on a stale page is no longer offered because the item
            # moved on: that is the conflict, not an invalid choice.
            form.status.errors = []
            keep_typed_text(form, proposal)
            return render_item(proposal, form=form, status=409)
        return render_item(proposal, form=form, status=400)
    update = StatusUpdate(
        new_status=form.status.data or None, note=form.note.data or "",
        document_ref=form.document_ref.data or "", document_date=form.document_date.date,
        new_period=form.new_period.data or "",
    )
    try:
        entry = post_status_update(
            proposal, update, user_id=current_user.id, agency_id=current_user.agency_id,
            expected_version=form.version.data, postponement_needs_approval=rights.needs_approval,
            today=tracker_today())
        messages = notices.postponement_requested(proposal, entry, current_user.name) \
            if entry.kind == JournalKind.POSTPONEMENT_REQUESTED else []
        queue_status_notices(proposal, entry, tracker_today())
        warning = early_document(proposal, update.document_date)
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(error.message)
        return render_item(get_item(proposal_id), form=form, status=400)
    except CONFLICTS:
        db.session.rollback()
        proposal = get_item(proposal_id)
        keep_typed_text(form, proposal)
        return render_item(proposal, form=form, status=409)
    flash(_("The postponement request was sent to the managers.") if messages
          else _("The update was saved."), "success")
    if warning:
        flash(warning, "warning")
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


def early_document(proposal: Proposal, document_date) -> str | None:
    """The warning for a document dated before the item's list (saved all the same)."""
    return early_document_warning(proposal.plan, document_date,
                                  current_app.config["TRACKER_TIMEZONE"])


def keep_typed_text(form, proposal) -> None:
    """After a conflict: keep what the user typed, say why it was not saved, and carry the
    current version so a deliberate second submit goes through."""
    form.version.data, form.version.raw_data = proposal.version, None
    form.form_errors.append(conflict_message())


@bp.post("/<int:proposal_id>/postponement")
def decide(proposal_id: int):
    """Approve or refuse a waiting postponement request (managers in scope)."""
    proposal = get_item(proposal_id)
    if not Rights(proposal).decide:
        abort(403)
    form = PostponementDecisionForm()
    if not form.validate_on_submit():
        return render_item(proposal, decision_form=form, status=400)
    approve = form.decision.data == "approve"
    try:
        entry = decide_postponement(proposal, approve=approve, reason=form.reason.data or "",
                                    user_id=current_user.id, agency_id=current_user.agency_id,
                                    expected_version=form.version.data,
                                    document_ref=form.document_ref.data or "",
                                    document_date=form.document_date.date,
                                    today=tracker_today())
        notices.postponement_decided(proposal, entry, approve, current_user.name)
        queue_status_notices(proposal, entry, tracker_today())
        warning = early_document(proposal, form.document_date.date)
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        target = getattr(form, error.field, form.decision)
        target.errors = [*target.errors, error.message]
        return render_item(get_item(proposal_id), decision_form=form, status=400)
    except CONFLICTS:
        db.session.rollback()
        flash(conflict_message(), "danger")
        return render_item(get_item(proposal_id), status=409)
    flash(_("The postponement was approved.") if approve else _("The postponement was refused."),
          "success")
    if warning:
        flash(warning, "warning")
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


@bp.post("/<int:proposal_id>/notes")
def update_notes(proposal_id: int):
    """Keep the item's "Ghi chú" up to date (the lead agency, managers in scope)."""
    proposal = get_item(proposal_id)
    if not Rights(proposal).update:
        abort(403)
    form = NotesForm()
    if not form.validate_on_submit():
        return render_item(proposal, notes_form=form, status=400)
    try:
        edit_notes(proposal, form.notes.data or "", user_id=current_user.id,
                   agency_id=current_user.agency_id, expected_version=form.version.data)
        db.session.commit()
    except CONFLICTS:
        db.session.rollback()
        proposal = get_item(proposal_id)
        keep_typed_text(form, proposal)
        return render_item(proposal, notes_form=form, status=409)
    flash(_("Saved."), "success")
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
def edit(proposal_id: int):
    """Change an item's fields (managers in scope); each changed field is journaled."""
    proposal = get_item(proposal_id)
    if not policy.can_manage_plan(current_user, proposal.plan.owner_agency_id):
        abort(403)
    form_class = item_form_class(proposal.plan, EditProposalForm)
    form = form_class(obj=proposal, **item_form_data(proposal))
    conflict = False
    directory = submitted_item(form, actor_id=current_user.id,
                               unchanged=proposal.lead_text or proposal.lead_agency.name)
    if directory is not None:
        try:
            edit_proposal(proposal, proposal_fields(form, proposal.plan, editing=True),
                          directory,
                          user_id=current_user.id, agency_id=current_user.agency_id,
                          expected_version=form.version.data)
            db.session.commit()
        except CONFLICTS:
            db.session.rollback()
            proposal = get_item(proposal_id)
            form = form_class(formdata=None, obj=proposal, **item_form_data(proposal))
            conflict = True
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    status = 409 if conflict else 400 if form.errors else 200
    return render_template("proposals/form.html", form=form, plan=proposal.plan, proposal=proposal,
                           agencies=all_agencies(), conflict=conflict), status
