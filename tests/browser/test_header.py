"""The header on a desktop: every link of a user holding every role, in Vietnamese and
in English, fits the width without a sideways scroll and without overlapping."""

from __future__ import annotations

import pytest

from dankheo.domain.enums import Role

from ..factories import PASSWORD
from .conftest import login, no_horizontal_scroll

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [992, 1280])
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
