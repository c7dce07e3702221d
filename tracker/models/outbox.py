from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models._types import NFCString, NFCText, UTCDateTime, utcnow


class MessageKind(StrEnum):
    """What an e-mail is about; each but the digest is written from templates/email/<kind>."""

    DIGEST = "digest"   # the day's notices of one recipient (notify/sender.py writes it)
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"
    POSTPONEMENT_REQUESTED = "postponement_requested"
    POSTPONEMENT_DECIDED = "postponement_decided"
    WITHDRAWAL_REQUESTED = "withdrawal_requested"
    WITHDRAWAL_DECIDED = "withdrawal_decided"
    REINSTATED = "reinstated"


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    HELD = "held"            # not sent: no mail server configured
    CANCELLED = "cancelled"


class OutboxMessage(db.Model):
    """An e-mail, written in the same transaction as what caused it, sent afterwards."""

    __tablename__ = "outbox_message"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))  # a MessageKind
    # "digest:<day>:<recipient>" for the daily digest, so planning twice makes one e-mail.
    dedupe_key: so.Mapped[str | None] = so.mapped_column(sa.String(400), unique=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    recipient: so.Mapped[str] = so.mapped_column(sa.String(254))
    recipient_name: so.Mapped[str] = so.mapped_column(NFCString(200), default="")
    # Written by the app from templates, so stored as rendered (indentation kept).
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    body_html: so.Mapped[str | None] = so.mapped_column(sa.Text)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=MessageStatus.PENDING, index=True)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    # Temporary failures wait before the next try (exponential back-off).
    next_attempt_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_error: so.Mapped[str | None] = so.mapped_column(NFCText)
    # A sender claims a row before sending it (tracker/outbox/claims.py): its token, until
    # when. A claim past its time is free again, so a crashed sender's rows are sent by another.
    claim_token: so.Mapped[str | None] = so.mapped_column(sa.String(32), index=True)
    claimed_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # The Message-ID header, fixed before the first attempt, so a resend carries the same.
    message_id_header: so.Mapped[str | None] = so.mapped_column(sa.String(250))
