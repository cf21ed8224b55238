"""Bulk registration of exemplars from an Excel (.xlsx) or CSV file.

Every row is checked first, then all rows are written in one transaction, or none:

1. ``check``: the file is streamed (openpyxl read-only mode, or a CSV reader), the header
   row found under any title rows, each cell cleaned and each row validated; rows ready
   to insert are spooled to a temporary file, so memory holds one row, the duplicate
   keys and the first errors, never the whole file. Duplicates (same unit, same folded
   name, same campaign) are looked for in the file and in the database.
2. ``write``: the spooled rows go in with Core ``insert()`` in batches, in one
   transaction that the caller commits (the request, or the job below).

Errors carry the row number the user sees in Excel (the header and title rows count),
the column's Vietnamese header and a translatable message. Small files are checked and
written inside the request; larger ones run as a background job (:mod:`dankheo.jobs`)
whose progress the page polls.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import logging
import os
import pickle
import re
import secrets
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from flask import Flask, current_app
from sqlalchemy import insert, or_, select

from ..actors import acting_as
from ..auth.models import User
from ..campaigns.lifecycle import check_registration_open
from ..campaigns.models import Campaign
from ..db import table_of, utcnow, write_intent
from ..domain import N_
from ..domain.enums import ExemplarKind, Role
from ..domain.metrics import METRICS
from ..domain.text import fold, slugify
from ..errors import InvalidInput, NotAllowed, translate
from ..extensions import db
from ..jobs import records, register_handler
from ..jobs.records import MAX_ERRORS, JobRecord
from ..units.models import Unit
from ..workbooks import UNREADABLE, WorkbookRefused, open_workbook
from . import permissions
from .models import Exemplar
from .signals import exemplars_imported

log = logging.getLogger(__name__)

JOB_KIND = "import_exemplars"

#: Defaults, each overridable in the app config under the same name.
LIMITS = {
    "BULK_MAX_ROWS": 200_000,
    "BULK_MAX_COLUMNS": 200,
    "BULK_MAX_UNZIPPED_MB": 512,
    # Files with more data rows than this are checked and written by a job.
    "BULK_INLINE_ROWS": 2000,
}
HEADER_SCAN_ROWS = 30
BATCH = 1000
#: A cell longer than this is cut before validation (the column's own limit is lower).
CELL_HARD_LIMIT = 20_000
SAMPLE_ROWS = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def limit(name: str) -> int:
    return int(current_app.config.get(name, LIMITS[name]))


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str = "text"  # text, unit, kind, field, continuing, date, int, decimal
    max_length: int = 20000
    required: bool = False
    width: int = 30
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("unit_code", N_("Mã đơn vị"), "unit", 60, True, 16),
    Column("kind", N_("Loại"), "kind", required=True, width=20),
    Column("field", N_("Lĩnh vực"), "field", required=True, width=34),
    Column(
        "name",
        N_("Tên mô hình, điển hình"),
        max_length=300,
        required=True,
        width=44,
        aliases=("Tên mô hình", "Tên điển hình", "Tên"),
    ),
    Column(
        "is_continuing",
        N_("Mới / tiếp nối"),
        "continuing",
        width=14,
        aliases=("Mới hay tiếp nối", "Mới/tiếp nối"),
    ),
    Column("situation", N_("Thực trạng, lý do xây dựng"), aliases=("Thực trạng",)),
    Column("goals", N_("Mục tiêu, tiêu chí"), aliases=("Mục tiêu",)),
    Column("content", N_("Nội dung, cách thức thực hiện"), aliases=("Nội dung",)),
    Column("area", N_("Địa bàn, đối tượng")),
    Column("forces", N_("Lực lượng thực hiện"), aliases=("Lực lượng",)),
    Column("resources", N_("Nguồn lực")),
    Column("start_date", N_("Ngày bắt đầu"), "date", width=14),
    Column("evaluation_date", N_("Ngày đánh giá"), "date", width=14),
    Column("schedule", N_("Tiến độ thực hiện"), aliases=("Tiến độ",)),
    Column("outputs", N_("Sản phẩm, kết quả đầu ra"), aliases=("Kết quả", "Sản phẩm")),
    Column(
        "sustainability",
        N_("Khả năng duy trì, nhân rộng"),
        aliases=("Khả năng nhân rộng",),
    ),
    Column("tags", N_("Từ khóa"), max_length=500),
    Column("address", N_("Địa chỉ"), max_length=300, aliases=("Địa chỉ cụ thể",)),
    Column(
        "lead_name",
        N_("Người phụ trách"),
        max_length=200,
        width=24,
        aliases=("Người chủ trì",),
    ),
    Column("lead_position", N_("Chức vụ"), max_length=200, width=20),
    Column("contact_name", N_("Người liên hệ"), max_length=200, width=24),
    Column("contact_phone", N_("Điện thoại"), max_length=40, width=16),
    Column("contact_email", N_("Email"), max_length=200, width=26),
    *(
        Column(
            m.key,
            f"{m.label} ({m.unit})",
            "decimal" if m.decimal else "int",
            width=18,
            aliases=(m.label,),
        )
        for m in METRICS
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}
TEXT_KEYS = tuple(c.key for c in COLUMNS if c.type == "text")

_NUMBERING = re.compile(r"^\s*\d{1,2}\s*[.)]\s*")


def _header_key(text: str) -> str:
    return fold(_NUMBERING.sub("", text)).replace("–", "-").strip(" :*")


HEADERS: dict[str, Column] = {}
for _c in COLUMNS:
    for _h in (_c.header, *_c.aliases):
        HEADERS.setdefault(_header_key(_h), _c)
HEADERS.setdefault("email lien he", BY_KEY["contact_email"])
HEADERS.setdefault("dien thoai lien he", BY_KEY["contact_phone"])

CONTINUING_WORDS = {"tiep noi", "duy tri", "continuing", "x", "co"}
NEW_WORDS = {"", "moi", "new", "khong"}


# ------------------------------------------------------------------------ cleaning

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


def _csv_delimiter(sample: str) -> str:
    """The separator under which some early row reads as our header (Excel writes ';'
    where the decimal mark is a comma, as in Vietnamese; ',' elsewhere; tab for
    "Unicode text")."""
    best, best_score = ",", -1
    for delimiter in (";", ",", "\t"):
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
        score = 0
        try:
            for _i, row in zip(range(HEADER_SCAN_ROWS), reader, strict=False):
                score = max(score, sum(_header_key(c) in HEADERS for c in row))
        except csv.Error:
            continue
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(path: Path) -> tuple[Iterator[tuple[int, list]], int | None]:
    with open(path, "rb") as fh:
        head = fh.read(4)
        fh.seek(0)
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    encoding = _csv_encoding(head)
    with open(path, encoding=encoding, newline="", errors="replace") as text:
        delimiter = _csv_delimiter(text.read(64 * 1024))

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


def open_rows(path: Path, fmt: str) -> tuple[Iterator[tuple[int, list]], int | None]:
    """(row number, raw values) of the file, and the number of rows it declares."""
    return _xlsx_rows(path) if fmt == "xlsx" else _csv_rows(path)


def find_header(
    rows: Iterator[tuple[int, list]],
) -> tuple[int, dict[int, Column]]:
    """Skip title rows: the header is the first row naming at least the unit code and
    the name columns. Returns its row number and column index -> column."""
    for number, values in rows:
        mapping: dict[int, Column] = {}
        for index, value in enumerate(values):
            text = clean_cell(value)
            column = HEADERS.get(_header_key(text)) if isinstance(text, str) else None
            if column is not None and column not in mapping.values():
                mapping[index] = column
        keys = {c.key for c in mapping.values()}
        if {"unit_code", "name"} <= keys:
            return number, mapping
        if number >= HEADER_SCAN_ROWS:
            break
    raise FileRefused(
        N_(
            "Không tìm thấy dòng tiêu đề trong %(rows)s dòng đầu: cần ít nhất các cột “Mã đơn vị” và “Tên mô hình, điển hình”, như trong tệp mẫu."
        ),
        rows=HEADER_SCAN_ROWS,
    )


# ---------------------------------------------------------------------- conversion

_PHONE = re.compile(r"^[0-9+() .-]{6,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
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


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def _normalise_tags(text: str) -> str:
    seen: dict[str, None] = {}
    for tag in text.split(","):
        tag = " ".join(tag.split())
        if tag:
            seen.setdefault(tag, None)
    return ", ".join(seen)


# ------------------------------------------------------------------------- context


@dataclass
class UnitInfo:
    id: int
    folded_name: str


class ImportContext:
    """What a file is imported into and by whom: the campaign, the actor (None for the
    command line), the unit subtrees the actor may register for (None means all)."""

    def __init__(
        self, campaign: Campaign, actor: User | None, scopes: list[str] | None
    ) -> None:
        self.campaign = campaign
        self.actor = actor
        self.scopes = scopes
        self.fields = {fold(f.name): f.id for f in campaign.fields}
        self.field_names = [f.name for f in campaign.fields]
        self.kinds: dict[str, str] = {}
        for kind in ExemplarKind:
            for word in (kind.value, kind.label):
                self.kinds[fold(word)] = kind.value
        self.kinds.update({"dien hinh tap the": "collective", "tap the": "collective"})
        self.kinds.update({"dien hinh ca nhan": "individual", "ca nhan": "individual"})
        self._units: dict[str, UnitInfo | CellError] = {}

    def unit(self, code: str) -> UnitInfo:
        cached = self._units.get(code)
        if cached is None:
            cached = self._units[code] = self._resolve_unit(code)
        if isinstance(cached, CellError):
            raise cached
        return cached

    def _resolve_unit(self, code: str) -> UnitInfo | CellError:
        row = db.session.execute(
            select(Unit.id, Unit.name, Unit.path, Unit.active).where(Unit.code == code)
        ).first()
        if row is None:
            return CellError(N_("Không có đơn vị mã “%(value)s”."), value=code)
        if self.scopes is not None and not any(
            row.path.startswith(s) for s in self.scopes
        ):
            return CellError(
                N_("Đơn vị “%(value)s” nằm ngoài phạm vi của bạn."), value=code
            )
        if not row.path.startswith(self.campaign.unit.path):
            return CellError(
                N_("Đơn vị “%(value)s” không thuộc địa bàn của đợt đăng ký."),
                value=code,
            )
        if not row.active:
            return CellError(N_("Đơn vị “%(value)s” đã ngừng hoạt động."), value=code)
        return UnitInfo(row.id, fold(row.name))


def import_scopes(user: User) -> list[str]:
    """A unit officer imports for their subtree, the secretariat for its own."""
    return [*permissions.officer_scopes(user), *user.scope_paths(Role.SECRETARIAT)]


def context_for(campaign: Campaign, actor: User | None) -> ImportContext:
    """Refuse a campaign closed for registration (the message gives the deadline) or
    outside the actor's reach."""
    check_registration_open(campaign)
    if actor is None:
        return ImportContext(campaign, None, None)
    scopes = import_scopes(actor)
    path = campaign.unit.path
    if not any(path.startswith(s) or s.startswith(path) for s in scopes):
        raise NotAllowed(N_("Bạn không có quyền nhập hồ sơ vào đợt này."))
    return ImportContext(campaign, actor, scopes)


