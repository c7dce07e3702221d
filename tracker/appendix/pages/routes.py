"""The appendix out: print view and downloads (DOCX, XLSX, CSV, PDF) of a plan or of the
consolidated list. The way in is `import_routes.py`."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from tracker import policy
from tracker.appendix.documents import (
    file_name,
    print_page,
    render_file,
    standalone_page,
)
from tracker.appendix.export_csv import appendix_csv_chunks
from tracker.appendix.formats import DOWNLOADS, FORMATS
from tracker.appendix.jobs import export_store, goes_to_background, job_of, pdf_name, queue_pdf
from tracker.appendix.pages import bp
from tracker.appendix.pages.forms import ConsolidatedOptionsForm
from tracker.appendix.pdf import PdfUnavailable
from tracker.appendix.service import (
    AppendixOptions,
    appendix_table,
    consolidated_items_query,
    consolidated_scope,
)
from tracker.appendix.table import AppendixTable
from tracker.extensions import db
from tracker.models import ExportState, Item, Plan
from tracker.plans.forms import AppendixOptionsForm, read_filters
from tracker.plans.service import FilterChoices, filter_choices, filter_choices_where
from tracker.web import get_plan, paginate, tracker_today

# ---------------------------------------------------------------- output


def read_options(form: AppendixOptionsForm, choices) -> tuple[AppendixOptions, str | None]:
    """The appendix options from the query string, and the name of the chosen lead agency."""
    filters = read_filters(form, choices)
    options = AppendixOptions(filters=filters, with_status=bool(form.progress.data),
                              grouping=form.grouping(), numbering=form.numbering_choice())
    lead_name = dict(choices.agencies).get(filters.lead_agency_id)
    return options, lead_name


# Filters whose value is checked against the values present in the plan.
VALUED_FILTERS = ("lead", "period", "level")
NO_CHOICES = FilterChoices([], [], [])


def plan_appendix(plan: Plan) -> tuple[AppendixTable, AppendixOptionsForm]:
    form = AppendixOptionsForm(request.args)
    # The plan's values (three queries over its items, a tenth of a 5,000-row CSV) only
    # when the query string asks for a lead, a period or a level.
    asked = any(request.args.get(name) for name in VALUED_FILTERS)
    options, lead_name = read_options(form, filter_choices(plan.id) if asked else NO_CHOICES)
    table = appendix_table(Item.plan_id == plan.id, options, title=plan.title,
                           attached_to=plan.attached_to, today=tracker_today(),
                           lead_agency_name=lead_name, label=plan.appendix_label, plan=plan)
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
        lists = consolidated_scope(policy.plan_scope(current_user), form.owner.data)
        form.owner.choices = [SelectChoice("", _l("All"))] + [SelectChoice(str(i), n)
                                                               for i, n in lists.owners]
        options, lead_name = read_options(form, filter_choices_where(lists.scope))
        return cls(form, lists.scope, options, lead_name, lists.owner_name)

    def table(self) -> AppendixTable:
        return appendix_table(self.scope, self.options, title=self.form.printed_title(),
                              attached_to="", today=tracker_today(),
                              lead_agency_name=self.lead_name, owner_name=self.owner_name,
                              subtitle=self.form.printed_subtitle())


def print_links(endpoint: str, **values) -> dict[str, str]:
    """The print view's links: back to the page, and the same view with/without progress."""
    args = {k: v for k, v in request.args.items() if k not in ("progress", "page")}
    return {
        "plain": url_for(endpoint, **values, **args),
        "progress": url_for(endpoint, **values, **args, progress=1),
    }


def download(table: AppendixTable, fmt: str, name: str) -> Response:
    """The table as a file to save; a missing Chromium for a PDF is a 503 that says what to do.
    A PDF of many rows is made by the worker: the answer is its waiting page; a CSV is
    streamed as it is written."""
    if fmt == "pdf" and goes_to_background(table.item_count):
        job = queue_pdf(standalone_page(table), user_id=current_user.id, rows=table.item_count,
                        file_name=file_name(name, fmt, with_status=table.with_status))
        db.session.commit()
        return redirect(url_for("appendix.export_status", job_id=job.id), code=303)
    if fmt == "csv":
        # The chunks need nothing of the request: without stream_with_context the database
        # connection goes back to the pool before the first byte is sent.
        data = appendix_csv_chunks(table)
    else:
        try:
            data = render_file(table, fmt, sheet_per_group=request.args.get("sheets") == "group")
        except PdfUnavailable as error:
            return Response(render_template("errors/error.html", code=503, message=str(error)),
                            status=503)
    response = Response(data, mimetype=FORMATS[fmt].media_type)
    saved_as = file_name(name, fmt, with_status=table.with_status)
    response.headers["Content-Disposition"] = f'attachment; filename="{saved_as}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/plans/<int:plan_id>/appendix")
def plan_print(plan_id: int):
    """The printable appendix (A4 landscape), with the plan page's filters and options."""
    plan = get_plan(plan_id)
    table, _form = plan_appendix(plan)
    return print_page(table, standalone=False, back_url=url_for("plans.show", plan_id=plan.id),
                      links=print_links("appendix.plan_print", plan_id=plan.id))


@bp.get("/plans/<int:plan_id>/appendix.<fmt>")
def plan_download(plan_id: int, fmt: str):
    """The plan's appendix as DOCX, XLSX, CSV or PDF."""
    plan = get_plan(plan_id)
    if FORMATS.get(fmt) not in DOWNLOADS:
        abort(404)
    table, _form = plan_appendix(plan)
    return download(table, fmt, f"phu-luc-{plan.id}-{plan.title}")


@bp.get("/consolidated")
def consolidated():
    """Every visible item across plans (all of them, for the consolidating office), with
    the plan page's filters, and the consolidated appendix's options and downloads."""
    today = tracker_today()
    asked = ConsolidatedRequest.read()
    items = paginate(consolidated_items_query(asked.scope, asked.options.filters, today))
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("appendix/consolidated.html", form=asked.form, items=items, today=today,
                           args=args)


@bp.get("/consolidated/appendix")
def consolidated_print():
    table = ConsolidatedRequest.read().table()
    return print_page(table, standalone=False, back_url=url_for("appendix.consolidated", **{
        k: v for k, v in request.args.items() if k != "progress"}),
        links=print_links("appendix.consolidated_print"))


@bp.get("/consolidated/appendix.<fmt>")
def consolidated_download(fmt: str):
    if FORMATS.get(fmt) not in DOWNLOADS:
        abort(404)
    table = ConsolidatedRequest.read().table()
    return download(table, fmt, f"danh-muc-tong-hop-{tracker_today():%Y-%m-%d}")


@bp.get("/exports/<int:job_id>")
def export_status(job_id: int):
    """A PDF the worker is making: waiting, then a download link (its owner only)."""
    job = job_of(job_id, current_user.id)
    if job is None:
        abort(404)
    return render_template("appendix/export.html", job=job)


@bp.get("/exports/<int:job_id>/file")
def export_file(job_id: int):
    """The finished PDF (its owner only), streamed from the export store (a folder or S3)."""
    job = job_of(job_id, current_user.id)
    if job is None or job.state != ExportState.DONE:
        abort(404)
    response = export_store().download(pdf_name(job.id), mimetype=FORMATS["pdf"].media_type,
                                       download_name=job.file_name)
    if response is None:
        abort(404)
    response.headers["Cache-Control"] = "private, no-store"
    return response
