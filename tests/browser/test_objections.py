"""An objection in a real browser: a member of the public lodges it from the entry's
page (one bad address first), confirms it through the mailed link, the secretariat
reviews and decides it from its queue, and the public pages show the outcome and the
date, never who objected nor what they wrote; axe-clean throughout."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dankheo import clock
from dankheo.objections.models import Objection
from tests.factories import PASSWORD
from tests.lists.conftest import province  # noqa: F401  (the fixture)
from tests.notifications.conftest import link_in, smtp, smtp_server  # noqa: F401

from .axe import violations
from .conftest import TIMEOUT_MS, issue_recommended, login, no_horizontal_scroll

pytestmark = pytest.mark.browser

EMAIL = "nguoi-dan@example.vn"
REASON = "Mô hình này đã được khen thưởng năm trước với cùng nội dung."


@pytest.fixture
def issued(province, db):  # noqa: F811
    """The province's recommended list, issued today by its committee: the window
    for objections is open."""
    for entry in province.entries.values():  # as the recommendation step stamps it
        if entry.state in ("recommended", "commended"):
            entry.published_at = clock.now()
    return issue_recommended(province.campaign, db)


def _objection(db) -> Objection:
    db.session.rollback()  # read what the server's requests committed
    return db.session.scalars(select(Objection)).one()


def test_an_objection_from_the_public_page_to_its_outcome(
    browser,
    page,
    live_server,
    issued,
    province,  # noqa: F811
    db,
    smtp,  # noqa: F811
    artifacts_dir,
):
    hoa = province.entries["hoa"]

    # The entry's public page offers the form while the window is open.
    page.goto(f"{live_server}/showcase/{hoa.id}")
    section = page.locator("#objections")
    expect(section).to_contain_text("Đang nhận phản ánh, kiến nghị")
    section.get_by_role("link", name="Gửi phản ánh, kiến nghị").click()
    expect(page).to_have_url(
        f"{live_server}/objections/lists/{issued.id}?entry={hoa.id}"
    )
    expect(page.locator("#window")).to_contain_text(f"{clock.today():%d/%m/%Y}")
    expect(page.get_by_label("Hồ sơ bị phản ánh")).to_have_value(str(hoa.id))
    assert violations(page) == []

    # A wrong address: refused with a message on the field, the text kept, nothing stored.
    page.get_by_label("Nội dung phản ánh, kiến nghị").fill(REASON)
    page.get_by_label("Email liên hệ (không công khai)").fill("khong-phai-email")
    page.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    email = page.get_by_label("Email liên hệ (không công khai)")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Địa chỉ email không hợp lệ.")).to_be_visible()
    expect(page.get_by_label("Nội dung phản ánh, kiến nghị")).to_have_value(REASON)
    page.screenshot(path=artifacts_dir / "objection-bad-email.png", full_page=True)
    assert violations(page) == []
    db.session.rollback()
    assert db.session.scalars(select(Objection)).all() == []

    email.fill(EMAIL)
    page.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    expect(page).to_have_url(f"{live_server}/verify/{issued.digest}")
    expect(page.get_by_role("alert").first).to_contain_text("Hãy mở liên kết trong thư")
    assert _objection(db).state == "unverified"

    # The mailed link opens a page whose button confirms it.
    (mail,) = smtp.to(EMAIL)
    page.goto(
        live_server + urlsplit(link_in(mail)).path
    )  # the test sets no site address
    assert violations(page) == []
    page.get_by_role("button", name="Xác nhận phản ánh").click()
    expect(page.get_by_role("alert").first).to_contain_text("Đã xác nhận")
    objection = _objection(db)
    assert objection.state == "received"

    # The secretariat finds it in its queue, records a review, then an outcome.
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 1280, "height": 900}
    )
    office = context.new_page()
    office.set_default_timeout(TIMEOUT_MS)
    login(office, live_server, province.secretariat.username, PASSWORD)
    office.goto(f"{live_server}/admin/objections/")
    row = office.locator("tbody tr", has_text=hoa.name)
    expect(row).to_contain_text("Đã tiếp nhận")
    assert violations(office) == []
    row.get_by_role("link", name="Xem").click()
    expect(office.locator("dl")).to_contain_text(REASON)
    expect(office.locator("dl")).to_contain_text(EMAIL)
    office.get_by_label("Ghi nhận xem xét").fill("Đang xác minh với đơn vị")
    office.get_by_role("button", name="Ghi nhận đang xem xét").click()
    expect(office.get_by_role("alert").first).to_contain_text(
        "Đã ghi nhận việc xem xét"
    )
    office.get_by_label("Kết quả xử lý").select_option(label="Bác phản ánh")
    office.get_by_label("Lý do, căn cứ xử lý").fill(
        "Khen thưởng năm trước khác nội dung"
    )
    office.get_by_role("button", name="Ghi kết quả xử lý").click()
    expect(office.get_by_role("alert").first).to_contain_text("Đã ghi kết quả xử lý")
    office.screenshot(path=artifacts_dir / "objection-decided.png", full_page=True)
    assert violations(office) == []
    context.close()
    assert _objection(db).outcome == "dismissed"

    # The public sees that an objection was received and its outcome, never its
    # sender nor its text.
    today = f"{clock.today():%d/%m/%Y}"
    for url in (f"/showcase/{hoa.id}", f"/verify/{issued.digest}"):
        page.goto(live_server + url)
        section = page.locator("#objections")
        expect(section).to_contain_text(f"Phản ánh, kiến nghị tiếp nhận ngày {today}")
        expect(section).to_contain_text("Bác phản ánh")
        html = page.content()
        assert EMAIL not in html and REASON not in html
        assert "Khen thưởng năm trước khác nội dung" not in html
        assert violations(page) == []
    page.screenshot(path=artifacts_dir / "objection-public.png", full_page=True)


def test_the_queue_fits_a_phone(phone, live_server, issued, province, db):  # noqa: F811
    """Each objection's row, with its "Xem" button, is on the screen of a phone."""
    hoa = province.entries["hoa"]
    db.session.add(
        Objection(
            campaign_id=province.campaign.id,
            issued_list_id=issued.id,
            exemplar_id=hoa.id,
            email=EMAIL,
            reason=REASON,
            state="received",
            received_at=clock.now(),
        )
    )
    db.session.commit()
    login(phone, live_server, province.secretariat.username, PASSWORD)
    phone.goto(f"{live_server}/admin/objections/")
    no_horizontal_scroll(phone)
    view = phone.get_by_role("link", name="Xem").bounding_box()
    assert view["x"] + view["width"] <= 390, "the button is cut off on the right"
    name = phone.locator("tbody tr td", has_text=hoa.name).bounding_box()
    assert name["width"] > 150, "the entry's name is squeezed to a word a line"
