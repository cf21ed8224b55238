"""Unconfirmed objections do not stay: once the mailed link has expired, the objection
(its address and text) and its evidence file are removed, hourly, by the consumer.

Safe at any time and on any instance: the rows are locked and chosen by their state and
expiry, a confirmation locks the same row and refuses an expired link, so a row is
either confirmed or purged, never both. The file goes only when the deletion commits.
"""

from __future__ import annotations

import logging

from flask import Flask
from huey import crontab

from ..db import utcnow
from ..domain.objections import ObjectionState
from ..extensions import db
from ..jobs import queue_for
from ..locking import lock_rows
from ..registry.uploads import delete_stored
from .models import Objection

log = logging.getLogger(__name__)


def purge_unconfirmed() -> int:
    """Delete the unconfirmed objections whose link has expired, with their evidence
    files; how many. Flushes, never commits."""
    expired = lock_rows(
        Objection,
        Objection.state == ObjectionState.UNVERIFIED,
        Objection.token_expires_at <= utcnow(),
    )
    for objection in expired:
        if objection.file_stored_name:
            delete_stored(objection.file_stored_name)
        db.session.delete(objection)
    db.session.flush()
    return len(expired)


def run(app: Flask) -> int:
    """One purge in its own app context and transaction."""
    with app.app_context():
        try:
            purged = purge_unconfirmed()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    if purged:
        log.info("objections: %s unconfirmed objection(s) purged", purged)
    return purged


def init_app(app: Flask) -> None:
    huey = queue_for(app).huey

    @huey.periodic_task(crontab(minute="23"), name="dankheo.purge_objections")
    def purge_objections() -> int:
        return run(app)
