"""Errors of the API as RFC 9457 problem details (`application/problem+json`), in the
language of the request (Accept-Language, else the token user's, else Vietnamese)."""
from __future__ import annotations

from flask import Response, json
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from tracker.api.paths import PREFIX
from tracker.text import N_

MEDIA_TYPE = "application/problem+json"

# type slug → the title (an English msgid), per RFC 9457 the same for every occurrence.
TITLES = {
    "bad-request": N_("The request could not be understood."),
    "unauthorized": N_("A valid API token is required."),
    "forbidden": N_("You do not have permission to do this."),
    "not-found": N_("Not found."),
    "method-not-allowed": N_("This action is not allowed here."),
    "conflict": N_("The item changed since you read it."),
    "precondition-required": N_("Send the item's version in If-Match."),
    "too-large": N_("The request is too large."),
    "validation": N_("The input was refused."),
    "too-many-requests": N_("Too many requests."),
    "server-error": N_("An unexpected error occurred. Nothing was saved."),
}
BY_STATUS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
             405: "method-not-allowed", 412: "conflict", 413: "too-large",
             422: "validation", 428: "precondition-required", 429: "too-many-requests",
             500: "server-error"}


class ApiProblem(Exception):
    """Raised by the API's views; answered as a problem document."""

    def __init__(self, status: int, detail: str | None = None, *,
                 errors: list[dict] | None = None, headers: dict | None = None,
                 kind: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors
        self.headers = headers or {}
        self.kind = kind or BY_STATUS.get(status, "bad-request")


def problem_response(status: int, detail: str | None = None, *, kind: str | None = None,
                     errors: list[dict] | None = None, headers: dict | None = None) -> Response:
    kind = kind or BY_STATUS.get(status, "server-error" if status >= 500 else "bad-request")
    body = {"type": f"{PREFIX}/docs#problem-{kind}", "title": _(TITLES[kind]), "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    response.headers["Content-Language"] = str(_locale())
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _locale():
    from flask_babel import get_locale

    return get_locale()


def from_problem(error: ApiProblem) -> Response:
    return problem_response(error.status, error.detail, kind=error.kind, errors=error.errors,
                            headers=error.headers)


def from_http_error(error: HTTPException) -> Response:
    """A werkzeug error (no such route, wrong method, body too large) on an API path."""
    code = error.code or 500
    headers = {}
    if code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem_response(code, kind=BY_STATUS.get(code), headers=headers)


def field_errors(pairs) -> list[dict]:
    """A service's (field, message) pairs as the problem's `errors` member."""
    return [{"field": name, "message": str(message)} for name, message in pairs]
