"""The inbox, each person's choices, and the reminders already sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import Model
from ..models_base import check_in
from .kinds import Channel, Message, NotificationKind


class Notification(Model):
    """One line of a person's inbox: a message (or a digest of several) with the
    values to word it in the reader's language and the page it concerns."""

    __tablename__ = "notifications"
    __table_args__ = (
        check_in("message", [m.value for m in Message], "message"),
        # The header's unread count and the inbox, newest first: one index range.
        Index("ix_notifications_user_read", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.message} user={self.user_id}>"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(Model):
    """How one person wants to hear of one kind of notification."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", "kind"),
        check_in("kind", NotificationKind.values(), "kind"),
        check_in("channel", Channel.values(), "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))

    def __repr__(self) -> str:
        return f"<NotificationPreference {self.user_id} {self.kind}={self.channel}>"


class SentReminder(Model):
    """A reminder already sent, by a key naming what it reminded of and to whom, so the
    daily run never repeats it."""

    __tablename__ = "sent_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SentReminder {self.key}>"
