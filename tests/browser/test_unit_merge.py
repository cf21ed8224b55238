"""The merge preview in a real browser: counts per kind before anything moves, readable
at desk and phone widths, free of serious accessibility violations, and the confirm
button does the merge."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..appraisal.scenario import build
from ..factories import PASSWORD
from .axe import violations
from .conftest import login, no_horizontal_scroll

pytestmark = pytest.mark.browser


@pytest.fixture
def sc(make, db):
    s = build(make)
    db.session.delete(s.commune_councils[1])  # B has no council of its own at stage 1
    db.session.commit()
    return s


@pytest.mark.parametrize("viewport", ["page", "phone"])
def test_merge_preview(viewport, request, sc, live_server, artifacts_dir, db):
    page = request.getfixturevalue(viewport)
    a, b = sc.communes
    login(page, live_server, sc.secretariat.username, PASSWORD)
    page.goto(f"{live_server}/admin/units/{a.id}/reform")
    page.get_by_label("Đơn vị nhận").fill(b.code)
    page.get_by_role("button", name="Xem trước").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xem trước sáp nhập")
    row = page.get_by_role("row", name="Hội đồng thẩm định")
    expect(row).to_contain_text("1")
    width = page.viewport_size["width"]
    page.screenshot(path=artifacts_dir / f"merge-preview-{width}.png", full_page=True)
    no_horizontal_scroll(page)
    assert violations(page) == []
    page.get_by_role("button", name="Xác nhận sáp nhập").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã sáp nhập")
