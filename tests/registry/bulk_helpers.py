"""Shared set-up of the bulk import tests: a campaign tree and files to upload."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from dankheo.domain.enums import Role, UnitTier
from dankheo.registry import bulk

HEADER = [c.header for c in bulk.COLUMNS]


def tree(make):
    """A province with two communes; an officer of the first; a campaign of the province."""
    province = make.unit(tier=UnitTier.PROVINCE, code="QN", name="Tỉnh Quảng Ninh")
    commune = make.unit(parent=province, code="QN-HG", name="Phường Hồng Gai")
    other = make.unit(parent=province, code="QN-TY", name="Xã Tiên Yên")
    officer = make.user(role=Role.UNIT_OFFICER, unit=commune)
    campaign = make.campaign(unit=province)
    make.db.session.commit()
    return province, commune, other, officer, campaign


def row(name="Hiến đất làm đường", unit="QN-HG", **values):
    data = {
        "unit_code": unit,
        "kind": "Mô hình",
        "field": "Kinh tế",
        "name": name,
        "is_continuing": "Mới",
        "situation": "Đường hẹp",
        "start_date": "05/02/2026",
        "households": "1.250",
        "money_million": "15.590,5",
    }
    data.update(values)
    return [data.get(c.key, "") for c in bulk.COLUMNS]


def xlsx(rows, title: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, delimiter=";", bom=True) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + text.getvalue().encode()


def fill_template(body: bytes, rows) -> bytes:
    """Write rows under the header of a downloaded template, as a user would."""
    wb = load_workbook(io.BytesIO(body))
    ws = wb.worksheets[0]
    header_row = next(
        r[0].row for r in ws.iter_rows() if r[0].value == bulk.COLUMNS[0].header
    )
    for i, values in enumerate(rows, start=header_row + 1):
        for j, value in enumerate(values, start=1):
            ws.cell(row=i, column=j, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
