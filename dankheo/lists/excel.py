"""The list as an Excel workbook: the office layout (merged header, motto, borders,
page set-up) is drawn here; every cell value goes through the product's one cell rule
(:func:`dankheo.spreadsheets.cell`: formulas neutralised, characters XML cannot carry
dropped, numbers finite). Rows stream in write-only mode; the file is spooled to disk.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..spreadsheets import cell as spreadsheet_cell
from .document import ListDocument

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_list_xlsx(doc: ListDocument) -> Iterator[bytes]:
    """Stream the list as one landscape A4 sheet: header and motto, title, the table
    with its heading row repeated on every printed page, subtotals, total, date line
    and signature. Text that a spreadsheet would read as a formula (= + - @) is
    prefixed with an apostrophe."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(doc.title[:31].strip() or "DS")
    ncols = len(doc.columns)
    last = get_column_letter(ncols)
    for i, col in enumerate(doc.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = round(col.width * 2.2, 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    footer = doc.page_label % {"page": "&P", "pages": "&N"}
    if doc.proof_footer:
        footer = f"{footer} · {doc.proof_footer}"
    ws.oddFooter.center.text = footer
    ws.print_options.horizontalCentered = True

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    bold = Font(name="Times New Roman", bold=True, size=12)
    plain = Font(name="Times New Roman", size=12)
    italic = Font(name="Times New Roman", italic=True, size=12)
    grey = PatternFill("solid", fgColor="EEEEEE")
    row_no = 0

    def cell(value, font=plain, align=wrap, border=None, fill=None):
        c = WriteOnlyCell(ws, value=spreadsheet_cell(value))
        c.font = font
        c.alignment = align
        if border is not None:
            c.border = border
        if fill is not None:
            c.fill = fill
        return c

    def merged_line(text, font=plain, align=center, start=1, end=ncols, **kw):
        nonlocal row_no
        row_no += 1
        cells = [cell("", font, align, **kw) for _i in range(ncols)]
        cells[start - 1] = cell(text, font, align, **kw)
        ws.append(cells)
        if end > start:
            ws.merged_cells.add(
                f"{get_column_letter(start)}{row_no}:{get_column_letter(end)}{row_no}"
            )

    # Header: issuing body (left, columns A-D) and motto (right, E-last).
    split = 4
    left = doc.issuing_lines or [""]
    right = list(doc.motto)
    for i in range(max(len(left), len(right))):
        row_no += 1
        l_text = left[i] if i < len(left) else ""
        r_text = right[i] if i < len(right) else ""
        l_font = bold if i == len(left) - 1 else plain
        r_font = bold
        cells = [cell("", plain, center) for _i in range(ncols)]
        cells[0] = cell(l_text, l_font, center)
        cells[split] = cell(r_text, r_font, center)
        ws.append(cells)
        ws.merged_cells.add(f"A{row_no}:{get_column_letter(split)}{row_no}")
        ws.merged_cells.add(f"{get_column_letter(split + 1)}{row_no}:{last}{row_no}")
    merged_line("")
    merged_line(doc.title, bold)
    merged_line(doc.subtitle, bold)
    merged_line(doc.reference, italic)
    merged_line("")

    row_no += 1
    header_row = row_no
    ws.append([cell(c.label, bold, center, box, grey) for c in doc.columns])
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.freeze_panes = f"A{header_row + 1}"

    for line in doc.lines():
        if line.kind == "row":
            row_no += 1
            values = line.cells
            out = [cell(v, plain, wrap, box) for v in values]
            out[0] = cell(line.number, plain, center, box)
            ws.append(out)
        elif line.kind == "group":
            merged_line(
                line.text, bold, Alignment(vertical="center"), border=box, fill=grey
            )
        else:
            merged_line(line.text, bold, Alignment(vertical="center"), border=box)
    if not doc.total:
        merged_line(doc.empty_text, italic, border=box)

    merged_line("")
    merged_line(doc.place_date, italic, start=split + 1)
    for text in doc.signer_lines:
        merged_line(text, bold, start=split + 1)
    for _i in range(3):
        merged_line("", start=split + 1)
    merged_line(doc.signer_name, bold, start=split + 1)
    if doc.proof_lines:
        # An issued list's digest in its last rows (the QR code is on the PDF and
        # the print; the address here can be typed or clicked).
        merged_line("")
        short, where, full = doc.proof_lines
        left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        merged_line(short, bold, left)
        merged_line(where, plain, left)
        merged_line(full, Font(name="Times New Roman", size=9), left)

    with tempfile.TemporaryFile() as fh:
        wb.save(fh)
        fh.seek(0)
        while chunk := fh.read(64 * 1024):
            yield chunk
