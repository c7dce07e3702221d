"""The appendix in and out: print view, downloads, consolidated list, imports."""
from flask import Blueprint

bp = Blueprint("appendix", __name__)

from tracker.appendix import import_routes, routes  # noqa: E402,F401
