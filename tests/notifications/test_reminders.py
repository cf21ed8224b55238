"""The daily reminders: who is reminded of which deadline, once; the schedule runs at
07:00 in Vietnam; the command line's dry run sends nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from dankheo.appraisal import voting
from dankheo.domain.enums import Role, UnitTier
from dankheo.notifications import reminders, run_in_app
from dankheo.notifications.models import Notification, SentReminder
from dankheo.registry.operations import submit_exemplar
from tests.appraisal.scenario import build, submitted

from .conftest import text_of


def _run(app, dry_run: bool = False):
    return run_in_app(app, lambda: reminders.run(app, dry_run=dry_run))


@pytest.fixture
def world(make, db, app):
    today = reminders.today(app)
    province = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Nhắc Hạn")
    drafts = make.unit(parent=province, name="Xã Còn Nháp")
    done = make.unit(parent=province, name="Xã Đã Gửi")
    silent = make.unit(parent=province, name="Xã Chưa Đăng Ký")
    campaign = make.campaign(
        unit=province,
        name="Dân vận khéo năm 2026",
        registration_closes=today + timedelta(days=2),
    )
    make.exemplar(unit=drafts, campaign=campaign)
    make.exemplar(unit=drafts, campaign=campaign)
    e = make.exemplar(
        unit=done,
        campaign=campaign,
        situation="a",
        goals="b",
        content="c",
        outputs="d",
    )
    submit_exemplar(e, actor=None)
    officers = {
        u.name: make.user(role=Role.UNIT_OFFICER, unit=u)
        for u in (drafts, done, silent)
    }
    db.session.commit()
    return officers


def test_registration_deadline_reminds_units_with_drafts_or_nothing_once(
    app, world, db, smtp
):
    due = _run(app)
    keys = {d.key.split(":")[0] for d in due}
    assert keys == {"registration"}
    (mail,) = smtp.to(world["Xã Còn Nháp"].email)
    assert mail["Subject"] == "Sắp hết hạn đăng ký: Dân vận khéo năm 2026"
    assert "Xã Còn Nháp còn 2 bản nháp chưa gửi." in text_of(mail)
    (mail,) = smtp.to(world["Xã Chưa Đăng Ký"].email)
    assert "Xã Chưa Đăng Ký chưa đăng ký mô hình, điển hình nào." in text_of(mail)
    assert smtp.to(world["Xã Đã Gửi"].email) == []

    sent = len(smtp.messages)
    assert _run(app) == []  # the next run (the same day or the next) repeats nothing
    assert len(smtp.messages) == sent
    db.session.rollback()
    assert db.session.scalar(select(func.count(SentReminder.id))) == len(due)


def test_the_dry_run_lists_and_sends_nothing(app, world, db, smtp):
    result = app.test_cli_runner().invoke(args=["notifications", "remind", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "registration:" in result.output and "2 lời nhắc sẽ gửi." in result.output
    assert smtp.messages == []
    db.session.rollback()
    assert db.session.scalar(select(func.count(SentReminder.id))) == 0
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    # The real run from the command line then sends them.
    result = app.test_cli_runner().invoke(args=["notifications", "remind"])
    assert "2 lời nhắc đã gửi." in result.output
    assert len(smtp.messages) == 2


def test_supplement_deadline_and_closing_round(app, make, db, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPLEMENT_DAYS", 2)
    sc = build(make)
    hamlet = sc.hamlets[0]
    officer = make.user(role=Role.UNIT_OFFICER, unit=hamlet)
    officer.language = "en"
    council = sc.commune_councils[0]
    rnd = council.open_round
    returned = submitted(make, sc, hamlet, name="Nhà văn hóa thôn")
    waiting = submitted(make, sc, hamlet, name="Ngõ xóm sáng đèn")
    voting.mark_return(rnd, returned, reason="Thiếu ảnh", actor=None)
    from dankheo.appraisal.closing import close_round

    close_round(rnd, actor=None)  # returned; "waiting" has no quorum and stays
    from dankheo.appraisal import councils

    new_round = councils.open_round(council, actor=None)
    new_round.closes_on = reminders.today(app) + timedelta(days=1)
    member = sc.members[council.id][0]
    voting.cast_vote(
        member,
        waiting,
        choice="approve",
        scores={c.id: 10 for c in council.stage.criteria},
    )
    db.session.commit()
    smtp.clear()

    due = _run(app)

    kinds = sorted({d.key.split(":")[0] for d in due})
    assert kinds == ["round", "supplement"]
    (mail,) = smtp.to(officer.email)
    assert mail["Subject"] == "Supplement deadline approaching for “Nhà văn hóa thôn”"
    # The member who voted on everything is not reminded; the others are, with counts.
    assert smtp.to(member.user.email) == []
    for other in sc.members[council.id][1:]:
        (mail,) = smtp.to(other.user.email)
        assert "sắp kết thúc" in mail["Subject"]
        assert "Bạn còn 1 hồ sơ cần biểu quyết." in text_of(mail)
    assert _run(app) == []


def test_the_consumer_runs_the_reminders_daily_at_seven_in_vietnam(app):
    from dankheo.jobs import queue_for

    huey = queue_for(app).huey
    (task_class,) = [
        t for t in huey._registry._periodic_tasks if t.__name__ == "dankheo.remind"
    ]
    task = task_class()
    fires = [
        h for h in range(24) if task.validate_datetime(datetime(2026, 10, 20, h, 0))
    ]
    assert fires == [0]  # 00:00 UTC is 07:00 in Hà Nội
    assert not task.validate_datetime(datetime(2026, 10, 20, 0, 5))
