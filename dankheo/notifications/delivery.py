"""From events to people: who is told, through which channel, in which words.

:func:`resolve` turns the events of one committed transaction into items per
recipient (the registering unit's officers for an exemplar, the council's members for a
round); :func:`deliver` applies each person's choices, writes one inbox row per person
and queues one mail per person — a digest when there is more than one item — in the
recipient's language with absolute links. It runs in the job queue, never in a request.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import Flask, url_for
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import clock
from ..auth.models import RoleAssignment, User
from ..domain.enums import Role
from ..domain.workflow import Action
from ..extensions import db
from ..outbox import absolute_url, compose, send_after_commit
from ..registry.models import Exemplar, History
from . import mail as mailer
from .kinds import DEFAULT_CHANNEL, Channel, Message
from .messages import Item, body, combine, title
from .models import Notification, NotificationPreference

log = logging.getLogger(__name__)

Recipients = dict[int, list[Item]]

ACTION_MESSAGES = {
    Action.RETURN_FOR_SUPPLEMENT.value: Message.RETURNED,
    Action.PASS_STAGE.value: Message.PASSED,
    Action.RECOMMEND.value: Message.RECOMMENDED,
    Action.REJECT.value: Message.REJECTED,
}


# --- who --------------------------------------------------------------------------


def officers_by_unit(
    units: Iterable[Any], role: Role = Role.UNIT_OFFICER
) -> dict[int, list[int]]:
    """unit id -> ids of the active holders of ``role`` (unit officers, who follow its
    exemplars, unless told otherwise) over the unit or one of its ancestors (one
    query)."""
    units = list({u.id: u for u in units}.values())
    ancestors = {u.id: u.ancestor_ids() for u in units}
    wanted = {a for ids in ancestors.values() for a in ids}
    if not wanted:
        return {}
    holders: dict[int, set[int]] = defaultdict(set)
    for unit_id, user_id in db.session.execute(
        select(RoleAssignment.unit_id, RoleAssignment.user_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == role.value,
            RoleAssignment.unit_id.in_(wanted),
            User.active.is_(True),
        )
    ):
        holders[unit_id].add(user_id)
    return {
        uid: sorted({h for a in ids for h in holders.get(a, ())})
        for uid, ids in ancestors.items()
    }


def _exemplar_items(history_ids: list[int], commendation_ids: list[int]) -> Recipients:
    from ..appraisal.models import Commendation

    out: Recipients = defaultdict(list)
    rows = []
    if history_ids:
        for h in db.session.scalars(
            select(History)
            .options(
                joinedload(History.exemplar).joinedload(Exemplar.unit),
                joinedload(History.stage),
            )
            .where(History.id.in_(history_ids))
            .order_by(History.id)
        ):
            message = ACTION_MESSAGES[h.action]
            data: dict[str, Any] = {"name": h.exemplar.name}
            if message in (Message.PASSED, Message.RECOMMENDED):
                data["label"] = h.note or (h.stage.pass_label if h.stage else "")
            elif message == Message.RETURNED:
                data["note"] = h.note
            rows.append(
                (
                    h.exemplar,
                    Item(
                        message, data, "registry.detail", {"exemplar_id": h.exemplar_id}
                    ),
                )
            )
    if commendation_ids:
        for c in db.session.scalars(
            select(Commendation)
            .options(
                joinedload(Commendation.exemplar).joinedload(Exemplar.unit),
                joinedload(Commendation.form),
            )
            .where(Commendation.id.in_(commendation_ids))
        ):
            data = {
                "name": c.exemplar.name,
                "form": c.form.name,
                "number": c.decision_number,
                "day": c.decision_date.isoformat(),
                "body": c.issuing_body,
            }
            rows.append(
                (
                    c.exemplar,
                    Item(
                        Message.COMMENDED,
                        data,
                        "registry.detail",
                        {"exemplar_id": c.exemplar_id},
                    ),
                )
            )
    officers = officers_by_unit(e.unit for e, _i in rows)
    for exemplar, item in rows:
        for user_id in officers.get(exemplar.unit_id, ()):
            out[user_id].append(item)
    return out


def round_items(
    round_ids: list[int],
    message: Message,
    day: date | None = None,
    *,
    only_with_todo: bool = False,
) -> Recipients:
    """Each active member of the rounds' councils, with their to-do count (exemplars
    still to vote on in the round)."""
    from ..appraisal.models import Council, CouncilMember, Round
    from ..appraisal.queries import member_progress

    out: Recipients = defaultdict(list)
    if not round_ids:
        return out
    for rnd in db.session.scalars(
        select(Round)
        .options(
            joinedload(Round.council).joinedload(Council.unit),
            joinedload(Round.council)
            .selectinload(Council.members)
            .joinedload(CouncilMember.user)
            .joinedload(User.unit),
            joinedload(Round.council).joinedload(Council.stage),
            joinedload(Round.council).selectinload(Council.rounds),
        )
        .where(Round.id.in_(round_ids), Round.closed_at.is_(None))
    ):
        council = rnd.council
        for member in council.active_members:
            if not member.user.active:
                continue
            progress = member_progress(member)
            todo = max(progress.total - progress.done, 0)
            if only_with_todo and not todo:
                continue
            data: dict[str, Any] = {
                "council": council.name,
                "number": rnd.number,
                "todo": todo,
            }
            if day is not None:
                data["day"] = day.isoformat()
            out[member.user_id].append(
                Item(message, data, "appraisal.queue", {"council_id": council.id})
            )
    return out


def objection_items(objection_ids: list[int]) -> Recipients:
    """The secretariat over each received objection's entry (never who objected)."""
    from ..objections.models import Objection

    out: Recipients = defaultdict(list)
    if not objection_ids:
        return out
    rows = list(
        db.session.scalars(
            select(Objection)
            .options(
                joinedload(Objection.exemplar).joinedload(Exemplar.unit),
                joinedload(Objection.issued_list),
            )
            .where(Objection.id.in_(objection_ids))
        )
    )
    secretariats = officers_by_unit((o.exemplar.unit for o in rows), Role.SECRETARIAT)
    for o in rows:
        day = o.received_at or o.lodged_at
        item = Item(
            Message.OBJECTION,
            {
                "name": o.exemplar.name,
                "list": o.issued_list.title,
                "day": clock.local_date(day).isoformat(),
            },
            "objection_queue.show",
            {"objection_id": o.id},
        )
        for user_id in secretariats.get(o.exemplar.unit_id, ()):
            out[user_id].append(item)
    return out


