"""The outbox package: the sender asks a kind's composer at send time, never drains inside a
web request, and depends on neither the web layer nor the notify package."""
from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

import tracker.outbox
from tracker.extensions import db
from tracker.models import MessageStatus, OutboxMessage
from tracker.notify.digest import compose_digests
from tracker.outbox import composers
from tracker.outbox.sender import drain_outbox


def queue(kind: str, count: int) -> None:
    db.session.add_all(OutboxMessage(kind=kind, recipient=f"{kind}{i}@so.gov.vn", subject="",
                                     body_text="", status=MessageStatus.PENDING.value)
                       for i in range(count))
    db.session.commit()


def test_the_sender_asks_each_kinds_composer_at_send_time(app):
    """Messages of a kind with a composer are written just before sending, in one call per
    batch; those it has nothing to say about are cancelled; other kinds go as queued. The
    digest's composer is the notify package's."""
    calls = []

    def compose(messages, users, today):
        calls.append(len(messages))
        for message in messages:
            message.subject = f"Viết lúc gửi, ngày {today:%d/%m/%Y}"
        return {messages[-1].id: "nothing to say"}

    composers.register(app, "bao_cao", compose)
    queue("bao_cao", 3)
    queue("test", 1)
    result = drain_outbox(datetime(2020, 9, 16, 1, tzinfo=UTC))
    assert calls == [3]
    assert (result.held, result.cancelled) == (3, 1)
    rows = db.session.execute(sa.select(OutboxMessage.kind, OutboxMessage.subject,
                                        OutboxMessage.status).order_by(OutboxMessage.id)).all()
    assert [tuple(row) for row in rows] == [
        ("bao_cao", "Viết lúc gửi, ngày 16/09/2020", "held"),
        ("bao_cao", "Viết lúc gửi, ngày 16/09/2020", "held"),
        ("bao_cao", "Viết lúc gửi, ngày 16/09/2020", "cancelled"),
        ("test", "", "held")]
    assert composers.composer_for("digest") is compose_digests
    assert composers.composer_for("password_reset") is None


def test_the_outbox_is_never_drained_inside_a_web_request(app):
    """A web request only queues: the sender refuses to run inside one (no SMTP conversation
    ever holds a request or its worker)."""
    queue("test", 1)
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="web request"):
        drain_outbox(datetime.now(UTC))
    assert db.session.scalar(sa.select(OutboxMessage.status)) == MessageStatus.PENDING.value


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    found |= {node.module for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and node.module}
    return found


def test_the_outbox_depends_on_neither_the_web_layer_nor_notify():
    """Links come from TRACKER_BASE_URL (outbox/links.py) and status labels from statuses.py:
    nothing in the outbox, nor the digest, imports tracker.web; the outbox knows no digest."""
    package = Path(tracker.outbox.__file__).parent
    digest = package.parent / "notify" / "digest.py"
    for path in [*package.glob("*.py"), digest]:
        imported = imports_of(path)
        assert "tracker.web" not in imported, path
        if path != digest:
            assert not {name for name in imported if name.startswith("tracker.notify")}, path
