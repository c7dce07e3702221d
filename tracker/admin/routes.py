"""Admin pages: users and their invitations, agencies, the admin journal, the outbox; the
reminders' settings, the calendar's extra days off and worked days, the scheduler's runs;
the webhook subscriptions and their delivery log."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy.exc import IntegrityError

from tracker import policy
from tracker.admin import bp, service
from tracker.admin.forms import (
    DELIVERY_STATUS_LABELS,
    WEBHOOK_EVENT_LABELS,
    AgencyForm,
    CalendarDayForm,
    InviteForm,
    MergeAgencyForm,
    SettingsForm,
    UserForm,
    WebhookForm,
)
from tracker.audit import action_label, detail_lines
from tracker.extensions import db
from tracker.forms import EmptyForm, show_errors
from tracker.models import (
    Agency,
    DeliveryStatus,
    MessageStatus,
    OutboxMessage,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from tracker.notify.service import (
    calendar_days,
    reminder_settings,
    remove_calendar_day,
    set_calendar_day,
)
from tracker.services import FieldError
from tracker.web import paginate, require_button
from tracker.webhooks import service as webhooks


@bp.before_request
def require_admin():
    """Every admin page and button is for administrators only (anonymous users were already
    sent to the login page by the app)."""
    if not policy.can_administer(current_user):
        abort(403)


def _report_delivery() -> None:
    """Mail is only queued here (the sender mails it within the minute); say so if it
    will stay in the outbox."""
    if not current_app.config.get("MAIL_SERVER"):
        flash(_("No mail server is configured: the e-mail is kept in the outbox, unsent."),
              "warning")


# ---- users -----------------------------------------------------------------------------------

@bp.get("/users")
def users():
    """Every account with its agency, role, and whether the invitation was accepted."""
    return render_template("admin/users.html", users=paginate(service.users_query()))


@bp.route("/users/invite", methods=["GET", "POST"])
def invite_user():
    """Create an account and e-mail its owner a link to choose his password."""
    form = InviteForm(agencies=service.agency_choices())
    if form.validate_on_submit():
        try:
            user, _message = service.invite_user(
                current_user, name=form.name.data, email=form.email.data, role=form.role.data,
                agency=db.session.get(Agency, form.agency_id.data))
            db.session.commit()
        except IntegrityError:  # the same address, invited a moment ago by another admin
            db.session.rollback()
            form.email.errors.append(_("A user with this e-mail address already exists."))
        else:
            flash(_("%(name)s is invited: the link to choose a password was e-mailed to %(email)s.",
                    name=user.name, email=user.email), "success")
            _report_delivery()
            return redirect(url_for("admin.users"))
    return render_template("admin/invite.html", form=form), 400 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    """Change a user's name, role or agency; new rights end his sessions."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user, agencies=service.agency_choices(keep=user.agency))
    if form.validate_on_submit():
        try:
            changes = service.update_user(current_user, user, name=form.name.data,
                                          role=form.role.data,
                                          agency=db.session.get(Agency, form.agency_id.data))
        except FieldError as error:
            form[error.field].errors.append(error.message)
        else:
            db.session.commit()
            if user.id == current_user.id and service.rights_changed(changes):
                login_user(user)  # the admin's own session continues with the new version
            flash(_("Saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user.html", form=form, user=user, button=EmptyForm()), \
        400 if form.errors else 200


def _account_action(user_id: int, command: Callable[[User, User], OutboxMessage | None],
                    done: Callable[[User], str]):
    """Run a POST-only button on an account: the command (which audits), one commit, a flash."""
    require_button()
    user = db.get_or_404(User, user_id)
    try:
        result = command(current_user, user)
    except service.Refused as refusal:
        flash(refusal.message, "danger")
    else:
        db.session.commit()
        flash(done(user), "success")
        if isinstance(result, OutboxMessage):
            _report_delivery()
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    """Stop an account from signing in (never one's own); its sessions end at once."""
    return _account_action(user_id, service.deactivate_user,
                           lambda user: _("%(name)s can no longer sign in.", name=user.name))


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int):
    """Let a deactivated account sign in again."""
    return _account_action(user_id, service.reactivate_user,
                           lambda user: _("%(name)s can sign in again.", name=user.name))


@bp.post("/users/<int:user_id>/invite-again")
def reinvite_user(user_id: int):
    """E-mail a fresh invitation link to someone who has not chosen a password yet."""
    return _account_action(
        user_id, service.reinvite_user,
        lambda user: _("A new invitation link was e-mailed to %(email)s; the previous one no "
                       "longer works.", email=user.email))


# ---- agencies --------------------------------------------------------------------------------

def _agencies_page(form: AgencyForm):
    return render_template("admin/agencies.html", form=form,
                           agencies=paginate(service.agencies_query())), \
        400 if form.errors else 200


def _agency_fields(form: AgencyForm) -> dict:
    return {"name": form.name.data, "shared_mailbox": form.shared_mailbox.data,
            "active": form.active.data, "is_consolidating_office": form.is_consolidating_office.data}


