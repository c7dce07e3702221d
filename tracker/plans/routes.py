"""The plan pages: the lists, "My items", a list with its filters, creating and editing a
list, adding an item to it."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import policy
from tracker.agencies import all_agencies
from tracker.extensions import db
from tracker.items.forms import (
    ItemForm,
    item_fields,
    item_form_class,
    submitted_item,
)
from tracker.models import Agency
from tracker.periods import PeriodError
from tracker.plans import bp
from tracker.plans.forms import (
    AppendixOptionsForm,
    EditPlanForm,
    ItemFilterForm,
    PlanForm,
    read_filters,
)
from tracker.plans.service import (
    ItemFilters,
    add_item,
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
from tracker.web import (
    due_soon_until,
    get_plan,
    owner_choices,
    paginate,
    quiet_since,
    tracker_today,
)

# The "My items" page's one-click filters, as query-string keys.
MY_ITEMS_FILTERS = ("overdue", "due_soon", "pending", "answer", "quiet")


@bp.get("/")
def index():
    """List the plans the user may see, with their number of items."""
    return render_template("plans/index.html",
                           summaries=plan_summaries(policy.plan_scope(current_user)))


@bp.get("/mine")
def mine():
    """The open items the user's agency must act on, by deadline (linked from the digests)."""
    today = tracker_today()
    shown = {key: request.args.get(key) in {"y", "1", "on"} for key in MY_ITEMS_FILTERS}
    filters = ItemFilters(overdue_only=shown["overdue"], pending_only=shown["pending"],
                          due_soon_only=shown["due_soon"],
                          due_soon_until=due_soon_until() if shown["due_soon"] else None,
                          answer_only=shown["answer"], quiet_only=shown["quiet"],
                          quiet_since=quiet_since() if shown["quiet"] else None)
    query = my_items_query(current_user.agency_id, policy.can_create_plans(current_user),
                           policy.sees_every_plan(current_user), today, filters)
    items = paginate(query)
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
    items = paginate(items_query(plan.id, filters, today))
    return render_template(
        "plans/show.html", plan=plan, form=form, items=items, today=today,
        counts=plan_counts(plan.id, today, due_soon_until()),
        options=AppendixOptionsForm(request.args),
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.route("/<int:plan_id>/items/new", methods=["GET", "POST"])
def new_item(plan_id: int):
    """Add one item to a plan."""
    plan = get_plan(plan_id, manage=True)
    form = item_form_class(plan, ItemForm)()
    directory = submitted_item(form, actor_id=current_user.id)
    if directory is not None:
        try:
            item = add_item(
                plan, item_fields(form, plan), directory,
                actor_user_id=current_user.id, actor_agency_id=current_user.agency_id,
            )
        except PeriodError as error:  # the field validated it; kept for safety
            form.due_period.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The item was added."), "success")
            return redirect(url_for("items.show", item_id=item.id))
    return render_template("items/form.html", form=form, plan=plan, item=None,
                           agencies=all_agencies()), 400 if form.errors else 200

