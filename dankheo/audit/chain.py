"""Hash chains over the history and the audit log (tamper evidence).

Scope: two chains, one per table — ``history`` (every state change of every exemplar)
and ``audit`` (every secretariat and administrator action). One chain per table keeps
verification a single ordered walk and makes "a record was removed" a plain gap; the
cost is that appends to a table are serialised, which is cheap because appends are rare
next to reads (a state change, an administrative act).

Each record carries its position ``seq`` (1, 2, 3 … without gaps; ``chain_seq`` in
``history``, the id itself in ``audit_log``), ``prev_hash`` (the hash of the record at
``seq - 1``, or 64 zeros for the first) and ``hash``::

    hash = SHA-256( UTF-8( canonical JSON of
        {"v": 1, "chain": <name>, "seq": <seq>, "prev": <prev_hash>,
         "record": {<field>: <value>, ...}} ) )

Canonical JSON: keys sorted, no spaces (separators ``,`` and ``:``), non-ASCII kept as
UTF-8, no NaN. Values: ``null``, booleans, integers, floats and strings as they are;
datetimes in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; dates as ``YYYY-MM-DD``; nested
JSON (the audit ``changes``) normalised the same way. The ``record`` fields are a fixed
list per chain (:data:`CHAINS`), so adding a column to a table later does not change
old hashes; extending the list is a new version ``v``. SQLite and PostgreSQL give the
same bytes, so a chain survives a move between them and any backup and restore.

Concurrency: the ``chain_heads`` table holds one row per chain with its length and last
hash. Appending reads the heads ``FOR UPDATE`` (PostgreSQL blocks a second writer until
the first commits; both heads are always locked in the same order, so the two chains
cannot deadlock each other), and moves the head with a conditional UPDATE whose row
count is checked (on SQLite, where writers are already serialised by ``BEGIN
IMMEDIATE``, this also catches a transaction that read a stale head). ``UNIQUE`` on the
position makes a fork impossible even then.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import RowMapping, Table, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from ..db import table_of
from ..domain import N_
from ..errors import Conflict

VERSION = 1
GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainSpec:
    """Where a chain lives and which fields its hash covers."""

    name: str
    table: str
    #: The column holding the position in the chain.
    seq_column: str
    #: The record's fields covered by the hash (besides position and previous hash).
    fields: tuple[str, ...]


HISTORY = ChainSpec(
    name="history",
    table="history",
    seq_column="chain_seq",
    fields=(
        "id",
        "exemplar_id",
        "actor_id",
        "at",
        "action",
        "from_state",
        "to_state",
        "stage_id",
        "note",
    ),
)
AUDIT = ChainSpec(
    name="audit",
    table="audit_log",
    seq_column="id",
    fields=(
        "id",
        "at",
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "unit_id",
        "unit_path",
        "exemplar_id",
        "changes",
    ),
)
#: Every chain, in the order their heads are locked.
CHAINS: dict[str, ChainSpec] = {c.name: c for c in (AUDIT, HISTORY)}


# --- the hash ----------------------------------------------------------------------

#: A record's values by column name: a dict when appending, a row when verifying.
Record = Mapping[str, Any] | RowMapping


def normalise(value: Any) -> Any:
    """A JSON value that reads the same from SQLite and PostgreSQL."""
    if (
        value is None
        or isinstance(value, bool | int | str)
        and not isinstance(value, Enum)
    ):
        return value
    if isinstance(value, Enum):
        return normalise(value.value)
    if isinstance(value, float):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    raise TypeError(f"cannot hash a {type(value).__name__}")


def canonical_bytes(spec: ChainSpec, seq: int, prev_hash: str, record: Record) -> bytes:
    """The exact bytes hashed for a record (see the module docstring)."""
    payload = {
        "v": VERSION,
        "chain": spec.name,
        "seq": seq,
        "prev": prev_hash,
        "record": {f: normalise(record.get(f)) for f in spec.fields},
    }
    return json.dumps(
        payload,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def record_hash(spec: ChainSpec, seq: int, prev_hash: str, record: Record) -> str:
    return hashlib.sha256(canonical_bytes(spec, seq, prev_hash, record)).hexdigest()


# --- appending ----------------------------------------------------------------------


@dataclass
class Head:
    length: int
    hash: str


def _heads_table() -> Table:
    from .models import ChainHead

    return table_of(ChainHead)


def lock_heads(conn: Connection) -> dict[str, Head]:
    """Every chain's head, locked until the transaction ends (created when missing)."""
    t = _heads_table()
    stmt = select(t.c.name, t.c.length, t.c.hash).order_by(t.c.name).with_for_update()
    heads = {r.name: Head(r.length, r.hash) for r in conn.execute(stmt)}
    missing = [name for name in sorted(CHAINS) if name not in heads]
    if missing:
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(
            insert(t)
            .values([{"name": n, "length": 0, "hash": GENESIS} for n in missing])
            .on_conflict_do_nothing(index_elements=["name"])
        )
        heads = {r.name: Head(r.length, r.hash) for r in conn.execute(stmt)}
    return heads


def move_head(conn: Connection, name: str, old: Head, new: Head) -> None:
    """Move the head from ``old`` to ``new``, or refuse if it moved meanwhile."""
    t = _heads_table()
    result = conn.execute(
        update(t)
        .where(t.c.name == name, t.c.length == old.length, t.c.hash == old.hash)
        .values(length=new.length, hash=new.hash)
    )
    if result.rowcount != 1:
        raise Conflict(N_("Hệ thống đang bận ghi nhật ký; vui lòng thử lại."))


def next_ids(conn: Connection, table: str, count: int, after: int = 0) -> list[int]:
    """``count`` fresh primary keys for ``table``, taken before the INSERT so that the
    hash can cover the id. PostgreSQL: from the table's sequence; SQLite (one writer at a
    time): above the largest id and above ``after`` (ids given earlier in this flush)."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"t": table, "n": count},
        )
        return sorted(int(r[0]) for r in rows)
    top = conn.execute(text(f'SELECT coalesce(max(id), 0) FROM "{table}"')).scalar()
    start = max(int(top or 0), after) + 1
    return list(range(start, start + count))


def append(
    conn: Connection, spec: ChainSpec, records: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Chain ``records`` (dicts holding at least ``spec.fields``, ids included) onto the
    chain's head, in order; fills position, ``prev_hash`` and ``hash`` in place."""
    if not records:
        return records
    heads = lock_heads(conn)
    old = heads[spec.name]
    length, prev = old.length, old.hash
    for record in records:
        length += 1
        if spec.seq_column == "id":
            record["id"] = length
        record[spec.seq_column] = length
        record["prev_hash"] = prev
        record["hash"] = prev = record_hash(spec, length, record["prev_hash"], record)
    move_head(conn, spec.name, old, Head(length, prev))
    return records
