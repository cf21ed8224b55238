"""The one order in which writers lock the rows they share.

Every operation that changes an exemplar's state, or the votes and return marks on it,
takes its locks in this order, may skip a step, and never goes back to an earlier one:

1. **the open round** — the round row of the council. A vote and a close take it with
   their guarded ``UPDATE … WHERE closed_at IS NULL`` (:mod:`dankheo.appraisal.voting`,
   :mod:`dankheo.appraisal.closing`); marking or unmarking a return with
   :func:`lock_rows` and the same condition.
2. **the exemplar rows** — ``SELECT … FOR NO KEY UPDATE`` in id order, read afresh
   (:func:`lock_ids`); the state and stage are checked again under this lock, so no
   decision is taken on what another transaction has just changed. A close locks its
   whole queue here, before its first transition; submitting, resubmitting,
   withdrawing, commending and marking replication start here (they write no round).
3. **votes, scores, return marks, stage results** — plain writes, made safe by 1 and 2:
   a withdrawal discards votes while it holds the exemplar, and a vote checks the
   exemplar is still submitted at the round's stage while it holds it.
4. **the chain heads** — :func:`dankheo.audit.chain.lock_heads`, taken when a history
   record is flushed (by :func:`dankheo.registry.operations.transition`) and again by
   the audit log at commit (``audit`` before ``history``). A transaction that holds a
   chain head therefore never waits for a round or an exemplar.

An objection's row (:mod:`dankheo.objections.operations`) is locked before step 2:
confirming, reviewing and deciding one lock it first, and a decision may then withdraw
its entry (which starts at step 2); nothing locks an objection after an exemplar.

The summary counts (:mod:`dankheo.tallies`) are no step of this order: on PostgreSQL
their triggers only insert rows, and lock no row another writer could hold.

With one order there is no cycle, hence no deadlock among these operations. The
guarded ``UPDATE … WHERE state AND version`` of ``transition`` stays as the last word,
and is the only one on SQLite, where ``FOR UPDATE`` is ignored and ``BEGIN IMMEDIATE``
serialises writers anyway. A failure of the database itself (a deadlock with some other
writer, a serialisation failure) the request lifecycle runs again once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, inspect, select
from sqlalchemy.orm import InstrumentedAttribute

from .extensions import db

T = TypeVar("T")

#: Rows per IN (...) list, well under every backend's parameter limit.
CHUNK = 500


def lock_rows(
    model: type[T], *where: ColumnElement[bool], options: Sequence[Any] = ()
) -> list[T]:
    """Lock the rows of ``model`` matching ``where`` until commit, in primary-key
    order, and read them afresh (objects already loaded are refreshed in place).

    On PostgreSQL a row another transaction holds is waited for and then checked
    against ``where`` again, so a row that no longer matches is neither locked nor
    returned. ``FOR NO KEY UPDATE`` does not block inserts that merely refer to the row.
    """
    pk: InstrumentedAttribute[Any] = getattr(model, inspect(model).primary_key[0].key)
    return list(
        db.session.scalars(
            select(model)
            .where(*where)
            .order_by(pk)
            .options(*options)
            .with_for_update(of=model, key_share=True)
            .execution_options(populate_existing=True)
        )
    )


def lock_ids(
    model: type[T],
    ids: Iterable[int],
    *where: ColumnElement[bool],
    options: Sequence[Any] = (),
) -> list[T]:
    """:func:`lock_rows` for the rows with these primary keys (in chunks, ascending)."""
    pk: InstrumentedAttribute[Any] = getattr(model, inspect(model).primary_key[0].key)
    wanted = sorted(set(ids))
    rows: list[T] = []
    for i in range(0, len(wanted), CHUNK):
        rows += lock_rows(model, pk.in_(wanted[i : i + CHUNK]), *where, options=options)
    return rows
