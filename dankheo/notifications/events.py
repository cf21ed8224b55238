"""Events, seen from the session: no operation calls in here.

``after_flush`` notes the rows that mean something happened:

* a ``History`` row of a council's decision (returned, passed a stage, recommended,
  not recognised) — every state change goes through ``transition``, which adds one;
* a new ``Round`` (a council opened a session);
* a new ``Commendation``;
* an ``Objection`` received (lodged by a signed-in user, or its address confirmed):
  the secretariat over the entry's unit is told.

The notes stay on the session (``session.info``) and are handed to the job queue only
in ``after_commit``: a rolled-back transaction (or a rolled-back savepoint) tells
nobody anything. Outgoing mail queued with ``outbox.send_after_commit`` follows the same
path (:mod:`dankheo.outbox`). Enqueueing never breaks the transaction that already committed: a queue that is
down is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction

from ..domain.workflow import Action
from ..outbox import MAIL, savepoint_tag
from ..registry.models import History

log = logging.getLogger(__name__)

#: History actions that tell the registering unit something.
TOLD_ACTIONS = frozenset(
    {
        Action.RETURN_FOR_SUPPLEMENT.value,
        Action.PASS_STAGE.value,
        Action.RECOMMEND.value,
        Action.REJECT.value,
    }
)

EVENTS = "notify_events"

#: ``app.extensions`` key of the callable taking (events, mails) after a commit; each
#: application hands its sessions' notes to its own queue.
HANDOFF = "dankheo_notify_handoff"


def _pending(session: Session, name: str) -> list[tuple[Any, Any]]:
    return session.info.setdefault(name, [])


def _received(obj: Any, new: bool) -> bool:
    """An objection that this flush makes ``received`` (new, or confirmed: the
    attribute history still holds the change in ``after_flush``)."""
    from ..domain.objections import ObjectionState

    if obj.state != ObjectionState.RECEIVED:
        return False
    return new or bool(inspect(obj).attrs.state.history.added)


def _after_flush(session: Session, _context: Any) -> None:
    from ..appraisal.models import Commendation, Round
    from ..objections.models import Objection

    found: list[tuple[str, int]] = []
    for obj in session.new:
        if isinstance(obj, History) and obj.action in TOLD_ACTIONS:
            found.append(("history", obj.id))
        elif isinstance(obj, Round):
            found.append(("round", obj.id))
        elif isinstance(obj, Commendation):
            found.append(("commendation", obj.id))
    for objs, new in ((session.new, True), (session.dirty, False)):
        for obj in objs:
            if isinstance(obj, Objection) and _received(obj, new):
                found.append(("objection", obj.id))
    if found:
        tag = savepoint_tag(session)
        _pending(session, EVENTS).extend((tag, e) for e in found)


def _after_commit(session: Session) -> None:
    root = session.get_transaction()
    if root is not None and root.is_active:
        return  # a savepoint was released: the outer transaction may still roll back
    events = [e for _tag, e in session.info.pop(EVENTS, [])]
    mails = [m for _tag, m in session.info.pop(MAIL, [])]
    if not events and not mails:
        return
    handoff = current_app.extensions.get(HANDOFF) if has_app_context() else None
    if handoff is None:
        log.warning("no application to queue %d notification events", len(events))
        return
    try:
        handoff(events, mails)
    except Exception:  # the work is committed; a queue that is down must not undo it
        log.exception(
            "could not queue %d notification events and %d mails",
            len(events),
            len(mails),
        )


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(EVENTS, None)
    session.info.pop(MAIL, None)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        _forget(session)
        return
    gone = id(previous)
    for name in (EVENTS, MAIL):
        if name in session.info:
            session.info[name] = [(t, e) for t, e in session.info[name] if t != gone]


_installed: set[type] = set()


def install(session_class: type[Session]) -> None:
    if session_class in _installed:
        return
    _installed.add(session_class)
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "after_commit", _after_commit)
    event.listen(session_class, "after_rollback", _forget)
    event.listen(session_class, "after_soft_rollback", _after_soft_rollback)
