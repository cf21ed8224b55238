"""The CSV rules of :mod:`dankheo.spreadsheets`, applied by the database: for a
download of a million rows, where cleaning each cell in Python is the cost.

Each column is declared with its kind (:class:`Column`); the SQL for a kind is built
here from the definitions the Python writer uses (``FORMULA_START``, the characters
XML cannot carry, the product's time zone), and what SQL cannot say exactly is left
to the Python writer itself:

- **PostgreSQL** writes the file: ``COPY (SELECT …) TO STDOUT (FORMAT csv)`` quotes
  as the csv module does; each row arrives as one message ending in LF, turned into
  the csv module's CRLF here.
- **SQLite** returns cleaned text cells (no Python per cell) that ``csv.writer``
  writes in batches; numbers with a fraction, text starting with a control character
  and timestamps outside the span where the zone's offset is fixed go through the
  Python writer as SQL functions.

Characters XML cannot carry are dropped from each chunk at once (as ``csv_chunks``
does): none is one the CSV quoting looks at, and a cell starting with one has its
formula check made past them. ``tests/test_spreadsheets_sql.py`` compares the output
with ``csv_chunks`` byte for byte."""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Engine,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Time,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from . import spreadsheets
from .db import write_intent
from .spreadsheets import CHUNK, FORMULA_START

#: The characters ``spreadsheets`` drops (NUL and lone surrogates cannot be stored).
NOT_XML = "".join(
    ch
    for ch in map(chr, [*range(1, 0x20), 0xFFFE, 0xFFFF])
    if spreadsheets._NOT_XML.match(ch)
)
#: The same in UTF-8: single bytes (deleted by ``bytes.translate``, which never
#: splits a character: no byte of a longer one is below 0x80), and longer ones.
_NOT_XML_BYTE = b"".join(ch.encode() for ch in NOT_XML if len(ch.encode()) == 1)
_NOT_XML_WIDE = [ch.encode() for ch in NOT_XML if len(ch.encode()) > 1]
_NOT_XML_WIDE_RE = re.compile(b"|".join(map(re.escape, _NOT_XML_WIDE)))
#: What every longer one starts with: a chunk without any is left as it is.
_NOT_XML_LEADS = {b[:2] for b in _NOT_XML_WIDE}
#: What makes the csv module quote a cell (QUOTE_MINIMAL, the default dialect).
QUOTED = ',"\r\n'
#: First characters that need a second look: a formula, or one XML cannot carry.
_CAREFUL = sorted({ord(ch) for ch in (*FORMULA_START, *NOT_XML)} | {0})
#: The same as a GLOB class (controls are caught by ``< ' '``; "-" last: literal).
_FORMULA_GLOB = "".join(
    sorted(ch for ch in (*FORMULA_START, *NOT_XML) if ch >= " " and ch != "-")
) + ("-" if "-" in FORMULA_START else "")

TEXT, LABEL, INTEGER, NUMBER = "text", "label", "integer", "number"
DATE, TIMESTAMP, BOOLEAN = "date", "timestamp", "boolean"


@dataclass(frozen=True)
class Column:
    """One column of the file: an SQL expression and what it holds (``labels``: the
    text written for each stored value of a ``LABEL``; ``prefix``: text written
    before a ``TEXT``, such as a link's address)."""

    expr: Any
    kind: str = TEXT
    labels: Mapping[str, str] = field(default_factory=dict)
    prefix: str = ""


