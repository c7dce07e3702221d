"""Signing in and out, the language, invitation and reset links, and one's own account
(password, e-mails, calendar links); and the app-wide rule that every other page needs a
login."""
from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker import policy
from tracker.api.paths import is_api_request
from tracker.auth import api_tokens, bp
from tracker.auth.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NotificationsForm,
    SetPasswordForm,
)
from tracker.auth.service import (
    authenticate,
    change_password,
    request_password_reset,
)
from tracker.auth.throttle import (
    FORGOT_ADDRESS,
    FORGOT_EMAIL,
    LOGIN_ACCOUNT,
    LOGIN_ADDRESS,
    address_block,
    clear,
    forget_old,
    give_back,
    known_device,
    remember_device,
    take,
)
from tracker.auth.tokens import consume_token, read_token
from tracker.extensions import db, login_manager
from tracker.feeds import service as feeds
from tracker.feeds.forms import NewFeedForm
from tracker.forms import EmptyForm, show_errors
from tracker.models import Agency, ApiToken, FeedScope, FeedToken, User
from tracker.notices import NoticeKind
from tracker.outbox.links import external_url
from tracker.services import FieldError
from tracker.web import require_button, tracker_today

# What anyone may reach without signing in (static files too): the sign-in pages, the
# language switch, the health check and the metrics (which guard themselves).
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.set_language", "auth.forgot_password",
                              "auth.accept_invitation", "auth.reset_password",
                              "health.healthz", "health.metrics"})


@bp.before_app_request
def require_login():
    """Every page needs a login, except PUBLIC_ENDPOINTS, the public pages of the policy
    (published plans, feeds at secret URLs) and static files."""
    endpoint = request.endpoint or ""
    if (endpoint in PUBLIC_ENDPOINTS or policy.is_public(endpoint)
            or endpoint.endswith("static")):
        return None
    if is_api_request(request.path):
        return None  # the API authenticates by token, never by this cookie (tracker/api)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def client_address() -> str:
    """The client's address as the throttle counts it (an IPv6 client by its /64): behind
    TRUSTED_PROXIES proxies, ProxyFix has taken it from X-Forwarded-For (see
    tracker.register_proxies)."""
    return address_block(request.remote_addr or "-")


