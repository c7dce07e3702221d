from flask import Blueprint

bp = Blueprint("items", __name__)

from tracker.items import routes  # noqa: E402,F401
