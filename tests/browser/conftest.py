"""Headless Chromium (Debian's package) driven by Playwright against a live server.

Never downloads a browser. In CI (DANKHEO_REQUIRE_BROWSER=1) a missing browser fails the
run instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

#: How long an action, a navigation or an assertion may wait on a busy machine. One
#: figure for all three: expect() defaults to 5 s, and a check that gives up before
#: the page it checks has loaded reads the previous page.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)

BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = _chromium_path()
    if path is None:
        if os.environ.get("DANKHEO_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (apt-get install -y chromium)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app, db):
    """The test app served on a free loopback port, with CSRF on as in production."""
    saved = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    db.session.commit()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    app.config["WTF_CSRF_ENABLED"] = saved


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="vi-VN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def login(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/auth/login")
    page.get_by_label("Tên đăng nhập hoặc email").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    with page.expect_navigation():  # the session cookie is set before the next goto
        page.get_by_role("button", name="Đăng nhập").click()


@pytest.fixture
def demo(app, db):
    """The real demo province at a small scale (a few dozen entries per year)."""
    from dankheo.demo import run_preset
    from dankheo.showcase.counts import clear_counts_cache

    saved = app.config.get("DEMO_SCALE")
    app.config["DEMO_SCALE"] = 0.15
    try:
        run_preset("province", seed=2026, echo=lambda _s: None)
        db.session.commit()
    finally:
        if saved is None:
            app.config.pop("DEMO_SCALE", None)
        else:
            app.config["DEMO_SCALE"] = saved
    clear_counts_cache()  # ids repeat from one test's build to the next
    yield db
    clear_counts_cache()


def no_horizontal_scroll(page) -> None:
    width = page.viewport_size["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url}: {scroll}px wide in a {width}px viewport"


def issue_recommended(campaign, db):
    """The campaign's recommended list, issued today by its committee (the objection
    window opens with it)."""
    from dankheo.lists.document import Header, ListDocument
    from dankheo.lists.operations import issue_list
    from dankheo.lists.queries import ListFilters, plan_list

    scopes = [campaign.unit.path]
    doc = ListDocument(
        plan_list(ListFilters(campaign=campaign), scopes),
        Header(
            issuing_body="TỈNH ỦY\nBAN TUYÊN GIÁO VÀ DÂN VẬN",
            doc_number="27/TTr-BTGDV",
            signer_title="TRƯỞNG BAN",
            signer_name="Nguyễn Văn An",
        ),
    )
    record = issue_list(doc, scopes=scopes, root=campaign.unit, actor=None)
    db.session.commit()
    return record
