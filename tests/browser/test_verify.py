"""The public check of an issued list in a real browser: the printed short code typed
into the form, the list as issued, "unchanged", then a corrected commendation shown as
a change; axe-clean throughout."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dankheo.appraisal.models import Commendation
from dankheo.campaigns.models import Campaign
from dankheo.registry.models import Exemplar

from .axe import violations
from .conftest import issue_recommended

pytestmark = pytest.mark.browser


@pytest.fixture
def issued(demo):
    """The demo province's latest recommended list, issued by its committee."""
    s = demo.session
    campaign_id = s.scalar(
        select(Exemplar.campaign_id)
        .join(Commendation, Commendation.exemplar_id == Exemplar.id)
        .order_by(Exemplar.campaign_id.desc())
        .limit(1)
    )
    return issue_recommended(s.get(Campaign, campaign_id), demo)


def test_the_verification_page(page, live_server, issued, demo, artifacts_dir):
    page.goto(f"{live_server}/verify")
    assert violations(page) == []
    page.get_by_label("Mã xác thực", exact=True).fill(issued.short.upper())
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page).to_have_url(f"{live_server}/verify/{issued.digest}")
    expect(page.locator("#verdict")).to_contain_text("Không thay đổi")
    expect(page.get_by_role("heading", name=issued.title)).to_be_visible()
    page.screenshot(path=artifacts_dir / "verify-unchanged.png", full_page=True)
    assert violations(page) == []

    commendation = demo.session.scalars(
        select(Commendation).where(
            Commendation.exemplar_id.in_([r["id"] for r in issued.content["rows"]])
        )
    ).first()
    assert commendation is not None
    before = commendation.decision_number
    commendation.decision_number = "999/QĐ-UBND"
    demo.session.commit()
    page.reload()
    expect(page.locator("#verdict")).to_contain_text(
        "Đã có thay đổi kể từ khi ban hành"
    )
    expect(page.locator("del", has_text=before).first).to_be_visible()
    expect(page.locator("ins", has_text="999/QĐ-UBND").first).to_be_visible()
    page.screenshot(path=artifacts_dir / "verify-changed.png", full_page=True)
    assert violations(page) == []

    page.goto(f"{live_server}/verify?digest=not-a-code")
    expect(page.get_by_text("Mã xác thực không hợp lệ")).to_be_visible()
    assert violations(page) == []
