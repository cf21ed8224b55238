"""A council in a real browser: a member scores and votes (partly by keyboard), a score
over the maximum is refused in Vietnamese, and the chair closes the round from the tally."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from dankheo.appraisal import queries
from dankheo.appraisal.models import Council, Round, StageResult, Vote
from dankheo.registry.models import Exemplar

from .conftest import login, no_horizontal_scroll

pytestmark = pytest.mark.browser

PASSWORD = "hoidong-2026"


@pytest.fixture
def council(demo):
    """The open round with the most ballots already cast (so the tally reaches quorum),
    a member who still has entries to score, and the chair."""
    db = demo
    ballots = dict(
        db.session.execute(
            select(Round.council_id, func.count(Vote.id))
            .join(Vote, Vote.round_id == Round.id)
            .where(Round.closed_at.is_(None))
            .group_by(Round.council_id)
        ).all()
    )
    assert ballots, "the demo leaves some councils with an open round"
    c = db.session.get(Council, max(ballots, key=ballots.get))
    assert len(c.stage.criteria) >= 2
    members = sorted(c.active_members, key=lambda m: m.id)
    chair = next(m for m in members if m.role == "chair")
    member = next(
        m
        for m in members
        if m.role == "member" and (p := queries.member_progress(m)).total - p.done >= 2
    )
    progress = queries.member_progress(member)
    info = SimpleNamespace(
        id=c.id,
        name=c.name,
        round_id=c.open_round.id,
        criteria=[(cr.name, cr.max_points) for cr in c.stage.criteria],
        member=member.user.username,
        chair=chair.user.username,
        done=progress.done,
        total=progress.total,
    )
    db.session.commit()
    return info


def _progress(done: int, total: int) -> str:
    return f"{done} / {total} đã chấm"


def test_member_scores_and_votes(page, live_server, council, artifacts_dir):
    login(page, live_server, council.member, PASSWORD)
    page.goto(f"{live_server}/appraisal/")
    card = page.locator(
        "section.card", has=page.get_by_role("heading", name=council.name)
    )
    expect(card.get_by_text(_progress(council.done, council.total))).to_be_visible()
    page.screenshot(path=artifacts_dir / "council-index.png", full_page=True)

    card.get_by_role("link", name="Danh sách hồ sơ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(council.name)
    expect(
        page.get_by_text(_progress(council.done, council.total)).first
    ).to_be_visible()
    page.screenshot(path=artifacts_dir / "council-queue.png", full_page=True)

    entry = page.locator("table tbody tr a").first
    name = entry.inner_text()
    entry.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    entry_url = page.url

    # The first score by mouse, the others by keyboard only: Tab to the next field, type.
    scores = [max_points - i for i, (_n, max_points) in enumerate(council.criteria)]
    first_name, _max = council.criteria[0]
    page.get_by_label(first_name, exact=True).fill(str(scores[0]))
    for (criterion, _max), points in zip(council.criteria[1:], scores[1:], strict=True):
        page.keyboard.press("Tab")
        assert (
            page.evaluate("document.activeElement.labels[0].textContent").strip()
            == criterion
        )
        page.keyboard.type(str(points))
    page.get_by_label("Tán thành", exact=True).check()
    page.get_by_label("Nhận xét").fill("Mô hình thiết thực, số liệu có minh chứng.")
    page.screenshot(path=artifacts_dir / "council-ballot-filled.png", full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu phiếu", exact=True).click()

    assert page.url == entry_url
    expect(page.get_by_text("Đã lưu phiếu thẩm định.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Đã lưu lúc "))).to_be_visible()
    expect(page.get_by_text(_progress(council.done + 1, council.total))).to_be_visible()
    for (criterion, _max), points in zip(council.criteria, scores, strict=True):
        assert page.get_by_label(criterion, exact=True).input_value() == str(points)
    assert page.get_by_label("Tán thành", exact=True).is_checked()
    page.screenshot(path=artifacts_dir / "council-ballot-saved.png", full_page=True)

    page.get_by_role("link", name=council.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(council.name)
    expect(
        page.get_by_text(_progress(council.done + 1, council.total)).first
    ).to_be_visible()
    page.get_by_role("link", name="Đã chấm", exact=True).click()
    page.wait_for_url(re.compile(r"status=done"))
    row = page.locator("tr", has=page.get_by_role("link", name=name, exact=True))
    expect(row.get_by_text("Tán thành")).to_be_visible()
    expect(row.get_by_text(f"{sum(scores)} điểm")).to_be_visible()


def test_score_above_the_maximum_is_refused_in_vietnamese(
    page, live_server, council, artifacts_dir
):
    login(page, live_server, council.member, PASSWORD)
    page.goto(f"{live_server}/appraisal/councils/{council.id}/")
    page.locator("table tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Phiếu thẩm định")).to_be_visible()

    (first, top), *rest = council.criteria
    page.get_by_label(first, exact=True).fill(str(top + 1))
    for criterion, max_points in rest:
        page.get_by_label(criterion, exact=True).fill(str(max_points // 2))
    page.get_by_label("Tán thành", exact=True).check()
    page.get_by_label("Nhận xét").fill("Cần xem lại điểm.")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu phiếu", exact=True).click()

    expect(
        page.get_by_text("Chưa lưu được: hãy sửa các mục được đánh dấu bên dưới.")
    ).to_be_visible()
    expect(page.get_by_text(f"Điểm từ 0 đến {top}.")).to_be_visible()
    field = page.get_by_label(first, exact=True)
    assert "is-invalid" in field.get_attribute("class")
    assert field.input_value() == str(top + 1)
    for criterion, max_points in rest:
        assert page.get_by_label(criterion, exact=True).input_value() == str(
            max_points // 2
        )
    assert page.get_by_label("Tán thành", exact=True).is_checked()
    assert page.get_by_label("Nhận xét").input_value() == "Cần xem lại điểm."
    expect(page.get_by_text(_progress(council.done, council.total))).to_be_visible()
    page.screenshot(path=artifacts_dir / "council-ballot-error.png", full_page=True)


def _metric(page, label: str) -> int:
    box = page.locator(".metric", has=page.get_by_text(label, exact=True))
    return int(box.locator(".value").inner_text())


CLOSED = re.compile(
    r"Đã kết thúc phiên \d+: (\d+) đạt, (\d+) không đạt, (\d+) trả lại bổ sung, "
    r"(\d+) chưa đủ số thành viên tham gia"
)


def test_chair_previews_the_tally_and_closes_the_round(
    page, live_server, council, demo, artifacts_dir
):
    login(page, live_server, council.chair, PASSWORD)
    page.goto(f"{live_server}/appraisal/councils/{council.id}/")
    page.get_by_role("link", name="Tổng hợp kết quả").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Tổng hợp kết quả")
    )
    # The preview: every entry of the round with its participation and quorum (a secret
    # ballot hides approvals and scores until the close; an open one shows them too).
    rows = page.locator("table tbody tr")
    total = rows.count()
    assert total == _metric(page, "Hồ sơ trong phiên 1") > 0
    quorum = [
        t.strip()
        for t in page.locator("table tbody tr td:nth-child(5)").all_inner_texts()
    ]
    assert set(quorum) <= {"Đủ", "Chưa đủ"} and "Đủ" in quorum
    short = quorum.count("Chưa đủ")
    page.screenshot(path=artifacts_dir / "council-tally-preview.png", full_page=True)
    page.screenshot(path=artifacts_dir / "council-tally-preview-top.png")

    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    with page.expect_navigation():
        page.get_by_role("button", name="Kết thúc phiên và công bố kết quả").click()
    # The minutes of the round open at once.
    expect(page.get_by_role("heading", name="Biên bản phiên thẩm định")).to_be_visible()
    assert dialogs and dialogs[0].startswith("Kết thúc phiên 1?")
    found = CLOSED.search(page.locator(".alert-success").inner_text())
    assert found, page.locator(".alert-success").inner_text()
    passed, failed, returned, pending = map(int, found.groups())
    assert passed + failed + returned + pending == total
    assert pending == short and passed > 0
    expect(
        page.get_by_text(re.compile(rf"^Đạt \(.+\): {passed} · Không đạt: {failed}"))
    ).to_be_visible()
    page.screenshot(path=artifacts_dir / "council-minutes.png", full_page=True)

    page.goto(f"{live_server}/appraisal/councils/{council.id}/tally")
    expect(page.get_by_text("Hội đồng không có phiên đang mở.")).to_be_visible()
    expect(page.get_by_role("link", name="Biên bản").first).to_be_visible()
    page.screenshot(path=artifacts_dir / "council-tally-closed.png", full_page=True)

    # The entries moved on: the passed ones left the council's stage (to the next stage,
    # or recommended after the last one), and only those short of quorum wait here.
    passed_ids = demo.session.scalars(
        select(StageResult.exemplar_id).where(
            StageResult.round_id == council.round_id, StageResult.outcome == "passed"
        )
    ).all()
    moved = demo.session.execute(
        select(Exemplar.state, Exemplar.stage_id).where(Exemplar.id.in_(passed_ids))
    ).all()
    stage_id = demo.session.get(Council, council.id).stage_id
    demo.session.commit()
    assert len(moved) == passed
    assert all(state == "recommended" or stage != stage_id for state, stage in moved), (
        moved
    )

    page.goto(f"{live_server}/appraisal/councils/{council.id}/")
    expect(page.get_by_text("Hội đồng chưa mở phiên thẩm định")).to_be_visible()
    assert page.locator("table tbody tr").count() == pending
    page.screenshot(
        path=artifacts_dir / "council-queue-after-close.png", full_page=True
    )


def test_tally_reads_on_a_phone(phone, live_server, council, artifacts_dir):
    """Under md each entry of the tally is a card: the name on its own full-width line,
    then "label  value" lines; the page never scrolls sideways."""
    login(phone, live_server, council.chair, PASSWORD)
    phone.goto(f"{live_server}/appraisal/councils/{council.id}/tally")
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Tổng hợp kết quả")
    )
    no_horizontal_scroll(phone)
    width = phone.viewport_size["width"]
    rows = phone.locator("table tbody tr")
    assert rows.count() > 0
    name = rows.first.locator("td").first
    # The name column is as wide as the card, not one word per line.
    assert name.bounding_box()["width"] >= width * 0.7
    assert (
        rows.first.locator("td[data-label]").first.evaluate(
            "td => getComputedStyle(td, '::before').content"
        )
        == '"Số phiếu"'
    )
    # The chair's return form fits inside the card.
    reason = rows.first.locator("input[name=reason]")
    if reason.count():
        box = reason.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    phone.screenshot(path=artifacts_dir / "council-tally-phone.png")
    phone.screenshot(
        path=artifacts_dir / "council-tally-phone-full.png", full_page=True
    )


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_return_reason_counter_sits_under_its_row(
    browser, live_server, council, artifacts_dir, viewport
):
    """The return form is a flex row (field, button): the length counter goes under the
    whole row, not between the field and its button."""
    options = (
        {"viewport": {"width": 1280, "height": 900}}
        if viewport == "desktop"
        else {
            "viewport": {"width": 390, "height": 844},
            "is_mobile": True,
            "has_touch": True,
            "device_scale_factor": 2,
        }
    )
    context = browser.new_context(locale="vi-VN", **options)
    page = context.new_page()
    login(page, live_server, council.chair, PASSWORD)
    page.goto(f"{live_server}/appraisal/councils/{council.id}/tally")
    reason = page.locator("input[name=reason]").first
    form = page.locator("form:has(input[name=reason])").first
    button = form.get_by_role("button", name="Trả lại")
    reason.fill("Cần bổ sung minh chứng. " * 70)  # past 80 % of the 2,000 allowed
    counter = page.locator(f"#{reason.get_attribute('id')}-count")
    expect(counter).to_have_text("1680/2000 ký tự")
    page.locator("tr:has(input[name=reason])").first.screenshot(
        path=artifacts_dir / f"char-limit-tally-{viewport}.png"
    )
    field_box, button_box = reason.bounding_box(), button.bounding_box()
    form_box, counter_box = form.bounding_box(), counter.bounding_box()
    assert abs(button_box["y"] - field_box["y"]) < 8  # still one row
    assert counter_box["y"] >= form_box["y"] + form_box["height"] - 1  # under it
    assert counter.evaluate("n => getComputedStyle(n.parentElement).display") != "flex"
    context.close()
