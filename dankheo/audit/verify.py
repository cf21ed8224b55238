"""Walking the hash chains: the first broken link of each, or the counts when intact.

Verification reads the tables with plain SELECTs (never the ORM) in one read-only
transaction, in chain order, recomputing every hash (see :mod:`.chain`). What it finds:

- a record whose content changed: its recomputed hash differs from the stored one;
- a record removed from the middle: the positions jump (3 then 5);
- records reordered (positions or ids swapped): the hash covers both, so it differs;
- a record whose ``prev_hash`` does not name the record before it;
- the newest records removed: the chain is shorter than its head says.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ..db import transaction_intent
from ..domain import N_
from . import chain
from .chain import GENESIS, ChainSpec


@dataclass(frozen=True)
class Break:
    """The first broken link of a chain."""

    chain: str
    table: str
    record_id: int | None
    seq: int | None
    #: A Vietnamese sentence (marked for translation) and its values.
    message: str
    values: dict

    def describe(self) -> str:
        text = self.message % self.values if self.values else self.message
        where = f"bảng {self.table}"
        if self.record_id is not None:
            where += f", bản ghi mã {self.record_id} (vị trí {self.seq})"
        return f"{where}: {text}"


@dataclass(frozen=True)
class ChainReport:
    chain: str
    table: str
    length: int
    head_hash: str
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def _table(spec: ChainSpec):
    from ..extensions import db

    return db.metadata.tables[spec.table]


def verify_chain(conn: Connection, spec: ChainSpec) -> ChainReport:
    """Walk one chain from its first record to its head."""
    from .models import ChainHead

    table = _table(spec)
    seq_col = table.c[spec.seq_column]
    heads = ChainHead.__table__
    head = conn.execute(
        select(heads.c.length, heads.c.hash).where(heads.c.name == spec.name)
    ).first()
    expected_seq, prev, count = 1, GENESIS, 0

    def broken(row, message: str, **values) -> ChainReport:
        return ChainReport(
            spec.name,
            spec.table,
            count,
            prev,
            Break(
                spec.name,
                spec.table,
                row.id if row is not None else None,
                getattr(row, spec.seq_column) if row is not None else None,
                message,
                values,
            ),
        )

    rows = conn.execution_options(yield_per=1000).execute(
        select(table).order_by(seq_col, table.c.id)
    )
    for row in rows:
        seq = getattr(row, spec.seq_column)
        if seq is None or row.hash is None:
            return broken(row, N_("bản ghi chưa được đưa vào chuỗi mã băm."))
        if seq != expected_seq:
            return broken(
                row,
                N_(
                    "thiếu bản ghi: sau vị trí %(before)s là vị trí %(seq)s "
                    "(bản ghi bị xóa hoặc bị đổi vị trí)."
                ),
                before=expected_seq - 1,
                seq=seq,
            )
        if row.prev_hash != prev:
            return broken(
                row,
                N_(
                    "liên kết tới bản ghi trước không khớp (bản ghi bị chèn hoặc đổi chỗ)."
                ),
            )
        if chain.record_hash(spec, seq, prev, row._mapping) != row.hash:
            return broken(
                row,
                N_("nội dung bản ghi đã bị sửa (mã băm SHA-256 không khớp)."),
            )
        prev, expected_seq, count = row.hash, expected_seq + 1, count + 1
    head_length, head_hash = (head.length, head.hash) if head else (0, GENESIS)
    if (head_length, head_hash) != (count, prev):
        return broken(
            None,
            N_(
                "chuỗi có %(count)s bản ghi nhưng đầu chuỗi ghi %(head)s: "
                "bản ghi mới nhất đã bị xóa hoặc đầu chuỗi bị sửa."
            ),
            count=count,
            head=head_length,
        )
    return ChainReport(spec.name, spec.table, count, prev, None)


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction that sees one snapshot of every table."""
    with transaction_intent(write=False), engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def verify_all(engine: Engine) -> list[ChainReport]:
    """Every chain, in one snapshot."""
    with _reading(engine) as conn:
        return [verify_chain(conn, spec) for spec in chain.CHAINS.values()]