# ----------------------------------------------------------------------- validation


def validate_row(
    ctx: ImportContext, number: int, cells: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[RowError]]:
    """One row -> the values to insert, or its errors (one per faulty cell)."""
    errors: list[RowError] = []
    data: dict[str, Any] = {}

    def bad(column: Column, message: str, **values: Any) -> None:
        errors.append(RowError(number, column.header, message, values))

    for column in COLUMNS:
        raw = cells.get(column.key, "")
        try:
            if column.type in ("date", "int", "decimal"):
                data[column.key] = (
                    parse_date(raw)
                    if column.type == "date"
                    else parse_number(raw, decimal=column.type == "decimal")
                )
                continue
            if (
                column.key == "contact_phone"
                and isinstance(raw, int)
                and len(str(raw)) == 9
            ):
                raw = f"0{raw}"  # Excel drops the leading zero of a phone typed as a number
            text = _text(raw)
            if column.required and not text:
                raise CellError(N_("Chưa nhập."))
            if len(text) > column.max_length:
                raise CellError(
                    N_("Dài quá %(max)s ký tự (có %(length)s)."),
                    max=column.max_length,
                    length=len(text),
                )
            if column.type == "unit":
                data["unit"] = ctx.unit(text)
            elif column.type == "kind":
                kind = ctx.kinds.get(fold(text))
                if kind is None:
                    raise CellError(N_("Loại không hợp lệ: “%(value)s”."), value=text)
                data["kind"] = kind
            elif column.type == "field":
                field_id = ctx.fields.get(fold(text))
                if field_id is None:
                    raise CellError(
                        N_("Lĩnh vực “%(value)s” không có trong đợt đăng ký này."),
                        value=text,
                    )
                data["field_id"] = field_id
            elif column.type == "continuing":
                word = fold(text)
                if word not in CONTINUING_WORDS | NEW_WORDS:
                    raise CellError(
                        N_("Chỉ ghi “Mới” hoặc “Tiếp nối”, không phải “%(value)s”."),
                        value=text,
                    )
                data["is_continuing"] = word in CONTINUING_WORDS
            elif column.key == "contact_phone" and text and not _PHONE.match(text):
                raise CellError(
                    N_("Số điện thoại không hợp lệ: “%(value)s”."), value=text
                )
            elif column.key == "contact_email" and text and not _EMAIL.match(text):
                raise CellError(N_("Email không hợp lệ: “%(value)s”."), value=text)
            else:
                data[column.key] = (
                    _normalise_tags(text) if column.key == "tags" else text
                )
        except CellError as exc:
            bad(column, exc.message, **exc.values)
    start, end = data.get("start_date"), data.get("evaluation_date")
    if start and end and end < start:
        bad(BY_KEY["evaluation_date"], N_("Ngày đánh giá phải sau ngày bắt đầu."))
    if errors:
        return None, errors
    return data, []


