"""Deadlines are checked by the operations, on Vietnam's day, not the server's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from dankheo.domain.enums import CampaignStatus, Role
from dankheo.domain.workflow import Action, State
from dankheo.errors import RuleRefused
from dankheo.registry.attachments import add_attachment
from dankheo.registry.deadlines import supplement_deadline
from dankheo.registry.models import Exemplar
from dankheo.registry.operations import (
    create_exemplar,
    resubmit_exemplar,
    submit_exemplar,
    transition,
    update_exemplar,
)

from ..test_clock import freeze_at

STORY = {"situation": "Thực trạng", "goals": "Mục tiêu", "content": "Cách làm"}
CLOSES = date(2026, 10, 25)


@pytest.fixture
def setting(make, db, monkeypatch):
    freeze_at(monkeypatch, datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    province = make.unit(name="Tỉnh Hạn Chót")
    commune = make.unit(parent=province, name="Xã Hạn Chót")
    officer = make.user(role=Role.UNIT_OFFICER, unit=commune)
    campaign = make.campaign(
        unit=province,
        year=2026,
        registration_opens=date(2026, 2, 15),
        registration_closes=CLOSES,
    )
    draft = make.exemplar(
        campaign=campaign, unit=commune, actor=officer, outputs="Kết quả", **STORY
    )
    db.session.commit()
    return campaign, commune, officer, draft


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_submit_at_2330_utc_on_closing_day_is_refused(
    setting, monkeypatch, login_as, db
):
    """The defect: at 23:30 UTC on 25/10 it is 06:30 on 26/10 in Vietnam; the draft
    entered the pipeline because "today" was the server's date."""
    campaign, _commune, officer, draft = setting
    client = login_as(officer)
    freeze_at(monkeypatch, _utc(2026, 10, 25, 23, 30))
    resp = client.post(f"/registry/{draft.id}/submit", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Đợt thi đua đã hết hạn đăng ký ngày 25/10/2026." in page
    db.session.rollback()
    assert db.session.get(Exemplar, draft.id).state == State.DRAFT
    submitted = db.session.scalar(
        select(func.count(Exemplar.id)).where(Exemplar.state != State.DRAFT)
    )
    assert submitted == 0


def test_submit_late_evening_on_closing_day_in_vietnam_is_accepted(
    setting, monkeypatch, login_as, db
):
    _campaign, _commune, officer, draft = setting
    client = login_as(officer)
    freeze_at(monkeypatch, _utc(2026, 10, 25, 16, 59))  # 23:59 in Hà Nội
    client.post(f"/registry/{draft.id}/submit")
    db.session.rollback()
    assert db.session.get(Exemplar, draft.id).state == State.SUBMITTED


def test_a_closed_campaigns_draft_cannot_enter_the_pipeline(setting, monkeypatch, db):
    """A 2025 draft submitted on 29/11/2026, after its campaign closed."""
    campaign, _commune, officer, draft = setting
    campaign.status = CampaignStatus.CLOSED
    campaign.registration_opens = campaign.registration_closes = None
    db.session.flush()
    freeze_at(monkeypatch, _utc(2026, 11, 29, 2, 0))
    with pytest.raises(RuleRefused) as refused:
        submit_exemplar(draft, actor=officer)
    assert str(refused.value) == "Đợt thi đua đã kết thúc nhận đăng ký."
    assert draft.state == State.DRAFT


@pytest.mark.parametrize(
    "status, message",
    [
        (CampaignStatus.DRAFT, "Đợt thi đua chưa mở đăng ký."),
        (CampaignStatus.APPRAISAL, "Đợt thi đua đã kết thúc nhận đăng ký."),
    ],
)
def test_registration_needs_the_campaign_open(
    setting, monkeypatch, db, status, message
):
    campaign, commune, officer, draft = setting
    campaign.status = status
    db.session.flush()
    freeze_at(monkeypatch, _utc(2026, 6, 1, 2, 0))
    for attempt in (
        lambda: submit_exemplar(draft, actor=officer),
        lambda: create_exemplar(
            campaign=campaign, unit=commune, actor=officer, data={"name": "Mới"}
        ),
    ):
        with pytest.raises(RuleRefused) as refused:
            attempt()
        assert str(refused.value) == message


def test_create_and_edit_of_drafts_close_with_the_window(setting, monkeypatch, db):
    campaign, commune, officer, draft = setting
    freeze_at(monkeypatch, _utc(2026, 2, 14, 16, 0))  # 23:00 on 14/02 in Vietnam
    with pytest.raises(RuleRefused) as early:
        create_exemplar(
            campaign=campaign, unit=commune, actor=officer, data={"name": "Sớm"}
        )
    assert str(early.value) == "Đợt thi đua mở đăng ký từ ngày 15/02/2026."
    freeze_at(monkeypatch, _utc(2026, 2, 14, 17, 0))  # 00:00 on 15/02
    create_exemplar(campaign=campaign, unit=commune, actor=officer, data={"name": "A"})
    freeze_at(monkeypatch, _utc(2026, 10, 25, 17, 0))  # 00:00 on 26/10
    expected = "Đợt thi đua đã hết hạn đăng ký ngày 25/10/2026."
    with pytest.raises(RuleRefused) as late:
        create_exemplar(
            campaign=campaign, unit=commune, actor=officer, data={"name": "Muộn"}
        )
    assert str(late.value) == expected
    with pytest.raises(RuleRefused) as edit:
        update_exemplar(
            draft,
            actor=officer,
            data={"name": "Sửa muộn"},
            expected_version=draft.version,
        )
    assert str(edit.value) == expected
    with pytest.raises(RuleRefused):
        add_attachment(
            draft, actor=officer, stream=None, filename="bao-cao.pdf", kind="report"
        )


def test_new_registration_page_lists_no_campaign_after_the_deadline(
    setting, monkeypatch, login_as
):
    _campaign, _commune, officer, _draft = setting
    client = login_as(officer)
    freeze_at(monkeypatch, _utc(2026, 10, 25, 23, 30))
    resp = client.get("/registry/new")
    assert resp.status_code == 302
    freeze_at(monkeypatch, _utc(2026, 10, 25, 10, 0))
    assert client.get("/registry/new").status_code == 200


def _returned(setting, monkeypatch, db, at: datetime):
    campaign, _commune, officer, draft = setting
    freeze_at(monkeypatch, _utc(2026, 10, 1, 2, 0))
    submit_exemplar(draft, actor=officer)
    campaign.status = CampaignStatus.APPRAISAL
    freeze_at(monkeypatch, at)
    transition(draft, Action.RETURN_FOR_SUPPLEMENT, actor=None, actor_kind="council")
    db.session.flush()
    return draft, officer


def test_supplement_deadline_counts_from_the_return_in_vietnam(
    setting, monkeypatch, db, app
):
    # Returned at 20:00 UTC on 31/10, already 01/11 in Vietnam: 15 days from 01/11.
    draft, officer = _returned(setting, monkeypatch, db, _utc(2026, 10, 31, 20, 0))
    assert app.config["SUPPLEMENT_DAYS"] == 15
    assert supplement_deadline(draft) == date(2026, 11, 16)
    freeze_at(monkeypatch, _utc(2026, 11, 16, 17, 0))  # 00:00 on 17/11
    with pytest.raises(RuleRefused) as late:
        resubmit_exemplar(draft, actor=officer)
    assert str(late.value) == "Đã hết hạn bổ sung hồ sơ ngày 16/11/2026."
    with pytest.raises(RuleRefused):
        update_exemplar(
            draft,
            actor=officer,
            data={"outputs": "Thêm"},
            expected_version=draft.version,
        )
    freeze_at(monkeypatch, _utc(2026, 11, 16, 16, 0))  # 23:00 on 16/11
    assert resubmit_exemplar(draft, actor=officer) == State.SUBMITTED


def test_resubmit_refused_on_the_page_after_the_supplement_deadline(
    setting, monkeypatch, db, login_as
):
    draft, officer = _returned(setting, monkeypatch, db, _utc(2026, 11, 1, 2, 0))
    db.session.commit()
    client = login_as(officer)
    freeze_at(monkeypatch, _utc(2026, 11, 20, 2, 0))
    page = client.post(f"/registry/{draft.id}/resubmit", follow_redirects=True)
    assert "Đã hết hạn bổ sung hồ sơ ngày 16/11/2026." in page.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Exemplar, draft.id).state == State.RETURNED


def test_no_supplement_once_the_campaign_is_closed(setting, monkeypatch, db):
    draft, officer = _returned(setting, monkeypatch, db, _utc(2026, 11, 1, 2, 0))
    draft.campaign.status = CampaignStatus.CLOSED
    db.session.flush()
    freeze_at(monkeypatch, _utc(2026, 11, 2, 2, 0))
    with pytest.raises(RuleRefused) as closed:
        resubmit_exemplar(draft, actor=officer)
    assert str(closed.value) == "Đợt thi đua đã kết thúc nên không bổ sung được nữa."
