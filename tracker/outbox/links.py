"""Absolute links for e-mails, built without a request."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, always on TRACKER_BASE_URL, the address users reach
    the tracker at. Never built from the request: its Host header is whatever the client
    sent, and a reset link on someone else's host hands him the token. The URL map is bound
    to that address directly, so the sender (outside any request) builds the same links."""
    return external_url_builder()(endpoint, **values)


def external_url_builder() -> Callable[..., str]:
    """`external_url` bound once, for a feed that builds thousands of links."""
    base = urlsplit(current_app.config["TRACKER_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")

    def build(endpoint: str, **values) -> str:
        return adapter.build(endpoint, values, force_external=True)

    return build


def mail_domain() -> str:
    """The domain of the Message-IDs: the tracker's host."""
    return urlsplit(current_app.config["TRACKER_BASE_URL"]).hostname or "localhost"
