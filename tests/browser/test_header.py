"""The header on a desktop: every link of a user holding every role, in Vietnamese and
in English, fits the width without a sideways scroll and without overlapping, on one
line; below 1200px the menu waits behind its button."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dankheo.domain.enums import Role

from ..factories import PASSWORD
from .conftest import login, no_horizontal_scroll

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1200, 1280])
def test_every_role_link_fits_the_header(browser, live_server, make, width):
    admin = make.user(role=Role.ADMIN, name="Vũ Thị Ngân")  # every menu entry
    make.db.session.commit()
    context = browser.new_context(
        locale="vi-VN", viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    login(page, live_server, admin.username, PASSWORD)
    for lang in ("vi", "en"):
        page.goto(f"{live_server}/stats?lang={lang}")
        no_horizontal_scroll(page)
        header = page.locator("header nav").bounding_box()
        account = page.locator("header").get_by_role("button", name="Vũ Thị Ngân")
        box = account.bounding_box()
        assert box["x"] + box["width"] <= header["x"] + header["width"], lang
        brand = page.locator("header .navbar-brand").bounding_box()
        first = page.locator("header .navbar-nav .nav-link").first.bounding_box()
        assert brand["x"] + brand["width"] <= first["x"], f"{lang}: brand over the menu"
    context.close()


def _menu_lines(page) -> int:
    """How many lines the header's menu takes on a desktop: links side by side share
    one line; a link whose words wrap inside it counts its own lines."""
    boxes = [link.bounding_box() for link in page.locator("#mainnav .nav-link").all()]
    one_line = min(box["height"] for box in boxes)
    rows: list[float] = []
    for box in sorted(boxes, key=lambda b: b["y"]):
        if not rows or box["y"] >= rows[-1] + one_line / 2:
            rows.append(box["y"])
    return max(len(rows), *(round(box["height"] / one_line) for box in boxes))


@pytest.mark.parametrize("width", [992, 1100, 1199, 1200, 1400])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_menu_of_a_user_with_every_role_stays_on_one_line(
    browser, live_server, make, artifacts_dir, width, lang
):
    """Between Bootstrap's lg and xl breakpoints the Vietnamese menu of a user with
    several roles wrapped onto a second line under the brand."""
    admin = make.user(role=Role.ADMIN, name="Nguyễn Thị Minh Khai")
    make.db.session.commit()
    context = browser.new_context(
        locale="vi-VN", viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    login(page, live_server, admin.username, PASSWORD)
    page.goto(f"{live_server}/stats?lang={lang}")
    page.locator("header").screenshot(path=artifacts_dir / f"header-{lang}-{width}.png")
    no_horizontal_scroll(page)
    if page.locator("header .navbar-toggler").is_visible():
        page.locator("header .navbar-toggler").click()  # collapsed: one link a line
        expect(page.locator("#mainnav")).to_be_visible()
        page.locator("header").screenshot(
            path=artifacts_dir / f"header-{lang}-{width}-open.png"
        )
    else:
        assert _menu_lines(page) == 1
    context.close()
