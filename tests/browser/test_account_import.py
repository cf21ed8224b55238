"""The secretariat creates accounts from Excel in a real browser: upload, preview,
confirm, download the password file once; the new account must set its own password."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.accounts_import.helpers import csv_bytes, password_rows, row, tree
from tests.factories import PASSWORD

from .conftest import login

pytestmark = pytest.mark.browser


def test_upload_preview_confirm_download(page, live_server, make, db, tmp_path):
    *_units, secretary = tree(make)
    db.session.commit()
    upload = tmp_path / "tai-khoan.csv"
    upload.write_bytes(
        csv_bytes(
            [row("canbo.hg"), row("hoidong.qn", unit="QN", role="Thành viên hội đồng")]
        )
    )

    login(page, live_server, secretary.username, PASSWORD)
    page.goto(f"{live_server}/admin/users")
    page.get_by_role("link", name="Nhập từ Excel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập tài khoản từ Excel")
    page.get_by_label("Tệp Excel (.xlsx) hoặc CSV").set_input_files(str(upload))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(page.get_by_text("Tệp hợp lệ: 2 tài khoản sẵn sàng để tạo.")).to_be_visible()
    expect(page.get_by_role("cell", name="hoidong.qn", exact=True)).to_be_visible()

    page.get_by_role("button", name="Xác nhận tạo 2 tài khoản").click()
    expect(page.get_by_text("Đã tạo 2 tài khoản.")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải tệp mật khẩu ban đầu (.xlsx)").click()
    saved = tmp_path / "mat-khau.xlsx"
    info.value.save_as(saved)
    passwords = password_rows(saved.read_bytes())
    assert set(passwords) == {"canbo.hg", "hoidong.qn"}

    page.reload()
    expect(page.get_by_text("đã được tải về hoặc đã hết hạn")).to_be_visible()
    expect(
        page.get_by_role("button", name="Tải tệp mật khẩu ban đầu (.xlsx)")
    ).to_have_count(0)

    # The new officer logs in and is held on the password page.
    page.context.clear_cookies()
    login(page, live_server, "canbo.hg", passwords["canbo.hg"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Đổi mật khẩu")
    page.goto(f"{live_server}/registry/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đổi mật khẩu")