def _insert_values(ctx: ImportContext, data: dict[str, Any], now: datetime) -> dict:
    unit: UnitInfo = data.pop("unit")
    values = {key: data.get(key, "") for key in TEXT_KEYS}
    for key in ("start_date", "evaluation_date", *(m.key for m in METRICS)):
        values[key] = data.get(key)
    # The model's own recipe for the search column (the unit's name comes last).
    probe = Exemplar(**{k: values[k] for k in TEXT_KEYS})
    values.update(
        campaign_id=ctx.campaign.id,
        unit_id=unit.id,
        field_id=data["field_id"],
        kind=data["kind"],
        is_continuing=data.get("is_continuing", False),
        state="draft",
        version=1,
        slug=slugify(values["name"]),
        # fold() collapses spaces, so folding the parts one by one gives the same text.
        search_text=f"{probe.searchable_text()} {unit.folded_name}".strip(),
        created_by_id=ctx.actor.id if ctx.actor else None,
        created_at=now,
        updated_at=now,
    )
    return values


# ----------------------------------------------------------------------- check/write

Progress = Callable[[str, int, int], None]


def _no_progress(_step: str, _done: int, _total: int) -> None:
    return None


@dataclass
class Outcome:
    """What a check found: rows read, the first errors and their count, a sample."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    spool: IO[bytes] | None = None
    #: (unit id, folded name) -> row, to look for duplicates in the database.
    keys: dict[tuple[int, str], int] = field(default_factory=dict)
    #: Rows refused only because the database already holds them.
    db_duplicates: int = 0
    written: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add(self, errors: list[RowError]) -> None:
        self.error_count += len(errors)
        room = MAX_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
            self.spool = None


def check(
    ctx: ImportContext, path: Path, fmt: str, progress: Progress = _no_progress
) -> Outcome:
    """Validate every row of the file and look for duplicates; spool the good rows.

    The caller closes the outcome (its spool is a temporary file)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the caller)
    outcome = Outcome(spool=spool)
    keys = outcome.keys
    now = utcnow()
    max_rows = limit("BULK_MAX_ROWS")
    try:
        rows, declared = open_rows(path, fmt)
        header_row, mapping = find_header(rows)
        total = max((declared or 0) - header_row, 0)
        progress("check", 0, total)
        for number, values in rows:
            cells = {
                column.key: clean_cell(values[index])
                for index, column in mapping.items()
                if index < len(values)
            }
            if not any(v != "" for v in cells.values()):
                continue  # empty rows (often trailing ones) are not data
            outcome.rows += 1
            if outcome.rows > max_rows:
                raise FileRefused(
                    N_("Tệp có hơn %(max)s dòng dữ liệu; hãy chia thành nhiều tệp."),
                    max=max_rows,
                )
            data, errors = validate_row(ctx, number, cells)
            if data is not None:
                key = (data["unit"].id, fold(data["name"]))
                first = keys.setdefault(key, number)
                if first != number:
                    errors = [
                        RowError(
                            number,
                            BY_KEY["name"].header,
                            N_(
                                "Trùng với dòng %(other)s của tệp (cùng đơn vị, cùng tên)."
                            ),
                            {"other": first},
                        )
                    ]
            if errors:
                outcome.add(errors)
            elif outcome.ok:
                assert data is not None  # validate_row: data exactly when no errors
                if len(outcome.sample) < SAMPLE_ROWS:
                    outcome.sample.append(_sample(ctx, number, cells))
                pickle.dump(_insert_values(ctx, data, now), spool)
            if outcome.rows % 500 == 0:
                progress("check", outcome.rows, max(total, outcome.rows))
        progress("check", outcome.rows, outcome.rows)
    except FileRefused as exc:
        outcome.add([exc.error])
        return outcome
    if outcome.rows == 0:
        outcome.add([RowError(0, "", N_("Tệp không có dòng dữ liệu nào."))])
    elif outcome.ok:
        duplicates = _database_duplicates(ctx, keys)
        outcome.db_duplicates = len(duplicates)
        outcome.add(duplicates)
    return outcome


