"""The periodic compaction of the summary counts (PostgreSQL): every minute the
consumer folds the deltas the triggers wrote into the base rows, in a short transaction
of its own (see :func:`dankheo.tallies.compact`)."""

from __future__ import annotations

import logging

from flask import Flask
from huey import crontab

from ..extensions import db
from ..jobs import queue_for
from . import compact

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    huey = queue_for(app).huey

    @huey.periodic_task(crontab(minute="*"), name="dankheo.compact_tallies")
    def compact_tallies() -> int:
        return run(app)


def run(app: Flask) -> int:
    """One compaction in its own app context and transaction; the change rows folded."""
    with app.app_context(), db.engine.begin() as conn:
        folded = compact(conn)
    if folded:
        log.info("tallies: %s change(s) folded into the base counts", folded)
    return folded
