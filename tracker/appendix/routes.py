"""The appendix in and out: print view and downloads of a plan or of the consolidated
list, and the import flow (upload or paste → preview → confirm)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from tracker import policy
from tracker.agencies import AgencyDirectory, all_agencies
from tracker.appendix import importer, readers
from tracker.appendix.blueprint import bp
from tracker.appendix.export_csv import appendix_csv
from tracker.appendix.export_docx import appendix_docx
from tracker.appendix.export_xlsx import appendix_xlsx
from tracker.appendix.forms import (
    AppendixOptionsForm,
    ConfirmImportForm,
    ConsolidatedOptionsForm,
    ImportForm,
    NewPlanImportForm,
)
from tracker.appendix.imports import ImportPlan, save_import, title_from
from tracker.appendix.pdf import PdfUnavailable, find_chromium, html_to_pdf
from tracker.appendix.service import (
    CONSOLIDATED_TITLE,
    AppendixOptions,
    appendix_table,
)
from tracker.appendix.table import AppendixTable
from tracker.extensions import db
from tracker.models import Agency, ImportDraft, Plan, Proposal
from tracker.models._types import utcnow
from tracker.plans.forms import read_filters
from tracker.plans.routes import get_plan, owner_choices
from tracker.plans.service import (
    filter_choices,
    filter_choices_where,
    plan_owners_where,
    visible_plans,
)
from tracker.text import name_key
from tracker.web import page_number, tracker_today

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",  # Flask adds "; charset=utf-8" to text types
    "pdf": "application/pdf",
}
DRAFT_LIFETIME = timedelta(days=1)


# ---------------------------------------------------------------- output


def read_options(form: AppendixOptionsForm, choices) -> tuple[AppendixOptions, str | None]:
    """The appendix options from the query string, and the name of the chosen lead agency."""
    filters = read_filters(form, choices)
    options = AppendixOptions(filters=filters, with_status=bool(form.progress.data),
                              grouping=form.grouping(), numbering=form.numbering_choice())
    lead_name = dict(choices.agencies).get(filters.lead_agency_id)
    return options, lead_name


def plan_appendix(plan: Plan) -> tuple[AppendixTable, AppendixOptionsForm]:
    form = AppendixOptionsForm(request.args)
    options, lead_name = read_options(form, filter_choices(plan.id))
    table = appendix_table(Proposal.plan_id == plan.id, options, title=plan.title,
                           attached_to=plan.attached_to, today=tracker_today(),
                           lead_agency_name=lead_name, label=plan.appendix_label)
    return table, form


@dataclass
class ConsolidatedRequest:
    """The consolidated list as asked: the form, which items, and the names the subtitle
    prints (one department's lists only, one lead agency …)."""

    form: ConsolidatedOptionsForm
    scope: sa.ColumnElement[bool]
    options: AppendixOptions
    lead_name: str | None
    owner_name: str | None

    @classmethod
    def read(cls) -> ConsolidatedRequest:
        form = ConsolidatedOptionsForm(request.args)
        scope = visible_plans(None if policy.sees_every_plan(current_user)
                              else current_user.agency_id)
        owners = plan_owners_where(scope)
        form.owner.choices = [SelectChoice("", "")] + [SelectChoice(str(i), n) for i, n in owners]
        owner_id = next((i for i, _ in owners if str(i) == form.owner.data), None)
        if owner_id is not None:
            scope = sa.and_(scope, Proposal.plan_id.in_(
                sa.select(Plan.id).where(Plan.owner_agency_id == owner_id)))
        options, lead_name = read_options(form, filter_choices_where(scope))
        return cls(form, scope, options, lead_name, dict(owners).get(owner_id))

    def table(self) -> AppendixTable:
        return appendix_table(self.scope, self.options, title=CONSOLIDATED_TITLE, attached_to="",
                              today=tracker_today(), lead_agency_name=self.lead_name,
                              owner_name=self.owner_name)


def print_links(endpoint: str, **values) -> dict[str, str]:
    """The print view's links: back to the page, and the same view with/without progress."""
    args = {k: v for k, v in request.args.items() if k not in ("progress", "page")}
    return {
        "plain": url_for(endpoint, **values, **args),
        "progress": url_for(endpoint, **values, **args, progress=1),
    }


def print_html(table: AppendixTable, *, inline: bool, back_url: str | None = None,
               links: dict[str, str] | None = None) -> str:
    css = None
    if inline:
        css = (Path(current_app.static_folder) / "print.css").read_text(encoding="utf-8")
    return render_template("appendix/print.html", table=table, inline_css=css,
                           back_url=back_url, links=links or {})


def ascii_slug(text: str, limit: int = 60) -> str:
    """"Danh mục đề án" → "danh-muc-de-an", for file names every system accepts."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "phu-luc"


def download(table: AppendixTable, fmt: str, name: str) -> Response:
    """The table in one of the download formats (404 for any other)."""
    if fmt not in FORMATS:
        abort(404)
    if fmt == "pdf":
        with force_locale("vi"):
            html = print_html(table, inline=True)
        try:
            data = html_to_pdf(html, find_chromium(current_app.config.get("CHROMIUM_PATH")))
        except PdfUnavailable as error:
            return Response(render_template("errors/error.html", code=503, message=str(error)),
                            status=503)
    elif fmt == "docx":
        data = appendix_docx(table)
    elif fmt == "xlsx":
        data = appendix_xlsx(table, sheet_per_group=request.args.get("sheets") == "group")
    else:
        data = appendix_csv(table)
    response = Response(data, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{ascii_slug(name)}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/plans/<int:plan_id>/appendix")
def plan_print(plan_id: int):
    """The printable appendix (A4 landscape), with the plan page's filters and options."""
    plan = get_plan(plan_id)
    table, _form = plan_appendix(plan)
    return print_html(table, inline=False, back_url=url_for("plans.show", plan_id=plan.id),
                      links=print_links("appendix.plan_print", plan_id=plan.id))


@bp.get("/plans/<int:plan_id>/appendix.<fmt>")
def plan_download(plan_id: int, fmt: str):
    """The plan's appendix as DOCX, XLSX, CSV or PDF."""
    plan = get_plan(plan_id)
    if fmt not in FORMATS:
        abort(404)
    table, _form = plan_appendix(plan)
    return download(table, fmt, f"phu-luc-{plan.id}-{plan.title}")


@bp.get("/consolidated")
def consolidated():
    """Every visible item across plans (all of them, for the consolidating office), with
    the plan page's filters, and the consolidated appendix's options and downloads."""
    today = tracker_today()
    asked = ConsolidatedRequest.read()
    query = asked.options.filters.apply(
        sa.select(Proposal).join(Plan, Plan.id == Proposal.plan_id).where(asked.scope)
        .options(sa.orm.joinedload(Proposal.lead_agency), sa.orm.contains_eager(Proposal.plan))
        .order_by(Proposal.due_date.is_(None), Proposal.due_date, Plan.id, Proposal.position),
        today)
    items = db.paginate(query, page=page_number(),
                        per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("appendix/consolidated.html", form=asked.form, items=items, today=today,
                           args=args, formats=FORMATS)


@bp.get("/consolidated/appendix")
def consolidated_print():
    table = ConsolidatedRequest.read().table()
    return print_html(table, inline=False, back_url=url_for("appendix.consolidated", **{
        k: v for k, v in request.args.items() if k != "progress"}),
        links=print_links("appendix.consolidated_print"))


@bp.get("/consolidated/appendix.<fmt>")
def consolidated_download(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    table = ConsolidatedRequest.read().table()
    return download(table, fmt, f"danh-muc-tong-hop-{tracker_today():%Y-%m-%d}")


# ---------------------------------------------------------------- input


def _read_source(form: ImportForm) -> tuple[str, list[readers.SourceTable]] | None:
    """The tables of the uploaded file or of the pasted text; errors go on the form."""
    upload = form.upload.data
    try:
        if upload and getattr(upload, "filename", ""):
            return upload.filename, readers.read_upload(upload.read(), upload.filename)
        if form.pasted.data:
            return _("pasted table"), [readers.read_pasted(form.pasted.data)]
    except readers.ReadError as error:
        (form.upload if upload and upload.filename else form.pasted).errors.append(str(error))
        return None
    form.upload.errors.append(_("Choose a file or paste a table."))
    return None


def _start_draft(form: ImportForm, plan: Plan | None) -> ImportDraft | None:
    source = _read_source(form)
    if source is None:
        return None
    name, tables = source
    chosen = readers.pick_table(tables)
    table = tables[max(chosen, 0)]
    result = importer.interpret(table.rows)
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
        title, attached_to, label = title_from(table.preamble + result.preamble)
        if not (form.title.data or title):
            form.title.errors.append(_("Enter the title of the list: the file has no title "
                                       "line above its table."))
            return None
    # Forget the user's older drafts (and everyone's day-old ones) on the way.
    db.session.execute(sa.delete(ImportDraft).where(sa.or_(
        ImportDraft.user_id == current_user.id,
        ImportDraft.created_at < utcnow() - DRAFT_LIFETIME)))
    draft = ImportDraft(
        user_id=current_user.id, plan_id=plan.id if plan else None, source_name=name[:255],
        tables=[{"label": t.label, "rows": t.rows} for t in tables],
        table_index=max(chosen, 0),
    )
    if plan is None:
        # What the user typed wins; else the title lines of the file.
        draft.title = (form.title.data or title)[:1000]
        draft.owner_agency_id = form.owner_agency_id.data
        draft.attached_to = form.attached_to.data or attached_to
        draft.appendix_label = label
    db.session.add(draft)
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
    if form.validate_on_submit():
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
    if form.validate_on_submit():
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


def _import_plan(draft: ImportDraft) -> ImportPlan:
    rows = draft.tables[draft.table_index]["rows"] if draft.tables else []
    existing = {}
    if draft.plan_id is not None:
        existing = {name_key(title): position for title, position in db.session.execute(
            sa.select(Proposal.title, Proposal.position).where(Proposal.plan_id == draft.plan_id))}
    return ImportPlan.build(importer.interpret(rows), AgencyDirectory.load(), existing)


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
    return _render_preview(draft, _import_plan(draft), ConfirmImportForm())


@bp.post("/imports/<int:draft_id>")
def confirm(draft_id: int):
    """Save every row in one transaction, or none; or switch table; or cancel."""
    draft = get_draft(draft_id)
    form = ConfirmImportForm()
    form.table_index.choices = table_choices(draft)
    if not form.validate_on_submit():
        return _render_preview(draft, _import_plan(draft), form, status=400)
    action = request.form.get("action")
    if action == "cancel":
        target = draft.plan_id
        db.session.delete(draft)
        db.session.commit()
        flash(_("The import was cancelled. Nothing was saved."), "info")
        return redirect(url_for("plans.show", plan_id=target) if target else url_for("plans.index"))
    if action == "table":
        if form.table_index.data is not None and 0 <= form.table_index.data < len(draft.tables):
            draft.table_index = form.table_index.data
            db.session.commit()
        return redirect(url_for("appendix.preview", draft_id=draft.id))
    plan = _import_plan(draft)
    choices, choice_errors = plan.read_choices(request.form, {a.id for a in all_agencies()})
    if not plan.result.ok or choice_errors:
        return _render_preview(draft, plan, form, choice_errors, status=400)
    target = db.session.get(Plan, draft.plan_id) if draft.plan_id else None
    saved = save_import(plan, choices, target=target, title=draft.title,
                        owner_agency_id=draft.owner_agency_id, attached_to=draft.attached_to,
                        appendix_label=draft.appendix_label,
                        actor_user_id=current_user.id, actor_agency_id=current_user.agency_id)
    db.session.delete(draft)
    db.session.commit()
    flash(_("%(num)d items were imported.", num=len(plan.result.rows)), "success")
    return redirect(url_for("plans.show", plan_id=saved.id))
