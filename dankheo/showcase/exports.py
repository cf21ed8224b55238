"""CSV and XLSX downloads, written row by row so memory stays flat whatever the size.

CSV is streamed to the client as it is produced. XLSX is a zip, which cannot be
streamed before it is complete: openpyxl's write-only mode spills rows to a temporary
file, the finished workbook is written to another temporary file, and that file is
sent in chunks. Text cells that a spreadsheet would read as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Response, current_app, send_file

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def local_tz() -> ZoneInfo:
    return ZoneInfo(
        current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    )


def plain(value, tz: ZoneInfo | None = None):
    """A cell value both formats accept: local naive dates, safe text."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(tz or local_tz()).replace(tzinfo=None)
        return (
            value.date()
            if (value.hour, value.minute, value.second) == (0, 0, 0)
            else value
        )
    if isinstance(value, str):
        value = _ILLEGAL_XLSX.sub("", value)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def _csv_cell(value, tz: ZoneInfo) -> str:
    value = plain(value, tz)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_response(
    filename: str, header: list[str], rows: Iterable[Iterable]
) -> Response:
    """A streamed CSV download (UTF-8 with BOM so spreadsheets read Vietnamese right).
    ``rows`` must not need the request context: it is iterated after the view returns."""
    tz = local_tz()

    def generate() -> Iterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf)
        buf.write("\ufeff")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_cell(v, tz) for v in row])
            if buf.tell() > 64 * 1024:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()

    # content_type, not mimetype: Werkzeug appends "; charset=utf-8" to a text/*
    # mimetype, which would name the charset twice.
    return Response(
        generate(),
        content_type=CSV_MIMETYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def xlsx_response(
    filename: str, sheets: Iterable[tuple[str, list[str], Iterable[Iterable]]]
):
    """An XLSX download with one sheet per (title, header, rows), built in write-only mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    tz = local_tz()
    wb = Workbook(write_only=True)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        bold = []
        for name in header:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = Font(bold=True)
            bold.append(cell)
        ws.append(bold)
        for row in rows:
            ws.append([plain(v, tz) for v in row])
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response)
    wb.save(tmp)
    tmp.seek(0)
    resp = send_file(
        tmp,
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
