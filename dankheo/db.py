"""Declarative base, naming convention and the SQLite connection settings.

SQLite is the embedded default. Writers must start with ``BEGIN IMMEDIATE`` so that a
read-then-write transaction cannot lose an update or die with "database is locked"
half-way; plain reads (GET requests) start a deferred transaction so they never queue
behind writers. ``write_intent`` says which one the current context wants; a block of
code states its own with :func:`transaction_intent`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import DateTime, MetaData, Table, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: True when the transaction about to begin may write (the safe default).
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "write_intent", default=True
)


@contextmanager
def transaction_intent(*, write: bool) -> Iterator[None]:
    """Within the block, transactions begin as writers (``write=True``: ``BEGIN
    IMMEDIATE`` on SQLite) or as readers (``BEGIN``, no write lock until a write).

    Only a transaction that begins inside the block is affected: one already open keeps
    the kind it began as. The intent in force before is restored when the block ends,
    normally or by an exception, so blocks nest (a read that writes one step inside a
    ``write=True`` block of its own). A block in a generator may end in another
    context (a streamed response read after the view returned): there it has nothing
    to restore.
    """
    token = write_intent.set(write)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):  # ended in another context
            write_intent.reset(token)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The ``Table`` a declarative model is mapped to.

    SQLAlchemy types ``Model.__table__`` as a ``FromClause`` (a model may be mapped to
    any selectable); every model here is mapped to a plain table.
    """
    return cast(Table, model.__table__)


#: A replacement clock (demo data of earlier years); None means the real one.
_clock: contextvars.ContextVar[Callable[[], datetime] | None] = contextvars.ContextVar(
    "clock", default=None
)


def utcnow() -> datetime:
    """The current time in UTC; every timestamp the application writes comes from here."""
    clock = _clock.get()
    return clock() if clock is not None else datetime.now(UTC)


@contextmanager
def simulated_clock(start: datetime, tick: timedelta = timedelta(seconds=30)):
    """Within the block time starts at ``start`` and advances ``tick`` per reading.

    Only the demo uses it, so that a campaign of 2024 carries dates of 2024 and the data
    is the same on every run for a given seed.
    """
    state = {"now": start}

    def _read() -> datetime:
        state["now"] += tick
        return state["now"]

    token = _clock.set(_read)
    try:
        yield
    finally:
        _clock.reset(token)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both backends (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def configure_engine(engine: Engine, *, busy_timeout_ms: int) -> None:
    """What every engine of the app's database needs, by dialect (the app's own, and
    a reader process's: :mod:`dankheo.csv_export`)."""
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine, busy_timeout_ms)
    elif engine.dialect.name == "postgresql":
        configure_postgresql(engine)


def configure_postgresql(engine: Engine) -> None:
    """Every session in UTC, as the values are stored: SQL that takes a timestamp
    apart (``extract(year …)``, a cast to date) then reads it as Python does, whatever
    time zone the server or the database defaults to."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, busy timeout, and BEGIN IMMEDIATE for writers."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself (see the "begin" listener).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")
