"""Checking the rows of an import file: the context they are checked in, one row's
validation, and the whole file's check (duplicates in the file and in the database),
which spools the rows ready to insert."""

from __future__ import annotations

import pickle
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from ...auth.models import User
from ...campaigns.lifecycle import check_registration_open
from ...campaigns.models import Campaign
from ...db import utcnow
from ...domain import N_
from ...domain.enums import ExemplarKind, Role
from ...domain.metrics import METRICS
from ...domain.text import fold, search_words, slugify
from ...errors import NotAllowed
from ...extensions import db
from ...jobs.records import MAX_ERRORS
from ...units.models import Unit
from .. import permissions
from ..models import Exemplar
from .columns import BY_KEY, COLUMNS, TEXT_KEYS, Column, limit
from .reading import (
    CellError,
    FileRefused,
    RowError,
    clean_cell,
    find_header,
    open_rows,
    parse_date,
    parse_number,
)

SAMPLE_ROWS = 10
CONTINUING_WORDS = {"tiep noi", "duy tri", "continuing", "x", "co"}
NEW_WORDS = {"", "moi", "new", "khong"}
_PHONE = re.compile(r"^[0-9+() .-]{6,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
    #: The unit's name as the search indexes it (:func:`search_words`).
    name_words: str


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
        return UnitInfo(row.id, search_words(row.name))


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
        # Words joined by single spaces: the parts one by one give the same text.
        search_text=f"{probe.searchable_text()} {unit.name_words}".strip(),
        created_by_id=ctx.actor.id if ctx.actor else None,
        created_at=now,
        updated_at=now,
    )
    return values


# ------------------------------------------------------------------------- check

Progress = Callable[[str, int, int], None]


def no_progress(_step: str, _done: int, _total: int) -> None:
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
    ctx: ImportContext, path: Path, fmt: str, progress: Progress = no_progress
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
        duplicates = database_duplicates(ctx, keys)
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


def database_duplicates(
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
