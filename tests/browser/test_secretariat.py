"""The secretariat in a real browser: the dashboard counts every campaign's entries, and a
commendation decision recorded here shows on the public showcase."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from dankheo.appraisal import queries
from dankheo.campaigns.models import Campaign
from dankheo.domain.workflow import State
from dankheo.registry.models import Exemplar

from .conftest import login

pytestmark = pytest.mark.browser

FORM = "Bằng khen của Chủ tịch UBND tỉnh"
BODY = "Ủy ban nhân dân tỉnh An Hòa"
NUMBER = "1034/QĐ-UBND"
DAY = date(2026, 11, 20)


def test_dashboard_lists_campaigns_with_counts(page, live_server, demo, artifacts_dir):
    counts: dict[int, dict[str, int]] = {}
    for campaign_id, state, n in demo.session.execute(
        select(Exemplar.campaign_id, Exemplar.state, func.count()).group_by(
            Exemplar.campaign_id, Exemplar.state
        )
    ):
        counts.setdefault(campaign_id, {})[state] = n
    campaigns = demo.session.execute(select(Campaign.id, Campaign.name)).all()
    demo.session.commit()
    assert len(campaigns) >= 2

    login(page, live_server, "thuongtruc", "thuongtruc-2026")
    page.get_by_role("link", name="Thường trực").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cơ quan thường trực")
    page.screenshot(path=artifacts_dir / "secretariat-dashboard.png", full_page=True)

    for campaign_id, name in campaigns:
        card = page.locator(f"section[aria-labelledby=campaign-{campaign_id}]")
        expect(card.get_by_role("heading", name=name)).to_be_visible()
        for state in State:
            metric = card.locator(
                ".metric", has=page.get_by_text(state.label, exact=True)
            )
            shown = int(re.sub(r"\D", "", metric.locator(".value").inner_text()))
            assert shown == counts.get(campaign_id, {}).get(state.value, 0), (
                name,
                state,
            )


def test_commendation_decision_shows_on_the_showcase(
    page, live_server, demo, artifacts_dir
):
    campaign = next(
        c
        for c in demo.session.scalars(select(Campaign).order_by(Campaign.year.desc()))
        if demo.session.scalar(
            select(func.count()).select_from(
                queries.recommended_exemplars(c).subquery()
            )
        )
    )
    campaign_id, campaign_name = campaign.id, campaign.name
    demo.session.commit()

    login(page, live_server, "thuongtruc", "thuongtruc-2026")
    before = page.request.get(
        f"{live_server}/api/v1/campaigns/{campaign_id}/funnel"
    ).json()
    page.goto(f"{live_server}/admin/")
    card = page.locator(f"section[aria-labelledby=campaign-{campaign_id}]")
    card.get_by_role("link", name="Khen thưởng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Khen thưởng và nhân rộng"
    )
    expect(page.get_by_role("link", name=campaign_name)).to_be_visible()  # breadcrumb

    row = page.locator("table tbody tr").first
    name = row.locator("label").inner_text()
    row.get_by_role("checkbox").check()
    page.get_by_label("Hình thức khen thưởng").select_option(label=FORM)
    page.get_by_label("Cơ quan ban hành").fill(BODY)
    page.get_by_label("Số quyết định").fill("1034")  # no symbol: refused
    page.get_by_label("Ngày quyết định").fill(DAY.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận khen thưởng").click()
    expect(
        page.get_by_text("Số quyết định có dạng số/ký hiệu, ví dụ 1034/QĐ-UBND.")
    ).to_be_visible()
    # Nothing typed or chosen is lost.
    assert page.get_by_label(name, exact=True).is_checked()
    assert page.get_by_label("Cơ quan ban hành").input_value() == BODY
    assert page.get_by_label("Ngày quyết định").input_value() == DAY.isoformat()
    page.screenshot(
        path=artifacts_dir / "secretariat-commendation-error.png", full_page=True
    )

    page.get_by_label("Số quyết định").fill(NUMBER)
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận khen thưởng").click()
    expect(
        page.get_by_text(
            f"Đã ghi nhận khen thưởng cho 1 hồ sơ theo quyết định {NUMBER}."
        )
    ).to_be_visible()
    assert page.get_by_text(name, exact=True).count() == 0  # left the "recommended" tab
    page.get_by_role("link", name=re.compile(r"^Đã khen thưởng")).click()
    page.wait_for_url(re.compile(r"tab=commended"))
    done = page.locator("tr", has=page.get_by_text(name, exact=True))
    assert FORM in done.inner_text()
    assert f"Quyết định {NUMBER} ngày {DAY:%d/%m/%Y}, {BODY}" in done.inner_text()
    page.screenshot(path=artifacts_dir / "secretariat-commended.png", full_page=True)

    # The public sees it: the funnel counts it, and its page says so.
    after = page.request.get(
        f"{live_server}/api/v1/campaigns/{campaign_id}/funnel"
    ).json()
    assert after["commended"] == before["commended"] + 1
    page.context.clear_cookies()
    page.goto(f"{live_server}/showcase?form={FORM}")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert page.locator("header .state-badge").inner_text() == "Đã khen thưởng"
    commendation = page.locator("section[aria-labelledby=commendation-title]")
    expect(commendation.get_by_text(FORM)).to_be_visible()
    assert (
        f"Quyết định số {NUMBER} ngày {DAY:%d/%m/%Y} của {BODY}"
        in commendation.inner_text()
    )
    page.screenshot(
        path=artifacts_dir / "secretariat-public-detail.png", full_page=True
    )
