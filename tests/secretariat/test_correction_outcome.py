"""A pass the secretariat corrected is no longer the exemplar's outcome anywhere (funnel,
showcase stages, decision record, official lists, quota seats), stays visible in the
history, discards the open round's ballots on the entry, and replay still agrees."""

from __future__ import annotations

from sqlalchemy import func, select

from dankheo.appraisal import closing, councils
from dankheo.appraisal.models import StageResult, Vote
from dankheo.appraisal.queries import campaign_funnel, passed_stages
from dankheo.domain.workflow import Action, State
from dankheo.lists.queries import ListFilters, ListType, plan_list
from dankheo.registry.models import Exemplar, History
from dankheo.secretariat.corrections import correct_pass
from dankheo.verification.record import decision_record
from dankheo.verification.replay import replay_campaign

from ..appraisal.scenario import build, submitted, vote_all


def _passed_stage1(make, db):
    sc = build(make)
    council = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0], name="Qua vòng nhầm")
    keep = submitted(make, sc, sc.hamlets[0], name="Qua vòng đúng")
    vote_all(council, sc, e, "aaa")
    vote_all(council, sc, keep, "aaa")
    closing.close_round(council.open_round, actor=None)
    db.session.commit()
    return sc, council, db.session.get(Exemplar, e.id), keep


def _stage_list(sc) -> set[int]:
    f = ListFilters(campaign=sc.campaign, list_type=ListType.STAGE, stage=sc.stage1)
    return {eid for eid, _g in plan_list(f, [sc.province.path]).entries}


def test_corrected_pass_is_no_longer_the_outcome(make, db, login_as):
    sc, council, e, keep = _passed_stage1(make, db)
    # The entry sits in the province council's open round with a ballot cast on it.
    vote_all(sc.province_council, sc, e, "a")
    db.session.commit()
    assert campaign_funnel(sc.campaign)["stages"][0]["passed"] == 2
    assert e.id in _stage_list(sc)

    correct_pass(e, reason="Kiểm phiếu sai", actor=sc.secretariat)
    db.session.commit()

    e = db.session.get(Exemplar, e.id)
    assert (e.state, e.stage_id) == (State.SUBMITTED, sc.stage1.id)
    result = db.session.scalar(
        select(StageResult).where(StageResult.exemplar_id == e.id)
    )
    # The round's decision is kept as it was, marked corrected by the history record.
    assert result.outcome == "passed" and result.corrected_at is not None
    last = db.session.scalars(
        select(History).where(History.exemplar_id == e.id).order_by(History.id)
    ).all()[-1]
    assert last.action == Action.CORRECT and result.correction_id == last.id
    assert last.note.startswith("Kiểm phiếu sai") and "Hủy 1 phiếu" in last.note
    open_votes = db.session.scalar(
        select(func.count(Vote.id)).where(
            Vote.exemplar_id == e.id,
            Vote.round_id == sc.province_council.open_round.id,
        )
    )
    assert open_votes == 0
    # Nowhere is the corrected pass the current outcome any more.
    assert campaign_funnel(sc.campaign)["stages"][0]["passed"] == 1
    assert passed_stages([e.id]) == {}
    assert decision_record(e) == []
    assert _stage_list(sc) == {keep.id}
    assert closing.seats_used(council) == 1
    report = replay_campaign(sc.campaign)
    assert report.ok, [d.describe() for d in report.differences]
    assert report.corrected == 1
    # The minutes keep what the round decided and say it was corrected.
    chair = next(m for m in sc.members[council.id] if m.role == "chair")
    page = login_as(chair.user).get(f"/appraisal/rounds/{result.round_id}/minutes")
    row = page.get_data(as_text=True).split("Qua vòng nhầm")[1].split("</tr>")[0]
    assert "đã đính chính ngày" in row and "không còn hiệu lực" in row


def test_replay_agrees_after_the_corrected_entry_is_judged_again(make, db, app):
    sc, council, e, keep = _passed_stage1(make, db)
    correct_pass(e, reason="Kiểm phiếu sai", actor=sc.secretariat)
    councils.open_round(council, actor=None)
    db.session.commit()
    e = db.session.get(Exemplar, e.id)
    vote_all(council, sc, e, "rrr")  # the ballots move to the new round
    closing.close_round(council.open_round, actor=None)
    db.session.commit()
    assert db.session.get(Exemplar, e.id).state == State.REJECTED
    assert campaign_funnel(sc.campaign)["stages"][0]["passed"] == 1
    assert _stage_list(sc) == {keep.id}
    report = replay_campaign(sc.campaign)
    assert report.ok, [d.describe() for d in report.differences]
    assert report.corrected == 1
    out = app.test_cli_runner().invoke(args=["replay", str(sc.campaign.id)])
    assert out.exit_code == 0, out.output
    assert "Không có khác biệt." in out.output
    assert "1 kết quả vòng đã được cơ quan thường trực đính chính" in out.output


def test_correction_frees_the_quota_seat_and_replay_follows(make, db):
    sc = build(make, stage1={"quota": 1})
    council = sc.commune_councils[0]
    first = submitted(make, sc, sc.hamlets[0], name="Chiếm suất nhầm")
    vote_all(council, sc, first, "aaa")
    closing.close_round(council.open_round, actor=None)
    correct_pass(
        db.session.get(Exemplar, first.id), reason="Sai quy tắc", actor=sc.secretariat
    )
    councils.open_round(council, actor=None)
    db.session.commit()
    second = submitted(make, sc, sc.hamlets[0], name="Được suất")
    vote_all(council, sc, second, "aaa")
    closing.close_round(council.open_round, actor=None)
    db.session.commit()
    assert db.session.get(Exemplar, second.id).stage_id == sc.stage2.id
    report = replay_campaign(sc.campaign)
    assert report.ok, [d.describe() for d in report.differences]
