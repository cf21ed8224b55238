"""Reading the workbooks users upload, with the work bounded before any row is read.

An ``.xlsx`` is a zip archive: a file of under a megabyte can unzip to hundreds, and a
sheet can declare (or hold) a million empty rows that cost seconds of CPU to walk.
:func:`open_workbook` is the one door every importer reads a workbook through. Before
openpyxl parses anything it checks, from the archive alone:

1. the uncompressed size: the sum of the entries' ``file_size`` (zipfile never inflates
   an entry past its declared size, so this bounds what openpyxl can be made to read);
2. every worksheet's declared dimension (``<dimension ref="A1:E20000"/>``, read from
   the first kilobytes of the sheet's XML, before its rows) against the importer's
   row and column limits; a sheet that declares none has its row tags counted in the
   inflated bytes instead (openpyxl would otherwise parse the whole sheet to size it).

Then it opens the workbook in openpyxl's read-only (streaming) mode. The limits are
the caller's, and the refusal says them.

Writing spreadsheets is :mod:`dankheo.spreadsheets`'s business.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook

from .domain import N_
from .errors import InvalidInput

MB = 1024 * 1024
#: How much of a sheet's XML is inflated to find its dimension (it precedes the rows).
HEAD_BYTES = 64 * 1024
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([^\"]+)\"")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
_ROW = re.compile(rb"<(?:\w+:)?row\b")
#: Inflated at a time when counting rows.
CHUNK_BYTES = MB

UNREADABLE = N_("Không đọc được tệp Excel: hãy dùng tệp .xlsx theo mẫu.")
TOO_BIG_UNZIPPED = N_(
    "Tệp Excel khi giải nén lớn hơn %(limit)s MB, vượt giới hạn cho phép; hãy chia thành nhiều tệp."
)
TOO_MANY_CELLS = N_(
    "Bảng tính khai báo %(rows)s dòng, %(cols)s cột; giới hạn là %(max_rows)s dòng và %(max_cols)s cột."
)
TOO_MANY_ROWS = N_(
    "Bảng tính có hơn %(max_rows)s dòng, vượt giới hạn cho phép; hãy chia thành nhiều tệp."
)


class WorkbookRefused(InvalidInput):
    """The workbook as a whole is refused before any of its rows is read."""


Source = str | Path | IO[bytes]


def check_workbook(
    source: Source, *, max_rows: int, max_cols: int, max_unzipped_mb: int
) -> None:
    """Refuse (:class:`WorkbookRefused`) an archive that unzips to more than
    ``max_unzipped_mb`` or whose sheets declare more than ``max_rows`` × ``max_cols``.
    Reads the zip directory and the head of each sheet only; a stream is rewound."""
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
            if sum(e.file_size for e in entries) > max_unzipped_mb * MB:
                raise WorkbookRefused(TOO_BIG_UNZIPPED, limit=max_unzipped_mb)
            for entry in entries:
                name = entry.filename
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                declared = _declared_size(archive, entry)
                if declared is None:
                    if _more_rows_than(archive, entry, max_rows):
                        raise WorkbookRefused(TOO_MANY_ROWS, max_rows=max_rows)
                    continue
                rows, cols = declared
                if rows > max_rows or cols > max_cols:
                    raise WorkbookRefused(
                        TOO_MANY_CELLS,
                        rows=rows,
                        cols=cols,
                        max_rows=max_rows,
                        max_cols=max_cols,
                    )
    except WorkbookRefused:
        raise
    except Exception as exc:  # zipfile and zlib raise many types for a damaged file
        raise WorkbookRefused(UNREADABLE) from exc
    finally:
        if not isinstance(source, str | Path):
            source.seek(0)


def _declared_size(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo
) -> tuple[int, int] | None:
    """The (last row, last column) a sheet declares, or None when it declares none."""
    with archive.open(entry) as fh:
        head = fh.read(HEAD_BYTES)
    rows_start = _SHEET_DATA.search(head)
    found = _DIMENSION.search(head, 0, rows_start.start() if rows_start else len(head))
    if found is None:
        return None
    _min_col, _min_row, max_col, max_row = range_boundaries(found.group(1).decode())
    return int(max_row or 0), int(max_col or 0)


def _more_rows_than(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limit: int
) -> bool:
    """Count the sheet's row tags in its inflated bytes (no XML parsing), stopping as
    soon as there are more than ``limit``."""
    count, tail = 0, b""
    with archive.open(entry) as fh:
        while chunk := fh.read(CHUNK_BYTES):
            data = tail + chunk
            # The last tag may be cut at the chunk's end: count it with the next one.
            cut = data.rfind(b"<")
            cut = len(data) if cut < 0 else cut
            count += len(_ROW.findall(data, 0, cut))
            tail = data[cut:]
            if count > limit:
                return True
    return count + len(_ROW.findall(tail)) > limit


def open_workbook(
    source: Source, *, max_rows: int, max_cols: int, max_unzipped_mb: int
) -> Workbook:
    """The workbook in read-only (streaming) mode, values not formulas, once
    :func:`check_workbook` has let it through. The caller closes it."""
    check_workbook(
        source, max_rows=max_rows, max_cols=max_cols, max_unzipped_mb=max_unzipped_mb
    )
    try:
        return load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not XLSX
        raise WorkbookRefused(UNREADABLE) from exc
