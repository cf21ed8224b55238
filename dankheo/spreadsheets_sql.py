"""The CSV rules of :mod:`dankheo.spreadsheets`, applied by the database: for a
download of a million rows, where cleaning each cell in Python is the cost.

Each column is declared with its kind (:class:`Column`); the SQL for a kind is built
here from the definitions the Python writer uses (``FORMULA_START``, the characters
XML cannot carry, the product's time zone), and what SQL cannot say exactly is left
to the Python writer itself:

- **PostgreSQL** writes the file: ``COPY (SELECT …) TO STDOUT (FORMAT csv)`` quotes
  as the csv module does; each row arrives as one message ending in LF, turned into
  the csv module's CRLF here.
- **SQLite** returns each row as one string of cells as ``_csv_cell`` makes them
  (formulas neutralised, labels, numbers, local times), separated by a byte UTF-8
  never holds (:data:`SEP`); numbers with a fraction, text starting with a control
  character and timestamps outside the span where the zone's offset is fixed go
  through the Python writer as SQL functions. The csv module's quoting is applied
  here, to the rows that hold a comma, a quote or a line break (found with a few
  byte searches per batch), so the database makes no per-cell test for it.

Characters XML cannot carry are dropped from each chunk at once (as ``csv_chunks``
does): none is one the CSV quoting looks at, and a cell starting with one has its
formula check made past them. ``tests/showcase/test_export_sql.py`` compares the
output with ``csv_chunks`` byte for byte. The statements are run by
:mod:`dankheo.csv_export`."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    Numeric,
    String,
    Time,
    case,
    cast,
    func,
    literal,
    null,
    type_coerce,
)
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from . import spreadsheets
from .spreadsheets import FORMULA_START

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
#: Their first bytes (searched for with memchr): a chunk without any is left as is.
_NOT_XML_LEADS = {b[:1] for b in _NOT_XML_WIDE}
#: What makes the csv module quote a cell (QUOTE_MINIMAL, the default dialect).
QUOTED = ',"\r\n'
_QUOTED_BYTES = re.compile(b"[" + re.escape(QUOTED.encode()) + b"]")
#: Rows fetched from SQLite at a time.
BATCH = 200
#: Between two cells of a line SQLite writes: no UTF-8 text holds this byte.
SEP = b"\xff"
SEP_TO_COMMA = bytes.maketrans(SEP, b",")
#: First characters that need a second look: a formula, or one XML cannot carry.
_CAREFUL = sorted({ord(ch) for ch in (*FORMULA_START, *NOT_XML)} | {0})
#: Text from the first to before the second starts with a character that is neither
#: a formula's nor one XML cannot carry (the rest are below "A" or from U+FFFE on).
_SAFE_FIRST = ("A", "\ufffe")
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
    before a ``TEXT``, such as a link's address). A ``TEXT`` may be a tuple of SQL
    expressions and literal strings, written one after another (a NULL one writes
    nothing): after a prefix, SQLite writes them without building the text per row."""

    expr: Any
    kind: str = TEXT
    labels: Mapping[str, str] = field(default_factory=dict)
    prefix: str = ""


def csv_quoted(line: bytes) -> bytes:
    """A line of cells separated by :data:`SEP` with each cell that holds a comma, a
    quote or a line break quoted as the csv module quotes it (QUOTE_MINIMAL, quotes
    doubled); the separators are left for the caller."""
    found = _QUOTED_BYTES.search(line)
    if found is None:
        return line
    out: list[bytes] = []
    done = 0
    while found is not None:
        start = line.rfind(SEP, 0, found.start()) + 1
        end = line.find(SEP, found.start())
        end = len(line) if end < 0 else end
        out += [line[done:start], b'"', line[start:end].replace(b'"', b'""'), b'"']
        done = end
        found = _QUOTED_BYTES.search(line, end)
    out.append(line[done:])
    return b"".join(out)


