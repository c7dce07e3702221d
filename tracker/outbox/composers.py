"""Who writes a kind of message at send time: a small registry, as CTFd's mail providers
or Redash's destinations.

Most messages are written when queued. Some are written just before sending from what is
true then (the daily digest, from its notices: notify/digest.py). The package that owns
such a kind registers its composer with the app (`register`); the sender asks
`composer_for(kind)` and knows nothing of digests.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Flask, current_app

from tracker.models import OutboxMessage, User

# (the batch's messages of one kind, their recipients' accounts by id, today) → the messages
# that have nothing left to say, by id, with why: they are cancelled, not sent. Every other
# message gets its subject and bodies written in place.
Composer = Callable[[list[OutboxMessage], dict[int, User], date], dict[int, str]]

EXTENSION = "tracker.outbox.composers"


def register(app: Flask, kind: str, composer: Composer) -> None:
    """Have `composer` write the messages of `kind` at send time."""
    app.extensions.setdefault(EXTENSION, {})[kind] = composer


def composer_for(kind: str) -> Composer | None:
    """The composer of `kind`, or None: such messages were written when queued."""
    return current_app.extensions.get(EXTENSION, {}).get(kind)
