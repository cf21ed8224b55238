"""The member workspace, the chair's tally and close, minutes, secretariat pages, secret
votes and the funnel API, through HTTP."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from dankheo import clock
from dankheo.appraisal import closing, councils, voting
from dankheo.appraisal.models import Commendation, Council, CouncilMember, Round
from dankheo.campaigns.models import Stage
from dankheo.domain.enums import Role
from dankheo.domain.workflow import State

from .scenario import build, submitted, vote_all


@pytest.fixture
def sc(make, db):
    s = build(make)
    db.session.commit()
    return s


def _commit(db):
    db.session.commit()


def test_member_workspace_progress_and_vote(sc, make, db, login_as):
    c1 = sc.commune_councils[0]
    es = [submitted(make, sc, sc.hamlets[0], name=f"Mô hình số {i}") for i in range(3)]
    _commit(db)
    member = sc.members[c1.id][2]
    client = login_as(member.user)
    page = client.get("/appraisal/").get_data(as_text=True)
    assert "0 / 3 đã chấm" in page
    page = client.get(f"/appraisal/councils/{c1.id}/").get_data(as_text=True)
    assert "Mô hình số 0" in page and "0 / 3 đã chấm" in page
    crit = sc.stage1.criteria
    url = f"/appraisal/councils/{c1.id}/entries/{es[0].id}"
    resp = client.post(
        url,
        data={
            "choice": "approve",
            f"criterion_{crit[0].id}": "61",
            f"criterion_{crit[1].id}": "10",
        },
    )
    assert resp.status_code == 400 and "Điểm từ 0 đến 60" in resp.get_data(as_text=True)
    resp = client.post(url, data={"choice": "approve", f"criterion_{crit[0].id}": "55"})
    assert resp.status_code == 400
    resp = client.post(
        url,
        data={
            "choice": "approve",
            f"criterion_{crit[0].id}": "55",
            f"criterion_{crit[1].id}": "35",
            "comment": "Thiết thực",
            "next": "1",
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/entries/{es[1].id}"
    )
    page = client.get(url).get_data(as_text=True)
    assert "1 / 3 đã chấm" in page and "Thiết thực" in page


def test_recused_and_foreign_entries_are_hidden(sc, make, db, login_as):
    c1, c2 = sc.commune_councils
    own = submitted(make, sc, sc.communes[0])
    other = submitted(make, sc, sc.hamlets[1])
    _commit(db)
    client = login_as(sc.members[c1.id][0].user)
    assert (
        client.get(f"/appraisal/councils/{c1.id}/entries/{own.id}").status_code == 404
    )
    assert (
        client.get(f"/appraisal/councils/{c1.id}/entries/{other.id}").status_code == 404
    )
    assert client.get(f"/appraisal/councils/{c2.id}/").status_code == 403
    resp = client.get(f"/appraisal/councils/{c1.id}/?status=all")
    assert resp.status_code == 200
    assert own.name not in resp.get_data(as_text=True)


def test_secret_ballot_hides_votes_open_ballot_shows_them(make, db, login_as):
    sc = build(make, stage1={"ballot_mode": "secret"}, stage2={"ballot_mode": "open"})
    c1 = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0])
    voting.cast_vote(
        sc.members[c1.id][0],
        e,
        choice="reject",
        scores={c.id: 1 for c in sc.stage1.criteria},
        comment="Ý kiến riêng của chủ tịch",
    )
    pe = submitted(make, sc, sc.department)
    pc = sc.province_council
    voting.cast_vote(
        sc.members[pc.id][0],
        pe,
        choice="approve",
        scores={c.id: 1 for c in sc.stage2.criteria},
        comment="Ý kiến công khai",
    )
    db.session.commit()
    client = login_as(sc.members[c1.id][1].user)
    resp = client.get(f"/appraisal/councils/{c1.id}/entries/{e.id}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert e.name in page and "Ý kiến riêng của chủ tịch" not in page
    client = login_as(sc.members[pc.id][1].user)
    page = client.get(f"/appraisal/councils/{pc.id}/entries/{pe.id}").get_data(
        as_text=True
    )
    assert "Ý kiến công khai" in page
    # the registering unit's officer never reaches appraisal pages or votes
    client = login_as(sc.officer)
    assert client.get(f"/appraisal/councils/{c1.id}/entries/{e.id}").status_code == 403
    assert client.get(f"/appraisal/councils/{c1.id}/tally").status_code == 403
    resp = client.get(f"/registry/{e.id}")
    assert resp.status_code == 200
    detail = resp.get_data(as_text=True)
    assert e.name in detail and "Ý kiến riêng của chủ tịch" not in detail


def test_chair_tally_close_twice_and_minutes(make, db, login_as):
    sc = build(make, stage1={"quota": 5})
    c1 = sc.commune_councils[0]
    es = [submitted(make, sc, sc.hamlets[0], name=f"Hồ sơ {i}") for i in range(3)]
    for e in es[:2]:
        vote_all(c1, sc, e, "aaa")
    vote_all(c1, sc, es[2], "arr")
    db.session.commit()
    chair = sc.chair(c1)
    client = login_as(chair.user)
    page = client.get(f"/appraisal/councils/{c1.id}/tally").get_data(as_text=True)
    assert "còn 5 / 5 suất" in page and "sau phiên này còn 3 suất" in page
    rnd_id = c1.open_round.id
    # a plain member may not close
    member_client = login_as(sc.members[c1.id][2].user)
    assert member_client.post(f"/appraisal/rounds/{rnd_id}/close").status_code == 403
    client = login_as(chair.user)
    resp = client.post(f"/appraisal/rounds/{rnd_id}/close")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/rounds/{rnd_id}/minutes"
    )
    resp = client.post(f"/appraisal/rounds/{rnd_id}/close", follow_redirects=True)
    assert "đã được kết thúc" in resp.get_data(as_text=True)
    minutes = client.get(f"/appraisal/rounds/{rnd_id}/minutes").get_data(as_text=True)
    assert (
        "Biên bản phiên thẩm định".upper() in minutes.upper() and "Hồ sơ 2" in minutes
    )
    assert "Có mặt 3 / 3" in minutes
    xlsx = client.get(f"/appraisal/rounds/{rnd_id}/minutes.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "Hồ sơ 0" in values and "Đạt" in values
    page = client.get(f"/appraisal/councils/{c1.id}/tally").get_data(as_text=True)
    assert "Mở phiên thẩm định mới" in page
    # The chair's own queue offers it too, with the planned closing day.
    queue = client.get(f"/appraisal/councils/{c1.id}/").get_data(as_text=True)
    assert "Mở phiên thẩm định mới" in queue and 'name="closes_on"' in queue
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    url = f"/appraisal/councils/{c1.id}/rounds"
    assert client.post(url, data={"closes_on": yesterday}).status_code == 302
    assert c1.open_round is None  # a planned close in the past is refused
    planned = (clock.today() + timedelta(days=5)).isoformat()
    assert client.post(url, data={"closes_on": planned}).status_code == 302
    rnd = db.session.scalar(
        select(Round).where(Round.council_id == c1.id, Round.number == 2)
    )
    assert rnd is not None and rnd.closes_on.isoformat() == planned


def test_chair_returns_entry_and_members_see_diff(sc, make, db, login_as):
    c1 = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0], outputs="Chưa có số liệu.")
    vote_all(c1, sc, e, "aaa")
    db.session.commit()
    client = login_as(sc.chair(c1).user)
    rnd = c1.open_round
    client.post(
        f"/appraisal/rounds/{rnd.id}/returns/{e.id}",
        data={"reason": "Bổ sung số hộ tham gia"},
    )
    assert "Bổ sung số hộ tham gia" in client.get(
        f"/appraisal/councils/{c1.id}/tally"
    ).get_data(as_text=True)
    client.post(f"/appraisal/rounds/{rnd.id}/close")
    e = db.session.get(type(e), e.id)
    db.session.refresh(e)
    assert e.state == State.RETURNED
    from dankheo.registry.operations import resubmit_exemplar, update_exemplar

    update_exemplar(
        e,
        actor=None,
        data={"outputs": "125 hộ tham gia, 2 km đường."},
        expected_version=e.version,
    )
    resubmit_exemplar(e, actor=None)
    councils.open_round(c1, actor=None)
    db.session.commit()
    client = login_as(sc.members[c1.id][2].user)
    page = client.get(f"/appraisal/councils/{c1.id}/entries/{e.id}").get_data(
        as_text=True
    )
    assert "Chưa có số liệu." in page and "125 hộ tham gia, 2 km đường." in page
    assert "Bổ sung số hộ tham gia" in page


def test_tally_page_has_no_n_plus_one(sc, make, db, login_as):
    c1 = sc.commune_councils[0]
    for _i in range(12):
        e = submitted(make, sc, sc.hamlets[0])
        vote_all(c1, sc, e, "aar")
    db.session.commit()
    client = login_as(sc.chair(c1).user)
    counts = []
    for _ in range(2):
        n = [0]

        def count(*_a, n=n, **_k):
            n[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/appraisal/councils/{c1.id}/tally").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        counts.append(n[0])
        for _i in range(8):
            e = submitted(make, sc, sc.hamlets[0])
            vote_all(c1, sc, e, "aar")
        db.session.commit()
    assert counts[1] == counts[0], counts


def test_secretariat_manages_stage_rubric_council_members(sc, make, db, login_as):
    client = login_as(sc.secretariat)
    camp = sc.campaign
    assert client.get(f"/appraisal/manage/campaigns/{camp.id}").status_code == 200
    resp = client.post(
        f"/appraisal/manage/campaigns/{camp.id}/stages/new",
        data={
            "name": "Tuyên dương tiêu biểu",
            "tier": "province",
            "pass_label": "Tiêu biểu",
            "ballot_mode": "secret",
            "base": "all",
            "threshold": "9/10/i",
            "quorum_percent": "100",
            "min_average_score": "70,5",
            "quota": "10",
            "tie_rule": "none_tied_pass",
        },
    )
    assert resp.status_code == 302
    stage = db.session.scalar(
        select(Stage).where(Stage.name == "Tuyên dương tiêu biểu")
    )
    assert (stage.threshold_num, stage.threshold_den, stage.threshold_strict) == (
        9,
        10,
        False,
    )
    assert stage.min_average_score == 70.5 and stage.quota == 10 and stage.position == 2
    resp = client.post(
        f"/appraisal/manage/stages/{stage.id}",
        data={
            "name": "Tuyên dương",
            "tier": "province",
            "pass_label": "Tiêu biểu",
            "ballot_mode": "open",
            "base": "present",
            "threshold": "custom",
            "threshold_num": "3",
            "threshold_den": "5",
            "quorum_percent": "50",
            "tie_rule": "all_tied_pass",
        },
    )
    assert resp.status_code == 302
    db.session.refresh(stage)
    assert (stage.threshold_num, stage.threshold_den, stage.threshold_strict) == (
        3,
        5,
        False,
    )
    resp = client.post(
        f"/appraisal/manage/stages/{stage.id}",
        data={
            "name": "X",
            "tier": "province",
            "pass_label": "Y",
            "ballot_mode": "open",
            "base": "present",
            "threshold": "custom",
            "threshold_num": "6",
            "threshold_den": "5",
            "quorum_percent": "50",
            "tie_rule": "all_tied_pass",
        },
    )
    assert resp.status_code == 400
    client.post(
        f"/appraisal/manage/stages/{stage.id}/criteria",
        data={"name": "Sức lan tỏa", "max_points": "50"},
    )
    db.session.refresh(stage)
    assert [(c.name, c.max_points) for c in stage.criteria] == [("Sức lan tỏa", 50)]
    page = client.get(f"/appraisal/manage/stages/{stage.id}/councils").get_data(
        as_text=True
    )
    assert sc.province.name in page
    resp = client.post(
        f"/appraisal/manage/stages/{stage.id}/councils",
        data={"unit_id": sc.province.id, "name": "Hội đồng tuyên dương"},
    )
    assert resp.status_code == 302
    council = db.session.scalar(select(Council).where(Council.stage_id == stage.id))
    user = make.user(role=None, unit=sc.department)
    db.session.commit()
    client.post(
        f"/appraisal/manage/councils/{council.id}",
        data={"username": user.username, "role": "chair"},
    )
    member = db.session.scalar(
        select(CouncilMember).where(CouncilMember.council_id == council.id)
    )
    assert member.role == "chair"
    db.session.refresh(user)
    assert user.has_role(Role.COUNCIL_MEMBER)
    client.post(f"/appraisal/manage/members/{member.id}/remove")
    db.session.refresh(member)
    assert not member.active


def test_pages_refuse_outsiders(sc, make, db, login_as):
    outsider_unit = make.unit()
    outsider = make.user(role=Role.SECRETARIAT, unit=outsider_unit)
    db.session.commit()
    client = login_as(outsider)
    assert (
        client.get(f"/appraisal/manage/campaigns/{sc.campaign.id}").status_code == 403
    )
    assert client.get(f"/appraisal/manage/stages/{sc.stage1.id}").status_code == 403
    assert (
        client.get(f"/appraisal/councils/{sc.commune_councils[0].id}/tally").status_code
        == 403
    )
    client = login_as(sc.officer)
    assert client.get("/appraisal/").status_code == 403
    assert client.get("/appraisal/manage/").status_code == 403


def test_commendation_batch_and_replicate_pages(sc, make, db, login_as):
    pc = sc.province_council
    es = [submitted(make, sc, sc.department, name=f"Điển hình {i}") for i in range(3)]
    for e in es:
        vote_all(pc, sc, e, "aaa")
    closing.close_round(pc.open_round, actor=None)
    db.session.commit()
    client = login_as(sc.secretariat)
    page = client.get(
        f"/appraisal/manage/campaigns/{sc.campaign.id}/commendations"
    ).get_data(as_text=True)
    assert "Điển hình 0" in page
    form_id = sc.campaign.commendation_forms[1].id
    bad = client.post(
        f"/appraisal/manage/campaigns/{sc.campaign.id}/commendations",
        data={
            "exemplar_ids": [es[0].id],
            "form_id": form_id,
            "decision_number": "số một",
            "decision_date": "2026-11-18",
        },
    )
    assert bad.status_code == 400
    resp = client.post(
        f"/appraisal/manage/campaigns/{sc.campaign.id}/commendations",
        data={
            "exemplar_ids": [es[0].id, es[1].id],
            "form_id": form_id,
            "decision_number": "1034/QĐ-UBND",
            "decision_date": "2026-11-18",
        },
    )
    assert resp.status_code == 302
    rows = db.session.scalars(select(Commendation)).all()
    assert {r.exemplar_id for r in rows} == {es[0].id, es[1].id}
    assert rows[0].decision_date == date(2026, 11, 18)
    page = client.get(
        f"/appraisal/manage/campaigns/{sc.campaign.id}/commendations?tab=commended"
    ).get_data(as_text=True)
    assert "1034/QĐ-UBND" in page
    client.post(
        f"/appraisal/manage/exemplars/{es[0].id}/replicate",
        data={"note": "Nhân rộng ra 5 xã"},
    )
    db.session.refresh(es[0])
    assert es[0].state == State.REPLICATED


def test_funnel_api(sc, make, db, client):
    pc = sc.province_council
    e = submitted(make, sc, sc.department)
    vote_all(pc, sc, e, "aaa")
    closing.close_round(pc.open_round, actor=None)
    submitted(make, sc, sc.hamlets[0])
    db.session.commit()
    data = client.get("/api/v1/campaigns").get_json()
    assert [c["id"] for c in data["campaigns"]] == [sc.campaign.id]
    f = client.get(f"/api/v1/campaigns/{sc.campaign.id}/funnel").get_json()
    assert f["registered"] == 2 and f["recommended"] == 1 and f["commended"] == 0
    assert [(s["name"], s["passed"]) for s in f["stages"]] == [
        ("Thẩm định cấp xã", 0),
        ("Bình xét cấp tỉnh", 1),
    ]
    missing = client.get("/api/v1/campaigns/9999/funnel")
    assert missing.status_code == 404 and missing.get_json()["error"]


RECUSAL_NOTE = "Hồ sơ của đơn vị bạn công tác không hiển thị ở đây"
ALL_SCORED = "Bạn đã chấm hết hồ sơ của phiên này."
NOTHING = "Không có hồ sơ nào trong mục này."


def _queue(client, council, status):
    resp = client.get(f"/appraisal/councils/{council.id}/?status={status}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_queue_empty_states_say_why(sc, make, db, login_as):
    c1 = sc.commune_councils[0]
    member = sc.members[c1.id][2]
    client = login_as(member.user)
    # Nothing submitted yet: no word about recusal.
    page = _queue(client, c1, "todo")
    assert NOTHING in page and RECUSAL_NOTE not in page and ALL_SCORED not in page

    entry = submitted(make, sc, sc.hamlets[0], name="Mô hình thôn")
    crit = c1.stage.criteria
    voting.cast_vote(
        member, entry, choice="approve", scores={crit[0].id: 50, crit[1].id: 30}
    )
    _commit(db)
    # Everything scored, nobody recused: the member is done, not hidden from.
    page = _queue(client, c1, "todo")
    assert ALL_SCORED in page and RECUSAL_NOTE not in page
    assert "Mô hình thôn" in _queue(client, c1, "done")

    # An entry of the member's own unit: still done, and now the note explains the gap.
    submitted(make, sc, sc.communes[0], name="Mô hình của xã")
    _commit(db)
    page = _queue(client, c1, "todo")
    assert ALL_SCORED in page and RECUSAL_NOTE in page
    assert "Mô hình của xã" not in _queue(client, c1, "all")


def test_queue_of_only_recused_entries_explains_the_recusal(sc, make, db, login_as):
    c1 = sc.commune_councils[0]
    submitted(make, sc, sc.communes[0], name="Mô hình của xã")
    _commit(db)
    client = login_as(sc.members[c1.id][2].user)
    for status in ("todo", "done", "all"):
        page = _queue(client, c1, status)
        assert NOTHING in page and RECUSAL_NOTE in page and ALL_SCORED not in page


def test_refused_stage_edit_shows_the_error_on_its_field(sc, make, db, login_as):
    """A rule refusal re-renders the form with the error's status, the message on the
    field it concerns and what the user typed, and changes nothing."""
    submitted(make, sc, sc.hamlets[0])  # the stage is now in use
    db.session.commit()
    client = login_as(sc.secretariat)
    stage = sc.stage1
    data = {
        "name": "Tên mới chưa lưu",
        "tier": "province",
        "pass_label": stage.pass_label,
        "ballot_mode": stage.ballot_mode,
        "base": stage.base,
        "threshold": "1/2/s",
        "quorum_percent": str(stage.quorum_percent),
        "tie_rule": stage.tie_rule,
    }
    resp = client.post(f"/appraisal/manage/stages/{stage.id}", data=data)
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    assert "Không thể đổi cấp của vòng đã có hồ sơ." in page
    assert 'value="Tên mới chưa lưu"' in page
    db.session.expire_all()
    assert db.session.get(Stage, stage.id).tier == "commune"
    # the English page carries the translated message
    resp = client.post(f"/appraisal/manage/stages/{stage.id}?lang=en", data=data)
    assert "cannot be changed" in resp.get_data(as_text=True)


def test_opening_a_second_round_is_refused_and_sent_back(sc, make, db, login_as):
    c1 = sc.commune_councils[0]
    client = login_as(sc.chair(c1).user)
    resp = client.post(f"/appraisal/councils/{c1.id}/rounds")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/appraisal/councils/{c1.id}/tally")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Hội đồng đang có phiên chưa kết thúc." in page
    assert (
        len(db.session.scalars(select(Round).where(Round.council_id == c1.id)).all())
        == 1
    )
