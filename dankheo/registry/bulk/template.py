"""The XLSX template a unit fills in: the header, dropdowns of the allowed values and a
short guide."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import or_, select

from ...domain import N_
from ...domain.enums import ExemplarKind
from ...errors import translate
from ...extensions import db
from ...units.models import Unit
from .checking import ImportContext
from .columns import BY_KEY, COLUMNS, limit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
