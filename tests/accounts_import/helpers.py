"""Shared set-up of the accounts import tests: a unit tree, a secretariat, files."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from dankheo.domain.enums import Role, UnitTier

HEADER = ["Mã đơn vị", "Vai trò", "Họ và tên", "Tên đăng nhập", "Email", "Chức vụ"]


def tree(make):
    """A province (its secretariat), a commune, a grassroots cell, another province."""
    province = make.unit(tier=UnitTier.PROVINCE, code="QN", name="Tỉnh Quảng Ninh")
    commune = make.unit(parent=province, code="QN-HG", name="Phường Hồng Gai")
    cell = make.unit(
        parent=commune, tier=UnitTier.GRASSROOTS, code="QN-HG-K1", name="Chi bộ khu 1"
    )
    other = make.unit(tier=UnitTier.PROVINCE, code="HN", name="Thành phố Hà Nội")
    secretary = make.user(role=Role.SECRETARIAT, unit=province, username="thuongtruc")
    make.db.session.commit()
    return province, commune, cell, other, secretary


def row(username="nguyenvana", unit="QN-HG", role="Cán bộ đơn vị", **values):
    data = {
        "unit": unit,
        "role": role,
        "name": values.get("name", "Nguyễn Văn A"),
        "username": username,
        "email": values.get("email", f"{username}@example.vn"),
        "position": values.get("position", "Chuyên viên"),
    }
    return list(data.values())


def xlsx(rows, title: str | None = "Danh sách tài khoản", trailing: int = 0) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    for _ in range(trailing):
        ws.append(["", "", None, "", "", ""])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, delimiter=",", bom=True) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + text.getvalue().encode("utf-8")


def password_rows(body: bytes) -> dict[str, str]:
    """username -> first password, from a password file."""
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    header = [c.value for c in sheet[1]]
    user_col, pw_col = header.index("Tên đăng nhập"), header.index("Mật khẩu ban đầu")
    return {
        r[user_col]: r[pw_col]
        for r in sheet.iter_rows(min_row=2, values_only=True)
        if r[user_col] and r[pw_col]
    }