def _sample(ctx: ImportContext, number: int, cells: dict[str, Any]) -> dict[str, Any]:
    return {
        "row": number,
        "unit_code": _text(cells.get("unit_code", "")),
        "name": _text(cells.get("name", "")),
        "kind": _text(cells.get("kind", "")),
        "field": _text(cells.get("field", "")),
    }


def _database_duplicates(
    ctx: ImportContext, keys: dict[tuple[int, str], int]
) -> list[RowError]:
    """Rows whose unit already registered an entry of the same folded name here."""
    unit_ids = sorted({unit_id for unit_id, _name in keys})
    errors = []
    for start in range(0, len(unit_ids), 500):
        stmt = select(Exemplar.unit_id, Exemplar.name).where(
            Exemplar.campaign_id == ctx.campaign.id,
            Exemplar.unit_id.in_(unit_ids[start : start + 500]),
        )
        for unit_id, name in db.session.execute(stmt.execution_options(yield_per=2000)):
            row = keys.get((unit_id, fold(name)))
            if row is not None:
                errors.append(
                    RowError(
                        row,
                        BY_KEY["name"].header,
                        N_(
                            "Đơn vị đã đăng ký mô hình, điển hình “%(value)s” trong đợt này."
                        ),
                        {"value": name},
                    )
                )
    return sorted(errors, key=lambda e: e.row)