@bp.get("/agencies")
def agencies():
    """The agencies, with a form to add one."""
    return _agencies_page(AgencyForm())


@bp.post("/agencies")
def create_agency():
    """Add an agency (its name must differ from every other, ignoring case and spacing)."""
    form = AgencyForm()
    if form.validate_on_submit():
        try:
            agency = service.create_agency(current_user, **_agency_fields(form))
            db.session.commit()
        except IntegrityError:  # the same name, added a moment ago by another admin
            db.session.rollback()
            form.name.errors.append(_("An agency with this name already exists."))
        else:
            flash(_("The agency %(name)s was added.", name=agency.name), "success")
            return redirect(url_for("admin.agencies"))
    return _agencies_page(form)


def _agency_page(form: AgencyForm, agency: Agency):
    usage = service.agency_usage(agency.id)
    return render_template("admin/agency.html", form=form, agency=agency, usage=usage,
                           deletable=service.may_delete(current_user, usage),
                           button=EmptyForm()), 400 if form.errors else 200


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
def edit_agency(agency_id: int):
    """Rename an agency, set its shared mailbox, its consolidating-office flag, or retire it."""
    agency = db.get_or_404(Agency, agency_id)
    form = AgencyForm(agency=agency)
    if form.validate_on_submit():
        try:
            service.update_agency(current_user, agency, **_agency_fields(form))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.name.errors.append(_("An agency with this name already exists."))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.agencies"))
    return _agency_page(form, agency)


@bp.post("/agencies/<int:agency_id>/delete")
def delete_agency(agency_id: int):
    """Delete an agency nothing refers to (a typo, say); journaled."""
    require_button()
    agency = db.get_or_404(Agency, agency_id)
    name = agency.name
    try:
        service.delete_agency(current_user, agency)
    except service.Refused as refusal:
        flash(refusal.message, "danger")
        return redirect(url_for("admin.edit_agency", agency_id=agency_id))
    db.session.commit()
    flash(_("The agency %(name)s was deleted.", name=name), "success")
    return redirect(url_for("admin.agencies"))


@bp.route("/agencies/<int:agency_id>/merge", methods=["GET", "POST"])
def merge_agency(agency_id: int):
    """Merge an agency into another, which is kept: items, lists, users and journal move."""
    agency = db.get_or_404(Agency, agency_id)
    form = MergeAgencyForm(agencies=service.merge_choices(agency))
    if form.validate_on_submit():
        kept = db.session.get(Agency, form.into.data)
        merged_name, kept_name, kept_id = agency.name, kept.name, kept.id
        try:
            service.merge_agencies(current_user, agency, kept)
        except service.Refused as refusal:
            form.into.errors.append(refusal.message)
        else:
            db.session.commit()
            flash(_("%(merged)s was merged into %(kept)s.", merged=merged_name, kept=kept_name),
                  "success")
            return redirect(url_for("admin.edit_agency", agency_id=kept_id))
    return render_template("admin/merge.html", form=form, agency=agency,
                           usage=service.agency_usage(agency.id)), 400 if form.errors else 200


# ---- the journal and the outbox --------------------------------------------------------------

@bp.get("/audit")
def audit():
    """The admin journal, newest first: who changed which account or agency, and how."""
    entries = paginate(service.audit_query())
    return render_template("admin/audit.html", entries=entries,
                           targets=service.audit_target_names(entries.items),
                           action_label=action_label, detail_lines=detail_lines)


@bp.get("/outbox")
def outbox():
    """Every e-mail, newest first, optionally of one status (unknown statuses show all)."""
    status = request.args.get("status")
    status = status if status in {s.value for s in MessageStatus} else None
    return render_template("admin/outbox.html", messages=paginate(service.outbox_query(status)),
                           status=status, labels=service.STATUS_LABELS,
                           health=service.sender_health(datetime.now(UTC)))