def xml_bytes(data: bytes, table: bytes | None = None) -> bytes:
    """UTF-8 ``data`` without the characters XML cannot carry (as the Python writer
    drops them), at the speed of ``bytes.translate`` (which also maps the bytes by
    ``table``)."""
    data = data.translate(table, _NOT_XML_BYTE)
    if any(lead in data for lead in _NOT_XML_LEADS):
        data = _NOT_XML_WIDE_RE.sub(b"", data)
    return data


def python_cell(tz: ZoneInfo) -> Callable[[Any], str]:
    """One cell's text as the Python writer makes it (quoted later, as any cell)."""

    def cell(value: Any) -> str:
        return str(spreadsheets._csv_cell(value, tz))

    return cell


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
        x = _text(col, lambda x: cast(x, String))
        x = literal(col.prefix) + x if col.prefix else x
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


def sqlite_cell(
    col: Column, tz: ZoneInfo, span: tuple[int, str, str]
) -> tuple[str, list[Any]]:
    """``col`` as a piece of the line's ``printf`` format and its arguments: a
    ``TEXT`` after a prefix that decides its formula check (a link's address) is
    written by the format itself; any other column is one ``%s``."""
    prefix = col.prefix
    if col.kind == TEXT and prefix[:1] >= " " and prefix[:1] not in _FORMULA_GLOB:
        parts = col.expr if isinstance(col.expr, tuple) else (col.expr,)
        fmt = "".join(
            p.replace("%", "%%") if isinstance(p, str) else "%s"
            for p in (prefix, *parts)
        )
        return fmt, [p for p in parts if not isinstance(p, str)]
    return "%s", [sqlite_field(col, tz, span)]


def sqlite_field(
    col: Column, tz: ZoneInfo, span: tuple[int, str, str]
) -> ColumnElement[Any]:
    """``col`` as SQLite text as ``_csv_cell`` makes it, not quoted, or NULL for an
    empty cell (``printf('%s')`` writes nothing for it, and an integer as ``str()``
    does)."""
    x = col.expr
    if col.kind == LABEL:
        return _labelled(col, tz, lambda x: sqlite_field(Column(x), tz, span))
    if col.kind == TEXT:
        # SQLite's || and printf write a number as text: no CAST.
        x = type_coerce(_text(col, lambda x: type_coerce(x, String)), String)
        if col.prefix:
            x = type_coerce(literal(col.prefix) + x, String)
        careful = (x < " ") | x.op("GLOB")(f"[{_FORMULA_GLOB}]*")
        return case(
            # Most text starts with a letter: no formula, nothing XML cannot carry
            # (two comparisons instead of three tests and a GLOB).
            ((x >= _SAFE_FIRST[0]) & (x < _SAFE_FIRST[1]), x),
            (x == "", None),
            # A formula or an odd first character: the Python writer decides.
            (careful, func.dankheo_csv_cell(x)),
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
        # Compared as text: the column's numeric affinity would have SQLite try each
        # bound as a number first (unary + drops the affinity).
        plain = UnaryExpression(stored, operator=operators.custom_op("+"), type_=String)
        canonical = (func.substr(stored, 11, 1) == " ") & (plain >= since)
        return case(
            (canonical & (plain < until), fixed),
            (x.is_not(None), func.dankheo_csv_time(stored)),
        )
    if col.kind == NUMBER:
        whole = (x == cast(x, Integer)) & (func.abs(x) < 9.2e18)
        return case(
            (whole, cast(x, Integer)),
            (x.is_not(None), func.dankheo_csv_cell(x)),
        )
    raise ValueError(col.kind)


def _text(col: Column, text: Callable[[Any], Any]) -> Any:
    """A ``TEXT`` column's text (its parts joined, a NULL one as nothing), each
    expression made text by ``text``."""
    if not isinstance(col.expr, tuple):
        return text(col.expr)
    parts: list[Any] = [
        literal(part, String)
        if isinstance(part, str)
        else func.coalesce(text(part), "")
        for part in col.expr
    ]
    return functools.reduce(lambda a, b: a + b, parts)


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
