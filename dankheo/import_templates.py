"""The XLSX templates importers hand out: a title row, the header, dropdowns fed from
a sheet of allowed values, and a short guide. One writer for every import template
(exemplars, accounts); cells are written as text, never formulas, and characters XML
cannot carry are dropped. Reading the filled-in file back is :mod:`dankheo.workbooks`'s
business."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .domain import N_
from .errors import translate
from .spreadsheets import sheet_title


@dataclass(frozen=True)
class Allowed:
    """One column of the allowed-values sheet; ``column`` (1-based, in the main sheet)
    gets a dropdown of these values, or none when it is None (a list to read)."""

    header: str
    values: Sequence[str]
    column: int | None = None


def _put(ws, row: int, col: int, value: Any, **style: Any) -> None:
    cell = ws.cell(row=row, column=col)
    cell.value = (
        ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
    )
    if isinstance(value, str):
        cell.data_type = "s"  # "=..." stays text, never a formula
    for name, val in style.items():
        setattr(cell, name, val)


def template_xlsx(
    *,
    sheet: str,
    title: str,
    columns: Sequence[tuple[str, int]],
    allowed: Sequence[Allowed],
    guide: Sequence[str],
    max_rows: int,
) -> bytes:
    """The workbook: ``title`` in row 1, the header (text, width) in row 2, dropdowns
    on rows 3 to ``max_rows`` + 2, the allowed values and the guide on their own
    sheets. Every text is given already translated."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(sheet)
    _put(ws, 1, 1, title, font=Font(bold=True, size=13))
    header_row, last_row = 2, 2 + max_rows
    for index, (header, width) in enumerate(columns, start=1):
        _put(ws, header_row, index, header, font=Font(bold=True))
        ws.cell(row=header_row, column=index).alignment = Alignment(wrap_text=True)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    values = wb.create_sheet(sheet_title(translate(N_("Giá trị hợp lệ"))))
    for col, choice in enumerate(allowed, start=1):
        _put(values, 1, col, choice.header, font=Font(bold=True))
        for row, value in enumerate(choice.values, start=2):
            _put(values, row, col, value)
        values.column_dimensions[get_column_letter(col)].width = 34
        if choice.column is None:
            continue
        target = get_column_letter(choice.column)
        source = get_column_letter(col)
        validation = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(values.title)}!${source}$2:${source}${max(2, len(choice.values) + 1)}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=translate(N_("Giá trị không hợp lệ")),
            error=translate(
                N_("Hãy chọn một giá trị trong danh sách (xem trang “Giá trị hợp lệ”).")
            ),
        )
        validation.add(f"{target}{header_row + 1}:{target}{last_row}")
        ws.add_data_validation(validation)
    guide_sheet = wb.create_sheet(sheet_title(translate(N_("Hướng dẫn"))))
    for row, line in enumerate(guide, start=1):
        _put(guide_sheet, row, 1, line)
    guide_sheet.column_dimensions["A"].width = 90
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
