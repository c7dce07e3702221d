"""The reminders' pages (admin settings, calendar, run log; each user's e-mail choices)."""
from flask import Blueprint

bp = Blueprint("reminders", __name__)

from tracker.notify import routes  # noqa: E402,F401
