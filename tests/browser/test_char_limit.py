"""A text field with a length limit tells the user about it: the browser would otherwise
cut a long paste at the limit without a word."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dankheo.domain.enums import Role

from ..factories import PASSWORD
from .conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def officer(make):
    user = make.user(role=Role.UNIT_OFFICER, name="Trần Thị Hòa")
    make.campaign(unit=user.unit, name="Dân vận khéo năm 2026")
    make.db.session.commit()
    return user


def _paste(page, field, text: str) -> None:
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    field.focus()
    page.keyboard.press("Control+V")


@pytest.mark.parametrize(
    ("lang", "near", "cut", "full"),
    [
        (
            "vi",
            "250/300 ký tự",
            "Đoạn vừa dán dài quá 300 ký tự nên 20 ký tự cuối đã bị cắt bớt.",
            "Đã đủ 300 ký tự: phần gõ thêm sẽ không được nhận.",
        ),
        (
            "en",
            "250/300 characters",
            "The pasted text went over 300 characters: its last 20 characters were cut.",
            "300 characters reached: anything more typed is not taken.",
        ),
    ],
)
def test_a_paste_cut_at_the_limit_is_said(
    browser, live_server, officer, artifacts_dir, lang, near, cut, full
):
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 1280, "height": 900}
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    login(page, live_server, officer.username, PASSWORD)
    page.goto(f"{live_server}/registry/new?lang={lang}")
    name = page.locator("#name")
    counter = page.locator("#name-count")
    expect(counter).to_have_attribute("aria-live", "polite")

    name.fill("Mô hình " + "a" * 50)
    expect(counter).to_have_text("")  # far from the limit: nothing to say
    name.fill("a" * 250)
    expect(counter).to_have_text(near)

    name.fill("")
    _paste(page, name, "b" * 320)
    expect(name).to_have_value("b" * 300)
    expect(counter).to_have_text(cut)
    page.locator("#name").screenshot(path=artifacts_dir / f"char-limit-{lang}.png")
    page.screenshot(
        path=artifacts_dir / f"char-limit-{lang}-page.png",
        clip={**name.bounding_box(), "height": 140, "y": name.bounding_box()["y"] - 40},
    )

    name.press("Backspace")
    name.press("c")  # back at the limit by typing
    expect(counter).to_have_text(full)
    _paste(page, name, "d")  # full already: nothing gets in, and it says so
    expect(counter).to_have_text(cut.replace("20", "1"))
    context.close()
