"""A CSV file written by the database (the cell rules of :mod:`.spreadsheets_sql`):
:class:`CsvExport` builds its statement, :class:`CsvQuery` runs it.

A query holds only what the database driver is handed (the SQL text and its
parameters, processed as SQLAlchemy would) and the time zone, so it can be sent to
another process: a reader started there writes its part of a large file with a
connection of its own, with no application, request or session to set up
(:mod:`.showcase.opendata` writes the full open-data file that way)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, LargeBinary, cast, create_engine, func, literal
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.selectable import Select

from . import spreadsheets
from .db import configure_engine, transaction_intent
from .spreadsheets import CHUNK
from .spreadsheets_sql import (
    BATCH,
    SEP,
    SEP_TO_COMMA,
    Column,
    csv_quoted,
    fixed_offset_span,
    pg_cell,
    python_cell,
    sqlite_cell,
    xml_bytes,
)


class CsvExport:
    """The file's bytes in chunks of about 64 KiB (BOM and header first, unless
    ``header`` is None: a later part of a file written in parts); ``rows`` is the
    number of rows written, once they all are."""

    def __init__(
        self,
        engine: Engine,
        header: Sequence[str] | None,
        stmt: Select,
        cols: list[Column],
    ):
        self.engine, self.header, self.stmt, self.cols = engine, header, stmt, cols
        self.tz = spreadsheets.local_tz()
        self.rows = 0

    def part(self, *conditions: Any, header: bool = False) -> CsvExport:
        """The rows of this file that meet ``conditions``, with the header or not,
        as an export of its own (for a file written by several readers at once)."""
        return CsvExport(
            self.engine,
            self.header if header else None,
            self.stmt.where(*conditions),
            self.cols,
        )

    def query(self) -> CsvQuery:
        """The statement as the driver runs it, with what writing its rows needs."""
        if self.engine.dialect.name == "postgresql":
            cells = [pg_cell(c, self.tz) for c in self.cols]
            stmt = self.stmt.with_only_columns(*cells)
        else:
            span = fixed_offset_span(self.tz.key)
            fmt: list[str] = []
            args: list[Any] = []
            for col in self.cols:
                piece, values = sqlite_cell(col, self.tz, span)
                fmt.append(piece)
                args += values
            # One string built at once (each || would copy the line so far); the
            # format as bytes, for its separators. As bytes back (CAST AS BLOB): no
            # str made per row, no encoding back.
            sep = SEP.decode("latin-1")
            fmt_bytes = literal(sep.join(fmt).encode("latin-1"), LargeBinary)
            line = func.printf(fmt_bytes, *args)
            stmt = self.stmt.with_only_columns(cast(line, LargeBinary))
        dialect = self.engine.dialect
        compiled = stmt.compile(dialect=dialect)
        state = compiled.construct_expanded_state()
        # Each value as its type hands it to the driver (an aware datetime as
        # SQLite's stored text, say), as executing the statement would.
        processors = {
            compiled.escaped_bind_names.get(name, name): process
            for name, bind in compiled.binds.items()
            if (process := bind.type.dialect_impl(dialect).bind_processor(dialect))
        }
        processors.update(state.processors)  # the items of expanded IN lists
        params = {
            name: _picklable(processors[name](value) if name in processors else value)
            for name, value in state.parameters.items()
        }
        if state.positiontup is not None:
            driver_params: Any = tuple(params[name] for name in state.positiontup)
        else:
            driver_params = params
        return CsvQuery(
            self.engine.dialect.name,
            state.statement,
            driver_params,
            self.tz.key,
            list(self.header) if self.header is not None else None,
        )

    def __iter__(self) -> Iterator[bytes]:
        query = self.query()
        try:
            yield from query.run(self.engine)
        finally:
            self.rows = query.rows


def _picklable(value: Any) -> Any:
    """A driver's binary wrapper as the bytes it holds (taken alike)."""
    return value.tobytes() if isinstance(value, memoryview) else value


