"""The start page: the front page after signing in."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, url_for
from flask_login import current_user

from tracker import policy
from tracker.desk import bp
from tracker.desk.service import (
    DeskKind,
    activity_feed,
    agency_table,
    desk_for,
    desk_summary,
)
from tracker.items.service import FIELD_LABELS
from tracker.web import due_soon_until, quiet_since, tracker_today


@bp.get("/")
def home():
    """What needs the user now: his items due soon, overdue, waiting for an answer or a
    decision, quiet for too long; the agencies (province-wide); the latest changes."""
    desk = desk_for(current_user.agency_id, decides=policy.can_create_plans(current_user),
                    sees_every_plan=policy.sees_every_plan(current_user))
    today, until, since = tracker_today(), due_soon_until(), quiet_since()
    province = desk.kind == DeskKind.PROVINCE
    counts, lists = desk_summary(desk, today, until, since)
    return render_template(
        "desk/home.html", desk=desk, today=today, counts=counts, lists=lists,
        agencies=agency_table(today, until) if province else [],
        feed=activity_feed(desk),
        list_url=filtered_list_url(province), field_labels=FIELD_LABELS,
    )


def filtered_list_url(province: bool):
    """The list behind a count: "My items" filtered, or the consolidated list province-wide.
    The list's address is built once; the agency table links each of its 60-odd rows four
    times, and a url_for per link was a tenth of the page's time."""
    base = url_for("appendix.consolidated" if province else "plans.mine")

    def url(key: str | None = None, **args) -> str:
        if key:
            args[key] = "y"
        return f"{base}?{urlencode(args)}" if args else base

    return url
