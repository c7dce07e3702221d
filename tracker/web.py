"""What the views share: Jinja filters and globals, request helpers (today, paging, upload
limits), and fetching a plan or an item checked against the policy."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import Flask, abort, current_app, g, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user
from werkzeug.routing import IntegerConverter
from wtforms import SelectChoice

from tracker import policy
from tracker.agencies import all_agencies
from tracker.appendix.formats import DOWNLOADS
from tracker.clock import local_datetime, today_in
from tracker.documents import FORM_ALLOWANCE_BYTES, format_size
from tracker.extensions import db
from tracker.forms import EmptyForm
from tracker.models import Item, MessageStatus, Plan
from tracker.notices import NoticeKind
from tracker.outbox.labels import error_label, kind_label
from tracker.periods import format_date
from tracker.statuses import LABELS, Status, is_due_soon, is_ended, is_overdue
from tracker.statuses import quiet_since as quiet_since_day


def tracker_today() -> date:
    return today_in(current_app.config["TRACKER_TIMEZONE"])


def status_label(code: str) -> str:
    return gettext(LABELS[Status(code)])


def vndate(value: date | None) -> str:
    return format_date(value) if value else ""


def vndatetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = local_datetime(value, current_app.config["TRACKER_TIMEZONE"])
    return f"{format_date(local.date())} {local:%H:%M}"


def due_soon_until() -> date | None:
    """The last deadline due soon today (the reminder window; statuses.due_soon_until).
    Worked out once per request, only by pages that show or filter on it."""
    if "due_soon_until" not in g:
        from tracker.notify.service import due_soon_window

        g.due_soon_until = due_soon_window(tracker_today())
    return g.due_soon_until


def quiet_since() -> datetime:
    """The instant (UTC) before which an open item's last change makes it "quiet": the start
    of the day TRACKER_QUIET_AFTER_WORKING_DAYS working days ago (statuses.quiet_since)."""
    if "quiet_since" not in g:
        from tracker.notify.service import work_calendar

        day = quiet_since_day(tracker_today(), current_app.config["TRACKER_QUIET_AFTER_WORKING_DAYS"],
                              work_calendar())
        g.quiet_since = datetime.combine(day, time(), ZoneInfo(
            current_app.config["TRACKER_TIMEZONE"])).astimezone(UTC)
    return g.quiet_since


def due_soon(status: str, due_date: date | None, today: date) -> bool:
    """For the templates: is the item due soon (its badge)? The window (two queries) is only
    worked out for an open item whose deadline has not passed: no other can be due soon."""
    if due_date is None or due_date < today or is_ended(status):
        return False
    return is_due_soon(status, due_date, today, due_soon_until())


def waiting_decisions_count() -> int:
    """For those who decide (managers, admins): the postponement requests waiting for them.
    Asked once per request, only by pages that show it."""
    if "waiting_decisions" not in g:
        from tracker.plans.service import waiting_decisions_of

        g.waiting_decisions = waiting_decisions_of(
            current_user.agency_id, policy.sees_every_plan(current_user)) \
            if policy.can_create_plans(current_user) else 0
    return g.waiting_decisions


def waiting_decisions_url() -> str:
    """The consolidated list of the requests the user decides: his agency's lists, or all."""
    if policy.sees_every_plan(current_user):
        return url_for("appendix.consolidated", pending="y")
    return url_for("appendix.consolidated", pending="y", owner=current_user.agency_id)


def register(app: Flask) -> None:
    app.jinja_env.filters.update(vndate=vndate, vndatetime=vndatetime, status_label=status_label,
                                 filesize=format_size, mail_kind=kind_label,
                                 mail_error=error_label)
    app.jinja_env.globals.update(policy=policy, tracker_today=tracker_today, is_overdue=is_overdue,
                                 is_due_soon=due_soon,
                                 Status=Status, NoticeKind=NoticeKind, MessageStatus=MessageStatus,
                                 download_formats=DOWNLOADS, get_locale=get_locale,
                                 waiting_decisions_count=waiting_decisions_count,
                                 waiting_decisions_url=waiting_decisions_url)


MAX_PAGE = 100_000  # beyond any real list; keeps OFFSET inside the database's integer range


