"""The campaign's lifecycle as a guarded table, and cloning a campaign for next year."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, inspect, select, update

from dankheo.appraisal.clone import clone_campaign, clone_preview
from dankheo.appraisal.models import Council, CouncilMember
from dankheo.audit.models import AuditRecord
from dankheo.campaigns import lifecycle
from dankheo.campaigns.lifecycle import TRANSITIONS, CampaignAction, change_status
from dankheo.campaigns.models import Campaign, Criterion, Stage
from dankheo.db import UTCDateTime
from dankheo.domain.enums import CampaignStatus, Role, UnitTier
from dankheo.errors import Conflict, InvalidInput, RuleRefused

from ..test_clock import freeze_at

ALL = [(s, a) for s in CampaignStatus for a in CampaignAction]


@pytest.mark.parametrize("status, action", ALL)
def test_every_status_and_action(make, db, status, action):
    campaign = make.campaign(status=status)
    if (status, action) in TRANSITIONS:
        moved = change_status(campaign, action, actor=None, reason="Lý do thử")
        assert moved == TRANSITIONS[(status, action)]
        db.session.refresh(campaign)
        assert campaign.status == moved
    else:
        with pytest.raises(RuleRefused):
            change_status(campaign, action, actor=None, reason="Lý do thử")
        db.session.refresh(campaign)
        assert campaign.status == status


@pytest.mark.parametrize(
    "status, action",
    [
        (CampaignStatus.APPRAISAL, CampaignAction.REOPEN_REGISTRATION),
        (CampaignStatus.CLOSED, CampaignAction.REOPEN_APPRAISAL),
    ],
)
def test_reopening_needs_a_reason_and_is_recorded(make, db, caplog, status, action):
    campaign = make.campaign(status=status)
    for blank in ("", "   "):
        with pytest.raises(InvalidInput) as refused:
            change_status(campaign, action, actor=None, reason=blank)
        assert refused.value.field == "reason"
    db.session.refresh(campaign)
    assert campaign.status == status
    with caplog.at_level(logging.INFO, logger="dankheo.campaigns.lifecycle"):
        change_status(campaign, action, actor=None, reason="Xã A xin gia hạn do bão")
    db.session.commit()
    line = next(
        r.getMessage()
        for r in caplog.records
        if r.name == "dankheo.campaigns.lifecycle"
    )
    assert f"campaign {campaign.id} {status.value} -> " in line
    assert "Xã A" not in line  # the log names ids; the audit log keeps the words
    record = db.session.scalar(
        select(AuditRecord).where(
            AuditRecord.object_type == "campaign",
            AuditRecord.object_id == campaign.id,
            AuditRecord.action == action.value,
        )
    )
    assert record is not None
    assert record.changes["reason"] == [None, "Xã A xin gia hạn do bão"]
    assert record.changes["status"][0] == status.value


def test_reopening_registration_after_its_closing_day_needs_a_new_one(
    make, db, monkeypatch
):
    freeze_at(monkeypatch, datetime(2026, 11, 29, 2, 0, tzinfo=UTC))
    campaign = make.campaign(
        status=CampaignStatus.APPRAISAL, registration_closes=date(2026, 10, 25)
    )
    with pytest.raises(InvalidInput) as refused:
        change_status(
            campaign,
            CampaignAction.REOPEN_REGISTRATION,
            actor=None,
            reason="Gia hạn",
        )
    assert refused.value.field == "registration_closes"
    assert "29/11/2026" in str(refused.value)
    change_status(
        campaign,
        CampaignAction.REOPEN_REGISTRATION,
        actor=None,
        reason="Gia hạn",
        registration_closes=date(2026, 12, 5),
    )
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.REGISTRATION
    assert campaign.registration_closes == date(2026, 12, 5)
    assert lifecycle.registration_open(campaign)


def test_back_to_preparation_only_before_anything_is_registered(make, db):
    campaign = make.campaign()
    make.exemplar(campaign=campaign)
    with pytest.raises(RuleRefused):
        change_status(campaign, CampaignAction.BACK_TO_DRAFT, actor=None)


def test_a_status_changed_meanwhile_is_a_conflict(make, db):
    campaign = make.campaign(status=CampaignStatus.REGISTRATION)
    db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id)
        .values(status=CampaignStatus.APPRAISAL.value)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(Conflict):
        change_status(campaign, CampaignAction.START_APPRAISAL, actor=None)


@pytest.fixture
def sec(make, db, login_as):
    province = make.unit(name="Tỉnh Vòng Đời")
    user = make.user(role=Role.SECRETARIAT, unit=province)
    db.session.commit()

    class Sec:
        pass

    s = Sec()
    s.province, s.user, s.client = province, user, login_as(user)
    return s


def test_secretariat_moves_the_campaign_and_must_say_why_to_reopen(sec, make, db):
    campaign = make.campaign(unit=sec.province, status=CampaignStatus.REGISTRATION)
    db.session.commit()
    url = f"/admin/campaigns/{campaign.id}/status"
    page = sec.client.get(f"/admin/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Kết thúc đăng ký, bắt đầu thẩm định" in page
    assert sec.client.post(url, data={"action": "start_appraisal"}).status_code == 302
    refused = sec.client.post(url, data={"action": "reopen_registration"})
    assert refused.status_code == 400
    assert "Vui lòng nêu lý do mở lại." in refused.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.APPRAISAL
    ok = sec.client.post(
        url, data={"action": "reopen_registration", "reason": "Bổ sung xã mới sáp nhập"}
    )
    assert ok.status_code == 302
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.REGISTRATION
    # The edit form no longer sets the status behind the lifecycle's back.
    sec.client.post(
        f"/admin/campaigns/{campaign.id}",
        data={
            "name": campaign.name,
            "year": "2026",
            "unit_code": sec.province.code,
            "status": "closed",
        },
    )
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.REGISTRATION


def _configured_campaign(make, db, province):
    """A campaign with an extra field, stages with rules and rubrics, and councils."""
    campaign = make.campaign(
        unit=province,
        year=2025,
        period_label="2025",
        registration_opens=date(2025, 2, 15),
        registration_closes=date(2025, 10, 25),
        status=CampaignStatus.CLOSED,
    )
    communes = [make.unit(parent=province) for _ in range(2)]
    members = [make.user(role=Role.COUNCIL_MEMBER, unit=province) for _ in range(3)]
    for position, (tier, units) in enumerate(
        [(UnitTier.COMMUNE, communes), (UnitTier.PROVINCE, [province])]
    ):
        stage = Stage(
            name=f"Vòng {position + 1}",
            tier=tier,
            pass_label="Đạt",
            position=position,
            threshold_num=2,
            threshold_den=3,
            threshold_strict=False,
            quorum_percent=70,
            min_average_score=60.5,
            quota=10 + position,
        )
        for i in range(3):
            stage.criteria.append(
                Criterion(name=f"Tiêu chí {i + 1}", max_points=10 * (i + 1), position=i)
            )
        campaign.stages.append(stage)
        db.session.flush()
        for unit in units:
            council = Council(stage=stage, unit=unit, name=f"Hội đồng {unit.name}")
            for j, user in enumerate(members):
                council.members.append(
                    CouncilMember(
                        user=user, role="chair" if j == 0 else "member", active=j < 2
                    )
                )
            db.session.add(council)
    db.session.flush()
    return campaign


def _columns(row, skip=()) -> dict:
    mapper = inspect(type(row))
    return {
        a.key: getattr(row, a.key)
        for a in mapper.column_attrs
        if not a.columns[0].primary_key
        and a.key not in skip
        and not isinstance(a.columns[0].type, UTCDateTime)
    }


def _councils_of(campaign):
    return list(
        db_scalars(
            select(Council)
            .join(Stage, Stage.id == Council.stage_id)
            .where(Stage.campaign_id == campaign.id)
            .order_by(Council.unit_id, Stage.position)
        )
    )


def db_scalars(stmt):
    from dankheo.extensions import db

    return db.session.scalars(stmt)


def test_clone_copies_settings_rules_rubrics_and_councils(make, db):
    province = make.unit()
    source = _configured_campaign(make, db, province)
    preview = clone_preview(source)
    assert preview.stages == 2 and preview.criteria == 6 and preview.councils == 3
    assert preview.members == 6 and preview.fields == 4
    clone = clone_campaign(
        source,
        name="Dân vận khéo năm 2026",
        year=2026,
        registration_opens=date(2026, 2, 15),
        registration_closes=date(2026, 10, 25),
    )
    db.session.commit()
    assert clone.id != source.id
    assert (clone.year, clone.status, clone.unit_id) == (2026, "draft", province.id)
    assert clone.period_label == "2026"
    assert clone.registration_closes == date(2026, 10, 25)
    assert clone_preview(clone) == preview
    for old_list, new_list, link in (
        (source.fields, clone.fields, "campaign_id"),
        (source.commendation_forms, clone.commendation_forms, "campaign_id"),
        (source.stages, clone.stages, "campaign_id"),
    ):
        assert [_columns(r, (link,)) for r in old_list] == [
            _columns(r, (link,)) for r in new_list
        ]
        assert not {r.id for r in old_list} & {r.id for r in new_list}
        assert {getattr(r, link) for r in new_list} == {clone.id}
    for old, new in zip(source.stages, clone.stages, strict=True):
        assert [_columns(c, ("stage_id",)) for c in old.criteria] == [
            _columns(c, ("stage_id",)) for c in new.criteria
        ]
        assert {c.stage_id for c in new.criteria} == {new.id}
    old_councils, new_councils = _councils_of(source), _councils_of(clone)
    assert len(new_councils) == 3
    assert not {c.id for c in old_councils} & {c.id for c in new_councils}
    for old, new in zip(old_councils, new_councils, strict=True):
        assert new.stage.campaign_id == clone.id
        assert (new.unit_id, new.name) == (old.unit_id, old.name)
        assert [(m.user_id, m.role) for m in new.members] == [
            (m.user_id, m.role) for m in old.members if m.active
        ]
    # Nothing of the old campaign changed.
    db.session.refresh(source)
    assert len(source.stages) == 2 and source.status == CampaignStatus.CLOSED
    assert db.session.scalar(select(func.count(Stage.id))) == 4


def test_clone_refuses_a_second_campaign_of_the_year_for_the_unit(make, db):
    source = make.campaign(year=2025)
    clone_campaign(source, name="Năm 2026", year=2026)
    with pytest.raises(RuleRefused) as refused:
        clone_campaign(source, name="Năm 2026 lần hai", year=2026)
    assert refused.value.field == "year"
    assert db.session.scalar(select(func.count(Campaign.id))) == 2


def test_clone_page_previews_and_creates_within_the_subtree(sec, make, db):
    source = _configured_campaign(make, db, sec.province)
    foreign = make.campaign(unit=make.unit(), year=2025)
    db.session.commit()
    url = f"/admin/campaigns/{source.id}/clone"
    page = sec.client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'value="2026"' in text and "2026-10-25" in text
    assert sec.client.get(f"/admin/campaigns/{foreign.id}/clone").status_code == 404
    data = {
        "name": "Dân vận khéo năm 2026",
        "year": "2026",
        "registration_opens": "2026-02-15",
        "registration_closes": "2026-10-25",
    }
    resp = sec.client.post(url, data=data)
    assert resp.status_code == 302
    again = sec.client.post(url, data=data)
    assert again.status_code == 409
    assert "Đơn vị này đã có đợt thi đua năm 2026." in again.get_data(as_text=True)
    db.session.rollback()
    clone = db.session.scalar(select(Campaign).where(Campaign.year == 2026))
    assert resp.headers["Location"].endswith(f"/admin/campaigns/{clone.id}")
    assert clone_preview(clone) == clone_preview(source)
