"""The decision record on a public detail page, in a real browser: visible, counts
only, axe-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dankheo.appraisal.models import StageResult
from dankheo.domain.workflow import PUBLIC_STATES
from dankheo.registry.models import Exemplar

from .axe import violations

pytestmark = pytest.mark.browser


def test_detail_page_shows_how_it_was_decided(page, live_server, demo, artifacts_dir):
    e = demo.session.scalar(
        select(Exemplar)
        .join(StageResult, StageResult.exemplar_id == Exemplar.id)
        .where(
            Exemplar.state.in_([s.value for s in PUBLIC_STATES]),
            StageResult.outcome == "passed",
        )
        .order_by(Exemplar.id)
        .limit(1)
    )
    page.goto(f"{live_server}/showcase/{e.id}-{e.slug}")
    section = page.get_by_role("region", name="Cách thức xét chọn")
    expect(section).to_be_visible()
    expect(section).to_contain_text("Hội đồng")
    expect(section).to_contain_text("được biểu quyết")
    expect(section).to_contain_text("tán thành")
    section.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "public-decision-record.png", full_page=True)
    assert violations(page) == []
    api = page.request.get(f"{live_server}/api/v1/exemplars/{e.id}/decisions").json()
    assert len(api["decisions"]) == section.locator(".card").count() >= 1
