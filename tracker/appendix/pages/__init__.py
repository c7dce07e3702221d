"""The appendix's pages: the print view, downloads and the consolidated list (`routes.py`),
the import (`import_routes.py`).

A package of its own inside `tracker/appendix`, so that the table model, the readers and
the renderers — which the plans, the items and the command line use — are imported
without these pages and everything they import."""
from flask import Blueprint

bp = Blueprint("appendix", __name__)

from tracker.appendix.pages import import_routes, routes  # noqa: E402,F401
