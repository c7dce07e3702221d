"""The public progress page of a published plan, its open data and their schemas, its Atom
feed (no login: policy.PUBLIC_ENDPOINTS); and publishing or taking down a plan."""
from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import policy
from tracker.appendix.export_html import body_rows
from tracker.extensions import db
from tracker.feeds.atom import FeedInfo
from tracker.feeds.responses import atom_response
from tracker.feeds.service import tracker_host
from tracker.models import Plan
from tracker.outbox.links import external_url, external_url_builder
from tracker.plans.service import plan_counts
from tracker.public import bp
from tracker.public.forms import PublishForm
from tracker.public.opendata import json_schema, table_schema, to_csv, to_json
from tracker.public.service import (
    last_update,
    open_items,
    public_changes,
    public_table,
    public_text,
    publish,
    published_plan,
    slug_problems,
    suggested_slug,
    unpublish,
)
from tracker.web import get_plan, require_button, tracker_today

JSON_TYPE = "application/json; charset=utf-8"
SCHEMA_TYPE = "application/schema+json; charset=utf-8"


def _published(slug: str) -> Plan:
    """:raise 404: no plan published at this address (never published, or taken down)."""
    plan = published_plan(slug)
    if plan is None or not policy.can_read_published_plan(plan.published_at is not None):
        abort(404)
    return plan


@bp.get("/public/plans/<slug>")
def plan(slug: str):
    """A published plan's progress, for anyone: the appendix with its progress columns."""
    plan = _published(slug)
    today = tracker_today()
    table = public_table(plan, today)
    return render_template("public/plan.html", plan=plan, table=table, rows=body_rows(table),
                           counts=plan_counts(plan.id, today, None),
                           last_update=last_update(plan.id))


@bp.get("/public/plans/<slug>/items.csv")
def plan_csv(slug: str):
    """The published plan's items as CSV (schema: public.table_schema)."""
    plan = _published(slug)
    body = to_csv(open_items(plan, tracker_today()))
    return Response(body, content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{plan.public_slug}.csv"',
        "Link": f'<{url_for("public.table_schema", _external=True)}>; rel="describedby"'})


def _plan_record(plan: Plan) -> dict:
    moment = last_update(plan.id)
    return {"title": plan.title, "owner_agency": plan.owner_agency.name,
            "attached_to": plan.attached_to,
            "published_at": plan.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "last_update": moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None,
            "url": external_url("public.plan", slug=plan.public_slug)}


@bp.get("/public/plans/<slug>/items.json")
def plan_json(slug: str):
    """The published plan and its items as JSON (schema: public.json_schema)."""
    plan = _published(slug)
    body = to_json(_plan_record(plan), open_items(plan, tracker_today()),
                   external_url("public.json_schema"))
    return Response(body, content_type=JSON_TYPE)


@bp.get("/public/plans/<slug>/changes.atom")
def plan_changes(slug: str):
    """The published plan's changes: items added, statuses, decisions (public text only)."""
    plan = _published(slug)
    page = external_url("public.plan", slug=plan.public_slug)
    return atom_response(FeedInfo(
        feed_id=f"tag:{tracker_host()},2020:public/{plan.id}", title=plan.title,
        self_url=external_url("public.plan_changes", slug=plan.public_slug), page_url=page,
        author=plan.owner_agency.name, updated=plan.published_at),
        public_changes(plan), public=True, public_text=public_text(),
        item_url=lambda item: page)


@bp.get("/public/schemas/items.tableschema.json", endpoint="table_schema")
def table_schema_document():
    """The Frictionless Table Schema of the published CSV files."""
    return Response(json.dumps(table_schema(), ensure_ascii=False, indent=1),
                    content_type=JSON_TYPE)


@bp.get("/public/schemas/items.schema.json", endpoint="json_schema")
def json_schema_document():
    """The JSON Schema of the published JSON files."""
    url = external_url_builder()
    return Response(json.dumps(json_schema(url("public.json_schema")), ensure_ascii=False,
                               indent=1), content_type=SCHEMA_TYPE)


@bp.route("/plans/<int:plan_id>/publish", methods=["GET", "POST"])
def publish_plan(plan_id: int):
    """Publish a plan's progress at a public address (or change the address)."""
    plan = get_plan(plan_id)
    if not policy.can_publish_plan(current_user, plan.owner_agency_id):
        abort(403)
    form = PublishForm()
    if not form.is_submitted():
        form.slug.data = plan.public_slug or suggested_slug(plan)
    if form.validate_on_submit():
        slug = form.slug.data.strip().lower()
        problems = slug_problems(slug, plan.id)
        if not problems:
            publish(plan, slug)
            db.session.commit()
            flash(_("The plan's progress is public at %(url)s.",
                    url=external_url("public.plan", slug=slug)), "success")
            return redirect(url_for("plans.show", plan_id=plan.id))
        form.slug.errors = list(form.slug.errors) + problems
    return render_template("public/publish.html", plan=plan, form=form), \
        400 if form.errors else 200


@bp.post("/plans/<int:plan_id>/unpublish")
def unpublish_plan(plan_id: int):
    """Take the plan's public page, open data and feed down (they answer 404)."""
    plan = get_plan(plan_id)
    if not policy.can_publish_plan(current_user, plan.owner_agency_id):
        abort(403)
    require_button()
    unpublish(plan)
    db.session.commit()
    flash(_("The plan is no longer public."), "success")
    return redirect(url_for("plans.show", plan_id=plan.id))
