from flask import Blueprint

bp = Blueprint("proposals", __name__)

from tracker.proposals import routes  # noqa: E402,F401
