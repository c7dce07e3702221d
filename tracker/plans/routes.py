from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from tracker import policy
from tracker.agencies import all_agencies
from tracker.appendix import forms as appendix_forms  # module: the two import each other
from tracker.extensions import db
from tracker.models import Agency, Plan
from tracker.periods import PeriodError
from tracker.plans import bp
from tracker.plans.forms import (
    EditPlanForm,
    ItemFilterForm,
    PlanForm,
    ProposalForm,
    item_form_class,
    proposal_fields,
    read_filters,
    submitted_item,
)
from tracker.plans.service import (
    ItemFilters,
    add_proposal,
    agency_involved,
    create_plan,
    filter_choices,
    items_query,
    my_items_query,
    only_coordinated,
    plan_counts,
    plan_summaries,
    update_plan,
)
from tracker.services import CONFLICTS
from tracker.web import due_soon_until, page_number, tracker_today

# The "My items" page's one-click filters, as query-string keys.
MY_ITEMS_FILTERS = ("overdue", "due_soon", "pending")


def get_plan(plan_id: int, *, manage: bool = False) -> Plan:
    """The plan, checked against the policy.

    :raise 404: no such plan.
    :raise 403: the user may not read it, or (``manage``) may not change it.
    """
    plan = db.get_or_404(Plan, plan_id)
    if manage:
        allowed = policy.can_manage_plan(current_user, plan.owner_agency_id)
    else:
        allowed = policy.can_read_plan(current_user, plan.owner_agency_id,
                                       lambda: agency_involved(current_user.agency_id, plan.id))
    if not allowed:
        abort(403)
    return plan


def owner_choices(form: PlanForm) -> None:
    """Offer as owners the active agencies the user may create a list for."""
    agencies = {a.id: a.name for a in all_agencies() if a.active}
    allowed = policy.owner_agencies_allowed(current_user, list(agencies))
    form.owner_agency_id.choices = [SelectChoice(agency_id, agencies[agency_id])
                                    for agency_id in allowed]


@bp.get("/")
def index():
    """List the plans the user may see, with their number of items."""
    agency_id = None if policy.sees_every_plan(current_user) else current_user.agency_id
    return render_template("plans/index.html", summaries=plan_summaries(agency_id))


@bp.get("/mine")
def mine():
    """The open items the user's agency must act on, by deadline (linked from the digests)."""
    today = tracker_today()
    shown = {key: request.args.get(key) in {"y", "1", "on"} for key in MY_ITEMS_FILTERS}
    filters = ItemFilters(overdue_only=shown["overdue"], pending_only=shown["pending"],
                          due_soon_only=shown["due_soon"],
                          due_soon_until=due_soon_until() if shown["due_soon"] else None)
    query = my_items_query(current_user.agency_id, policy.can_create_plans(current_user),
                           policy.sees_every_plan(current_user), today, filters)
    page = page_number()
    items = db.paginate(query, page=page, per_page=current_app.config["ITEMS_PER_PAGE"],
                        error_out=False)
    coordinating = only_coordinated(current_user.agency_id, [item.id for item in items.items])
    return render_template("plans/mine.html", items=items, today=today, shown=shown,
                           args={key: "y" for key, on in shown.items() if on},
                           coordinating=coordinating)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Create a plan (its items are added afterwards, or imported)."""
    if not policy.can_create_plans(current_user):
        abort(403)
    form = PlanForm()
    owner_choices(form)
    if request.method == "GET":
        form.owner_agency_id.data = current_user.agency_id
    if form.validate_on_submit():
        plan = create_plan(form.title.data, db.session.get(Agency, form.owner_agency_id.data),
                           form.attached_to.data or "", form.appendix_label.data or "")
        db.session.commit()
        flash(_("The list was created."), "success")
        return redirect(url_for("plans.show", plan_id=plan.id))
    return render_template("plans/form.html", form=form, plan=None), 400 if form.errors else 200


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
def edit(plan_id: int):
    """Change a plan's title, owner or "Kèm theo" line."""
    plan = get_plan(plan_id, manage=True)
    form = EditPlanForm(obj=plan)
    owner_choices(form)
    if form.validate_on_submit():
        try:
            update_plan(plan, form.version.data, title=form.title.data,
                        owner=db.session.get(Agency, form.owner_agency_id.data),
                        attached_to=form.attached_to.data or "",
                        appendix_label=form.appendix_label.data or "")
            db.session.commit()
        except CONFLICTS:
            db.session.rollback()
            plan = get_plan(plan_id, manage=True)
            form = EditPlanForm(formdata=None, obj=plan)
            owner_choices(form)
            return render_template("plans/form.html", form=form, plan=plan,
                                   conflict=True), 409
        flash(_("Saved."), "success")
        return redirect(url_for("plans.show", plan_id=plan.id))
    return render_template("plans/form.html", form=form, plan=plan), 400 if form.errors else 200


@bp.get("/<int:plan_id>")
def show(plan_id: int):
    """A plan's items, filtered, with a count of each status."""
    plan = get_plan(plan_id)
    today = tracker_today()
    form = ItemFilterForm(request.args)
    filters = read_filters(form, filter_choices(plan.id))
    page = page_number()
    items = db.paginate(items_query(plan.id, filters, today), page=page,
                        per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render_template(
        "plans/show.html", plan=plan, form=form, items=items, today=today,
        counts=plan_counts(plan.id, today, due_soon_until()),
        options=appendix_forms.AppendixOptionsForm(request.args),
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.route("/<int:plan_id>/items/new", methods=["GET", "POST"])
def new_item(plan_id: int):
    """Add one item to a plan."""
    plan = get_plan(plan_id, manage=True)
    form = item_form_class(plan, ProposalForm)()
    directory = submitted_item(form, actor_id=current_user.id)
    if directory is not None:
        try:
            proposal = add_proposal(
                plan, proposal_fields(form, plan), directory,
                actor_user_id=current_user.id, actor_agency_id=current_user.agency_id,
            )
        except PeriodError as error:  # the field validated it; kept for safety
            form.due_period.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The item was added."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, plan=plan, proposal=None,
                           agencies=all_agencies()), 400 if form.errors else 200

