"""Administrators are scoped to a unit subtree in appraisal like every other role, and
the open-data API never lists or counts a campaign still in preparation."""

from __future__ import annotations

import pytest

from dankheo.appraisal import permissions, queries
from dankheo.domain.enums import Role, UnitTier

from .scenario import build


@pytest.fixture
def sc(make, db):
    s = build(make)
    db.session.commit()
    return s


def _pages(sc):
    c1 = sc.commune_councils[0]
    return [
        f"/appraisal/manage/campaigns/{sc.campaign.id}",
        f"/appraisal/manage/stages/{sc.stage1.id}",
        f"/appraisal/manage/stages/{sc.stage1.id}/councils",
        f"/appraisal/manage/councils/{c1.id}",
        f"/appraisal/manage/campaigns/{sc.campaign.id}/commendations",
        f"/appraisal/councils/{c1.id}/tally",
    ]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SECRETARIAT])
def test_other_provinces_admin_or_secretariat_cannot_manage(
    sc, make, db, login_as, role
):
    other = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Khác")
    outsider = make.user(role=role, unit=other)
    db.session.commit()
    assert queries.secretariat_campaigns(outsider) == []
    assert not permissions.secretariat_over(outsider, sc.campaign)
    client = login_as(outsider)
    resp = client.get("/appraisal/manage/")
    assert resp.status_code == 200
    assert f"/appraisal/manage/campaigns/{sc.campaign.id}" not in resp.get_data(
        as_text=True
    )
    for url in _pages(sc):
        assert client.get(url).status_code == 403, url


def test_admin_of_the_campaigns_province_manages_it(sc, make, db, login_as):
    admin = make.user(role=Role.ADMIN, unit=sc.province)
    db.session.commit()
    assert [c.id for c in queries.secretariat_campaigns(admin)] == [sc.campaign.id]
    client = login_as(admin)
    page = client.get("/appraisal/manage/")
    assert page.status_code == 200
    assert f"/appraisal/manage/campaigns/{sc.campaign.id}" in page.get_data(
        as_text=True
    )
    for url in _pages(sc):
        assert client.get(url).status_code == 200, url


def test_api_hides_draft_campaigns(sc, make, db, client):
    draft = make.campaign(unit=sc.province, status="draft", name="Đợt đang chuẩn bị")
    db.session.commit()
    listed = client.get("/api/v1/campaigns")
    assert listed.status_code == 200
    ids = [c["id"] for c in listed.get_json()["campaigns"]]
    assert sc.campaign.id in ids and draft.id not in ids
    resp = client.get(f"/api/v1/campaigns/{draft.id}/funnel")
    assert resp.status_code == 404
    assert resp.is_json and resp.get_json()["error"]
    assert client.get(f"/api/v1/campaigns/{sc.campaign.id}/funnel").status_code == 200