def write(
    ctx: ImportContext, outcome: Outcome, progress: Progress = _no_progress
) -> int:
    """Insert the spooled rows with Core ``insert()`` in batches; never commits.

    Duplicates against the database are looked for again first, inside the writing
    transaction: another import may have landed since the check."""
    assert outcome.ok and outcome.spool is not None
    duplicates = _database_duplicates(ctx, outcome.keys)
    if duplicates:
        outcome.db_duplicates = len(duplicates)
        outcome.add(duplicates)
        return 0
    spool = outcome.spool
    spool.seek(0)
    table = table_of(Exemplar)
    written, batch = 0, []
    progress("write", 0, outcome.rows)
    while True:
        try:
            batch.append(pickle.load(spool))
        except EOFError:
            break
        if len(batch) == BATCH:
            db.session.execute(insert(table), batch)
            written += len(batch)
            batch = []
            progress("write", written, outcome.rows)
    if batch:
        db.session.execute(insert(table), batch)
        written += len(batch)
    progress("write", written, outcome.rows)
    outcome.written = written
    exemplars_imported.send(ctx.campaign, count=written, actor=ctx.actor)
    log.info("imported %d exemplars into campaign %s", written, ctx.campaign.id)
    return written


def import_file(
    ctx: ImportContext,
    path: Path,
    fmt: str,
    progress: Progress = _no_progress,
    *,
    separate_read: bool = False,
) -> Outcome:
    """Check the file and, when every row is good, write them all (the caller commits,
    or rolls back when the outcome has errors).

    With ``separate_read`` (jobs and the command line) the check runs in a read-only
    transaction and the writes in a second one, so a long check never holds SQLite's
    write lock. The caller closes the outcome."""
    token = write_intent.set(False) if separate_read else None
    try:
        outcome = check(ctx, path, fmt, progress)
    finally:
        if token is not None:
            db.session.rollback()  # nothing was written: this ends the read
            write_intent.reset(token)
    if outcome.ok:
        write(ctx, outcome, progress)
    return outcome


