"""``transaction_intent``: a block says whether its transactions begin as writers, and
the intent in force before comes back however the block ends."""

from __future__ import annotations

import contextvars

import pytest
from sqlalchemy import create_engine, event

from dankheo.db import configure_sqlite, transaction_intent, write_intent


def test_the_block_sets_the_intent_and_restores_the_previous_one():
    before = write_intent.get()
    with transaction_intent(write=not before):
        assert write_intent.get() is (not before)
    assert write_intent.get() is before


def test_an_exception_restores_the_previous_intent():
    token = write_intent.set(True)
    try:
        with pytest.raises(RuntimeError), transaction_intent(write=False):
            assert write_intent.get() is False
            raise RuntimeError("the block fails")
        assert write_intent.get() is True
    finally:
        write_intent.reset(token)


def test_blocks_nest():
    with transaction_intent(write=False):
        with transaction_intent(write=True):
            assert write_intent.get() is True
            with transaction_intent(write=False):
                assert write_intent.get() is False
            assert write_intent.get() is True
        assert write_intent.get() is False


def test_a_generator_block_may_end_in_another_context():
    """A streamed download reads a generator after the view returned, in another
    context: its block ends there with nothing to restore, and no error."""

    def rows():
        with transaction_intent(write=False):
            yield write_intent.get()

    stream = rows()
    assert contextvars.copy_context().run(next, stream) is False
    contextvars.copy_context().run(stream.close)  # ends in another context
    assert write_intent.get() is True


def test_sqlite_begins_readers_deferred_and_writers_immediate(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'intent.sqlite3'}")
    configure_sqlite(engine, busy_timeout_ms=1000)
    begun: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            begun.append(statement)

    try:
        for write in (False, True):
            with transaction_intent(write=write), engine.begin() as conn:
                conn.exec_driver_sql("SELECT 1")
    finally:
        engine.dispose()
    assert begun == ["BEGIN", "BEGIN IMMEDIATE"]
