"""Reading an import file: the XLSX or CSV readers, the header row under any title
rows, and the gate each cell goes through (cleaning, then dates and numbers)."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ...domain import N_
from ...errors import InvalidInput
from ...workbooks import UNREADABLE, WorkbookRefused, open_workbook
from .columns import HEADERS, Column, header_key, limit

HEADER_SCAN_ROWS = 30
#: A cell longer than this is cut before validation (the column's own limit is lower).
CELL_HARD_LIMIT = 20_000


_INVISIBLE = {
    *range(0x00, 0x09),
    0x0B,
    0x0C,
    *range(0x0E, 0x20),
    0x7F,
    *range(0x80, 0xA0),
    0x061C,
    0x200B,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0xFEFF,
}
_STRIP = dict.fromkeys(_INVISIBLE)


def clean_cell(value: Any) -> Any:
    """The one gate every imported cell goes through: text is NFC-normalised, control
    and bidirectional-override characters are removed, ``\\r\\n`` becomes ``\\n``, outer
    spaces are trimmed and the length is bounded. Numbers and dates pass unchanged.
    (To be replaced by the shared input gate when it lands.)"""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, int | float | datetime | date):
        return value
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n")
    text = text.replace("\r", "\n").translate(_STRIP).strip()
    return text[:CELL_HARD_LIMIT]


# ------------------------------------------------------------------------- errors


@dataclass
class RowError:
    """A problem of one cell (``row`` as numbered in Excel; 0 for the whole file)."""

    row: int
    column: str
    message: str
    values: dict[str, Any] = field(default_factory=dict)


class FileRefused(Exception):
    """The file as a whole cannot be read; nothing of it is imported."""

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message % values if values else message)
        self.error = RowError(0, "", message, values)


# ------------------------------------------------------------------------- readers


def detect_format(filename: str) -> str:
    ext = Path(filename or "").suffix.lower()
    if ext == ".xlsx":
        return "xlsx"
    if ext in (".csv", ".txt"):
        return "csv"
    raise InvalidInput(N_("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv)."), field="file")


def _open_workbook(path: Path):
    """The workbook (read-only, streaming) and its first sheet, once the archive's
    uncompressed size and the sheets' declared dimensions are within the limits: both
    are checked before any row is parsed (:mod:`dankheo.workbooks`)."""
    try:
        wb = open_workbook(
            path,
            max_rows=limit("BULK_MAX_ROWS") + HEADER_SCAN_ROWS,
            max_cols=limit("BULK_MAX_COLUMNS"),
            max_unzipped_mb=limit("BULK_MAX_UNZIPPED_MB"),
        )
        return wb, wb.worksheets[0]
    except WorkbookRefused as exc:
        raise FileRefused(exc.template, **exc.values) from exc
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileRefused(UNREADABLE) from exc


def _xlsx_rows(path: Path) -> tuple[Iterator[tuple[int, list]], int | None]:
    """Rows of the first sheet as (Excel row number, values), streamed."""
    wb, ws = _open_workbook(path)
    declared_rows, max_cols = ws.max_row, limit("BULK_MAX_COLUMNS")

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                yield number, list(values[:max_cols])
        finally:
            wb.close()

    return rows(), declared_rows


def _csv_encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"  # a UTF-8 BOM, if any, is dropped


def _csv_delimiter(sample: str, headers: dict[str, Column]) -> str:
    """The separator under which some early row reads as our header (Excel writes ';'
    where the decimal mark is a comma, as in Vietnamese; ',' elsewhere; tab for
    "Unicode text")."""
    best, best_score = ",", -1
    for delimiter in (";", ",", "\t"):
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
        score = 0
        try:
            for _i, row in zip(range(HEADER_SCAN_ROWS), reader, strict=False):
                score = max(score, sum(header_key(c) in headers for c in row))
        except csv.Error:
            continue
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(
    path: Path, headers: dict[str, Column] = HEADERS
) -> tuple[Iterator[tuple[int, list]], int | None]:
    with open(path, "rb") as fh:
        head = fh.read(4)
        fh.seek(0)
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    encoding = _csv_encoding(head)
    with open(path, encoding=encoding, newline="", errors="replace") as text:
        delimiter = _csv_delimiter(text.read(64 * 1024), headers)

    def rows() -> Iterator[tuple[int, list]]:
        number = 0
        with open(path, encoding=encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            try:
                for number, values in enumerate(reader, start=1):  # noqa: B007
                    yield number, values
            except UnicodeDecodeError as exc:
                raise FileRefused(
                    N_(
                        "Tệp CSV không phải mã hóa UTF-8 (lỗi ở dòng %(row)s); hãy lưu lại bằng “CSV UTF-8”."
                    ),
                    row=number + 1,
                ) from exc
            except csv.Error as exc:
                raise FileRefused(
                    N_("Tệp CSV hỏng ở dòng %(row)s."), row=number + 1
                ) from exc

    return rows(), lines + 1


def open_rows(
    path: Path, fmt: str, headers: dict[str, Column] = HEADERS
) -> tuple[Iterator[tuple[int, list]], int | None]:
    """(row number, raw values) of the file, and the number of rows it declares
    (``headers``: the words of the importer's header, to tell a CSV's separator)."""
    return _xlsx_rows(path) if fmt == "xlsx" else _csv_rows(path, headers)


NO_HEADER = N_(
    "Không tìm thấy dòng tiêu đề trong %(rows)s dòng đầu: cần ít nhất các cột “Mã đơn vị” và “Tên mô hình, điển hình”, như trong tệp mẫu."
)


def find_header(
    rows: Iterator[tuple[int, list]],
    headers: dict[str, Column] = HEADERS,
    needed: frozenset[str] = frozenset({"unit_code", "name"}),
    missing: str = NO_HEADER,
) -> tuple[int, dict[int, Column]]:
    """Skip title rows: the header is the first row naming at least the ``needed``
    columns. Returns its row number and column index -> column; ``missing`` is the
    refusal when no such row comes in the first rows."""
    for number, values in rows:
        mapping: dict[int, Column] = {}
        for index, value in enumerate(values):
            text = clean_cell(value)
            column = headers.get(header_key(text)) if isinstance(text, str) else None
            if column is not None and column not in mapping.values():
                mapping[index] = column
        keys = {c.key for c in mapping.values()}
        if needed <= keys:
            return number, mapping
        if number >= HEADER_SCAN_ROWS:
            break
    raise FileRefused(missing, rows=HEADER_SCAN_ROWS)


def estimated_rows(path: Path, fmt: str) -> int:
    """The rows the file declares (XLSX dimension) or its lines (CSV): cheap, and the
    XLSX limits are checked on the way (raises :class:`FileRefused`)."""
    if fmt == "xlsx":
        wb, ws = _open_workbook(path)
        declared = ws.max_row
        wb.close()
        return declared or 0
    _rows, lines = _csv_rows(path)
    return lines or 0


# ---------------------------------------------------------------------- conversion

_DATE = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
MAX_NUMBER = 10**12


class CellError(Exception):
    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message)
        self.message, self.values = message, values


def parse_date(value: Any) -> date | None:
    """An Excel date, an Excel serial number, or text day/month/year (or ISO)."""
    if value in ("", None):
        return None
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, int | float):
        if not 1 <= value < 2958466:
            raise CellError(N_("Ngày không hợp lệ: “%(value)s”."), value=value)
        result = _EXCEL_EPOCH + timedelta(days=int(value))
    elif str(value).isdigit() and 3 <= len(str(value)) <= 5:
        return parse_date(int(str(value)))  # a serial number exported as text
    else:
        text = str(value)
        m = _DATE.match(text)
        iso = _ISO_DATE.match(text)
        try:
            if m:
                result = date(int(m[3]), int(m[2]), int(m[1]))
            elif iso:
                result = date(int(iso[1]), int(iso[2]), int(iso[3]))
            else:
                raise ValueError(text)
        except ValueError as exc:
            raise CellError(
                N_(
                    "Ngày không hợp lệ: “%(value)s” (ghi ngày/tháng/năm, ví dụ 25/10/2026)."
                ),
                value=text,
            ) from exc
    if not 1945 <= result.year <= 2100:
        raise CellError(N_("Ngày không hợp lệ: “%(value)s”."), value=str(value))
    return result


def parse_number(value: Any, *, decimal: bool) -> int | float | None:
    """A number typed the Vietnamese way ("15.590,5", "2.705") or the English way
    ("15,590.5") as text, or a numeric cell."""
    if value in ("", None):
        return None
    if isinstance(value, int | float):
        number: float = float(value)
        shown: int | float | str = value
    else:
        shown = text = str(value).replace(" ", "").replace("\u00a0", "")
        if text.count(",") and text.count("."):
            # Both marks: the last one is the decimal mark.
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        elif text.count(".") > 1 or re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
            text = text.replace(".", "")  # Vietnamese thousands: 2.705, 1.234.567
        elif text.count(",") > 1:
            text = text.replace(",", "")  # English thousands: 1,234,567
        else:
            text = text.replace(",", ".")  # Vietnamese decimal comma: 12,5
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            raise CellError(N_("Không phải là số: “%(value)s”."), value=shown)
        number = float(text)
    if number < 0:
        raise CellError(N_("Không được là số âm: “%(value)s”."), value=shown)
    if number >= MAX_NUMBER:
        raise CellError(N_("Số quá lớn: “%(value)s”."), value=shown)
    if decimal:
        return number
    if number != int(number):
        raise CellError(N_("Phải là số nguyên: “%(value)s”."), value=shown)
    return int(number)