@bp.get("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    """One e-mail as text, with its delivery attempts (the HTML version is never rendered)."""
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("admin/outbox_message.html", message=message,
                           labels=service.STATUS_LABELS, button=EmptyForm())


@bp.post("/outbox/<int:message_id>/resend")
def resend_message(message_id: int):
    """Put a failed, held or cancelled message back in the queue."""
    require_button()
    message = db.get_or_404(OutboxMessage, message_id)
    if service.requeue(message):
        db.session.commit()
        flash(_("The message is queued again."), "success")
    else:
        flash(_("This message was already sent."), "danger")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(
        request.host_url) else url_for("admin.runs"))


# ---- reminders -------------------------------------------------------------------------------

@bp.route("/reminders", methods=["GET", "POST"])
def reminders():
    """Edit the reminder rules (stages, overdue interval, escalation, send time)."""
    current = reminder_settings()
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        form.populate_obj(current)
        db.session.commit()
        flash(_("Saved. A new sending time applies when the scheduler restarts."), "success")
        return redirect(url_for("admin.reminders"))
    db.session.commit()  # the defaults row, if it was just created
    return render_template("admin/reminders.html", form=form), 400 if form.errors else 200


@bp.route("/calendar", methods=["GET", "POST"])
def calendar():
    """Extra days off and worked Saturdays, which the holidays package does not know."""
    form = CalendarDayForm()
    if form.validate_on_submit():
        set_calendar_day(form.day.date, working=form.working.data, note=form.note.data or "")
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("admin.calendar"))
    return render_template("admin/calendar.html", form=form, days=calendar_days(),
                           delete_form=EmptyForm()), 400 if form.errors else 200


@bp.post("/calendar/<day>/delete")
def delete_calendar_day(day: str):
    """Remove an extra day off / worked day."""
    require_button()
    try:
        removed = remove_calendar_day(date.fromisoformat(day))
    except ValueError:
        abort(404)
    if not removed:
        abort(404)
    db.session.commit()
    return redirect(url_for("admin.calendar"))


@bp.get("/runs")
def runs():
    """The log of scheduler and command-line runs."""
    return render_template("admin/runs.html", runs=paginate(service.runs_query(), per_page=50))


# ---- webhooks --------------------------------------------------------------------------------

SECRET_SHOWN = "webhook_secret"  # the session key holding a new secret until its page shows it


def _require_webhooks() -> None:
    if not policy.can_manage_webhooks(current_user):
        abort(403)


@bp.get("/webhooks")
def webhooks_list():
    """Every webhook subscription, with its events and whether it is active."""
    _require_webhooks()
    return render_template("admin/webhooks.html", subscriptions=webhooks.subscriptions(),
                           events=WEBHOOK_EVENT_LABELS, button=EmptyForm())


def _webhook_fields(form: WebhookForm) -> dict:
    return dict(name=form.name.data or "", target_url=form.target_url.data,
                events=form.events.data or [], allow_private_target=form.allow_private_target.data)


@bp.route("/webhooks/new", methods=["GET", "POST"])
def new_webhook():
    """Subscribe a URL to events; its secret is shown once, on the next page."""
    _require_webhooks()
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            subscription = webhooks.create_subscription(**_webhook_fields(form))
        except FieldError as error:
            show_errors(form, error.errors)
        else:
            db.session.commit()
            session[SECRET_SHOWN] = [subscription.id, subscription.secret]
            flash(_("Subscription created. Copy its secret now: it is shown only once."),
                  "success")
            return redirect(url_for("admin.edit_webhook", subscription_id=subscription.id))
    return render_template("admin/webhook.html", form=form, subscription=None), \
        400 if form.errors or form.form_errors else 200


@bp.route("/webhooks/<int:subscription_id>", methods=["GET", "POST"])
def edit_webhook(subscription_id: int):
    """Change a subscription's URL, events, private-network permission or activity."""
    _require_webhooks()
    subscription = db.get_or_404(WebhookSubscription, subscription_id)
    form = WebhookForm(obj=subscription)
    if request.method == "GET":
        form.events.data = subscription.event_list
    if form.validate_on_submit():
        try:
            webhooks.update_subscription(subscription, **_webhook_fields(form),
                                         active=form.active.data)
        except FieldError as error:
            db.session.rollback()
            show_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.edit_webhook", subscription_id=subscription.id))
    shown = session.pop(SECRET_SHOWN, None)
    secret = shown[1] if shown and shown[0] == subscription.id else None
    return render_template("admin/webhook.html", form=form, subscription=subscription,
                           secret=secret, button=EmptyForm()), \
        400 if form.errors or form.form_errors else 200


@bp.post("/webhooks/<int:subscription_id>/deactivate")
def deactivate_webhook(subscription_id: int):
    """Stop sending to a subscription (its pending deliveries are cancelled when due)."""
    _require_webhooks()
    require_button()
    subscription = db.get_or_404(WebhookSubscription, subscription_id)
    subscription.active = False
    db.session.commit()
    flash(_("The subscription is deactivated: nothing more is sent to it."), "success")
    return redirect(url_for("admin.webhooks_list"))


@bp.get("/webhooks/deliveries")
def webhook_deliveries():
    """The delivery log, newest first, optionally of one status."""
    _require_webhooks()
    status = request.args.get("status")
    status = status if status in {s.value for s in DeliveryStatus} else None
    return render_template("admin/webhook_deliveries.html", status=status,
                           deliveries=paginate(webhooks.deliveries_query(status=status)),
                           labels=DELIVERY_STATUS_LABELS, events=WEBHOOK_EVENT_LABELS,
                           answer_label=webhooks.answer_label,
                           button=EmptyForm())


@bp.post("/webhooks/deliveries/<int:delivery_id>/resend")
def resend_delivery(delivery_id: int):
    """Queue a failed (or cancelled) delivery again."""
    _require_webhooks()
    require_button()
    delivery = db.get_or_404(WebhookDelivery, delivery_id)
    if webhooks.resend(delivery):
        db.session.commit()
        flash(_("The delivery is queued again."), "success")
    else:
        flash(_("Only a failed or cancelled delivery can be sent again."), "danger")
    return redirect(url_for("admin.webhook_deliveries"))
