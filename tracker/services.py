"""Errors the services raise for the views to turn into messages."""
from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError


class ConflictError(Exception):
    """Someone else saved the record after this form was loaded."""


# What a view catches around a commit to say "someone else changed this": our own version
# check, or SQLAlchemy's when the row changed between our read and our UPDATE.
CONFLICTS = (ConflictError, StaleDataError)


class FieldError(ValueError):
    """Input that a form validator could not judge alone; `field` names the form field.

    `errors` holds every (field, message) the service found, so that a form shows them all
    at once; `field` and `message` are the first of them.
    """

    def __init__(self, field: str, message: str, *more: tuple[str, str]) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.errors = [(field, message), *more]


def raise_field_errors(errors: list[tuple[str, str]]) -> None:
    """Refuse the input with every (field, message) found, if any."""
    if errors:
        raise FieldError(*errors[0], *errors[1:])


def check_version(record, expected_version: int | None) -> None:
    """Refuse a write based on a stale copy of `record` (optimistic locking)."""
    if expected_version is not None and record.version != expected_version:
        raise ConflictError()