def _minutes(wait) -> int:
    return max(1, -(-int(wait.total_seconds()) // 60))


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login page cannot bounce users elsewhere; no control
    characters (a CR or LF cannot go into a Location header) and no backslash (browsers
    read `/\\host` as `//host`)."""
    if (target and target.startswith("/") and not target.startswith("//")
            and not any(ord(c) < 32 or c in "\\\x7f" for c in target)
            and not urlsplit(target).netloc):
        return target
    return url_for("desk.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password; repeated failures wait (see throttle)."""
    if current_user.is_authenticated:
        return redirect(url_for("desk.home"))
    form = LoginForm()
    if form.validate_on_submit():
        now = datetime.now(UTC)
        email, address = form.email.data.strip().lower(), client_address()
        # The attempt is taken (and committed) before the password is checked, so parallel
        # guesses share the same count. An address that signed in to this account before
        # skips the account's waits: a stranger's failures cannot keep its owner out.
        wait = take(LOGIN_ADDRESS, address, now)
        if wait is None and not known_device(email, address, now):
            wait = take(LOGIN_ACCOUNT, email, now)
            if wait is not None:
                give_back(LOGIN_ADDRESS, address)   # no password was checked
        db.session.commit()
        if wait is not None:
            form.password.errors.append(_(
                "Too many failed sign-ins. Try again in %(minutes)d minutes.",
                minutes=_minutes(wait)))
            return render_template("auth/login.html", form=form), 429
        user = authenticate(email, form.password.data)
        if user is None:
            forget_old(now)
            db.session.commit()
            form.password.errors.append(_("Wrong e-mail or password."))
        else:
            give_back(LOGIN_ADDRESS, address)
            clear(LOGIN_ACCOUNT, email)
            remember_device(email, address, now)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out (a POST with CSRF, so no other site can sign you out).

    The account's session version moves on, so this session cookie and every "remember
    me" cookie issued so far are void on the server too, not only forgotten by this browser
    (a copied cookie would otherwise still work); the account's other sessions end with it."""
    require_button()
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language/<code>")
def set_language(code: str):
    """Switch the interface language, for this session and the signed-in user."""
    if code not in current_app.config["LANGUAGES"]:
        abort(400)
    require_button()
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        now = datetime.now(UTC)
        wait = take(FORGOT_ADDRESS, client_address(), now)
        if wait is not None:
            db.session.commit()
            form.email.errors.append(_(
                "Too many requests from this address. Try again in %(minutes)d minutes.",
                minutes=_minutes(wait)))
            return render_template("auth/forgot.html", form=form), 429
        # Past its limit an e-mail gets the same answer but no more mail, whether or not it
        # has an account (nothing tells the two apart).
        if take(FORGOT_EMAIL, User.normalise_email(form.email.data), now) is None:
            # Queued, and only if an active account has the address: the same work either
            # way. The worker mails it within the minute.
            request_password_reset(form.email.data)
        db.session.commit()
        flash(_("If this address has an account, a link to choose a new password is on its way."),
              "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


def _set_password_page(token: str, purpose: str, title: str):
    user = read_token(token, purpose)
    if user is None:
        return render_template("auth/link_invalid.html"), 400
    form = SetPasswordForm(user=user)
    if form.validate_on_submit():
        change_password(user, form.password.data)
        consume_token(token)
        db.session.commit()
        login_user(user)
        flash(_("Your password is set. Welcome."), "success")
        return redirect(url_for("desk.home"))
    return render_template("auth/set_password.html", form=form, title=title, user=user), \
        400 if form.errors else 200


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Choose a first password from the invitation link."""
    return _set_password_page(token, "invite", _("Choose your password"))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a reset link."""
    return _set_password_page(token, "reset", _("Choose a new password"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def account_password():
    """Change one's own password; every other session of the account ends."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(user=user)
    if form.validate_on_submit():
        change_password(user, form.password.data)
        db.session.commit()
        login_user(user)  # this session continues with the new version
        flash(_("Your password was changed. Other sessions have been signed out."), "success")
        return redirect(url_for("desk.home"))
    return render_template("auth/change_password.html", form=form), 400 if form.errors else 200


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def account_notifications():
    """Choose which e-mails to receive (managers always get overdue alerts for their scope)."""
    form = NotificationsForm(kinds=[k for k in NoticeKind if k not in current_user.muted_kinds])
    if form.validate_on_submit():
        wanted = set(form.kinds.data or [])
        current_user.muted_kinds = [k for k in NoticeKind if k not in wanted]
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("auth.account_notifications"))
    return render_template("auth/notifications.html", form=form), 400 if form.errors else 200


def _agency_choices(form: NewFeedForm) -> None:
    """One's own agency; every agency for those who see every plan."""
    if policy.sees_every_plan(current_user):
        agencies = db.session.execute(
            db.select(Agency.id, Agency.name).order_by(Agency.name)).all()
    else:
        agencies = [(current_user.agency_id, current_user.agency.name)]
    form.agency_id.choices = [(agency_id, name) for agency_id, name in agencies]


@bp.route("/account/feeds", methods=["GET", "POST"])
def account_feeds():
    """One's calendar feeds: make one (its secret URL is shown once), copy it, revoke it."""
    form = NewFeedForm()
    _agency_choices(form)
    if form.is_submitted() and not form.validate():
        return render_template("auth/feeds.html", form=form, feeds=feeds.user_feeds(current_user.id),
                               new_url=None), 400
    if form.is_submitted():
        kind = FeedScope(form.kind.data)
        scope_id = {FeedScope.MINE: None, FeedScope.AGENCY: form.agency_id.data,
                    FeedScope.PLAN: form.plan_id.data}[kind]
        label = feeds.feed_label(kind, scope_id, current_user)
        if label is None:
            abort(403)
        _feed, secret = feeds.create_feed(current_user, kind, scope_id, label)
        db.session.commit()
        # Shown on this page only, never flashed (the session cookie is signed, not secret).
        return render_template("auth/feeds.html", form=NewFeedForm(formdata=None),
                               feeds=feeds.user_feeds(current_user.id), new_label=label,
                               new_url=external_url("feeds.calendar", token=secret),
                               new_atom=external_url("feeds.token_changes", token=secret))
    return render_template("auth/feeds.html", form=form, feeds=feeds.user_feeds(current_user.id),
                           new_url=None)


@bp.post("/account/feeds/<int:feed_id>/revoke")
def revoke_feed(feed_id: int):
    """Revoke one of one's feeds: its URL answers 404 from now on.

    :raise 404: no such feed of this user.
    """
    feed = db.session.get(FeedToken, feed_id)
    if feed is None or feed.user_id != current_user.id or feed.revoked:
        abort(404)
    require_button()
    feeds.revoke_feed(feed)
    db.session.commit()
    flash(_("The calendar link was revoked: it no longer works."), "success")
    return redirect(url_for("auth.account_feeds"))
@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def account_tokens():
    """One's API tokens: make one (its secret is shown on this answer only), see when each
    was last used, revoke them."""
    form = ApiTokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            token, secret = api_tokens.create_token(
                current_user, form.name.data or "", form.expires_on.date, today=tracker_today())
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            show_errors(form, error.errors)
        else:
            flash(_("The token “%(name)s” was created. Copy it now: it is not shown again.",
                    name=token.name), "success")
            form = ApiTokenForm(formdata=None)
    return render_template("auth/api_tokens.html", form=form, secret=secret,
                           tokens=api_tokens.tokens_of(current_user.id), button=EmptyForm(),
                           today=tracker_today()), 400 if form.errors else 200


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Revoke one of one's own API tokens (another user's is as missing)."""
    require_button()
    token = db.session.get(ApiToken, token_id)
    if token is None or not policy.can_revoke_api_token(current_user, token.user_id):
        abort(404)
    api_tokens.revoke(token, datetime.now(UTC))
    db.session.commit()
    flash(_("The token “%(name)s” was revoked.", name=token.name), "success")
    return redirect(url_for("auth.account_tokens"))
