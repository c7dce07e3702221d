"""The API's views: read the query or body, ask the policy, call the same services as the
pages, answer JSON. Their contract is openapi.py, next to them."""
from __future__ import annotations

import re
from datetime import date

from flask import Response, current_app, g, json, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import policy
from tracker.agencies import all_agencies
from tracker.api import bp
from tracker.api.auth import authenticate
from tracker.api.openapi import document
from tracker.api.problems import TITLES, ApiProblem, field_errors, from_problem
from tracker.api.serialize import agency_json, entry_json, item_json, plan_json, score_row_json
from tracker.api.service import items_page, journal_entry, load_item_lists
from tracker.extensions import db
from tracker.items.service import (
    StatusUpdate,
    early_document_warning,
    journal_of,
    post_status_update,
)
from tracker.models import Item
from tracker.plans.service import ItemFilters, plan_counts, plan_summaries
from tracker.scorecard.service import live_scorecard
from tracker.services import CONFLICTS, FieldError, check_version
from tracker.statuses import Status
from tracker.text import clean
from tracker.web import MAX_ID, due_soon_until, get_item, get_plan, tracker_today

# Every API request names its user by a token first (api/auth.py): cookies never count.
bp.before_request(authenticate)

JSON = "application/json"
MAX_OFFSET = 1_000_000
TEXT_LIMITS = {"note": 4000, "document_ref": 300, "new_period": 200}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE, _FALSE = {"true", "1", "yes", "y", "on"}, {"false", "0", "no", "n", "off", ""}


@bp.app_errorhandler(ApiProblem)
def api_problem(error: ApiProblem):
    db.session.rollback()
    return from_problem(error)


@bp.after_request
def revalidate(response: Response) -> Response:
    """Answers may be kept by the client, but asked again (ETag) before each use."""
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Authorization")
    response.vary.add("Accept-Language")
    return response


def json_response(body, status: int = 200, *, etag: str | None = None) -> Response:
    """JSON with an ETag (the item's version, else a digest of the body); a matching
    If-None-Match gets 304 Not Modified."""
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=JSON)
    if status == 200:
        if etag is None:
            response.add_etag()
        else:
            response.set_etag(etag)
        response.make_conditional(request)
    elif etag is not None:
        response.set_etag(etag)
    return response


class Args:
    """The query string, read strictly: every unreadable value is named in one 400."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def _raw(self, name: str) -> str | None:
        value = request.args.get(name)
        if value is not None and _CONTROL.search(value):
            self.errors.append((name, _("Control characters are not allowed.")))
            return None
        return value

    def integer(self, name: str, *, default: int | None = None, minimum: int = 0,
                maximum: int = MAX_ID) -> int | None:
        raw = self._raw(name)
        if raw is None or raw == "":
            return default
        if not re.fullmatch(r"\d{1,12}", raw.strip()) or not minimum <= int(raw) <= maximum:
            self.errors.append((name, _("Give a whole number from %(min)d to %(max)d.",
                                        min=minimum, max=maximum)))
            return default
        return int(raw)

    def flag(self, name: str) -> bool:
        raw = (self._raw(name) or "").strip().lower()
        if raw in _TRUE:
            return True
        if raw not in _FALSE:
            self.errors.append((name, _("Give true or false.")))
        return False

    def text(self, name: str) -> str | None:
        raw = self._raw(name)
        if raw is not None and len(raw) > 200:
            self.errors.append((name, _("At most %(n)d characters.", n=200)))
            return None
        return clean(raw) or None

    def choice(self, name: str, values: list[str]) -> str | None:
        raw = self._raw(name)
        if raw in (None, ""):
            return None
        if raw not in values:
            self.errors.append((name, _("Not one of: %(values)s.", values=", ".join(values))))
            return None
        return raw

    def iso_date(self, name: str) -> date | None:
        raw = (self._raw(name) or "").strip()
        if not raw:
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            self.errors.append((name, _("Give a date as YYYY-MM-DD.")))
            return None

    def check(self) -> None:
        if self.errors:
            raise ApiProblem(400, _("Some query parameters could not be read."),
                             errors=field_errors(self.errors))


def page_args(args: Args) -> tuple[int, int]:
    limit = args.integer("limit", default=50, minimum=1, maximum=current_app.config["API_MAX_LIMIT"])
    offset = args.integer("offset", default=0, minimum=0, maximum=MAX_OFFSET)
    return limit, offset


# -- the description of the API ---------------------------------------------------------

@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return json_response(document())


@bp.get("/docs")
def docs():
    """The OpenAPI document as a page: every path and schema, readable without a tool."""
    return render_template("api/docs.html", spec=document(), problem_kinds=list(TITLES),
                           schemas_json={name: json.dumps(schema, ensure_ascii=False, indent=2)
                                         for name, schema in
                                         document()["components"]["schemas"].items()})


# -- reading ------------------------------------------------------------------------------

@bp.get("/plans")
def plans():
    """The plans the token's user may see, newest first, with their number of items."""
    args = Args()
    limit, offset = page_args(args)
    args.check()
    summaries = plan_summaries(policy.plan_scope(current_user))
    return json_response({"plans": [plan_json(plan, n) for plan, n in
                                     summaries[offset:offset + limit]],
                          "total": len(summaries), "limit": limit, "offset": offset})


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    """One plan and the counts of its page (per status, overdue, due soon, waiting)."""
    found = get_plan(plan_id)
    counts = plan_counts(found.id, tracker_today(), due_soon_until())
    body = plan_json(found, sum(counts.statuses.values()))
    body["counts"] = {"statuses": counts.statuses, "overdue": counts.overdue,
                      "due_soon": counts.due_soon, "pending": counts.pending}
    return json_response(body)


