"""The REST API under /api/v1: JSON for programs, authenticated by API tokens only.

`auth.py` turns the bearer token into the acting user (cookies never count), `problems.py`
answers errors as RFC 9457 problem details, `serialize.py` shapes the JSON, `openapi.py`
documents it all beside `routes.py`.
"""
from flask import Blueprint

from tracker.api.paths import PAGE_ENDPOINTS, PREFIX, is_api_request  # noqa: F401

bp = Blueprint("api", __name__)

from tracker.api import routes  # noqa: E402,F401
