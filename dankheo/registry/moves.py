"""State changes of exemplars, one or a whole batch (the close of a round decides
hundreds in one go): the only place the rule of a state change is applied.
:func:`dankheo.registry.operations.transition` is a batch of one.

The state machine allows each move, the row changes only if its state and version are
still those read (``UPDATE … WHERE (id, version) IN … AND state``), one history record
is appended per change, in the order given, and one line is logged per change. The
statements are per kind of move, not per exemplar, and the history records are chained
in one flush.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, tuple_, update

from ..auth.models import User
from ..campaigns.models import Stage
from ..db import utcnow
from ..domain.workflow import Action, IllegalTransition, State, advance
from ..errors import RuleRefused
from ..extensions import db
from .models import Exemplar, History
from .signals import exemplar_submitted

log = logging.getLogger(__name__)

#: Exemplars per UPDATE (three parameters each), well under every backend's limit.
CHUNK = 500


@dataclass(frozen=True)
class Move:
    """One exemplar's change: the action, the history note and (unless ``False``) the
    stage it is at afterwards."""

    exemplar: Exemplar
    action: str
    note: str = ""
    stage: Stage | None | Literal[False] = False


@dataclass(frozen=True)
class _Planned:
    move: Move
    id: int
    version: int
    stage_id: int | None
    from_state: State
    to_state: State


def transition_many(
    moves: Sequence[Move], *, actor: User | None, actor_kind: str | None = None
) -> dict[int, State]:
    """Apply ``moves``; returns the exemplars changed, each id with its new state.

    An exemplar another transaction changed first (its state or version is no longer
    the one read) is left alone and missing from the result (the single
    :func:`~dankheo.registry.operations.transition` makes that a ``Conflict``); a move
    the state machine does not allow is :class:`RuleRefused` for the whole batch,
    before anything is written. Every exemplar of ``moves`` is expired: the next read
    sees the row as it is now."""
    if not moves:
        return {}
    states: list[tuple[State, State]] = []
    for m in moves:
        from_state = State(m.exemplar.state)
        try:
            states.append((from_state, advance(from_state, m.action, actor_kind)))
        except IllegalTransition as exc:
            raise RuleRefused() from exc
    # Pending changes next: flushing an exemplar bumps its version, and the guard must
    # compare the version the row has.
    db.session.flush()
    planned = [
        _Planned(m, m.exemplar.id, m.exemplar.version, m.exemplar.stage_id, f, t)
        for m, (f, t) in zip(moves, states, strict=True)
    ]
    now = utcnow()
    groups: dict[tuple[str, State, State, Any], list[_Planned]] = {}
    for p in planned:
        target = p.move.stage
        stage_key = target if target is False else (target.id if target else None)
        groups.setdefault(
            (p.move.action, p.from_state, p.to_state, stage_key), []
        ).append(p)
    moved: dict[int, State] = {}
    for (action, from_state, to_state, stage_key), items in groups.items():
        values: dict[str, Any] = {
            "state": to_state.value,
            "version": Exemplar.version + 1,
            "updated_at": now,
        }
        if stage_key is not False:
            values["stage_id"] = stage_key
        if action in (Action.SUBMIT, Action.RESUBMIT):
            values["submitted_at"] = now
        if to_state == State.RECOMMENDED:
            values["published_at"] = func.coalesce(Exemplar.published_at, now)
        for i in range(0, len(items), CHUNK):
            chunk = items[i : i + CHUNK]
            changed = db.session.scalars(
                update(Exemplar)
                .where(
                    # The ids too: SQLite then finds the rows by primary key; with
                    # the pairs alone it reads every row in the from-state.
                    Exemplar.id.in_([p.id for p in chunk]),
                    tuple_(Exemplar.id, Exemplar.version).in_(
                        [(p.id, p.version) for p in chunk]
                    ),
                    Exemplar.state == from_state.value,
                )
                .values(**values)
                .returning(Exemplar.id)
                .execution_options(synchronize_session=False)
            )
            moved.update(dict.fromkeys(changed, to_state))
    # The actor is read only for a change: a move that lost its race reads no more.
    actor_id = actor.id if actor is not None and moved else None
    for p in planned:
        if p.id not in moved:
            continue
        target = p.move.stage
        history_stage = (
            p.stage_id if target is False else (target.id if target else None)
        )
        db.session.add(
            History(
                exemplar_id=p.id,
                actor_id=actor_id,
                at=now,
                action=Action(p.move.action).value,
                from_state=p.from_state.value,
                to_state=p.to_state.value,
                stage_id=history_stage
                if p.move.action != Action.PASS_STAGE
                else p.stage_id,
                note=p.move.note,
            )
        )
    db.session.flush()
    for p in planned:
        db.session.expire(p.move.exemplar)
        if p.id not in moved:
            continue
        if p.move.action in (Action.SUBMIT, Action.RESUBMIT):
            exemplar_submitted.send(p.move.exemplar, actor=actor)
        log.info(
            "exemplar %s %s -> %s by user %s",
            p.id,
            p.from_state.value,
            p.to_state.value,
            actor_id,
        )
    return moved
