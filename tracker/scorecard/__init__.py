from flask import Blueprint

bp = Blueprint("scorecard", __name__)

from tracker.scorecard import routes  # noqa: E402,F401
