"""The history chain: every new ``History`` row is chained as it is inserted (the
listener is attached by :func:`dankheo.audit.recording.install`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import object_session

from ..registry.models import History
from . import chain


def chain_history(_mapper: Any, connection: Any, target: History) -> None:
    """Give the new history records of this flush their ids, positions and hashes
    before they are inserted: all of them at the first one's turn, in the order they
    were added, with one read and one move of the chain head (the head stays locked
    until the transaction ends, so nothing can slip in between)."""
    if target.hash is not None:
        return  # chained with the first record of its flush
    session = object_session(target)
    info = session.info if session is not None else {}
    pending = [target]
    if session is not None:
        pending += [
            obj
            for obj in session.new
            if isinstance(obj, History) and obj is not target and obj.hash is None
        ]
        pending.sort(key=lambda obj: inspect(obj).insert_order)
    for record_obj in pending:
        _fill_defaults(record_obj)
    missing = [obj for obj in pending if obj.id is None]
    if missing:
        ids = chain.next_ids(
            connection, "history", len(missing), after=info.get("history_last_id", 0)
        )
        for obj, new_id in zip(missing, ids, strict=True):
            obj.id = new_id
        info["history_last_id"] = max(ids)
    records = [{f: getattr(obj, f) for f in chain.HISTORY.fields} for obj in pending]
    chain.append(connection, chain.HISTORY, records)
    for obj, record in zip(pending, records, strict=True):
        obj.chain_seq = record["chain_seq"]
        obj.prev_hash = record["prev_hash"]
        obj.hash = record["hash"]


def _fill_defaults(target: History) -> None:
    """The column defaults, set now so that the hash covers them."""
    for column in History.__table__.columns:
        if getattr(target, column.key) is None and column.default is not None:
            default = column.default
            if getattr(default, "is_callable", False):
                setattr(target, column.key, default.arg(None))
            elif getattr(default, "is_scalar", False):
                setattr(target, column.key, default.arg)