@dataclass(frozen=True)
class Database:
    """How a reader in another process connects to the app's database: its address,
    SQLite's busy timeout and the driver's connection arguments, as the app's engine
    has them. Picklable."""

    url: str
    busy_timeout_ms: int
    connect_args: dict[str, Any]

    @classmethod
    def of(cls, engine: Engine, config: Mapping[str, Any]) -> Database:
        options = config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
        return cls(
            engine.url.render_as_string(hide_password=False),
            int(config["SQLITE_BUSY_TIMEOUT_MS"]),
            dict(options.get("connect_args") or {}),
        )

    def engine(self) -> Engine:
        """An engine of one connection at a time, configured as the app's."""
        engine = create_engine(
            self.url, poolclass=NullPool, connect_args=self.connect_args
        )
        configure_engine(engine, busy_timeout_ms=self.busy_timeout_ms)
        return engine


@dataclass
class CsvQuery:
    """One file's (or part's) statement as its driver runs it, and what writing its
    rows needs; ``rows`` counts the rows written so far. Picklable: a reader in
    another process runs it on ``Database.engine()``."""

    dialect: str
    sql: str
    params: Any
    zone: str
    header: list[str] | None
    rows: int = 0

    def run(self, engine: Engine) -> Iterator[bytes]:
        """The bytes, read on a connection of ``engine`` (in a read-only transaction)."""
        if self.header is not None:
            yield "".join(spreadsheets.csv_chunks(self.header, [])).encode()
        # Read-only: a deferred transaction on SQLite (see showcase.exports.stream_rows).
        with transaction_intent(write=False), engine.connect() as conn:
            conn.begin()  # as a reader: BEGIN (deferred) on SQLite
            raw = conn.connection.driver_connection
            assert raw is not None
            if self.dialect == "postgresql":
                yield from self._postgresql(raw)
            else:
                yield from self._sqlite(raw)
            conn.rollback()

    def _postgresql(self, raw: Any) -> Iterator[bytes]:
        with raw.cursor() as cur:
            # Floats as their shortest exact text (as Python's repr).
            cur.execute("SET LOCAL extra_float_digits = 1")
            cur.execute("SET LOCAL DateStyle = 'ISO, YMD'")
            copy_sql = f"COPY ({self.sql}) TO STDOUT (FORMAT csv)"
            with cur.copy(copy_sql, self.params) as copy:
                rows: list[Any] = []
                size = 0
                for row in copy:  # one row per message (the protocol says so)
                    rows.append(row[:-1])
                    size += len(row)
                    if size > CHUNK:
                        yield self._crlf(rows)
                        rows, size = [], 0
                yield self._crlf(rows)

    def _crlf(self, rows: list[Any]) -> bytes:
        self.rows += len(rows)
        data = b"\r\n".join(rows) + b"\r\n" if rows else b""
        return xml_bytes(data)

    def _sqlite(self, raw: Any) -> Iterator[bytes]:
        cell = python_cell(ZoneInfo(self.zone))

        def timestamp(value: str) -> str:
            return cell(datetime.fromisoformat(value).replace(tzinfo=UTC))

        raw.create_function("dankheo_csv_cell", 1, cell, deterministic=True)
        raw.create_function("dankheo_csv_time", 1, timestamp, deterministic=True)
        cursor = raw.cursor()  # the driver's: no row objects
        try:
            cursor.execute(self.sql, self.params)
            while batch := cursor.fetchmany(BATCH):
                self.rows += len(batch)
                lines = [row for (row,) in batch]
                data = b"\r\n".join(lines) + b"\r\n"
                n = len(lines)
                if (
                    b"," in data
                    or b'"' in data
                    or data.count(b"\n") != n
                    or data.count(b"\r") != n
                ):
                    data = b"\r\n".join(map(csv_quoted, lines)) + b"\r\n"
                yield xml_bytes(data, SEP_TO_COMMA)  # one pass for both
        finally:
            cursor.close()
