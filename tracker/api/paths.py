"""Where the API lives, for the modules that must tell an API request from a page's
(the error handlers, the login check, the language choice) without loading the API."""
from __future__ import annotations

PREFIX = "/api/v1"

# The API's one page for people (the document, readable): in the language the site's
# switcher chose, as every other page.
PAGE_ENDPOINTS = frozenset({"api.docs"})


def is_api_request(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")