class CsvExport:
    """The file's bytes in chunks of about 64 KiB (BOM and header first); ``rows``
    counts the rows written so far."""

    def __init__(
        self, engine: Engine, header: Sequence[str], stmt: Select, cols: list[Column]
    ):
        self.engine, self.header, self.stmt, self.cols = engine, header, stmt, cols
        self.tz = spreadsheets.local_tz()
        self.rows = 0

    def __iter__(self) -> Iterator[bytes]:
        yield "".join(spreadsheets.csv_chunks(self.header, [])).encode()
        # Read-only: a deferred transaction on SQLite (see listing.stream_rows).
        token = write_intent.set(False)
        try:
            if self.engine.dialect.name == "postgresql":
                yield from self._postgresql()
            else:
                yield from self._sqlite()
        finally:
            # Resumed in another context (a streamed response): nothing to restore.
            with contextlib.suppress(ValueError):
                write_intent.reset(token)

    # -- PostgreSQL ------------------------------------------------------------------

    def _postgresql(self) -> Iterator[bytes]:
        stmt = self.stmt.with_only_columns(*[pg_cell(c, self.tz) for c in self.cols])
        compiled = stmt.compile(
            dialect=self.engine.dialect, compile_kwargs={"render_postcompile": True}
        )
        sql = f"COPY ({compiled}) TO STDOUT (FORMAT csv)"
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cur:
                # Floats as their shortest exact text (as Python's repr).
                cur.execute("SET LOCAL extra_float_digits = 1")
                cur.execute("SET LOCAL DateStyle = 'ISO, YMD'")
                with cur.copy(sql, compiled.params) as copy:
                    rows: list[Any] = []
                    size = 0
                    for row in copy:  # one row per message (the protocol says so)
                        rows.append(row[:-1])
                        size += len(row)
                        if size > CHUNK:
                            yield self._crlf(rows)
                            rows, size = [], 0
                    yield self._crlf(rows)
            conn.rollback()

    def _crlf(self, rows: list[Any]) -> bytes:
        self.rows += len(rows)
        data = b"\r\n".join(rows) + b"\r\n" if rows else b""
        return xml_bytes(data)

    # -- SQLite ----------------------------------------------------------------------

    def _sqlite(self) -> Iterator[bytes]:
        span = fixed_offset_span(self.tz.key)
        fields = [sqlite_field(c, self.tz, span) for c in self.cols]
        # One string built at once (each || would copy the line so far).
        line = func.printf(",".join(["%s"] * len(fields)) + "\r\n", *fields)
        # As bytes (the database's UTF-8): no str made per row, no encoding back.
        stmt = self.stmt.with_only_columns(cast(line, LargeBinary))
        field = _python_field(self.tz)

        def timestamp(value: str) -> str:
            return field(datetime.fromisoformat(value).replace(tzinfo=UTC))

        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.create_function("dankheo_csv_field", 1, field, deterministic=True)
            raw.create_function("dankheo_csv_time", 1, timestamp, deterministic=True)
            cursor = conn.execute(stmt).cursor  # the driver's: no row objects
            assert cursor is not None
            while batch := cursor.fetchmany(200):
                self.rows += len(batch)
                yield xml_bytes(b"".join([row for (row,) in batch]))
            conn.rollback()


def xml_bytes(data: bytes) -> bytes:
    """UTF-8 ``data`` without the characters XML cannot carry (as the Python writer
    drops them), at the speed of ``bytes.translate``."""
    data = data.translate(None, _NOT_XML_BYTE)
    if any(lead in data for lead in _NOT_XML_LEADS):
        data = _NOT_XML_WIDE_RE.sub(b"", data)
    return data


def _python_field(tz: ZoneInfo) -> Callable[[Any], str]:
    """One cell as the csv module writes it (cleaned by the Python writer)."""
    buf = io.StringIO()
    # The default line ending: the csv module quotes what holds its characters.
    writerow = csv.writer(buf).writerow

    def field(value: Any) -> str:
        value = spreadsheets._csv_cell(value, tz)
        if value == "":
            return ""  # alone in a row the csv module would write '""'
        buf.seek(0)
        buf.truncate()
        writerow([value])
        return buf.getvalue()[:-2]

    return field


# -- the cells, per database ---------------------------------------------------------


