"""Daily reminders: deadlines coming and rounds closing, each sent once.

Run by the consumer (``flask jobs worker``) every day at ``NOTIFY_REMIND_HOUR`` in the
product's time zone, or by hand with ``flask notifications remind [--dry-run]``. Within
``NOTIFY_REMIND_DAYS`` days of:

* a campaign's registration deadline — the officers of units in its subtree that have
  drafts or have registered nothing yet;
* a returned exemplar's supplement deadline (the day it was returned plus
  ``SUPPLEMENT_DAYS``) — the officers of its unit;
* the day an open round is planned to close (``Round.closes_on``) — the members who
  still have exemplars to vote on, with their count.

Every reminder has a key (what, which deadline, whom); a key in ``sent_reminders`` is
never sent again, so a second run the same day, or the next day, sends nothing new.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select

from ..auth.models import RoleAssignment, User
from ..campaigns.models import Campaign
from ..db import utcnow
from ..domain.enums import CampaignStatus, Role
from ..domain.workflow import Action, State
from ..extensions import db
from ..registry.models import Exemplar, History
from ..units.models import Unit
from .delivery import Recipients, deliver, officers_by_unit, round_items
from .kinds import Message
from .messages import Item
from .models import SentReminder

log = logging.getLogger(__name__)


@dataclass
class Due:
    key: str
    user_id: int
    item: Item


def today(app: Flask) -> date:
    zone = ZoneInfo(app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")
    return utcnow().astimezone(zone).date()


def _local_day(app: Flask, moment: datetime) -> date:
    zone = ZoneInfo(app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")
    return moment.astimezone(zone).date()


def registration_due(day: date, horizon: date) -> list[Due]:
    out: list[Due] = []
    campaigns = db.session.scalars(
        select(Campaign).where(
            Campaign.status == CampaignStatus.REGISTRATION.value,
            Campaign.registration_closes.is_not(None),
            Campaign.registration_closes >= day,
            Campaign.registration_closes <= horizon,
        )
    ).all()
    for campaign in campaigns:
        closes = campaign.registration_closes
        assert closes is not None
        root = db.session.get(Unit, campaign.unit_id)
        assert root is not None
        officers = db.session.execute(
            select(RoleAssignment.user_id, Unit)
            .join(Unit, Unit.id == RoleAssignment.unit_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(
                RoleAssignment.role == Role.UNIT_OFFICER.value,
                Unit.path.startswith(root.path),
                User.active.is_(True),
            )
        ).all()
        for user_id, unit in officers:
            in_unit = Exemplar.unit_id.in_(
                select(Unit.id).where(Unit.path.startswith(unit.path))
            )
            drafts, registered = db.session.execute(
                select(
                    func.count(Exemplar.id).filter(Exemplar.state == State.DRAFT.value),
                    func.count(Exemplar.id).filter(Exemplar.state != State.DRAFT.value),
                ).where(Exemplar.campaign_id == campaign.id, in_unit)
            ).one()
            if not drafts and registered:
                continue
            out.append(
                Due(
                    f"registration:{campaign.id}:{closes.isoformat()}:{unit.id}:{user_id}",
                    user_id,
                    Item(
                        Message.REGISTRATION_DEADLINE,
                        {
                            "campaign": campaign.name,
                            "day": closes.isoformat(),
                            "unit": unit.name,
                            "drafts": drafts,
                        },
                        "registry.index",
                        {"campaign": campaign.id},
                    ),
                )
            )
    return out


def supplement_deadline(app: Flask, returned_at: datetime) -> date:
    """The last day to supplement: the day of the return plus ``SUPPLEMENT_DAYS``."""
    return _local_day(app, returned_at) + timedelta(
        days=int(app.config["SUPPLEMENT_DAYS"])
    )


def supplement_due(app: Flask, day: date, horizon: date) -> list[Due]:
    last_return = (
        select(History.exemplar_id, func.max(History.id).label("history_id"))
        .where(History.action == Action.RETURN_FOR_SUPPLEMENT.value)
        .group_by(History.exemplar_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Exemplar, History)
        .join(last_return, last_return.c.exemplar_id == Exemplar.id)
        .join(History, History.id == last_return.c.history_id)
        .where(Exemplar.state == State.RETURNED.value)
    ).all()
    due = [
        (e, h, supplement_deadline(app, h.at))
        for e, h in rows
        if day <= supplement_deadline(app, h.at) <= horizon
    ]
    officers = officers_by_unit(e.unit for e, _h, _d in due)
    out: list[Due] = []
    for exemplar, history, deadline in due:
        for user_id in officers.get(exemplar.unit_id, ()):
            out.append(
                Due(
                    f"supplement:{exemplar.id}:{history.id}:{user_id}",
                    user_id,
                    Item(
                        Message.SUPPLEMENT_DEADLINE,
                        {"name": exemplar.name, "day": deadline.isoformat()},
                        "registry.detail",
                        {"exemplar_id": exemplar.id},
                    ),
                )
            )
    return out


def rounds_due(day: date, horizon: date) -> list[Due]:
    from ..appraisal.models import Round

    out: list[Due] = []
    for rnd_id, closes_on in db.session.execute(
        select(Round.id, Round.closes_on).where(
            Round.closed_at.is_(None),
            Round.closes_on.is_not(None),
            Round.closes_on >= day,
            Round.closes_on <= horizon,
        )
    ):
        assert closes_on is not None  # filtered by the query
        items = round_items(
            [rnd_id], Message.ROUND_CLOSING, closes_on, only_with_todo=True
        )
        for user_id, user_items in items.items():
            for item in user_items:
                out.append(
                    Due(
                        f"round:{rnd_id}:{closes_on.isoformat()}:{user_id}",
                        user_id,
                        item,
                    )
                )
    return out


def find_due(app: Flask) -> list[Due]:
    """Every reminder due today and not yet sent."""
    day = today(app)
    horizon = day + timedelta(days=int(app.config["NOTIFY_REMIND_DAYS"]))
    due = [
        *registration_due(day, horizon),
        *supplement_due(app, day, horizon),
        *rounds_due(day, horizon),
    ]
    if not due:
        return []
    sent: set[str] = set()
    keys = [d.key for d in due]
    for start in range(0, len(keys), 500):
        sent.update(
            db.session.scalars(
                select(SentReminder.key).where(
                    SentReminder.key.in_(keys[start : start + 500])
                )
            )
        )
    return [d for d in due if d.key not in sent]


def run(app: Flask, *, dry_run: bool = False) -> list[Due]:
    """Send what is due (one message per person: a digest when several) and record
    it; with ``dry_run`` only say what would be sent. The caller commits."""
    due = find_due(app)
    if dry_run or not due:
        log.info("reminders: %d due%s", len(due), " (dry run)" if dry_run else "")
        return due
    recipients: Recipients = defaultdict(list)
    now = utcnow()
    for d in due:
        recipients[d.user_id].append(d.item)
        db.session.add(SentReminder(key=d.key, sent_at=now))
    deliver(app, recipients)
    log.info("reminders: %d sent to %d people", len(due), len(recipients))
    return due
