"""Notifications: in the app (an inbox with an unread count) and by email.

Events → notifications → delivery:

1. :mod:`.events` notes, from the session, what a transaction did (a council's
   decision in the history, a round opened, a commendation recorded) and hands the
   notes to the job queue only after the commit;
2. the ``dankheo.notify`` task (:mod:`.delivery`) finds the people concerned, applies
   their choices (email, inbox only, nothing), writes one inbox row and one mail per
   person — a digest when one transaction concerns them many times — in the
   recipient's language;
3. the ``dankheo.send_mail`` task sends each mail through SMTP, retried by Huey when the
   server refuses it for now.

Reminders (:mod:`.reminders`) run daily as a Huey periodic task in the consumer
(``flask jobs worker``), at ``NOTIFY_REMIND_HOUR`` in the product's time zone.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from huey import crontab
from sqlalchemy.orm import Session

from ..db import transaction_intent
from ..extensions import db
from . import events, mail

log = logging.getLogger(__name__)

EXTENSION = "dankheo_notifications"


def init_app(app: Flask) -> None:
    """Settings, the three tasks on the application's queue, the session listeners,
    the pages and the header's unread count."""
    from ..jobs import queue_for

    mail.configure(app, dict(os.environ))
    app.config.setdefault("NOTIFY_REMIND_DAYS", 3)
    app.config.setdefault("NOTIFY_REMIND_HOUR", 7)
    app.config.setdefault("SUPPLEMENT_DAYS", 15)
    app.config.setdefault("RESET_TOKEN_HOURS", 1)
    app.config.setdefault("EMAIL_TOKEN_HOURS", 24)
    app.config.setdefault("RATELIMIT_RESET", "5 per hour")
    app.config.setdefault("RATELIMIT_RESET_IP", "30 per hour")
    huey = queue_for(app).huey

    @huey.task(name="dankheo.notify")
    def notify(evts: list[list[Any]]) -> None:
        run_in_app(app, lambda: _notify(app, [(k, int(i)) for k, i in evts]))

    # In immediate mode (tests) a delayed retry would only be scheduled, never run.
    retry_delay = 0 if huey.immediate else int(app.config["MAIL_RETRY_DELAY"])

    @huey.task(
        name="dankheo.send_mail",
        retries=int(app.config["MAIL_RETRIES"]),
        retry_delay=retry_delay,
    )
    def send_mail(message: dict[str, Any]) -> None:
        mail.send(app, message)
        log.info("mail sent (%s)", message.get("lang") or "vi")

    @huey.periodic_task(_remind_schedule(app), name="dankheo.remind")
    def remind() -> None:
        from .reminders import run

        run_in_app(app, lambda: run(app))

    def handoff(evts: list[tuple[str, int]], mails: list[dict[str, Any]]) -> None:
        if evts:
            notify([list(e) for e in evts])
        if mails and mail.enabled(app):
            for message in mails:
                send_mail(message)

    app.extensions[events.HANDOFF] = handoff
    events.install(Session)
    app.extensions[EXTENSION] = {
        "notify": notify,
        "send_mail": send_mail,
        "remind": remind,
    }

    from .queries import unread_count
    from .views import bp

    app.register_blueprint(bp)
    app.add_template_global(unread_count, "unread_notifications")
    from .cli import notifications_cli

    app.cli.add_command(notifications_cli)


def _remind_schedule(app: Flask) -> Any:
    """Daily at ``NOTIFY_REMIND_HOUR`` in the product's zone; Huey's clock is UTC."""
    zone = ZoneInfo(app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")
    offset = datetime.now(zone).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset else 0
    hour = (int(app.config["NOTIFY_REMIND_HOUR"]) - hours) % 24
    return crontab(minute="0", hour=str(hour))


def run_in_app(app: Flask, work: Any) -> Any:
    """Run ``work`` in its own app context (its own session), as a job does, with a
    request context on ``BASE_URL`` so that links are absolute, and commit it."""
    base = app.config.get("BASE_URL") or None
    with (
        transaction_intent(write=True),
        app.app_context(),
        app.test_request_context("/", base_url=base),
    ):
        try:
            result = work()
            db.session.commit()
            return result
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def _notify(app: Flask, evts: list[tuple[str, int]]) -> None:
    from .delivery import deliver, resolve

    deliver(app, resolve(evts))
