"""The inbox in a real browser: the unread count in the header (on a phone too, beside
the menu button), marking read, and no serious accessibility violation."""

from __future__ import annotations

import pytest

from dankheo.domain.enums import Role
from dankheo.notifications.models import Notification

from ..factories import PASSWORD
from .axe import violations
from .conftest import login, no_horizontal_scroll

pytestmark = pytest.mark.browser


@pytest.fixture
def officer(make):
    user = make.user(role=Role.UNIT_OFFICER, name="Lê Thị Thu")
    make.db.session.add_all(
        [
            Notification(
                user_id=user.id,
                message="returned",
                data={
                    "name": "Đường hoa nông thôn mới",
                    "note": "Thiếu ảnh hiện trạng",
                },
                link="/registry/",
            ),
            Notification(
                user_id=user.id,
                message="digest",
                data={"counts": {"passed": 12, "rejected": 3}},
                link="/registry/",
            ),
        ]
    )
    make.db.session.commit()
    return user


def test_inbox_and_unread_count(page, live_server, officer):
    login(page, live_server, officer.username, PASSWORD)
    header = page.locator("header")
    bell = header.get_by_role("link", name="Thông báo 2 chưa đọc")
    assert bell.is_visible()
    bell.click()
    page.wait_for_url("**/notifications/")
    assert page.get_by_text(
        "Hồ sơ “Đường hoa nông thôn mới” được trả lại để bổ sung"
    ).is_visible()
    assert page.get_by_text("12 hồ sơ đạt vòng thẩm định").is_visible()
    assert violations(page) == []

    page.get_by_role("button", name="Đánh dấu đã đọc").first.click()
    page.wait_for_load_state()
    assert header.get_by_role("link", name="Thông báo 1 chưa đọc").is_visible()
    page.get_by_role("button", name="Đánh dấu tất cả đã đọc").click()
    page.wait_for_load_state()
    assert header.get_by_role("link", name="Thông báo", exact=True).is_visible()
    assert violations(page) == []


def test_phone_shows_the_count_beside_the_menu(phone, live_server, officer):
    login(phone, live_server, officer.username, PASSWORD)
    phone.goto(f"{live_server}/notifications/")
    bell = phone.locator("header").get_by_role("link", name="Thông báo 2 chưa đọc")
    assert bell.is_visible()  # without opening the menu
    # Light on the red header like the menu's links (axe cannot judge a gradient).
    color = "e => getComputedStyle(e).color"
    menu_link = phone.locator("header .navbar-nav .nav-link").first
    assert (
        bell.evaluate(color) == menu_link.evaluate(color) == "rgba(255, 255, 255, 0.92)"
    )
    no_horizontal_scroll(phone)
    assert violations(phone) == []
    phone.goto(f"{live_server}/notifications/preferences")
    assert phone.get_by_role("radio", name="Chỉ trong hộp thông báo").first.is_visible()
    no_horizontal_scroll(phone)
    assert violations(phone) == []
