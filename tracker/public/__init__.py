"""The public progress pages of published plans, and their open data (no login)."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from tracker.public import routes  # noqa: E402,F401