@bp.get("/items")
def items():
    """Items of one plan (`plan`) or of every plan the user sees, with the plan page's
    filters, `limit` at a time from `offset`."""
    args = Args()
    plan_id = args.integer("plan", minimum=1)
    due_soon = args.flag("due_soon")
    filters = ItemFilters(
        lead_agency_id=args.integer("lead", minimum=1), due_period=args.text("period"),
        status=args.choice("status", [s.value for s in Status]),
        approving_level=args.text("level"), overdue_only=args.flag("overdue"),
        pending_only=args.flag("pending"), due_soon_only=due_soon,
        due_soon_until=due_soon_until() if due_soon else None)
    limit, offset = page_args(args)
    args.check()
    if plan_id is not None:
        get_plan(plan_id)
    today = tracker_today()
    total, page, links = items_page(plan_id, filters, today, scope_agency=policy.plan_scope(current_user),
                                    limit=limit, offset=offset)
    return json_response({"items": [item_json(item, today, links[item.id]) for item in page],
                          "total": total,
                          "limit": limit, "offset": offset})


@bp.get("/items/<int:item_id>")
def item(item_id: int):
    """One item; its ETag is its version (send it back in If-Match to write)."""
    found = load_item_lists(get_item(item_id))
    return json_response(item_json(found, tracker_today()), etag=str(found.version))


@bp.get("/items/<int:item_id>/journal")
def journal(item_id: int):
    """The item's history, newest first."""
    get_item(item_id)
    return json_response({"entries": [entry_json(entry) for entry in journal_of(item_id)]})


@bp.get("/scorecard")
def scorecard_counts():
    """The scorecard of a range of days (this year to today by default), per lead agency,
    live, for one plan or every plan the user sees (the rules of docs/scorecard.md; the
    page and the reports read frozen months from their snapshots)."""
    args = Args()
    today = tracker_today()
    start = args.iso_date("from") or date(today.year, 1, 1)
    end = args.iso_date("to") or today
    plan_id = args.integer("plan", minimum=1)
    if start > end:
        args.errors.append(("from", _("The first day is after the last.")))
    args.check()
    if not policy.can_read_scorecard(current_user):
        raise ApiProblem(403, _("Only managers, the consolidating office and administrators "
                                "read the scorecard."))
    card = live_scorecard(current_user, start, end, min(end, today), plan_id)
    if card is None:
        raise ApiProblem(404, _("No such plan among those you see."))
    return json_response({"from": start.isoformat(), "to": end.isoformat(),
                          "as_of": card.as_of.isoformat(), "plan": plan_id,
                          "rows": [score_row_json(row) for row in card.rows],
                          "totals": score_row_json(card.totals)})


@bp.get("/agencies")
def agencies():
    """Every agency, by name."""
    return json_response({"agencies": [agency_json(agency) for agency in all_agencies()]})


# -- writing ------------------------------------------------------------------------------

