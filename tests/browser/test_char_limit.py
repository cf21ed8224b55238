"""A text field with a length limit tells the user about it: the browser would otherwise
cut a long paste at the limit without a word."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

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
    live = page.locator("#name-count-live")
    # The counter is read with the field, after its help text.
    expect(name).to_have_attribute("aria-describedby", "name-help name-count")
    expect(live).to_have_attribute("aria-live", "polite")

    name.fill("Mô hình " + "a" * 50)
    expect(counter).to_have_text("")  # far from the limit: nothing to say
    name.fill("a" * 250)
    expect(counter).to_have_text(near)
    expect(name).to_have_accessible_description(re.compile(re.escape(near) + "$"))

    name.fill("")
    _paste(page, name, "b" * 320)
    expect(name).to_have_value("b" * 300)
    expect(counter).to_have_text(cut)
    expect(live).to_have_text(cut)  # said at once, without waiting for a pause
    page.locator("#name").screenshot(path=artifacts_dir / f"char-limit-{lang}.png")
    page.screenshot(
        path=artifacts_dir / f"char-limit-{lang}-page.png",
        clip={**name.bounding_box(), "height": 140, "y": name.bounding_box()["y"] - 40},
    )

    name.press("Backspace")
    name.press("c")  # back at the limit by typing
    expect(counter).to_have_text(full)
    expect(live).to_have_text(full)
    _paste(page, name, "d")  # full already: nothing gets in, and it says so
    expect(counter).to_have_text(cut.replace("20", "1"))
    expect(live).to_have_text(cut.replace("20", "1"))
    context.close()


def test_the_live_count_waits_for_a_pause_in_typing(browser, live_server, officer):
    """The counter that is seen follows every keystroke; the one a screen reader hears
    speaks after a second without typing, and at once at the limit."""
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    login(page, live_server, officer.username, PASSWORD)
    page.clock.install()
    page.goto(f"{live_server}/registry/new")
    page.clock.pause_at(datetime.now() + timedelta(hours=1))  # timers wait for run_for
    name = page.locator("#name")
    counter = page.locator("#name-count")
    live = page.locator("#name-count-live")
    expect(counter).to_have_attribute("aria-hidden", "true")  # heard through `live`

    name.fill("a" * 249)
    name.press("a")
    expect(counter).to_have_text("250/300 ký tự")
    expect(live).to_have_text("")
    page.clock.run_for(600)
    name.press("a")  # typing goes on: the live region still waits
    expect(counter).to_have_text("251/300 ký tự")
    page.clock.run_for(600)
    expect(live).to_have_text("")
    page.clock.run_for(400)
    expect(live).to_have_text("251/300 ký tự")

    name.fill("a" * 299)
    name.press("a")  # the limit: said at once
    expect(live).to_have_text("Đã đủ 300 ký tự: phần gõ thêm sẽ không được nhận.")
    name.press("Backspace")  # and below it again, after the pause only
    expect(counter).to_have_text("299/300 ký tự")
    expect(live).to_have_text("Đã đủ 300 ký tự: phần gõ thêm sẽ không được nhận.")
    page.clock.run_for(1000)
    expect(live).to_have_text("299/300 ký tự")
    context.close()


def test_line_breaks_a_single_line_field_drops_are_not_counted_as_cut(
    browser, live_server, officer
):
    """A one-line field drops the line breaks at the end of a paste (a copied spreadsheet
    cell ends with one) and turns the others into spaces: only what is lost is cut."""
    context = browser.new_context(locale="vi-VN")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    login(page, live_server, officer.username, PASSWORD)
    page.goto(f"{live_server}/registry/new")
    name = page.locator("#name")
    # 15 lines of 21 letters: 315 letters, 14 spaces between them and 2 breaks dropped.
    _paste(page, name, "\r\n".join(["b" * 21] * 15) + "\r\n\r\n")
    expect(name).to_have_value(" ".join(["b" * 21] * 15)[:300])
    expect(page.locator("#name-count")).to_have_text(
        "Đoạn vừa dán dài quá 300 ký tự nên 29 ký tự cuối đã bị cắt bớt."
    )
    context.close()