def _labelled(col: Column, tz: ZoneInfo, text: Callable[[Any], Any]) -> Any:
    """A label column: each label cleaned here by the Python writer, a stored value
    without one cleaned by ``text``."""
    labels = [
        (col.expr == key, literal(spreadsheets._csv_cell(label, tz) or None, String))
        for key, label in col.labels.items()
    ]
    return case(*labels, else_=text(col.expr)) if labels else text(col.expr)


def pg_cell(col: Column, tz: ZoneInfo) -> ColumnElement[Any]:
    """``col`` as PostgreSQL text (NULL for an empty cell, so COPY leaves it bare)."""
    x = col.expr
    if col.kind == LABEL:
        return _labelled(col, tz, lambda x: pg_cell(Column(x), tz))
    if col.kind == TEXT:
        x = literal(col.prefix) + cast(x, String) if col.prefix else cast(x, String)
        first = func.ascii(x)
        formula = func.left(func.ltrim(x, NOT_XML), 1).in_(list(FORMULA_START))
        return case(
            (first.in_(_CAREFUL), case((formula, "'" + x), else_=func.nullif(x, ""))),
            else_=func.nullif(x, ""),
        )
    if col.kind == INTEGER:
        return cast(x, String)
    if col.kind == BOOLEAN:
        return case((x.is_(True), "True"), (x.is_(False), "False"))
    if col.kind == DATE:
        return func.to_char(x, "YYYY-MM-DD")
    if col.kind == TIMESTAMP:
        # ISO text ("2026-01-02 07:30:00.5", DateStyle set by the export) cut to
        # the minute, or to the day at midnight: far cheaper than to_char().
        local = func.timezone(tz.key, x)
        midnight = cast(local, Time) < time(0, 0, 1)
        return func.left(cast(local, String), case((midnight, 10), else_=16))
    if col.kind == NUMBER:
        return _pg_number(x)
    raise ValueError(col.kind)


def _pg_number(x: Any) -> ColumnElement[Any]:
    """A float as ``_csv_cell`` writes it: whole numbers in full, others in the
    shortest text that reads back exactly (Python's repr, which has no exponent
    from 1e15 up), nothing for infinity or NaN."""
    v = cast(x, Float)
    two = literal(2, Numeric)
    # A whole number beyond bigint: its mantissa (exact) times a power of two.
    k = cast(func.floor(func.log(two, cast(func.abs(v), Numeric))), Integer) - 54
    mantissa = cast(cast(v / func.power(literal(2.0, Float), k), BigInteger), Numeric)
    huge = func.trunc(mantissa * func.power(two, cast(k, Numeric)))
    whole = case(
        (func.abs(v) < 9.2e18, cast(cast(v, BigInteger), String)),
        else_=cast(huge, String),
    )
    return case(
        (v.in_([float("nan"), float("inf"), float("-inf")]), null()),
        (v == func.trunc(v), whole),
        (func.abs(v) >= 1e15, cast(cast(cast(v, String), Numeric), String)),
        else_=cast(v, String),
    )


