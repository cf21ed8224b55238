"""axe-core on every page type, as each persona sees it, on the demo province: the suite
fails on any serious or critical WCAG 2.x A/AA violation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dankheo.appraisal.models import Council, CouncilMember, Round, Vote
from dankheo.auth.models import RoleAssignment, User
from dankheo.campaigns.models import Campaign
from dankheo.domain.enums import CampaignStatus, Role
from dankheo.domain.workflow import PUBLIC_STATES, State
from dankheo.registry.models import Exemplar
from dankheo.units.models import Unit

from ..registry.bulk_helpers import row, xlsx
from .axe import violations
from .conftest import issue_recommended, login, no_horizontal_scroll

pytestmark = pytest.mark.browser


def _sweep(page, base: str, paths: list[str]) -> list[str]:
    found: list[str] = []
    for path in paths:
        response = page.goto(base + path)
        assert response is not None and response.status < 500, path
        found += violations(page)
    return found


@pytest.fixture
def ids(demo):
    """Ids of one record of each kind the pages show, read from the demo province."""
    db = demo
    s = db.session
    public = s.scalar(
        select(Exemplar.id)
        .where(Exemplar.state.in_([x.value for x in PUBLIC_STATES]))
        .limit(1)
    )
    officer = s.scalar(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(Exemplar, Exemplar.unit_id == User.unit_id)
        .where(RoleAssignment.role == Role.UNIT_OFFICER.value)
        .limit(1)
    )
    draft = s.scalar(
        select(Exemplar.id)
        .where(Exemplar.unit_id == officer.unit_id)
        .order_by(Exemplar.id)
        .limit(1)
    )
    votes = dict(
        s.execute(
            select(Round.council_id, func.count(Vote.id))
            .join(Vote, Vote.round_id == Round.id)
            .where(Round.closed_at.is_(None))
            .group_by(Round.council_id)
        ).all()
    )
    council = s.get(Council, max(votes, key=votes.get))
    chair = next(m for m in council.active_members if m.role == "chair")
    member = next(m for m in council.active_members if m.role == "member")
    closed = s.scalar(select(Round.id).where(Round.closed_at.is_not(None)).limit(1))
    queued = s.scalar(
        select(Exemplar.id)
        .where(Exemplar.state == State.SUBMITTED.value)
        .where(Exemplar.stage_id == council.stage_id)
        .limit(1)
    )
    member_row = s.scalar(select(CouncilMember.id).limit(1))
    # The registration form needs a campaign open today, whatever day the suite runs.
    newest = s.scalar(select(Campaign).order_by(Campaign.year.desc()).limit(1))
    newest.status = CampaignStatus.REGISTRATION.value
    newest.registration_opens = newest.registration_closes = None
    info = {
        "public": public,
        "officer": officer.username,
        "draft": draft,
        "council": council.id,
        "chair": chair.user.username,
        "member": member.user.username,
        "closed_round": closed,
        "queued": queued,
        "campaign": council.stage.campaign_id,
        "stage": council.stage_id,
        "user": officer.id,
        "member_row": member_row,
        "province": s.scalar(select(Unit.id).where(Unit.parent_id.is_(None)).limit(1)),
    }
    s.commit()
    return info


def test_public_pages(page, live_server, ids):
    found = _sweep(
        page,
        live_server,
        [
            "/",
            "/showcase",
            "/showcase?q=dan+van+kheo",
            f"/showcase/{ids['public']}",
            "/stats",
            "/auth/login",
            "/showcase/2147483647",
            "/auth/logout",  # 405: GET on a POST-only URL
            "/admin/",  # 401 or the login page for a visitor
            "/?lang=en",
            "/showcase?lang=en",
        ],
    )
    page.goto(live_server + "/showcase?lang=vi")
    with page.expect_navigation():
        page.get_by_role("link", name="Trang sau").click()
    found += violations(page)
    page.goto(live_server + "/auth/login")
    page.get_by_label("Tên đăng nhập hoặc email").fill("khong-co-ai")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    found += violations(page)
    assert not found, "\n".join(found)


def test_showcase_narrowed_to_a_place(page, phone, live_server, ids):
    """The place trail above the locality facet ("Tất cả / Tỉnh ủy … / Đảng ủy xã …"):
    its links were 19 px tall in small print, under the 24 px a target needs."""
    page.goto(live_server + "/")
    place = page.locator("a[href*='/showcase?unit=']").first.get_attribute("href")
    found: list[str] = []
    for p in (page, phone):
        p.goto(live_server + place)
        assert p.locator(".facet .breadcrumb a").count() >= 2
        found += violations(p)
    assert not found, "\n".join(found)


def test_unit_officer_pages(page, live_server, ids, tmp_path):
    login(page, live_server, ids["officer"], "donvi-2026")
    found = _sweep(
        page,
        live_server,
        [
            "/registry/",
            "/registry/new",
            f"/registry/{ids['draft']}",
            f"/registry/{ids['draft']}/edit",
            "/registry/import/",
            "/auth/password",
            "/admin/",  # 403 for an officer
        ],
    )
    page.goto(live_server + "/registry/new")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu bản nháp").click()
    found += violations(page)
    # The bulk import's preview, with the errors of a file that names no real unit.
    upload = tmp_path / "Đăng ký.xlsx"
    upload.write_bytes(xlsx([row(unit="KHONG-CO")]))
    page.goto(live_server + "/registry/import/")
    page.set_input_files("input[type=file]", str(upload))
    with page.expect_navigation():
        page.get_by_role("button", name="Tải lên và kiểm tra").click()
    page.wait_for_selector("table")
    found += violations(page)
    assert not found, "\n".join(found)


def test_entries_returned_for_supplement_read_clearly(page, live_server, demo):
    """The "Cần bổ sung" badge: white on Bootstrap's orange read at 2.6:1, under the
    4.5:1 small text needs."""
    returned = demo.session.scalar(
        select(func.count(Exemplar.id)).where(Exemplar.state == State.RETURNED.value)
    )
    assert returned  # the demo's councils send some entries back
    login(page, live_server, "quantri", "quantri-2026")
    page.goto(live_server + "/registry/?state=returned")
    assert page.locator(".state-returned").count()
    found = violations(page)
    assert not found, "\n".join(found)


def test_council_pages(page, live_server, ids):
    login(page, live_server, ids["chair"], "hoidong-2026")
    paths = [
        "/appraisal/",
        f"/appraisal/councils/{ids['council']}/",
        f"/appraisal/councils/{ids['council']}/tally",
        f"/appraisal/rounds/{ids['closed_round']}/minutes",
    ]
    if ids["queued"]:
        paths.append(f"/appraisal/councils/{ids['council']}/entries/{ids['queued']}")
    found = _sweep(page, live_server, paths)
    # The vote form refused: no choice, or a score above the maximum.
    page.goto(live_server + f"/appraisal/councils/{ids['council']}/")
    with page.expect_navigation():
        page.locator("table tbody tr a").first.click()
    page.locator("input[name^=criterion_]").first.fill("999")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu phiếu", exact=True).click()
    assert page.locator("[aria-invalid=true]").count()
    found += violations(page)
    assert not found, "\n".join(found)


def test_secretariat_pages(page, live_server, ids):
    login(page, live_server, "thuongtruc", "thuongtruc-2026")
    found = _sweep(
        page,
        live_server,
        [
            "/admin/",
            "/admin/units",
            f"/admin/units/{ids['province']}/new",
            "/admin/users",
            f"/admin/users/{ids['user']}",
            "/admin/users/new",
            "/admin/campaigns/new",
            f"/admin/campaigns/{ids['campaign']}",
            "/admin/imports",
            "/appraisal/manage/",
            f"/appraisal/manage/campaigns/{ids['campaign']}",
            f"/appraisal/manage/stages/{ids['stage']}/councils",
            f"/appraisal/manage/campaigns/{ids['campaign']}/commendations",
            f"/appraisal/manage/councils/{ids['council']}",
            "/admin/lists/",
            f"/admin/lists/campaigns/{ids['campaign']}",
            f"/admin/lists/campaigns/{ids['campaign']}/print",
            "/admin/audit/",
            "/admin/units?page=2",
            "/admin/users?page=2",
        ],
    )
    # The new-unit form is swept as a form, not as a "not found" page.
    response = page.goto(live_server + f"/admin/units/{ids['province']}/new")
    assert response is not None and response.status == 200
    assert page.locator("main form input[name=name]").count()
    # A form refused: an account with nothing filled in.
    page.goto(live_server + "/admin/users/new")
    with page.expect_navigation():
        page.locator("main form [type=submit]").last.click()
    found += violations(page)
    assert not found, "\n".join(found)


def test_official_list_preview_scrolls_by_keyboard(phone, live_server, demo):
    """The preview of an official list is wider than a phone (and than a 1366 px page
    with the demo's long names): its scroll box takes the focus, so a keyboard can
    reach the columns it hides."""
    campaign = demo.session.scalar(
        select(Exemplar.campaign_id)
        .where(Exemplar.state.in_([x.value for x in PUBLIC_STATES]))
        .limit(1)
    )
    # Issued, the list's entries and their present state show on the secretariat's page
    # and on the public page a printed copy's QR code opens.
    issued = issue_recommended(demo.session.get(Campaign, campaign), demo)
    login(phone, live_server, "thuongtruc", "thuongtruc-2026")
    phone.goto(live_server + f"/admin/lists/campaigns/{campaign}")
    box = phone.locator(".table-responsive:has(table.list-preview)")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    # Two landmarks of one name (the list's section and its table) cannot be told apart.
    title = phone.locator("#list-title").inner_text()
    assert box.get_attribute("aria-label") not in (title, title.upper())
    found = violations(phone)
    for path in (f"/admin/lists/issued/{issued.id}", f"/verify/{issued.digest}"):
        phone.goto(live_server + path)
        assert phone.locator("main table").count()
        found += violations(phone)
    assert not found, "\n".join(found)


def test_every_column_header_has_a_name(browser, live_server, ids):
    """The column of buttons at the end of a list had an empty header, which a screen
    reader announces as nothing (axe: empty-table-header)."""
    empty = """() => [...document.querySelectorAll('main thead th')]
        .filter(th => !th.textContent.trim()).map(th => th.outerHTML)"""
    seen: dict[str, list[str]] = {}
    for user, password, paths in (
        (ids["chair"], "hoidong-2026", ["/appraisal/"]),
        (
            "thuongtruc",
            "thuongtruc-2026",
            ["/admin/units", "/admin/duplicates/", "/admin/objections/"],
        ),
    ):
        context = browser.new_context(locale="vi-VN")
        page = context.new_page()
        try:
            login(page, live_server, user, password)
            for path in paths:
                page.goto(live_server + path)
                seen[path] = page.evaluate(empty)
                if path in ("/appraisal/", "/admin/units"):
                    assert page.locator("main thead th").count(), path
        finally:
            context.close()
    assert not any(seen.values()), seen


def test_unit_codes_read_on_the_page_background(page, live_server, demo):
    """A unit's code in <code> took Bootstrap's pink (#d63384): 4.1:1 on the page's
    beige, under the 4.5:1 text needs (the unit reform page shows it there)."""
    unit = demo.session.scalar(
        select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1)
    )
    login(page, live_server, "thuongtruc", "thuongtruc-2026")
    page.goto(live_server + f"/admin/units/{unit}/reform")
    assert page.locator("main code").count()
    found = violations(page)
    assert not found, "\n".join(found)


def test_minutes_and_fairness_tables_scroll_by_keyboard(phone, live_server, ids, demo):
    """On a phone the minutes' tables and the council's fairness measures are wider than
    the screen: their scroll boxes take the focus, or a keyboard never reaches the
    columns they hide (axe: scrollable-region-focusable)."""
    council = demo.session.get(Round, ids["closed_round"]).council_id
    login(phone, live_server, "thuongtruc", "thuongtruc-2026")
    found: list[str] = []
    for path in (
        f"/appraisal/rounds/{ids['closed_round']}/minutes",
        f"/verification/councils/{council}",
    ):
        phone.goto(live_server + path)
        assert phone.locator("main table").count() >= 2, path
        found += violations(phone)
    assert not found, "\n".join(found)


# -- keyboard alone ---------------------------------------------------------------------


def _tab_to(page, selector: str, limit: int = 200, back: bool = False) -> None:
    """Press Tab (Shift+Tab) until the focused element matches ``selector``."""
    key = "Shift+Tab" if back else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)",
            selector,
        ):
            return
    raise AssertionError(f"{page.url}: {selector} not reached with {key}")


def _focused(page, expression: str = "e => e"):
    return page.evaluate(f"({expression})(document.activeElement)")


def _keyboard_login(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/auth/login")
    _tab_to(page, "#login")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert _focused(page, "e => e.id") == "password"
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_registration_by_keyboard_alone(page, live_server, ids, artifacts_dir):
    # A refused login leaves focus on something that says why, not on <body>.
    page.goto(live_server + "/auth/login")
    _tab_to(page, "#login")
    page.keyboard.type("khong-co-ai")
    page.keyboard.press("Tab")
    page.keyboard.type("sai-mat-khau")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _focused(page, "e => e.matches('.alert-danger[role=alert]')")

    _keyboard_login(page, live_server, ids["officer"], "donvi-2026")
    page.goto(live_server + "/registry/")
    _tab_to(page, "main a[href$='/registry/new']")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Saving with no name is refused, and focus lands on the field in error.
    _tab_to(page, "main form [type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _focused(page, "e => e.getAttribute('aria-invalid')") == "true"
    assert _focused(page, "e => e.id") == "name"
    described = _focused(page, "e => e.getAttribute('aria-describedby')")
    assert "name-error" in described.split()
    page.screenshot(path=artifacts_dir / "a11y-registry-error.png", full_page=True)

    texts = {
        "name": "Bếp ăn nghĩa tình cho bệnh nhân nghèo",
        "situation": "Nhiều bệnh nhân nghèo điều trị dài ngày thiếu bữa ăn.",
        "goals": "Mỗi ngày 200 suất cơm miễn phí.",
        "content": "Vận động hội viên, nhà hảo tâm góp gạo, rau, công nấu.",
        "outputs": "Hơn 70.000 suất cơm trong năm.",
    }
    # The lists: campaign, kind, field (before the name); the arrow keys choose.
    _tab_to(page, "#campaign_id", back=True)
    for name in ("kind", "field_id"):
        _tab_to(page, f"#{name}")
        page.keyboard.press("ArrowDown")
        assert _focused(page, "e => e.value")
    _tab_to(page, "#name")
    page.keyboard.press("Control+A")
    page.keyboard.type(texts["name"])
    for name in ("situation", "goals", "content", "outputs"):
        _tab_to(page, f"#{name}")
        assert _focused(page, "e => e.getAttribute('aria-required')") == "true"
        page.keyboard.type(texts[name])
    _tab_to(page, "main form [type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Đã lưu bản nháp").is_visible()

    _tab_to(page, "form[action$='/submit'] button")
    page.once("dialog", lambda d: d.accept())  # the confirm() answers Enter too
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Đã gửi đăng ký").is_visible()


def _choice_label(page) -> str:
    return _focused(page, "e => e.labels[0].textContent.trim()")


def test_a_vote_by_keyboard_alone(page, live_server, ids, artifacts_dir):
    _keyboard_login(page, live_server, ids["member"], "hoidong-2026")
    page.goto(live_server + "/appraisal/")
    _tab_to(page, f"main a[href$='/appraisal/councils/{ids['council']}/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "main table tbody tr a")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    criteria = page.locator("input[name^=criterion_]")
    maxima = [int(m) for m in criteria.evaluate_all("es => es.map(e => e.max)")]
    assert maxima, "the stage scores by criteria"
    _tab_to(page, "input[name^=criterion_]")
    # The first score is too high: refused, focus comes back to it.
    for i, top in enumerate(maxima):
        if i:
            page.keyboard.press("Tab")
        page.keyboard.press("Control+A")
        page.keyboard.type(str(top + 1 if i == 0 else top))
    _tab_to(page, "input[name=choice]")
    for _ in range(6):
        if _choice_label(page) == "Tán thành":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    _tab_to(page, "main form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _focused(page, "e => e.name") == criteria.first.get_attribute("name")
    assert _focused(page, "e => e.getAttribute('aria-invalid')") == "true"
    page.screenshot(path=artifacts_dir / "a11y-vote-error.png", full_page=True)

    page.keyboard.press("Control+A")
    page.keyboard.type(str(maxima[0]))
    _tab_to(page, "input[name=choice]")
    for _ in range(6):
        if _choice_label(page) == "Tán thành":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert _focused(page, "e => e.checked")
    _tab_to(page, "main form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Đã lưu phiếu thẩm định.").is_visible()


def test_showcase_results_are_few_tab_stops_from_the_search_box(
    page, phone, live_server, ids, artifacts_dir
):
    for lang in ("vi", "en"):
        page.goto(live_server + f"/showcase?lang={lang}")
        page.screenshot(path=artifacts_dir / f"showcase-facets-{lang}.png")
        phone.goto(live_server + f"/showcase?lang={lang}")
        no_horizontal_scroll(phone)
        phone.screenshot(path=artifacts_dir / f"showcase-phone-{lang}.png")
    page.goto(live_server + "/showcase?lang=vi")
    _tab_to(page, "#q")
    # The skip link, right after the search form, jumps over the facets.
    _tab_to(page, "a[href='#results']", limit=5)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    presses = 1
    while not _focused(page, "e => !!e.closest('.exemplar-card')"):
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 10, "the first result is far from the skip link"
    # Without the skip link the facets are one tab stop per group.
    page.goto(live_server + "/showcase")
    _tab_to(page, "#q")
    presses = 0
    while not _focused(page, "e => !!e.closest('.exemplar-card')"):
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 25, "the facets stand between the search box and the results"


# -- titles, console, phone -------------------------------------------------------------


def test_titles_are_unique_and_pages_log_no_console_error(page, live_server, ids):
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    titles: dict[str, str] = {}
    for path in (
        "/",
        "/showcase",
        "/showcase?q=dan+van+kheo",
        f"/showcase/{ids['public']}",
        "/stats",
        "/auth/login",
    ):
        page.goto(live_server + path)
        titles[path] = page.title()
    page.goto(live_server + "/showcase")
    with page.expect_navigation():
        page.get_by_role("link", name="Trang sau").click()
    titles["page 2"] = page.title()
    assert "trang 2" in titles["page 2"]
    assert len(set(titles.values())) == len(titles), titles

    for user, password, paths in (
        (ids["officer"], "donvi-2026", ["/registry/", "/registry/new"]),
        (ids["chair"], "hoidong-2026", [f"/appraisal/councils/{ids['council']}/"]),
        ("thuongtruc", "thuongtruc-2026", ["/admin/", "/admin/audit/"]),
    ):
        page.context.clear_cookies()
        login(page, live_server, user, password)
        for path in paths:
            page.goto(live_server + path)
    assert not errors, "\n".join(errors)


def _primary_actions_are_large(page) -> None:
    small = page.evaluate(
        """() => [...document.querySelectorAll('main .btn-primary, main [type=submit]')]
            .filter(e => e.offsetParent && e.getBoundingClientRect().height < 44)
            .map(e => (e.textContent || e.value).trim())"""
    )
    assert not small, f"{page.url}: touch targets under 44 px: {small}"


def test_phone_registration_workspace_and_vote(phone, live_server, ids, artifacts_dir):
    login(phone, live_server, ids["officer"], "donvi-2026")
    for path, shot in (
        ("/registry/", "phone-workspace"),
        ("/registry/new", "phone-registry-form"),
        (f"/registry/{ids['draft']}", "phone-registry-detail"),
    ):
        phone.goto(live_server + path)
        no_horizontal_scroll(phone)
        _primary_actions_are_large(phone)
        phone.screenshot(path=artifacts_dir / f"{shot}.png")
    # A draft saved from the phone: its photos can come straight from the camera.
    phone.goto(live_server + "/registry/new")
    phone.get_by_label("1. Tên mô hình, điển hình").fill("Tổ tự quản đường hoa")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Lưu bản nháp").tap()
    no_horizontal_scroll(phone)
    camera = phone.get_by_label("Chụp ảnh")
    assert camera.get_attribute("accept") == "image/*"
    assert camera.get_attribute("capture") == "environment"
    general = phone.locator("input[type=file]:not([capture])")
    assert ".pdf" in general.get_attribute("accept")
    phone.locator("#attachments").screenshot(path=artifacts_dir / "phone-upload.png")
    phone.context.clear_cookies()
    login(phone, live_server, ids["member"], "hoidong-2026")
    phone.goto(live_server + f"/appraisal/councils/{ids['council']}/")
    no_horizontal_scroll(phone)
    phone.locator("table tbody tr a").first.click()
    phone.wait_for_load_state()
    no_horizontal_scroll(phone)
    _primary_actions_are_large(phone)
    phone.locator("section[aria-labelledby=vote-title]").screenshot(
        path=artifacts_dir / "phone-vote.png"
    )
