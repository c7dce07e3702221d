"""The feeds: calendars and Atom at secret URLs (no login: calendar clients send no
headers), and a plan's Atom feed for its signed-in readers. The secret URLs are made and
revoked on the account page (auth.account_feeds)."""
from __future__ import annotations

from flask import Response, abort

from tracker.feeds import bp
from tracker.feeds.atom import FeedInfo
from tracker.feeds.calendar import build_calendar
from tracker.feeds.responses import atom_response
from tracker.feeds.service import (
    calendar_events,
    feed_scope,
    live_feed,
    recent_changes,
    tracker_host,
)
from tracker.models import FeedScope, FeedToken, Item
from tracker.outbox.links import external_url
from tracker.web import get_plan

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _live_scope(token: str):
    """:raise 404: unknown or revoked secret, or its owner may no longer read the scope."""
    feed = live_feed(token)
    scope = feed_scope(feed) if feed is not None else None
    if scope is None:
        abort(404)
    return feed, scope


def _calendar_name(feed: FeedToken) -> str:
    match feed.scope_kind:
        case FeedScope.MINE:
            return f"Hạn trình - {feed.user.agency.name}"
        case _:
            return f"Hạn trình - {feed.label}"


@bp.get("/feeds/<token>.ics")
def calendar(token: str):
    """The calendar at a secret URL: one all-day event per item on its deadline in force.

    :raise 404: unknown or revoked token.
    """
    feed, scope = _live_scope(token)
    body = build_calendar(_calendar_name(feed), calendar_events(scope), host=tracker_host())
    return Response(body, content_type=CALENDAR_TYPE,
                    headers={"Content-Disposition": 'inline; filename="han-trinh.ics"'})


@bp.get("/feeds/<token>.atom")
def token_changes(token: str):
    """The changes of a feed's items, at its secret URL (for feed readers without a login).

    :raise 404: unknown or revoked token.
    """
    feed, scope = _live_scope(token)
    return atom_response(FeedInfo(
        feed_id=f"tag:{tracker_host()},2020:feed/{feed.id}", title=_calendar_name(feed),
        self_url=external_url("feeds.token_changes", token=token),
        page_url=external_url("plans.show", plan_id=feed.scope_id)
        if feed.scope_kind == FeedScope.PLAN else external_url("plans.mine"),
        author=feed.user.agency.name, updated=feed.created_at), recent_changes(scope))


@bp.get("/plans/<int:plan_id>/changes.atom")
def plan_changes(plan_id: int):
    """A plan's changes as an Atom feed, for its signed-in readers."""
    plan = get_plan(plan_id)
    return atom_response(FeedInfo(
        feed_id=f"tag:{tracker_host()},2020:plan/{plan.id}/changes", title=plan.title,
        self_url=external_url("feeds.plan_changes", plan_id=plan.id),
        page_url=external_url("plans.show", plan_id=plan.id),
        author=plan.owner_agency.name, updated=plan.created_at),
        recent_changes(Item.plan_id == plan.id))