def expected_version() -> int:
    """The item version the client read, from If-Match.

    :raise 428: no If-Match.
    :raise 412: (later, by the service or here) it is not the current version."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise ApiProblem(428, _("Read the item first and send its ETag (its version) in the "
                                "If-Match header."))
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    return int(value) if re.fullmatch(r"\d{1,9}", value) else -1


def stale() -> ApiProblem:
    return ApiProblem(412, _("Someone else changed this item after you read it. Nothing was "
                             "saved: read it again, then send the update with its new version."))


def json_body() -> dict:
    if not request.is_json:
        raise ApiProblem(415 if request.content_length else 400,
                         _("Send a JSON object (Content-Type: application/json)."),
                         kind="bad-request")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiProblem(400, _("Send a JSON object (Content-Type: application/json)."))
    return body


def body_text(body: dict, name: str, problems: list) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append((name, _("Give a text.")))
        return ""
    value = clean(value)
    if len(value) > TEXT_LIMITS[name]:
        problems.append((name, _("At most %(n)d characters.", n=TEXT_LIMITS[name])))
    return value


def body_date(body: dict, name: str, problems: list) -> date | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append((name, _("Give a date as YYYY-MM-DD.")))
    return None


def save_update(found: Item, update: StatusUpdate, version: int):
    """Post the update through the service the item page uses, journaled with the token's
    name; answer the new journal entry and the item."""
    owner = found.plan.owner_agency_id
    try:
        check_version(found, version)   # the service checks only status changes
        entry = post_status_update(found, update, actor=current_user, expected_version=version,
                                   needs_approval=policy.request_needs_approval(current_user, owner),
                                   today=tracker_today())
        entry.api_token_name = g.api_token
        warning = early_document_warning(found.plan, update.document_date,
                                          current_app.config["TRACKER_TIMEZONE"])
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        raise ApiProblem(422, error.message, errors=field_errors(error.errors)) from None
    except CONFLICTS:
        db.session.rollback()
        raise stale() from None
    saved = load_item_lists(found)
    response = json_response({"entry": entry_json(journal_entry(entry.id)),
                              "item": item_json(saved, tracker_today()),
                              "warnings": [warning] if warning else []},
                             201, etag=str(saved.version))
    response.headers["Location"] = url_for("api.journal", item_id=found.id)
    return response


def rights_on(item_id: int) -> tuple[Item, bool, bool]:
    """The item, and whether the user may change its status, and add a note."""
    found = get_item(item_id)
    leads = {found.lead_agency_id} | {agency.id for agency in found.leads}
    owner = found.plan.owner_agency_id
    return (found, policy.can_update_status(current_user, leads, owner),
            policy.can_comment(current_user, leads, owner, [a.id for a in found.coordinators]))


@bp.post("/items/<int:item_id>/status")
def post_status(item_id: int):
    """Change the item's status (an officer's postponement or withdrawal is a request a
    manager decides), with its note and document, as the item page's form does."""
    found, may_update, _comment = rights_on(item_id)
    if not may_update:
        raise ApiProblem(403, _("Only the lead agency or a manager of the list may change the "
                                "status of this item."))
    body = json_body()
    version = expected_version()
    problems: list = []
    status = body.get("status")
    if status not in [s.value for s in Status]:
        problems.append(("status", _("Not one of: %(values)s.",
                                     values=", ".join(s.value for s in Status))))
    update = StatusUpdate(new_status=status if not problems else None,
                          note=body_text(body, "note", problems),
                          document_ref=body_text(body, "document_ref", problems),
                          document_date=body_date(body, "document_date", problems),
                          new_period=body_text(body, "new_period", problems))
    if problems:
        raise ApiProblem(422, problems[0][1], errors=field_errors(problems))
    return save_update(found, update, version)


@bp.post("/items/<int:item_id>/notes")
def post_note(item_id: int):
    """Add a note to the item's journal (the lead agency, managers in scope, and the
    coordinating agencies' officers)."""
    found, _update, may_comment = rights_on(item_id)
    if not may_comment:
        raise ApiProblem(403, _("Only the agencies of this item and its list's managers may add "
                                "a note."))
    body = json_body()
    version = expected_version()
    problems: list = []
    note = body_text(body, "note", problems)
    if not note and not problems:
        problems.append(("note", _("Write your comment or note.")))
    if problems:
        raise ApiProblem(422, problems[0][1], errors=field_errors(problems))
    return save_update(found, StatusUpdate(new_status=None, note=note), version)
