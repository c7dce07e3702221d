"""Calling the API in tests: every answer is checked against the OpenAPI document."""
from __future__ import annotations

import json
from datetime import date

from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from tracker.api.openapi import document
from tracker.auth.api_tokens import create_token
from tracker.extensions import db
from tracker.models import User

_SPEC = None


def spec() -> OpenAPI:
    global _SPEC
    if _SPEC is None:
        # Problem documents are JSON too (RFC 9457).
        config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
        _SPEC = OpenAPI.from_dict(document(), config=config)
    return _SPEC


def check_contract(response) -> None:
    """The answer (status, headers, body) is one the document allows for its request."""
    sent = response.request
    # The app has read the body; the response's path and method are what find the operation.
    request = Request(EnvironBuilder(path=sent.path, method=sent.method, base_url=sent.host_url,
                                     query_string=sent.query_string.decode()).get_environ())
    spec().validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response))


def make_token(user: User, name: str = "Hệ thống văn bản", expires_on: date | None = None) -> str:
    _, secret = create_token(user, name, expires_on, today=date(2000, 1, 1))
    db.session.commit()
    return secret


class Api:
    """A test client for /api/v1 with a bearer token; `contract=False` for answers the
    document cannot describe (none so far)."""

    def __init__(self, app, token: str | None = None) -> None:
        self.client = app.test_client()
        self.token = token

    def open(self, method: str, path: str, *, headers: dict | None = None, contract: bool = True,
             **kwargs):
        headers = dict(headers or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        response = self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)
        if contract:
            check_contract(response)
        return response

    def get(self, path: str, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.open("POST", path, **kwargs)
