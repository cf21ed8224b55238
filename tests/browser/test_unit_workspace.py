"""A unit officer's journey in a real browser: log in, register, fix errors, attach, submit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dankheo.domain.enums import Role, UnitTier

from ..factories import PASSWORD
from .conftest import login

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def officer(make):
    province = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Quảng Ninh")
    ward = make.unit(parent=province, name="Phường Hồng Gai")
    make.campaign(unit=province, name="Dân vận khéo năm 2026")
    user = make.user(role=Role.UNIT_OFFICER, unit=ward, name="Trần Thị Hòa")
    make.db.session.commit()
    return user


def test_officer_registers_and_submits(
    page, live_server, officer, artifacts_dir, tmp_path
):
    login(page, live_server, officer.username, PASSWORD)
    page.goto(f"{live_server}/registry/")
    page.screenshot(path=artifacts_dir / "registry-empty.png", full_page=True)
    expect(page.get_by_text("Chưa có hồ sơ nào phù hợp.")).to_be_visible()

    with page.expect_navigation():
        page.get_by_role("link", name="Đăng ký mô hình, điển hình").first.click()
    page.get_by_label("1. Tên mô hình, điển hình").fill(
        "Hiến đất mở rộng đường khu phố"
    )
    page.get_by_label("2. Thực trạng, lý do xây dựng").fill(
        "Đường khu phố hẹp, xe cứu hỏa không vào được."
    )
    page.get_by_label("3. Mục tiêu, tiêu chí").fill(
        "Mở rộng 1,2 km đường trong năm 2026."
    )
    page.get_by_label("4. Nội dung, cách thức thực hiện").fill(
        "Họp dân từng tổ, công khai thiết kế, vận động từng hộ."
    )
    page.get_by_label("9. Sản phẩm, kết quả đầu ra").fill(
        "1,2 km đường rộng 5 m; 86 hộ hiến đất."
    )
    page.get_by_label("Hộ dân được vận động").fill("-3")
    page.get_by_label("Kinh phí huy động").fill("1.490,5")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu bản nháp").click()
    # A bad number: the page says why, keeps everything typed.
    expect(page.get_by_text("Không được là số âm.")).to_be_visible()
    assert (
        page.get_by_label("2. Thực trạng, lý do xây dựng")
        .input_value()
        .startswith("Đường khu phố hẹp")
    )
    page.screenshot(path=artifacts_dir / "registry-form-error.png", full_page=True)

    page.get_by_label("Hộ dân được vận động").fill("86")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.get_by_text("Đã lưu bản nháp")).to_be_visible()
    expect(page.get_by_text("1.490,5").first).to_be_visible()

    photo = tmp_path / "Ảnh hiện trường.png"
    photo.write_bytes(PNG)
    page.set_input_files("input[type=file]", str(photo))
    with page.expect_navigation():
        page.get_by_role("button", name="Tải lên").click()
    expect(page.get_by_role("link", name="Ảnh hiện trường.png")).to_be_visible()

    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi đăng ký").click()
    expect(page.get_by_text("Đã gửi đăng ký")).to_be_visible()
    assert page.locator(".state-badge").inner_text() == "Đang thẩm định"
    assert page.get_by_role("link", name="Sửa hồ sơ").count() == 0
    page.screenshot(path=artifacts_dir / "registry-submitted.png", full_page=True)


def test_keyboard_skip_link_and_phone_layout(
    phone, page, live_server, officer, artifacts_dir
):
    page.goto(f"{live_server}/auth/login")
    page.keyboard.press("Tab")
    assert (
        page.evaluate("document.activeElement.textContent").strip()
        == "Bỏ qua, đến nội dung chính"
    )
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#main'")

    login(phone, live_server, officer.username, PASSWORD)
    phone.goto(f"{live_server}/registry/")
    # The menu collapses behind the toggler on a phone and opens on tap.
    toggler = phone.get_by_role("button", name="Mở menu")
    expect(toggler).to_be_visible()
    expect(phone.get_by_role("link", name="Đơn vị đăng ký")).to_be_hidden()
    toggler.click()
    expect(phone.locator("#mainnav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    expect(phone.get_by_role("link", name="Đơn vị đăng ký")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no horizontal scrolling on a phone"
    phone.screenshot(path=artifacts_dir / "registry-phone.png", full_page=True)
