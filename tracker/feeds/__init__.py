"""Calendar and Atom feeds: at secret URLs (a revocable token per feed) and for signed-in
readers of a plan; managed on the account page."""
from flask import Blueprint

bp = Blueprint("feeds", __name__)

from tracker.feeds import routes  # noqa: E402,F401
