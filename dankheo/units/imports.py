"""Import a unit tree from an Excel sheet: validate every row first, then write all rows
in one transaction, or none.

The work is bounded before any row is read (:mod:`dankheo.workbooks`): the archive's
uncompressed size and the sheet's declared dimension must fit the limits below, and
every row walked counts against :data:`MAX_ROWS`, empty or not."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy import select

from ..domain import N_
from ..domain.enums import UnitKind, UnitTier
from ..domain.text import fold
from ..extensions import db
from ..inputs import gate_cell
from ..workbooks import WorkbookRefused, open_workbook
from .models import Unit
from .operations import create_unit, tier_fits_under

log = logging.getLogger(__name__)

COLUMNS = (
    N_("Mã đơn vị"),
    N_("Tên đơn vị"),
    N_("Cấp"),
    N_("Loại đơn vị"),
    N_("Mã đơn vị cấp trên"),
)
MAX_ROWS = 20000
#: Columns a sheet may declare (ours has five; some room for the unit's own notes).
MAX_COLUMNS = 50
#: Far above what 20,000 rows of five short cells unzip to.
MAX_UNZIPPED_MB = 32


@dataclass
class RowError:
    row: int
    column: str
    message: str
    params: dict = field(default_factory=dict)


@dataclass
class UnitRow:
    row: int
    code: str
    name: str
    tier: str
    kind: str
    parent_code: str


def _lookup(enum, text: str) -> str | None:
    """Accept the stored value ("commune") or its Vietnamese label, with or without marks."""
    key = fold(text)
    for member in enum:
        if key in (member.value, fold(member.label)):
            return member.value
    return None


def read_rows(stream: BinaryIO) -> tuple[list[UnitRow], list[RowError]]:
    """Parse the sheet; shape errors (missing cells, unknown tier) are reported per row."""
    try:
        wb = open_workbook(
            stream,
            max_rows=MAX_ROWS + 1,
            max_cols=MAX_COLUMNS,
            max_unzipped_mb=MAX_UNZIPPED_MB,
        )
    except WorkbookRefused as exc:
        return [], [RowError(0, "", exc.template, dict(exc.values))]
    ws = wb.worksheets[0]
    rows: list[UnitRow] = []
    errors: list[RowError] = []
    for index, values in enumerate(
        ws.iter_rows(min_row=2, max_col=MAX_COLUMNS, values_only=True), start=2
    ):
        if index > MAX_ROWS + 1:
            # Counted before the empty rows are skipped: walking them costs too.
            errors.append(
                RowError(
                    index,
                    "",
                    N_("Tệp quá nhiều dòng (tối đa %(max)s)."),
                    {"max": MAX_ROWS},
                )
            )
            break
        # Every cell through the input gate, like a form field (NFC, no invisible
        # characters, NUL and overlong text refused).
        gated = [gate_cell(v) for v in (list(values) + [None] * 5)[:5]]
        cells = [text for text, _refused in gated]
        if not any(cells) and not any(refused for _text, refused in gated):
            continue
        for column, (_text, refused) in zip(COLUMNS, gated, strict=True):
            if refused is not None:
                errors.append(
                    RowError(index, column, refused.template, dict(refused.values))
                )
        code, name, tier_text, kind_text, parent_code = cells
        tier = _lookup(UnitTier, tier_text)
        kind = _lookup(UnitKind, kind_text)
        if not code:
            errors.append(RowError(index, COLUMNS[0], N_("Thiếu mã đơn vị.")))
        elif len(code) > 40:
            errors.append(RowError(index, COLUMNS[0], N_("Mã đơn vị quá dài.")))
        if not name:
            errors.append(RowError(index, COLUMNS[1], N_("Thiếu tên đơn vị.")))
        elif len(name) > 200:
            errors.append(RowError(index, COLUMNS[1], N_("Tên đơn vị quá dài.")))
        if tier is None:
            errors.append(
                RowError(
                    index,
                    COLUMNS[2],
                    N_("Cấp không hợp lệ: “%(value)s”."),
                    {"value": tier_text},
                )
            )
        if kind is None:
            errors.append(
                RowError(
                    index,
                    COLUMNS[3],
                    N_("Loại đơn vị không hợp lệ: “%(value)s”."),
                    {"value": kind_text},
                )
            )
        if not parent_code:
            errors.append(RowError(index, COLUMNS[4], N_("Thiếu mã đơn vị cấp trên.")))
        rows.append(UnitRow(index, code, name, tier or "", kind or "", parent_code))
    wb.close()
    if not rows and not errors:
        errors.append(RowError(0, "", N_("Tệp không có dòng dữ liệu nào.")))
    return rows, errors


def check_tree(rows: list[UnitRow], scopes: list[str]) -> list[RowError]:
    """Codes unique, parents known (in the database inside the scope, or earlier in the
    file), and each unit one tier below its parent or lower."""
    errors: list[RowError] = []
    codes = [r.code for r in rows if r.code]
    existing = set(db.session.scalars(select(Unit.code).where(Unit.code.in_(codes))))
    parents = {
        u.code: u
        for u in db.session.scalars(
            select(Unit).where(
                Unit.code.in_({r.parent_code for r in rows if r.parent_code})
            )
        )
    }
    seen: dict[str, UnitRow] = {}
    for r in rows:
        if r.code in existing:
            errors.append(
                RowError(
                    r.row,
                    COLUMNS[0],
                    N_("Mã “%(value)s” đã có trong hệ thống."),
                    {"value": r.code},
                )
            )
        if r.code in seen:
            errors.append(
                RowError(
                    r.row,
                    COLUMNS[0],
                    N_("Mã “%(value)s” bị trùng trong tệp."),
                    {"value": r.code},
                )
            )
        parent_tier = None
        if r.parent_code in seen:
            parent_tier = seen[r.parent_code].tier
        elif r.parent_code in parents:
            parent = parents[r.parent_code]
            if not any(parent.path.startswith(p) for p in scopes):
                errors.append(
                    RowError(
                        r.row,
                        COLUMNS[4],
                        N_("Đơn vị cấp trên “%(value)s” nằm ngoài phạm vi quản lý."),
                        {"value": r.parent_code},
                    )
                )
            parent_tier = parent.tier
        elif r.parent_code:
            errors.append(
                RowError(
                    r.row,
                    COLUMNS[4],
                    N_(
                        "Không tìm thấy đơn vị cấp trên “%(value)s” (phải có sẵn hoặc ở dòng phía trên)."
                    ),
                    {"value": r.parent_code},
                )
            )
        if parent_tier and r.tier and not tier_fits_under(r.tier, parent_tier):
            errors.append(
                RowError(
                    r.row,
                    COLUMNS[2],
                    N_("Cấp của đơn vị không được cao hơn cấp của đơn vị cấp trên."),
                )
            )
        if r.code:
            seen.setdefault(r.code, r)
    return errors


def apply_rows(rows: list[UnitRow]) -> list[Unit]:
    """Create the checked rows in file order (parents before children)."""
    by_code: dict[str, Unit] = {
        u.code: u
        for u in db.session.scalars(
            select(Unit).where(Unit.code.in_({r.parent_code for r in rows}))
        )
    }
    created = []
    for r in rows:
        unit = create_unit(
            code=r.code,
            name=r.name,
            tier=r.tier,
            kind=r.kind,
            parent=by_code[r.parent_code],
        )
        by_code[r.code] = unit
        created.append(unit)
    log.info("imported %d units", len(created))
    return created
