"""The feeds' HTTP answers, shared by the feed and public pages."""
from __future__ import annotations

from flask import Response

from tracker.feeds.atom import FeedInfo, build_atom
from tracker.feeds.service import tracker_host
from tracker.outbox.links import external_url_builder

ATOM_TYPE = "application/atom+xml; charset=utf-8"


def atom_response(info: FeedInfo, changes, **options) -> Response:
    """The Atom feed of `changes`: entry ids as tag: URIs on the tracker's host, entries
    linking to the item pages unless `item_url` says otherwise."""
    url = external_url_builder()
    host = tracker_host()
    body = build_atom(info, changes,
                      entry_id=lambda entry: f"tag:{host},2020:journal/{entry}",
                      item_url=options.pop("item_url", None)
                      or (lambda item: url("items.show", item_id=item)), **options)
    return Response(body, content_type=ATOM_TYPE)
