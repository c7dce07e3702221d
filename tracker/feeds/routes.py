"""The feeds: calendars and Atom at secret URLs (no login: calendar clients send no
headers), a plan's Atom feed for its signed-in readers, and the account page that makes
and revokes the secret URLs."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import policy
from tracker.extensions import db
from tracker.feeds import bp
from tracker.feeds.atom import FeedInfo, build_atom
from tracker.feeds.calendar import build_calendar
from tracker.feeds.forms import NewFeedForm
from tracker.feeds.service import (
    calendar_events,
    create_feed,
    feed_label,
    feed_scope,
    live_feed,
    recent_changes,
    revoke_feed,
    tracker_host,
    user_feeds,
)
from tracker.models import Agency, FeedScope, FeedToken, Proposal
from tracker.outbox.links import external_url, external_url_builder
from tracker.web import get_plan, require_button

CALENDAR_TYPE = "text/calendar; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def _agency_choices(form: NewFeedForm) -> None:
    """One's own agency; every agency for those who see every plan."""
    if policy.sees_every_plan(current_user):
        agencies = db.session.execute(
            db.select(Agency.id, Agency.name).order_by(Agency.name)).all()
    else:
        agencies = [(current_user.agency_id, current_user.agency.name)]
    form.agency_id.choices = [(agency_id, name) for agency_id, name in agencies]


@bp.route("/account/feeds", methods=["GET", "POST"])
def account():
    """One's calendar feeds: make one (its secret URL is shown once), copy it, revoke it."""
    form = NewFeedForm()
    _agency_choices(form)
    if form.is_submitted() and not form.validate():
        return render_template("feeds/account.html", form=form, feeds=user_feeds(current_user.id),
                               new_url=None), 400
    if form.is_submitted():
        kind = FeedScope(form.kind.data)
        scope_id = {FeedScope.MINE: None, FeedScope.AGENCY: form.agency_id.data,
                    FeedScope.PLAN: form.plan_id.data}[kind]
        label = feed_label(kind, scope_id, current_user)
        if label is None:
            abort(403)
        _feed, secret = create_feed(current_user, kind, scope_id, label)
        db.session.commit()
        # Shown on this page only, never flashed (the session cookie is signed, not secret).
        return render_template("feeds/account.html", form=NewFeedForm(formdata=None),
                               feeds=user_feeds(current_user.id), new_label=label,
                               new_url=external_url("feeds.calendar", token=secret),
                               new_atom=external_url("feeds.token_changes", token=secret))
    return render_template("feeds/account.html", form=form, feeds=user_feeds(current_user.id),
                           new_url=None)


@bp.post("/account/feeds/<int:feed_id>/revoke")
def revoke(feed_id: int):
    """Revoke one of one's feeds: its URL answers 404 from now on.

    :raise 404: no such feed of this user.
    """
    feed = db.session.get(FeedToken, feed_id)
    if feed is None or feed.user_id != current_user.id or feed.revoked:
        abort(404)
    require_button()
    revoke_feed(feed)
    db.session.commit()
    flash(_("The calendar link was revoked: it no longer works."), "success")
    return redirect(url_for("feeds.account"))


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


def atom_response(info: FeedInfo, changes, **options) -> Response:
    url = external_url_builder()
    host = tracker_host()
    body = build_atom(info, changes,
                      entry_id=lambda entry: f"tag:{host},2020:journal/{entry}",
                      item_url=options.pop("item_url", None)
                      or (lambda item: url("proposals.show", proposal_id=item)), **options)
    return Response(body, content_type=ATOM_TYPE)


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
        recent_changes(Proposal.plan_id == plan.id))