def sqlite_field(
    col: Column, tz: ZoneInfo, span: tuple[int, str, str]
) -> ColumnElement[Any]:
    """``col`` as SQLite text quoted as the csv module quotes, or NULL for an empty
    cell (``printf('%s')`` writes nothing for it, and an integer as ``str()`` does)."""
    x = col.expr
    if col.kind == LABEL:
        labels = [
            (x == key, literal(_python_field(tz)(label), String))
            for key, label in col.labels.items()
        ]
        return case(*labels, else_=sqlite_field(Column(x), tz, span))
    if col.kind == TEXT:
        x = type_coerce(x, String)
        prefix = col.prefix
        if prefix and prefix[0] >= " " and _plain(prefix):
            # Its first character decides, and only the column's text may need quotes.
            return case(
                (x.is_(None), _python_field(tz)(prefix)),
                (_special(x), _sqlite_quoted(prefix + x)),
                else_=prefix + x,
            )
        if prefix:
            x = type_coerce(literal(prefix) + x, String)
        careful = (x < " ") | x.op("GLOB")(f"[{_FORMULA_GLOB}]*")
        return case(
            (x == "", None),
            # A formula or an odd first character: the Python writer decides.
            (careful, func.dankheo_csv_field(x)),
            (_special(x), _sqlite_quoted(x)),
            else_=x,
        )
    if col.kind in (INTEGER, DATE):
        return x
    if col.kind == BOOLEAN:
        return case((x == 1, "True"), (x == 0, "False"))
    if col.kind == TIMESTAMP:
        offset, since, until = span
        shift = f"{offset:+d} seconds"
        stored = type_coerce(x, String)  # the UTC text SQLite holds
        # Local midnight is this time of day in UTC while the offset holds.
        midnight = (datetime(2000, 1, 1) - timedelta(seconds=offset)).strftime("%T")
        # Whole seconds: SQLite rounds to the millisecond (59.9999 would be a minute on).
        seconds = func.substr(stored, 1, 19)
        fixed = case(
            (func.substr(stored, 12, 8) == midnight, func.date(seconds, shift)),
            else_=func.strftime("%Y-%m-%d %H:%M", seconds, shift),
        )
        canonical = (func.substr(stored, 11, 1) == " ") & (stored >= since)
        return case(
            (canonical & (stored < until), fixed),
            (x.is_not(None), func.dankheo_csv_time(stored)),
        )
    if col.kind == NUMBER:
        whole = (x == cast(x, Integer)) & (func.abs(x) < 9.2e18)
        return case(
            (whole, cast(x, Integer)),
            (x.is_not(None), func.dankheo_csv_field(x)),
        )
    raise ValueError(col.kind)


def _plain(text: str) -> bool:
    """Text the csv module writes as is, whatever follows it."""
    return text[:1] not in _FORMULA_GLOB and not any(ch in text for ch in QUOTED)


def _special(x: Any) -> ColumnElement[bool]:
    # LIKE: far cheaper in SQLite than instr() or GLOB '*[...]*'.
    return or_(*[x.like(f"%{ch}%") for ch in QUOTED])


def _sqlite_quoted(x: Any) -> ColumnElement[Any]:
    """Quoted as the csv module's QUOTE_MINIMAL quotes a cell holding a comma, a
    quote or a line break (a test compares them)."""
    return case(
        (func.instr(x, '"') > 0, '"' + func.replace(x, '"', '""') + '"'),
        else_='"' + x + '"',
    )


@functools.cache
def fixed_offset_span(zone: str) -> tuple[int, str, str]:
    """The zone's UTC offset now (seconds) and the span of UTC times around now
    where it is the same, as SQLite's text timestamps (a change within a day is
    found to the second; one from and back within a day would be missed, no zone
    has one)."""
    tz = ZoneInfo(zone)
    now = datetime.now(UTC).replace(microsecond=0)

    def off(t: datetime):
        return t.astimezone(tz).utcoffset()

    here = off(now)
    assert here is not None

    def edge(step: timedelta, limit: datetime) -> datetime:
        t = now
        while abs(t - limit) > abs(step) and off(t + step) == here:
            t += step
        if abs(t - limit) <= abs(step):
            return limit
        same, other = t, t + step  # a change between them: to the second
        while abs(other - same) > timedelta(seconds=1):
            mid = same + (other - same) / 2
            same, other = (mid, other) if off(mid) == here else (same, mid)
        return same if step < timedelta(0) else other

    day = timedelta(days=1)
    since = edge(-day, datetime(1900, 1, 1, tzinfo=UTC))
    until = edge(day, now + timedelta(days=3 * 366))
    fmt = "%Y-%m-%d %H:%M:%S"
    return int(here.total_seconds()), since.strftime(fmt), until.strftime(fmt)