def resolve(events: list[tuple[str, int]]) -> Recipients:
    """The items each person is to be told of, for the events of one transaction."""
    by_type: dict[str, list[int]] = defaultdict(list)
    for kind, ident in events:
        by_type[kind].append(ident)
    out: Recipients = defaultdict(list)
    for part in (
        _exemplar_items(by_type["history"], by_type["commendation"]),
        round_items(by_type["round"], Message.ROUND_OPENED),
        objection_items(by_type["objection"]),
    ):
        for user_id, items in part.items():
            out[user_id].extend(items)
    return out


# --- how ------------------------------------------------------------------------------


def preferences(user_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """user id -> {kind: channel} for the choices people made (others: the default)."""
    out: dict[int, dict[str, str]] = defaultdict(dict)
    ids = list(user_ids)
    if ids:
        for p in db.session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.user_id.in_(ids)
            )
        ):
            out[p.user_id][p.kind] = p.channel
    return out


def channel_for(prefs: dict[str, str], item: Item) -> Channel:
    return Channel(prefs.get(item.kind.value, DEFAULT_CHANNEL.value))


def deliver(app: Flask, recipients: Recipients) -> tuple[int, int]:
    """Write the inbox rows and queue the mails for ``recipients``; the caller commits
    (the mails leave only after that commit). Returns (inbox rows, mails)."""
    if not recipients:
        return 0, 0
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User)
            .options(selectinload(User.roles))
            .where(User.id.in_(list(recipients)), User.active.is_(True))
        )
    }
    prefs = preferences(users)
    mail_on = mailer.enabled(app)
    rows = mails = 0
    for user_id, items in recipients.items():
        user = users.get(user_id)
        if user is None:
            continue
        chosen = [(i, channel_for(prefs.get(user_id, {}), i)) for i in items]
        inbox = [i for i, c in chosen if c != Channel.NONE]
        by_mail = [i for i, c in chosen if c == Channel.EMAIL]
        if inbox:
            item = combine(inbox)
            db.session.add(
                Notification(
                    user_id=user_id,
                    message=item.message.value,
                    data=item.data,
                    link=url_for(item.endpoint, **item.values),
                )
            )
            rows += 1
        if by_mail and mail_on and user.email:
            item = combine(by_mail)
            with force_locale(user.language or "vi"):
                mail = compose(
                    user,
                    title(item.message.value, item.data),
                    body(item.message.value, item.data),
                    absolute_url(item.endpoint, **item.values),
                )
            send_after_commit(db.session(), mail)
            mails += 1
    db.session.flush()
    log.info("notifications: %d inbox rows, %d mails queued", rows, mails)
    return rows, mails