# -------------------------------------------------------------------------- staging


def import_folder() -> Path:
    folder = Path(current_app.config["IMPORT_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stage_upload(stream: IO[bytes], filename: str) -> tuple[str, str]:
    """Keep the uploaded file under a random name until it is imported or dropped."""
    fmt = detect_format(filename)
    name = f"{secrets.token_urlsafe(16)}.{fmt}"
    with open(import_folder() / name, "wb") as out:
        while chunk := stream.read(1 << 20):
            out.write(chunk)
    return name, fmt


def staged_path(record: JobRecord) -> Path:
    return import_folder() / record.params["stored"]


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


def record_progress(huey, record: JobRecord) -> Progress:
    """Progress reports onto ``record``, at most two a second (and the last one)."""
    last = [0.0]

    def progress(step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done in (0, total) or now - last[0] > 0.5:
            last[0] = now
            records.progress(huey, record, step, done, total)

    return progress


def run_record(
    record: JobRecord, actor: User | None, huey, *, apply: bool, separate_read: bool
) -> Outcome:
    """Check (and with ``apply`` write) the staged file of ``record`` in the current
    session, reporting progress on the record; the caller commits or rolls back."""
    campaign = db.session.get(Campaign, record.params["campaign_id"])
    if campaign is None:
        raise InvalidInput(N_("Không tìm thấy đợt đăng ký."))
    ctx = context_for(campaign, actor)
    path, fmt = staged_path(record), record.params["format"]
    progress = record_progress(huey, record)
    if apply:
        return import_file(ctx, path, fmt, progress, separate_read=separate_read)
    return check(ctx, path, fmt, progress)


def finish_record(
    record: JobRecord, outcome: Outcome, *, applied: bool, discard: bool = True
) -> None:
    """Copy the outcome onto the record; the staged file goes once it is of no use."""
    if applied and outcome.ok:
        state = "done"
        record.result["created"] = outcome.written
        record.result.pop("committing", None)
    elif (
        record.result.pop("committing", False)
        and outcome.rows
        and outcome.db_duplicates == outcome.error_count == outcome.rows
    ):
        # An earlier attempt committed and died before saying so: every row is
        # already in the database, exactly once.
        state = "done"
        record.result["created"] = outcome.rows
        outcome.errors, outcome.error_count = [], 0
    else:
        state = "ready" if outcome.ok else "invalid"
    record.state = state
    record.errors = [asdict(e) for e in outcome.errors]
    record.error_count = outcome.error_count
    record.result.update(rows=outcome.rows, sample=outcome.sample)
    if discard and state in ("done", "invalid"):
        discard_staged(record)


def run_job(app: Flask, record: JobRecord) -> None:
    """Background handler: check, or check and write, one staged file.

    A job has no request: it opens its own app context and commits itself. The file is
    the batch: one commit after every row is in, so a job killed half-way leaves
    nothing and runs again from the start (see :func:`dankheo.jobs.recover_stale`)."""
    from ..jobs import queue_for

    huey = queue_for(app).huey
    apply = record.params.get("phase") == "apply"
    with app.app_context(), contextlib.ExitStack() as stack:
        try:
            actor = db.session.get(User, record.owner_id) if record.owner_id else None
            stack.enter_context(acting_as(actor))  # the job acts for its uploader
            record.state = "running"
            records.save(huey, record)
            try:
                outcome = run_record(
                    record, actor, huey, apply=apply, separate_read=True
                )
            except (InvalidInput, NotAllowed) as exc:
                db.session.rollback()
                records.fail(huey, record, exc.template, **exc.values)
                discard_staged(record)
                return
            try:
                if apply and outcome.ok:
                    record.state = "committing"
                    record.result["committing"] = True
                    records.save(huey, record)
                    db.session.commit()
                else:
                    db.session.rollback()
                finish_record(record, outcome, applied=apply)
                records.save(huey, record)
            finally:
                outcome.close()
        finally:
            db.session.remove()


def discard_staged(record: JobRecord, app: Flask | None = None) -> None:
    stored = record.params.get("stored")
    if stored:
        folder = Path((app or current_app).config["IMPORT_FOLDER"])
        with contextlib.suppress(FileNotFoundError):
            os.unlink(folder / stored)


def start_import(
    *, campaign: Campaign, actor: User, stream: IO[bytes], filename: str
) -> JobRecord:
    """Keep the uploaded file and check it: here for a small file, else as a job.

    The XLSX limits are checked before any row is read; a refused file is not kept."""
    from ..jobs import queue_for, start

    context_for(campaign, actor)  # refuses a closed campaign or a foreign one
    stored, fmt = stage_upload(stream, filename)
    record = JobRecord(
        kind=JOB_KIND,
        owner_id=actor.id,
        params={
            "campaign_id": campaign.id,
            "stored": stored,
            "format": fmt,
            "original_name": filename[:200],
            "phase": "check",
        },
    )
    try:
        rows = estimated_rows(staged_path(record), fmt)
    except FileRefused as exc:
        discard_staged(record)
        raise InvalidInput(exc.error.message, field="file", **exc.error.values) from exc
    huey = queue_for().huey
    records.save(huey, record)
    if rows > limit("BULK_INLINE_ROWS"):
        start(record)
        return record
    record.state = "running"
    outcome = run_record(record, actor, huey, apply=False, separate_read=False)
    try:
        finish_record(record, outcome, applied=False)
    finally:
        outcome.close()
    records.save(huey, record)
    return record


def confirm_import(record: JobRecord, *, actor: User) -> JobRecord:
    """Write a checked file: here when it is small (the request commits), else as a job.

    The rows are checked again: the database may have changed since the preview."""
    from ..jobs import queue_for, save_after_commit, start

    if record.state != "ready":
        raise InvalidInput(N_("Tệp này không còn chờ xác nhận."))
    record.params["phase"] = "apply"
    if record.result.get("rows", 0) > limit("BULK_INLINE_ROWS"):
        start(record)
        return record
    huey = queue_for().huey
    record.state = "running"
    records.save(huey, record)
    outcome = run_record(record, actor, huey, apply=True, separate_read=False)
    try:
        if outcome.ok:
            # "done" is saved once the request's transaction has committed; if it
            # never does, the record goes stale and a consumer runs it again.
            record.state = "committing"
            record.result["committing"] = True
            records.save(huey, record)
            # The staged file stays until pruning, in case the commit fails.
            finish_record(record, outcome, applied=True, discard=False)
            save_after_commit(record)
        else:
            finish_record(record, outcome, applied=True)
            records.save(huey, record)
    finally:
        outcome.close()
    return record


register_handler(
    JOB_KIND,
    run_job,
    cleanup=lambda app, record: discard_staged(record, app),
)


# ------------------------------------------------------------------------- template

GUIDE = (
    N_("Mỗi dòng một mô hình, điển hình; giữ nguyên dòng tiêu đề (tên các cột)."),
    N_("Bắt buộc: Mã đơn vị, Loại, Lĩnh vực, Tên mô hình, điển hình."),
    N_("Ngày ghi ngày/tháng/năm (25/10/2026); số ghi kiểu Việt Nam (15.590,5)."),
    N_("Tệp được kiểm tra toàn bộ trước; có lỗi thì không dòng nào được lưu."),
)
#: Values written in the file (the reader accepts these Vietnamese words).
NEW, CONTINUING = "Mới", "Tiếp nối"


def template_rows(ctx: ImportContext) -> dict[str, list[str]]:
    """The allowed values of the dropdowns, one list per column."""
    units = db.session.execute(
        select(Unit.code)
        .where(Unit.path.startswith(ctx.campaign.unit.path), Unit.active.is_(True))
        .where(
            *(
                []
                if ctx.scopes is None
                else [or_(*[Unit.path.startswith(s) for s in ctx.scopes])]
            )
        )
        .order_by(Unit.path)
        .limit(limit("BULK_MAX_ROWS"))
    ).scalars()
    return {
        "unit_code": list(units),
        "kind": [k.label for k in ExemplarKind],
        "field": ctx.field_names,
        "is_continuing": [NEW, CONTINUING],
    }


def write_template(ctx: ImportContext) -> bytes:
    """The XLSX template: a title row, the Vietnamese header, dropdowns for unit code,
    kind, field and new/continuing, and a sheet of the allowed values.

    The only XLSX this module writes; cells are written as text (never formulas) and
    characters XML cannot carry are dropped."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    def put(ws, row: int, col: int, value: Any, **style: Any) -> None:
        cell = ws.cell(row=row, column=col)
        cell.value = (
            ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
        )
        if isinstance(value, str):
            cell.data_type = "s"  # "=..." stays text, never a formula
        for name, val in style.items():
            setattr(cell, name, val)

    allowed = template_rows(ctx)
    wb = Workbook()
    ws = wb.active
    ws.title = translate(N_("Đăng ký"))[:31]
    put(
        ws,
        1,
        1,
        translate(
            N_("Đăng ký mô hình, điển hình “Dân vận khéo” — %(campaign)s"),
            campaign=ctx.campaign.name,
        ),
        font=Font(bold=True, size=13),
    )
    header_row, last_row = 2, 2 + limit("BULK_MAX_ROWS")
    for index, column in enumerate(COLUMNS, start=1):
        put(ws, header_row, index, column.header, font=Font(bold=True))
        ws.cell(row=header_row, column=index).alignment = Alignment(wrap_text=True)
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    values = wb.create_sheet(translate(N_("Giá trị hợp lệ"))[:31])
    keys = list(allowed)
    for col, key in enumerate(keys, start=1):
        put(values, 1, col, BY_KEY[key].header, font=Font(bold=True))
        for row, value in enumerate(allowed[key], start=2):
            put(values, row, col, value)
        values.column_dimensions[get_column_letter(col)].width = 34
        target = get_column_letter(list(BY_KEY).index(key) + 1)
        source = get_column_letter(col)
        validation = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(values.title)}!${source}$2:${source}${max(2, len(allowed[key]) + 1)}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=translate(N_("Giá trị không hợp lệ")),
            error=translate(
                N_("Hãy chọn một giá trị trong danh sách (xem trang “Giá trị hợp lệ”).")
            ),
        )
        validation.add(f"{target}{header_row + 1}:{target}{last_row}")
        ws.add_data_validation(validation)
    guide = wb.create_sheet(translate(N_("Hướng dẫn"))[:31])
    for row, line in enumerate(GUIDE, start=1):
        put(guide, row, 1, translate(line))
    guide.column_dimensions["A"].width = 90
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
