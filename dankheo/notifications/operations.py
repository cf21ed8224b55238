"""Reading the inbox and choosing how to be told. Flushes, never commits."""

from __future__ import annotations

import logging

from sqlalchemy import update

from ..auth.models import User
from ..db import utcnow
from ..domain import N_
from ..errors import InvalidInput, NotFound
from ..extensions import db
from .kinds import LANGUAGES, Channel, NotificationKind
from .models import Notification, NotificationPreference

log = logging.getLogger(__name__)


def mark_read(user: User, notification_id: int) -> None:
    """Mark one of the user's own notifications read (someone else's is not found)."""
    n = db.session.get(Notification, notification_id)
    if n is None or n.user_id != user.id:
        raise NotFound()
    if n.read_at is None:
        n.read_at = utcnow()
        db.session.flush()
        log.info("notification %s read by user %s", n.id, user.id)


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount or 0  # type: ignore[attr-defined]
    log.info("%d notifications read by user %s", count, user.id)
    return count


def save_preferences(user: User, channels: dict[str, str], language: str) -> None:
    """Store the user's channel per kind of notification and the language of their
    mail; every kind must be given a known channel."""
    if language not in LANGUAGES:
        raise InvalidInput(N_("Ngôn ngữ không hợp lệ."), field="language")
    existing = {
        p.kind: p
        for p in db.session.scalars(
            db.select(NotificationPreference).where(
                NotificationPreference.user_id == user.id
            )
        )
    }
    for kind in NotificationKind:
        channel = channels.get(kind.value)
        if channel not in Channel.values():
            raise InvalidInput(field=kind.value)
        if kind.value in existing:
            existing[kind.value].channel = channel
        else:
            db.session.add(
                NotificationPreference(
                    user_id=user.id, kind=kind.value, channel=channel
                )
            )
    user.language = language
    db.session.flush()
    log.info("notification preferences of user %s saved", user.id)
