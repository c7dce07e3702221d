"""Admin pages of the reminders: settings, extra days off / worked days, the run log;
and each user's choice of e-mails."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import policy
from tracker.auth.forms import EmptyForm
from tracker.extensions import db
from tracker.models import CalendarException, MessageStatus, OutboxMessage, SchedulerRun
from tracker.notices import NoticeKind
from tracker.notify.blueprint import bp
from tracker.notify.forms import CalendarDayForm, NotificationsForm, SettingsForm
from tracker.notify.service import reminder_settings
from tracker.web import page_number


def require_admin() -> None:
    if not policy.can_administer(current_user):
        abort(403)


@bp.route("/admin/reminders", methods=["GET", "POST"])
def settings():
    """Edit the reminder rules (stages, overdue interval, escalation, send time)."""
    require_admin()
    current = reminder_settings()
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        form.populate_obj(current)
        db.session.commit()
        flash(_("Saved. A new sending time applies when the scheduler restarts."), "success")
        return redirect(url_for("reminders.settings"))
    db.session.commit()  # the defaults row, if it was just created
    return render_template("reminders/settings.html", form=form), 400 if form.errors else 200


@bp.route("/admin/calendar", methods=["GET", "POST"])
def calendar():
    """Extra days off and worked Saturdays, which the holidays package does not know."""
    require_admin()
    form = CalendarDayForm()
    if form.validate_on_submit():
        day = form.day.date
        existing = db.session.get(CalendarException, day)
        if existing is None:
            db.session.add(CalendarException(day=day, working=form.working.data,
                                             note=form.note.data or ""))
        else:
            existing.working, existing.note = form.working.data, form.note.data or ""
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("reminders.calendar"))
    days = db.session.scalars(sa.select(CalendarException).order_by(CalendarException.day)).all()
    return render_template("reminders/calendar.html", form=form, days=days,
                           delete_form=EmptyForm()), 400 if form.errors else 200


@bp.post("/admin/calendar/<day>/delete")
def delete_calendar_day(day: str):
    """Remove an extra day off / worked day."""
    require_admin()
    if not EmptyForm().validate_on_submit():
        abort(400)
    from datetime import date

    try:
        row = db.session.get(CalendarException, date.fromisoformat(day))
    except ValueError:
        abort(404)
    if row is None:
        abort(404)
    db.session.delete(row)
    db.session.commit()
    return redirect(url_for("reminders.calendar"))


@bp.get("/admin/runs")
def runs():
    """The log of scheduler and command-line runs."""
    require_admin()
    page = page_number()
    log = db.paginate(sa.select(SchedulerRun).order_by(SchedulerRun.id.desc()), page=page,
                      per_page=50, error_out=False)
    return render_template("reminders/runs.html", runs=log)


@bp.post("/admin/outbox/<int:message_id>/resend")
def resend(message_id: int):
    """Put a failed, held or cancelled message back in the queue."""
    require_admin()
    if not EmptyForm().validate_on_submit():
        abort(400)
    message = db.get_or_404(OutboxMessage, message_id)
    if message.status == MessageStatus.SENT.value:
        flash(_("This message was already sent."), "danger")
    else:
        message.status, message.attempts, message.next_attempt_at = \
            MessageStatus.PENDING.value, 0, None
        db.session.commit()
        flash(_("The message is queued again."), "success")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(
        request.host_url) else url_for("reminders.runs"))


@bp.route("/account/notifications", methods=["GET", "POST"])
def notifications():
    """Choose which e-mails to receive (managers always get overdue alerts for their scope)."""
    form = NotificationsForm(kinds=[k for k in NoticeKind if k not in current_user.muted_kinds])
    if form.validate_on_submit():
        wanted = set(form.kinds.data or [])
        current_user.muted_kinds = [k for k in NoticeKind if k not in wanted]
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("reminders.notifications"))
    return render_template("reminders/notifications.html", form=form), 400 if form.errors else 200