def page_number() -> int:
    """The `?page=` of a list, clamped to 1 … MAX_PAGE (junk or huge numbers are not errors)."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)


def paginate(query, per_page: int | None = None):
    """The `?page=` of a list's query, ITEMS_PER_PAGE rows unless told (a page past the end
    is empty, not an error)."""
    return db.paginate(query, page=page_number(), error_out=False,
                       per_page=per_page or current_app.config["ITEMS_PER_PAGE"])


def require_button() -> None:
    """For a POST-only button (an EmptyForm on the page).

    :raise 400: the POST did not come from our page (no valid CSRF token).
    """
    if not EmptyForm().validate_on_submit():
        abort(400)


# The plans service is imported by the two helpers below when they run: importing it runs
# tracker/plans/__init__.py, whose routes import this module.

def get_plan(plan_id: int, *, manage: bool = False) -> Plan:
    """The plan, checked against the policy.

    :raise 404: no such plan.
    :raise 403: the user may not read it, or (``manage``) may not change it.
    """
    from tracker.plans.service import agency_involved

    plan = db.get_or_404(Plan, plan_id)
    if manage:
        allowed = policy.can_manage_plan(current_user, plan.owner_agency_id)
    else:
        allowed = policy.can_read_plan(current_user, plan.owner_agency_id,
                                       lambda: agency_involved(current_user.agency_id, plan.id))
    if not allowed:
        abort(403)
    return plan


def get_item(item_id: int) -> Item:
    """The item with its plan and agencies.

    :raise 404: no such item.
    :raise 403: the user may not read its plan.
    """
    from tracker.plans.service import agency_involved, load_item

    item = load_item(item_id)
    if item is None:
        abort(404)
    owner = item.plan.owner_agency_id
    if not policy.can_read_plan(current_user, owner,
                                lambda: agency_involved(current_user.agency_id, item.plan_id)):
        abort(403)
    return item


def owner_choices(form) -> None:
    """Offer as the owners of a new or edited list (the form's `owner_agency_id`) the active
    agencies the user may create a list for."""
    agencies = {a.id: a.name for a in all_agencies() if a.active}
    allowed = policy.owner_agencies_allowed(current_user, list(agencies))
    form.owner_agency_id.choices = [SelectChoice(agency_id, agencies[agency_id])
                                    for agency_id in allowed]


MAX_ID = 2**31 - 1  # the largest value of the database's INTEGER ids (PostgreSQL's int4)


def digits_at_most(limit: int) -> str:
    """A regular expression for the decimal numbers 0 … `limit` (leading zeros allowed)."""
    text = str(limit)
    choices = [rf"\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - i - 1
            choices.append(text[:i] + (f"[0-{int(digit) - 1}]" if digit != "1" else "0")
                           + (rf"\d{{{rest}}}" if rest else ""))
    choices.append(text)
    return "(?:" + "|".join(choices) + ")"


class IdConverter(IntegerConverter):
    """`<int:…>` in every route, bounded by MAX_ID: a larger number matches no route (404)
    instead of reaching PostgreSQL, whose integer type refuses it (a 500). The bound is in
    the pattern, not only in to_python: werkzeug checks the method before converting, so a
    value refused there answered 405 where a GET rule shares the path."""

    regex = digits_at_most(MAX_ID)

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def takes_document(view):
    """Mark a view whose form may carry a document's file: its request may be larger than
    MAX_CONTENT_LENGTH (see `allow_document_uploads`)."""
    view.takes_document = True
    return view


def upload_limit() -> int:
    """The largest upload the current request's form takes, as told to the user: the
    document limit on a form that carries a document, else MAX_CONTENT_LENGTH."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "takes_document", False):
        return current_app.config["TRACKER_DOCUMENT_MAX_BYTES"]
    return current_app.config["MAX_CONTENT_LENGTH"]


def allow_document_uploads(app: Flask) -> None:
    """A form that carries a document takes the document limit plus room for its other
    fields, so that a file just over the limit gets its message on the form. Registered
    before the CSRF check, which is the first to read the form."""

    @app.before_request
    def raise_body_limit_for_documents():
        view = app.view_functions.get(request.endpoint or "")
        if getattr(view, "takes_document", False):
            request.max_content_length = max(
                app.config["MAX_CONTENT_LENGTH"] or 0,
                app.config["TRACKER_DOCUMENT_MAX_BYTES"] + FORM_ALLOWANCE_BYTES)
