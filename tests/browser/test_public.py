"""The public in a real browser: the funnel on the home page, search without diacritics,
facets in the URL, a detail page, the phone layout and the English switch."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dankheo.domain.text import fold
from dankheo.domain.workflow import PUBLIC_STATES
from dankheo.registry.models import Exemplar

from .conftest import no_horizontal_scroll

pytestmark = pytest.mark.browser


def _number(text: str) -> int:
    """A count as the Vietnamese pages print it (1.234)."""
    return int(re.sub(r"\D", "", text))


def _total(page) -> int:
    return _number(page.locator("#results-title").inner_text())


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_home_shows_the_funnel_from_the_records(page, live_server, demo, artifacts_dir):
    page.goto(f"{live_server}/")
    page.screenshot(path=artifacts_dir / "public-home.png", full_page=True)
    assert page.locator("html").get_attribute("lang") == "vi"
    href = page.get_by_role("link", name="Xem thống kê chi tiết").get_attribute("href")
    campaign_id = parse_qs(urlparse(href).query)["campaign"][0]

    api = page.request.get(
        f"{live_server}/api/v1/campaigns/{campaign_id}/funnel"
    ).json()
    steps = {}
    for item in page.locator("ol.funnel > li").all():
        label = item.locator("strong").first.inner_text().strip()
        steps[label] = _number(item.locator(".text-nowrap strong").inner_text())
    assert steps["Đăng ký"] == api["registered"] > 0
    assert steps["Đề nghị khen thưởng"] == api["recommended"] > 0
    assert steps["Được khen thưởng"] == api["commended"]
    # The figures are text, not only bar widths: "19 / 27 (70,4%)".
    recommended = page.locator("ol.funnel > li", has_text="Đề nghị khen thưởng")
    assert f"{api['recommended']} / {api['registered']}" in recommended.inner_text()


def test_search_without_diacritics_finds_the_entry(
    page, live_server, demo, artifacts_dir
):
    names = demo.session.scalars(
        select(Exemplar.name)
        .where(Exemplar.state.in_(PUBLIC_STATES))
        .order_by(Exemplar.id)
    ).all()
    name = next(n for n in names if fold(n) != n.lower() and len(fold(n).split()) >= 4)
    words = [w for w in fold(name).split() if len(w) >= 3][:4]
    typed = " ".join(words)
    assert typed != " ".join(name.lower().split()[: len(words)])  # really without marks

    page.goto(f"{live_server}/")
    page.get_by_label("Tìm mô hình, điển hình").fill(typed)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/showcase\?"))
    assert _query(page)["q"] == [typed]
    assert (
        page.get_by_label(
            "Tìm theo tên, nội dung, kết quả, đơn vị, địa bàn"
        ).input_value()
        == typed
    )
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    page.screenshot(path=artifacts_dir / "public-search.png", full_page=True)

    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert page.title().startswith(name)
    page.screenshot(path=artifacts_dir / "public-detail.png", full_page=True)


def test_facets_narrow_the_list_and_live_in_the_url(
    page, live_server, demo, artifacts_dir
):
    page.goto(f"{live_server}/showcase")
    everything = _total(page)
    assert everything > 0

    # Each facet group is folded (one tab stop) until opened.
    group = page.locator("details.facet:has(#facet-field)")
    group.locator("summary").click()
    field = group.locator("a.list-group-item").first
    field_count = _number(field.locator("span").last.inner_text())
    field.click()
    page.wait_for_url(re.compile(r"field="))
    assert _total(page) == field_count < everything
    field_url = page.url
    field_name = _query(page)["field"][0]

    group = page.locator("details.facet:has(#facet-year)")
    group.locator("summary").click()
    year = group.locator("a.list-group-item:not(.active)").first
    year_count = _number(year.locator("span").last.inner_text())
    year.click()
    page.wait_for_url(re.compile(r"year="))
    args = _query(page)
    assert args["field"] == [field_name] and len(args["year"]) == 1
    assert _total(page) == year_count <= field_count
    # Selected values show as active, with a way to drop them.
    assert page.locator(".facet a.active[aria-current=true]").count() == 2
    expect(page.get_by_role("link", name="Bỏ tất cả bộ lọc")).to_be_visible()
    page.screenshot(path=artifacts_dir / "public-facets.png", full_page=True)

    page.go_back()
    assert page.url == field_url
    assert _total(page) == field_count
    assert "year" not in _query(page)

    page.get_by_role("link", name="Bỏ tất cả bộ lọc").click()
    page.wait_for_url(re.compile(r"/showcase$"))
    assert _total(page) == everything


def test_phone_layout(phone, live_server, demo, artifacts_dir):
    phone.goto(f"{live_server}/")
    no_horizontal_scroll(phone)
    phone.screenshot(path=artifacts_dir / "public-home-phone.png")
    phone.screenshot(path=artifacts_dir / "public-home-phone-full.png", full_page=True)

    phone.goto(f"{live_server}/showcase")
    no_horizontal_scroll(phone)
    # The facets fold behind one button; the first results show on the first screen.
    facets = phone.locator("#facets")
    expect(facets).to_be_hidden()
    first = phone.locator("article.exemplar-card").first
    assert first.bounding_box()["y"] < phone.viewport_size["height"]
    phone.screenshot(path=artifacts_dir / "public-list-phone.png")

    phone.get_by_role("button", name="Bộ lọc").click()
    expect(facets).to_have_class(re.compile(r"(^|\s)show(\s|$)"))  # done opening
    group = facets.locator("details:has(#facet-field)")
    group.locator("summary").click()
    field = group.locator("a.list-group-item").first
    expect(field).to_be_visible()
    with phone.expect_navigation(url=re.compile(r"field=")):
        field.click()
    expect(phone.get_by_role("link", name="Bỏ tất cả bộ lọc")).to_be_visible()
    no_horizontal_scroll(phone)
    phone.screenshot(
        path=artifacts_dir / "public-list-phone-filtered.png", full_page=True
    )


def _switch_language(phone, toggler: str, link: str, lang: str) -> None:
    """Open the phone menu, wait until it has finished opening, follow the language
    link and wait for that page to load: without the waits a busy machine clicks a
    link still sliding in, or checks the page before the new one arrived."""
    phone.get_by_role("button", name=toggler).click()
    expect(phone.locator("#mainnav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    with phone.expect_navigation(url=re.compile(rf"[?&]lang={lang}(&|$)")):
        phone.get_by_role("link", name=link).click()
    expect(phone.locator("html")).to_have_attribute("lang", lang)


def test_english_switch(phone, live_server, demo, artifacts_dir):
    phone.goto(f"{live_server}/")
    _switch_language(phone, "Mở menu", "English", "en")
    phone.screenshot(path=artifacts_dir / "public-home-english-phone.png")
    expect(
        phone.get_by_role("heading", name=re.compile(r"^Campaign results"))
    ).to_be_visible()
    expect(phone.get_by_role("button", name="Search", exact=True)).to_be_visible()
    no_horizontal_scroll(phone)

    # The choice sticks while browsing, and switches back.
    phone.goto(f"{live_server}/showcase")
    assert phone.locator("html").get_attribute("lang") == "en"
    phone.screenshot(path=artifacts_dir / "public-list-english-phone.png")
    assert re.match(r"Results: \d+", phone.locator("#results-title").inner_text())
    _switch_language(phone, "Open menu", "Tiếng Việt", "vi")
    expect(
        phone.get_by_role("heading", name="Mô hình, điển hình tiêu biểu")
    ).to_be_visible()


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_stats_fit_the_screen(browser, live_server, demo, artifacts_dir, lang, width):
    """The statistics tables may scroll inside their box, never the page itself."""
    context = browser.new_context(
        locale="vi-VN", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server}/stats?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("table").count() >= 5
        assert page.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"
        ), page.evaluate("document.documentElement.scrollWidth")
        # Every table's last column is reachable: inside the page or its scroll box.
        for box in page.locator(".table-responsive").all():
            outer = box.bounding_box()
            assert outer["x"] >= 0 and outer["x"] + outer["width"] <= width
        page.screenshot(
            path=artifacts_dir / f"public-stats-{lang}-{width}.png", full_page=True
        )
    finally:
        context.close()


@pytest.mark.parametrize(
    ("lang", "width"),
    [("vi", 1280), ("en", 1280), ("vi", 1366), ("en", 1366), ("vi", 390)],
)
def test_stats_tables_show_every_column_without_scrolling(
    browser, live_server, demo, lang, width
):
    """On a laptop (and a phone in Vietnamese) every column of every statistics table is
    on the screen: half a 1366px page used to hide "Được khen thưởng" and the chart
    behind a scroll, and a header kept on one line did the same on a phone."""
    context = browser.new_context(
        locale="vi-VN", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server}/stats?lang={lang}")
        hidden = page.evaluate(
            """[...document.querySelectorAll('.table-responsive')].map(
                b => b.scrollWidth - b.clientWidth)"""
        )
        assert len(hidden) >= 5
        assert hidden == [0] * len(hidden), hidden
    finally:
        context.close()


def test_stats_landmarks_have_distinct_names(page, live_server, demo):
    """Each statistics section and the table box inside it were two landmarks of one
    name ("Theo lĩnh vực" twice), which a screen reader's landmark list cannot tell
    apart (axe: landmark-unique)."""
    page.goto(f"{live_server}/stats")
    names = page.evaluate(
        """[...document.querySelectorAll('section[aria-labelledby], [role=region]')]
            .map(e => e.getAttribute('aria-label')
                || document.getElementById(e.getAttribute('aria-labelledby'))
                    .textContent.trim())"""
    )
    assert len(names) >= 10
    assert len(set(names)) == len(names), names


def test_entry_page_landmarks_are_top_level(page, live_server, demo):
    """The entry page's side column was an <aside> inside <main>: a complementary
    landmark nested in another (axe: landmark-complementary-is-top-level)."""
    entry = demo.session.scalar(
        select(Exemplar.id)
        .where(Exemplar.state.in_([s.value for s in PUBLIC_STATES]))
        .limit(1)
    )
    page.goto(f"{live_server}/showcase/{entry}")
    expect(page.get_by_role("heading", name="Quá trình công nhận")).to_be_visible()
    assert page.locator("main aside, main [role=complementary]").count() == 0


def _overlap(a, b) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_english_cards_keep_the_state_clear_of_the_year(
    page, live_server, demo, artifacts_dir
):
    page.goto(f"{live_server}/showcase?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    cards = page.locator("article.exemplar-card")
    assert cards.count() > 0
    long_badges = 0
    for card in cards.all():
        badge = card.locator(".state-badge")
        year = card.locator(".state-badge + span")
        b, y = badge.bounding_box(), year.bounding_box()
        assert not _overlap(b, y), (badge.inner_text(), year.inner_text())
        # Nothing spills out of the card either.
        c = card.bounding_box()
        for box in (b, y):
            assert c["x"] <= box["x"] and box["x"] + box["width"] <= c["x"] + c["width"]
        long_badges += badge.inner_text() == "Recommended for commendation"
    assert long_badges, "the demo has recommended entries on the first page"
    # The kinds are in English in the facets and on the cards.
    facet = page.locator("details.facet:has(#facet-kind)")
    facet.locator("summary").click()
    expect(facet.get_by_text("Collective exemplar", exact=True)).to_be_visible()
    assert "Điển hình tập thể" not in page.locator("main").inner_text()
    page.screenshot(path=artifacts_dir / "public-list-english.png", full_page=True)
