"""The REST API under /api/v1: JSON for programs, authenticated by API tokens only.

`auth.py` turns the bearer token into the acting user (cookies never count), `problems.py`
answers errors as RFC 9457 problem details, `serialize.py` shapes the JSON, `openapi.py`
documents it all beside `routes.py`.
"""
from flask import Blueprint

bp = Blueprint("api", __name__)
PREFIX = "/api/v1"


# The API's one page for people (the document, readable): in the language the site's
# switcher chose, as every other page.
PAGE_ENDPOINTS = frozenset({"api.docs"})


def is_api_request(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


from tracker.api import auth, routes  # noqa: E402,F401
