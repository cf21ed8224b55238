"""What the inbox and the header read."""

from __future__ import annotations

from flask import g
from flask_login import current_user
from sqlalchemy import Select, func, select

from ..extensions import db
from .kinds import DEFAULT_CHANNEL, NotificationKind
from .models import Notification, NotificationPreference


def unread_count() -> int:
    """The signed-in person's unread notifications: one indexed count per page, asked
    once per request (the header's bell)."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = (
            db.session.scalar(
                select(func.count(Notification.id)).where(
                    Notification.user_id == current_user.id,
                    Notification.read_at.is_(None),
                )
            )
            or 0
        )
    return g.unread_notifications


def inbox(user_id: int) -> Select:
    """A person's notifications, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.id.desc())
    )


def channels_of(user_id: int) -> dict[str, str]:
    """kind -> channel for every kind, the default where the person chose nothing."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.channel).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )
    return {
        k.value: chosen.get(k.value, DEFAULT_CHANNEL.value) for k in NotificationKind
    }
