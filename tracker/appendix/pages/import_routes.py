"""The appendix in: upload or paste → preview (every row as it will be saved) → save (all
rows in one transaction, or none), or cancel. The read cells wait in an ImportDraft between."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from tracker import policy
from tracker.agencies import all_agencies
from tracker.appendix.imports import (
    ImportPlan,
    consume_draft,
    import_plan_of,
    keep_draft,
    new_draft,
    save_draft,
)
from tracker.appendix.pages import bp
from tracker.appendix.pages.forms import ConfirmImportForm, ImportForm, NewPlanImportForm
from tracker.extensions import db
from tracker.forms import show_errors
from tracker.models import Agency, ImportDraft, Plan
from tracker.services import FieldError
from tracker.web import get_plan, owner_choices


def _start_draft(form: ImportForm, plan: Plan | None, **new_list) -> ImportDraft | None:
    """Read the upload or the pasted table and keep it as a draft for the preview; None
    when something is wrong (said on the form). The file is read even when another field
    is wrong, so that one submit shows every error; nothing is kept then."""
    if not form.is_submitted():
        return None
    valid = form.validate()
    source = form.read_source()
    if source is None:
        return None
    try:
        draft = new_draft(*source, user_id=current_user.id, plan=plan, **new_list)
    except FieldError as error:
        show_errors(form, error.errors, default=form.source_field().name)
        return None
    if not valid:
        return None
    keep_draft(draft)
    db.session.commit()
    return draft


@bp.route("/plans/import", methods=["GET", "POST"])
def import_new():
    """A new list from a Word, Excel or CSV file, or from a pasted table."""
    if not policy.can_create_plans(current_user):
        abort(403)
    form = NewPlanImportForm()
    owner_choices(form)
    if request.method == "GET":
        form.owner_agency_id.data = current_user.agency_id
    draft = _start_draft(form, None, title=form.title.data or "",
                         owner_agency_id=form.owner_agency_id.data,
                         attached_to=form.attached_to.data or "")
    if draft is not None:
        return redirect(url_for("appendix.preview", draft_id=draft.id))
    return render_template("appendix/import.html", form=form, plan=None), \
        400 if form.errors else 200


@bp.route("/plans/<int:plan_id>/import", methods=["GET", "POST"])
def import_into(plan_id: int):
    """Add the rows of a file or a pasted table to an existing list."""
    plan = get_plan(plan_id, manage=True)
    form = ImportForm()
    draft = _start_draft(form, plan)
    if draft is not None:
        return redirect(url_for("appendix.preview", draft_id=draft.id))
    return render_template("appendix/import.html", form=form, plan=plan), \
        400 if form.errors else 200


def get_draft(draft_id: int) -> ImportDraft:
    """The user's own draft, still allowed (404 for anyone else's: drafts are private)."""
    draft = db.session.get(ImportDraft, draft_id)
    if draft is None or draft.user_id != current_user.id:
        abort(404)
    if draft.plan_id is not None:
        get_plan(draft.plan_id, manage=True)
    elif not (policy.can_create_plans(current_user)
              and draft.owner_agency_id is not None
              and db.session.get(Agency, draft.owner_agency_id) is not None
              and policy.owner_agencies_allowed(current_user, [draft.owner_agency_id])):
        abort(403)   # the role or agency changed since the upload
    return draft


def table_choices(draft: ImportDraft) -> list[SelectChoice]:
    return [SelectChoice(i, table["label"]) for i, table in enumerate(draft.tables)]


def _render_preview(draft: ImportDraft, plan: ImportPlan, form: ConfirmImportForm,
                    choice_errors: dict[str, str] | None = None, status: int = 200):
    form.table_index.choices = table_choices(draft)
    form.table_index.data = draft.table_index
    target = db.session.get(Plan, draft.plan_id) if draft.plan_id else None
    owner = db.session.get(Agency, draft.owner_agency_id) if draft.owner_agency_id else None
    return render_template(
        "appendix/preview.html", draft=draft, plan=plan, form=form, target=target,
        owner=owner, agencies=all_agencies(), choice_errors=choice_errors or {},
    ), status


@bp.get("/imports/<int:draft_id>")
def preview(draft_id: int):
    """Every row as it will be saved, with its errors and warnings, before anything is written."""
    draft = get_draft(draft_id)
    return _render_preview(draft, import_plan_of(draft), ConfirmImportForm())


def _back_to_the_list(plan_id: int | None):
    return redirect(url_for("plans.show", plan_id=plan_id) if plan_id else url_for("plans.index"))


def _already_used(plan_id: int | None):
    db.session.rollback()
    flash(_("This import has already been saved or cancelled."), "warning")
    return _back_to_the_list(plan_id)


def _pressed_on(draft_id: int) -> tuple[ImportDraft, ConfirmImportForm] | None:
    """The draft a preview's button was pressed on, with the preview's form (its table
    choices set); None when an earlier POST already saved or cancelled the draft."""
    if db.session.get(ImportDraft, draft_id) is None:
        return None
    draft = get_draft(draft_id)
    form = ConfirmImportForm()
    form.table_index.choices = table_choices(draft)
    return draft, form


def _press(draft_id: int):
    """(draft, form, None) when a preview's button may act on the draft; otherwise
    (None, None, the answer): the draft already saved or cancelled, or the form refused."""
    pressed = _pressed_on(draft_id)
    if pressed is None:
        return None, None, _already_used(None)
    draft, form = pressed
    if not form.validate_on_submit():
        return None, None, _render_preview(draft, import_plan_of(draft), form, status=400)
    return draft, form, None


@bp.post("/imports/<int:draft_id>")
def confirm(draft_id: int):
    """Save every row in one transaction, or none."""
    # A preview rendered before each button had its own URL posts here with the button's
    # value: what was meant as "cancel" must never save.
    action = request.form.get("action")
    if action == "cancel":
        return cancel_import(draft_id)
    if action == "table":
        return choose_table(draft_id)
    draft, form, answer = _press(draft_id)
    if answer is not None:
        return answer
    plan = import_plan_of(draft)
    choices, choice_errors = plan.read_choices(request.form, {a.id for a in all_agencies()})
    if not plan.result.ok or choice_errors:
        return _render_preview(draft, plan, form, choice_errors, status=400)
    saved = save_draft(draft, plan, choices, actor_user_id=current_user.id,
                       actor_agency_id=current_user.agency_id)
    if saved is None:
        return _already_used(draft.plan_id)
    db.session.commit()
    flash(_("%(num)d items were imported.", num=len(plan.result.rows)), "success")
    return redirect(url_for("plans.show", plan_id=saved.id))


@bp.post("/imports/<int:draft_id>/cancel")
def cancel_import(draft_id: int):
    """Drop the draft: nothing is saved."""
    draft, _form, answer = _press(draft_id)
    if answer is not None:
        return answer
    target = draft.plan_id
    if not consume_draft(draft):
        return _already_used(target)
    db.session.commit()
    flash(_("The import was cancelled. Nothing was saved."), "info")
    return _back_to_the_list(target)


@bp.post("/imports/<int:draft_id>/table")
def choose_table(draft_id: int):
    """Preview another table of the file (one with several tables)."""
    draft, form, answer = _press(draft_id)
    if answer is not None:
        return answer
    if form.table_index.data is not None and 0 <= form.table_index.data < len(draft.tables):
        draft.table_index = form.table_index.data
        db.session.commit()
    return redirect(url_for("appendix.preview", draft_id=draft.id))
