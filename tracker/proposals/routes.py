from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from tracker import policy
from tracker.agencies import AgencyDirectory, all_agencies
from tracker.extensions import db
from tracker.models import Proposal
from tracker.plans.forms import EditProposalForm
from tracker.plans.routes import proposal_fields
from tracker.proposals import bp
from tracker.proposals.forms import StatusUpdateForm
from tracker.proposals.service import (
    FIELD_LABELS,
    StatusUpdate,
    edit_proposal,
    get_proposal,
    journal_of,
    post_status_update,
)
from tracker.services import ConflictError, FieldError
from tracker.web import tracker_today


def conflict_message() -> str:
    return _("Someone else changed this item after you opened it. Nothing was saved: "
             "check the current values, then submit again.")


def get_item(proposal_id: int) -> Proposal:
    """The item with its plan and agencies.

    :raise 404: no such item.
    :raise 403: the user may not read it.
    """
    proposal = get_proposal(proposal_id)
    if proposal is None:
        abort(404)
    if not policy.can_read(current_user):
        abort(403)
    return proposal


def render_item(proposal: Proposal, form: StatusUpdateForm | None = None, status: int = 200):
    if form is None and policy.can_update_status(current_user, proposal.lead_agency_id):
        form = StatusUpdateForm(formdata=None, version=proposal.version)
    if form is not None:
        form.offer_statuses(proposal.status)
    return render_template(
        "proposals/show.html", proposal=proposal, form=form,
        journal=journal_of(proposal.id), today=tracker_today(), field_labels=FIELD_LABELS,
    ), status


@bp.get("/<int:proposal_id>")
def show(proposal_id: int):
    """One item: every field, its journal newest first, and the update form."""
    return render_item(get_item(proposal_id))


@bp.post("/<int:proposal_id>/status")
def update_status(proposal_id: int):
    """Post a status update (or a note) on an item."""
    proposal = get_item(proposal_id)
    if not policy.can_update_status(current_user, proposal.lead_agency_id):
        abort(403)
    form = StatusUpdateForm()
    form.offer_statuses(proposal.status)
    if not form.validate_on_submit():
        return render_item(proposal, form, 400)
    update = StatusUpdate(
        new_status=form.status.data or None, note=form.note.data or "",
        document_ref=form.document_ref.data or "", document_date=form.document_date.date,
        new_period=form.new_period.data or "",
    )
    try:
        post_status_update(proposal, update, user_id=current_user.id,
                           agency_id=current_user.agency_id, expected_version=form.version.data)
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(error.message)
        return render_item(get_item(proposal_id), form, 400)
    except (ConflictError, StaleDataError):
        db.session.rollback()
        proposal = get_item(proposal_id)
        # Keep what the user typed; the new version lets a deliberate second submit through.
        form.version.data = proposal.version
        form.version.raw_data = None
        form.form_errors.append(conflict_message())
        return render_item(proposal, form, 409)
    flash(_("The update was saved."), "success")
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
def edit(proposal_id: int):
    """Change an item's fields (managers); each changed field is journaled."""
    proposal = get_item(proposal_id)
    if not policy.can_manage_plans(current_user):
        abort(403)
    form = EditProposalForm(obj=proposal, lead_agency_name=proposal.lead_agency.name)
    conflict = False
    if form.validate_on_submit():
        try:
            edit_proposal(proposal, proposal_fields(form), AgencyDirectory.load(),
                          user_id=current_user.id, agency_id=current_user.agency_id,
                          expected_version=form.version.data)
            db.session.commit()
        except (ConflictError, StaleDataError):
            db.session.rollback()
            proposal = get_item(proposal_id)
            form = EditProposalForm(formdata=None, obj=proposal,
                                    lead_agency_name=proposal.lead_agency.name)
            conflict = True
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    status = 409 if conflict else 400 if form.errors else 200
    return render_template("proposals/form.html", form=form, plan=proposal.plan, proposal=proposal,
                           agencies=all_agencies(), conflict=conflict), status
