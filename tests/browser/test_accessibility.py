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

from .axe import violations
from .conftest import login

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
        ],
    )
    page.goto(live_server + "/auth/login")
    page.get_by_label("Tên đăng nhập hoặc email").fill("khong-co-ai")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    found += violations(page)
    assert not found, "\n".join(found)


def test_unit_officer_pages(page, live_server, ids):
    login(page, live_server, ids["officer"], "donvi-2026")
    found = _sweep(
        page,
        live_server,
        ["/registry/", "/registry/new", f"/registry/{ids['draft']}"],
    )
    page.goto(live_server + "/registry/new")
    page.get_by_role("button", name="Lưu bản nháp").click()
    page.wait_for_load_state()
    found += violations(page)
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
    assert not found, "\n".join(found)


def test_secretariat_pages(page, live_server, ids):
    login(page, live_server, "thuongtruc", "thuongtruc-2026")
    found = _sweep(
        page,
        live_server,
        [
            "/admin/",
            "/admin/units",
            "/admin/units/new",
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
        ],
    )
    assert not found, "\n".join(found)
