"""Each event reaches the right people, in the app and by mail (read from a real SMTP
server on loopback), in their language, with a link that opens the page concerned; a
close of 900 exemplars is one digest per person; nothing leaves a rolled-back
transaction; a mail the server refuses for now is sent again."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, insert, select

from dankheo.appraisal import closing, commendations, councils, voting
from dankheo.appraisal.models import Vote
from dankheo.domain.enums import Role
from dankheo.domain.workflow import State
from dankheo.notifications.models import Notification, NotificationPreference
from dankheo.registry.models import Exemplar
from tests.appraisal.scenario import build, submitted, vote_all

from .conftest import link_in, text_of


@pytest.fixture
def sc(make):
    return build(make)


def _officers(make, unit, *languages):
    users = []
    for lang in languages:
        user = make.user(role=Role.UNIT_OFFICER, unit=unit)
        user.language = lang
        users.append(user)
    return users


def _inbox(db, user) -> list[Notification]:
    db.session.rollback()  # see what the delivery job committed
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def _path(url: str) -> str:
    return urlsplit(url).path


def test_a_decision_reaches_the_units_officers_in_their_language(
    sc, make, db, smtp, login_as
):
    hamlet = sc.hamlets[0]
    vi, en = _officers(make, hamlet, "vi", "en")
    elsewhere = make.user(role=Role.UNIT_OFFICER, unit=sc.hamlets[1])
    e = submitted(make, sc, hamlet, name="Đường làng sáng xanh")
    council = sc.commune_councils[0]
    vote_all(council, sc, e, "aaa")
    db.session.commit()
    smtp.clear()

    closing.close_round(council.open_round, actor=None)
    db.session.commit()

    (vi_mail,) = smtp.to(vi.email)
    (en_mail,) = smtp.to(en.email)
    assert vi_mail["Subject"] == "Hồ sơ “Đường làng sáng xanh” đã đạt vòng thẩm định"
    assert "Kết quả: Đạt cấp cơ sở." in text_of(vi_mail)
    assert "Kính gửi" in text_of(vi_mail)
    assert (
        en_mail["Subject"] == "Entry “Đường làng sáng xanh” passed the appraisal stage"
    )
    assert "Dear " in text_of(en_mail) and "Kính gửi" not in text_of(en_mail)
    assert smtp.to(elsewhere.email) == []
    # The province-wide officer of the scenario follows the whole subtree.
    assert len(smtp.to(sc.officer.email)) == 1

    link = link_in(vi_mail)
    assert link.startswith("http://localhost/") and _path(link) == f"/registry/{e.id}"
    client = login_as(vi)
    page = client.get(_path(link))
    assert page.status_code == 200 and "Đường làng sáng xanh" in page.get_data(
        as_text=True
    )

    (row,) = _inbox(db, vi)
    assert row.message == "passed" and row.link == f"/registry/{e.id}"
    assert row.read_at is None


def test_a_return_for_supplement_carries_the_reason(sc, make, db, smtp):
    hamlet = sc.hamlets[0]
    (officer,) = _officers(make, hamlet, "vi")
    e = submitted(make, sc, hamlet, name="Sân chơi cho trẻ em")
    council = sc.commune_councils[0]
    rnd = council.open_round
    voting.mark_return(rnd, e, reason="Thiếu biên bản họp dân", actor=None)
    db.session.commit()
    smtp.clear()

    closing.close_round(rnd, actor=None)
    db.session.commit()

    (mail,) = smtp.to(officer.email)
    assert mail["Subject"] == "Hồ sơ “Sân chơi cho trẻ em” được trả lại để bổ sung"
    assert "Lý do: Thiếu biên bản họp dân" in text_of(mail)
    (row,) = _inbox(db, officer)
    assert row.message == "returned"


def test_not_recognised_and_recommended(make, db, smtp):
    sc = build(make, stage1={"quorum_percent": 0})
    hamlet = sc.hamlets[0]
    (officer,) = _officers(make, hamlet, "en")
    rejected = submitted(make, sc, hamlet, name="Mô hình A")
    council = sc.commune_councils[0]
    vote_all(council, sc, rejected, "rrr")
    db.session.commit()
    closing.close_round(council.open_round, actor=None)
    db.session.commit()
    (mail,) = smtp.to(officer.email)
    assert mail["Subject"] == "Entry “Mô hình A” was not recognised"

    # Straight to the province's stage (no commune above the department): recommended.
    dept = sc.department
    (dept_officer,) = _officers(make, dept, "vi")
    e = submitted(make, sc, dept, name="Mô hình B")
    vote_all(sc.province_council, sc, e, "aaa")
    db.session.commit()
    closing.close_round(sc.province_council.open_round, actor=None)
    db.session.commit()
    (mail,) = smtp.to(dept_officer.email)
    assert mail["Subject"] == "Hồ sơ “Mô hình B” được đề nghị khen thưởng"


def test_a_round_opened_tells_members_their_to_do_count(sc, make, db, smtp, login_as):
    council = sc.commune_councils[0]
    submitted(make, sc, sc.hamlets[0])
    submitted(make, sc, sc.hamlets[0])
    closing.close_round(council.open_round, actor=None)  # no votes: no quorum, stays
    db.session.commit()
    smtp.clear()

    councils.open_round(council, actor=None)
    db.session.commit()

    members = sc.members[council.id]
    for member in members:
        (mail,) = smtp.to(member.user.email)
        assert "mở phiên thẩm định số 2" in mail["Subject"]
        assert "Bạn còn 2 hồ sơ cần biểu quyết." in text_of(mail)
        assert _path(link_in(mail)) == f"/appraisal/councils/{council.id}/"
    client = login_as(members[0].user)
    assert client.get(f"/appraisal/councils/{council.id}/").status_code == 200
    # Members of the other councils hear nothing.
    other = sc.commune_councils[1]
    assert smtp.to(sc.members[other.id][0].user.email) == []


def test_a_commendation_reaches_the_units_officers(make, db, smtp):
    sc = build(make)
    dept = sc.department
    (officer,) = _officers(make, dept, "vi")
    e = submitted(make, sc, dept, name="Mô hình C")
    vote_all(sc.province_council, sc, e, "aaa")
    closing.close_round(sc.province_council.open_round, actor=None)
    db.session.commit()
    smtp.clear()
    form = sc.campaign.commendation_forms[0]
    commendations.record_commendation(
        db.session.get(Exemplar, e.id),
        form=form,
        issuing_body="UBND tỉnh",
        decision_number="1034/QĐ-UBND",
        decision_date=date(2026, 11, 18),
        actor=sc.secretariat,
    )
    db.session.commit()
    (mail,) = smtp.to(officer.email)
    assert mail["Subject"] == "Hồ sơ “Mô hình C” được khen thưởng"
    assert "1034/QĐ-UBND ngày 18/11/2026 của UBND tỉnh" in text_of(mail)
    assert [n.message for n in _inbox(db, officer)] == ["recommended", "commended"]


def test_choices_email_inbox_only_or_nothing_are_respected(
    sc, make, db, smtp, login_as
):
    hamlet = sc.hamlets[0]
    by_mail, in_app, nothing = _officers(make, hamlet, "vi", "vi", "vi")
    db.session.add(
        NotificationPreference(user_id=nothing.id, kind="decided", channel="none")
    )
    db.session.commit()
    # One person chooses through the page.
    client = login_as(in_app)
    form = {
        "returned": "email",
        "decided": "app",
        "round": "email",
        "deadline": "email",
        "commended": "email",
        "objection": "email",
        "language": "en",
    }
    assert client.post("/notifications/preferences", data=form).status_code == 303
    e = submitted(make, sc, hamlet)
    council = sc.commune_councils[0]
    vote_all(council, sc, e, "aaa")
    db.session.commit()
    smtp.clear()

    closing.close_round(council.open_round, actor=None)
    db.session.commit()

    assert len(smtp.to(by_mail.email)) == 1 and len(_inbox(db, by_mail)) == 1
    assert smtp.to(in_app.email) == [] and len(_inbox(db, in_app)) == 1
    assert smtp.to(nothing.email) == [] and _inbox(db, nothing) == []
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="decided"[^>]*value="app"', page)


def test_mail_off_keeps_the_inbox(sc, make, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    (officer,) = _officers(make, sc.hamlets[0], "vi")
    e = submitted(make, sc, sc.hamlets[0])
    council = sc.commune_councils[0]
    vote_all(council, sc, e, "aaa")
    closing.close_round(council.open_round, actor=None)
    db.session.commit()
    assert [n.message for n in _inbox(db, officer)] == ["passed"]


def test_nothing_is_sent_when_the_transaction_rolls_back(sc, make, db, smtp):
    (officer,) = _officers(make, sc.hamlets[0], "vi")
    e = submitted(make, sc, sc.hamlets[0])
    council = sc.commune_councils[0]
    vote_all(council, sc, e, "aaa")
    db.session.commit()
    smtp.clear()

    closing.close_round(council.open_round, actor=None)
    db.session.rollback()
    db.session.commit()  # a later, empty commit sends nothing either

    assert smtp.messages == [] and smtp.attempts == 0
    assert _inbox(db, officer) == []
    assert db.session.get(Exemplar, e.id).state == State.SUBMITTED


def test_a_refused_request_sends_nothing(sc, make, db, smtp, login_as):
    """Through a page: the close is refused (already closed), nothing is told."""
    council = sc.commune_councils[0]
    rnd = council.open_round
    chair = sc.chair(council).user
    e = submitted(make, sc, sc.hamlets[0])
    vote_all(council, sc, e, "aaa")
    closing.close_round(rnd, actor=None)
    db.session.commit()
    smtp.clear()
    before = db.session.scalar(select(func.count(Notification.id)))
    client = login_as(chair)
    resp = client.post(f"/appraisal/rounds/{rnd.id}/close")
    assert resp.status_code >= 300
    assert smtp.messages == []
    db.session.rollback()
    assert db.session.scalar(select(func.count(Notification.id))) == before


def test_a_mail_refused_for_now_is_sent_again(sc, make, db, smtp):
    (officer,) = _officers(make, sc.hamlets[0], "vi")
    e = submitted(make, sc, sc.hamlets[0])
    council = sc.commune_councils[0]
    vote_all(council, sc, e, "aaa")
    db.session.commit()
    smtp.clear()
    smtp.fail_next = 1

    closing.close_round(council.open_round, actor=None)
    db.session.commit()

    # Two people are told (the officer and the scenario's province-wide one): three
    # attempts, the first refused with 451 and retried by the queue.
    assert smtp.attempts == 3
    assert len(smtp.to(officer.email)) == 1
    assert len(smtp.messages) == 2


def test_nine_hundred_decisions_in_one_close_are_one_digest_each(make, db, smtp):
    sc = build(make, stage1={"quorum_percent": 0}, criteria=False)
    hamlet = sc.hamlets[0]
    vi, en = _officers(make, hamlet, "vi", "en")
    db.session.flush()
    db.session.execute(
        insert(Exemplar),
        [
            {
                "campaign_id": sc.campaign.id,
                "unit_id": hamlet.id,
                "field_id": sc.campaign.fields[0].id,
                "stage_id": sc.stage1.id,
                "state": State.SUBMITTED.value,
                "name": f"Mô hình số {i}",
                "submitted_at": sc.campaign.created_at,
            }
            for i in range(900)
        ],
    )
    # One member's "reject" on each (quorum 0 %): every one is decided, not passed.
    council = sc.commune_councils[0]
    member = sc.members[council.id][0]
    ids = db.session.scalars(select(Exemplar.id).where(Exemplar.unit_id == hamlet.id))
    db.session.execute(
        insert(Vote),
        [
            {
                "member_id": member.id,
                "exemplar_id": i,
                "stage_id": sc.stage1.id,
                "round_id": council.open_round.id,
                "choice": "reject",
            }
            for i in ids
        ],
    )
    db.session.commit()
    smtp.clear()

    summary = closing.close_round(council.open_round, actor=None)
    db.session.commit()

    assert summary.counts == {"not_passed": 900}, summary.counts
    (vi_mail,) = smtp.to(vi.email)
    (en_mail,) = smtp.to(en.email)
    assert vi_mail["Subject"] == "900 thông báo mới"
    assert "900 hồ sơ không được công nhận" in text_of(vi_mail)
    assert en_mail["Subject"] == "900 new notifications"
    assert "900 entries not recognised" in text_of(en_mail)
    assert _path(link_in(vi_mail)) == "/registry/"
    (row,) = _inbox(db, vi)
    assert row.message == "digest" and row.data == {"counts": {"rejected": 900}}
