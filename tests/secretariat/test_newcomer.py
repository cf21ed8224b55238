"""What a new user hit (issue 9.11), each checked on the page it concerns."""

from __future__ import annotations

import pytest

from ..appraisal.scenario import build


@pytest.fixture
def sc(make, db):
    s = build(make)
    db.session.commit()
    return s


def test_campaign_page_lists_the_recommended_step_once(sc, login_as):
    """Passing the last stage is the recommendation: one metric, not two."""
    client = login_as(sc.secretariat)
    html = client.get(f"/appraisal/manage/campaigns/{sc.campaign.id}").get_data(
        as_text=True
    )
    funnel = html.split('id="funnel-title"', 1)[1].split("</section>", 1)[0]
    assert funnel.count("Đề nghị khen thưởng") == 1
    assert "Đạt cấp cơ sở" in funnel


def test_a_commended_entry_shows_its_final_state_not_a_current_round(
    sc, make, db, login_as
):
    from .test_corrections import _commended

    e, _c = _commended(sc, make, db)
    client = login_as(sc.officer)
    html = client.get(f"/registry/{e.id}").get_data(as_text=True)
    assert "Vòng hiện tại" not in html
    assert "Kết quả cuối cùng: Đã khen thưởng" in html
