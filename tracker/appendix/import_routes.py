"""The appendix in: upload or paste → preview (every row as it will be saved) → confirm
(all rows in one transaction, or none). The read cells wait in an ImportDraft between."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from tracker import policy
from tracker.agencies import all_agencies
from tracker.appendix import importer, readers
from tracker.appendix.blueprint import bp
from tracker.appendix.forms import ConfirmImportForm, ImportForm, NewPlanImportForm
from tracker.appendix.imports import (
    ImportPlan,
    draft_tables,
    import_plan_of,
    keep_draft,
    save_import,
    source_of,
    title_lines,
)
from tracker.extensions import db
from tracker.models import Agency, ImportDraft, Plan
from tracker.plans.routes import get_plan, owner_choices


def _read_source(form: ImportForm) -> tuple[str, list[readers.SourceTable]] | None:
    """The tables of the uploaded file or of the pasted text; errors go on the form."""
    upload = form.upload.data
    try:
        if upload and getattr(upload, "filename", ""):
            return upload.filename, readers.read_upload(upload.read(), upload.filename)
        if form.pasted.data:
            from_html = (readers.read_pasted_html(form.pasted_html.data)
                         if form.pasted_html.data else None)
            return _("pasted table"), [from_html or readers.read_pasted(form.pasted.data)]
    except readers.ReadError as error:
        (form.upload if upload and upload.filename else form.pasted).errors.append(str(error))
        return None
    form.upload.errors.append(_("Choose a file or paste a table."))
    return None


def _start_draft(form: ImportForm, plan: Plan | None) -> ImportDraft | None:
    """Read the upload or the pasted table and keep it as a draft for the preview; None
    when something is wrong (said on the form). The file is read even when another field
    is wrong, so that one submit shows every error; nothing is kept then."""
    if not form.is_submitted():
        return None
    valid = form.validate()
    source = _read_source(form)
    if source is None:
        return None
    name, tables = source
    chosen = importer.pick_table(tables)
    table = importer.joined_table(tables, max(chosen, 0))
    result = importer.interpret_table(table)
    if not result.rows:
        # Not an appendix at all (no header, wrong columns, no item): say so on the upload
        # form; only a readable table goes on to the preview, row by row.
        field = form.upload if form.upload.data and form.upload.data.filename else form.pasted
        field.errors.extend(str(error) for error in result.errors[:5])
        if not result.errors:
            field.errors.append(_("The table has no item rows."))
        return None
    title, attached_to, label = "", "", ""
    if plan is None:
        lines = title_lines(table.preamble + result.preamble)
        title, attached_to, label = lines.title, lines.attached_to, lines.label
        if not (form.title.data or title) and not form.title.errors:
            form.title.errors = [_("Enter the title of the list: the file has no title "
                                   "line above its table.")]
            return None
    if not valid:
        return None
    draft = ImportDraft(
        user_id=current_user.id, plan_id=plan.id if plan else None, source_name=name[:255],
        tables=draft_tables(tables),
        table_index=max(chosen, 0),
    )
    if plan is None:
        # What the user typed wins; else the title lines of the file.
        draft.title = (form.title.data or title)[:1000]
        draft.owner_agency_id = form.owner_agency_id.data
        draft.attached_to = form.attached_to.data or attached_to
        draft.appendix_label = label
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
    draft = _start_draft(form, None)
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


def _consume_draft(draft: ImportDraft) -> bool:
    """Delete the draft in the current transaction; False if another request already did.

    The DELETE is what makes a draft usable once: a second "Save" (a double click, a resent
    form) waits on the first one's row lock (PostgreSQL) or write lock (SQLite), then
    deletes nothing."""
    deleted = db.session.execute(
        sa.delete(ImportDraft).where(ImportDraft.id == draft.id)
        .execution_options(synchronize_session=False))
    db.session.expunge(draft)
    return deleted.rowcount == 1


def _already_used(target: int | None):
    db.session.rollback()
    flash(_("This import has already been saved or cancelled."), "warning")
    return redirect(url_for("plans.show", plan_id=target) if target else url_for("plans.index"))


@bp.post("/imports/<int:draft_id>")
def confirm(draft_id: int):
    """Save every row in one transaction, or none; or switch table; or cancel."""
    if db.session.get(ImportDraft, draft_id) is None:
        return _already_used(None)     # saved or cancelled by an earlier POST
    draft = get_draft(draft_id)
    form = ConfirmImportForm()
    form.table_index.choices = table_choices(draft)
    if not form.validate_on_submit():
        return _render_preview(draft, import_plan_of(draft), form, status=400)
    action = request.form.get("action")
    if action == "cancel":
        target = draft.plan_id
        if not _consume_draft(draft):
            return _already_used(target)
        db.session.commit()
        flash(_("The import was cancelled. Nothing was saved."), "info")
        return redirect(url_for("plans.show", plan_id=target) if target else url_for("plans.index"))
    if action == "table":
        if form.table_index.data is not None and 0 <= form.table_index.data < len(draft.tables):
            draft.table_index = form.table_index.data
            db.session.commit()
        return redirect(url_for("appendix.preview", draft_id=draft.id))
    plan = import_plan_of(draft)
    choices, choice_errors = plan.read_choices(request.form, {a.id for a in all_agencies()})
    if not plan.result.ok or choice_errors:
        return _render_preview(draft, plan, form, choice_errors, status=400)
    target = db.session.get(Plan, draft.plan_id) if draft.plan_id else None
    source = source_of(draft)
    if not _consume_draft(draft):
        return _already_used(draft.plan_id)
    saved = save_import(plan, choices, target=target, title=draft.title,
                        owner_agency_id=draft.owner_agency_id, attached_to=draft.attached_to,
                        appendix_label=draft.appendix_label,
                        actor_user_id=current_user.id, actor_agency_id=current_user.agency_id,
                        lines=title_lines(source.preamble + plan.result.preamble))
    db.session.commit()
    flash(_("%(num)d items were imported.", num=len(plan.result.rows)), "success")
    return redirect(url_for("plans.show", plan_id=saved.id))
