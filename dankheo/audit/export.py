"""The audit log as XLSX: the filtered records, one row each.

All spreadsheet writing is in :func:`write_xlsx`, so it can later go through the
product's shared spreadsheet writer unchanged for the callers.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Characters XML 1.0 cannot carry (openpyxl refuses them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: A text starting with these is a formula to a spreadsheet program.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A cell that is shown, never computed: text that looks like a formula starts with
    an apostrophe; characters XML cannot carry are dropped."""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if not isinstance(value, str):
        return value
    value = _ILLEGAL.sub("", value)
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return value


def write_xlsx(
    title: str, header: list[str], rows: Iterable[list[Any]]
) -> Iterator[bytes]:
    """Stream a one-sheet workbook (write-only mode, spooled to disk, sent in chunks)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(safe_cell(title)[:31])
    ws.append([safe_cell(h) for h in header])
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    with tempfile.TemporaryFile() as fh:
        wb.save(fh)
        fh.seek(0)
        while chunk := fh.read(64 * 1024):
            yield chunk
