"""Routing, votes, recusal, the close, returns and resubmissions, quota across rounds,
commendation, replication and the funnel — through the real operations."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dankheo.appraisal import closing, commendations, councils, recusal, setup, voting
from dankheo.appraisal.models import (
    Commendation,
    DossierSnapshot,
    Round,
    StageResult,
    Vote,
)
from dankheo.appraisal.queries import campaign_funnel, member_progress, member_queue
from dankheo.domain.workflow import State
from dankheo.errors import Conflict, DomainError, NotAllowed
from dankheo.registry.models import History
from dankheo.registry.operations import (
    resubmit_exemplar,
    update_exemplar,
    withdraw_exemplar,
)

from .scenario import build, submitted, vote_all


@pytest.fixture
def sc(make):
    return build(make)


def test_submit_routes_to_nearest_ancestor_council(sc, make, db):
    e = submitted(make, sc, sc.hamlets[0])
    assert e.stage_id == sc.stage1.id
    c1, c2 = sc.commune_councils
    ids1 = db.session.scalars(
        member_queue(sc.members[c1.id][0]).with_only_columns(
            __import__("dankheo").registry.models.Exemplar.id
        )
    ).all()
    ids2 = db.session.scalars(
        member_queue(sc.members[c2.id][0]).with_only_columns(
            __import__("dankheo").registry.models.Exemplar.id
        )
    ).all()
    assert ids1 == [e.id] and ids2 == []


def test_unit_without_commune_ancestor_skips_to_province_stage(sc, make):
    e = submitted(make, sc, sc.department)
    assert e.stage_id == sc.stage2.id


def test_scores_are_bounded_and_required(sc, make):
    e = submitted(make, sc, sc.hamlets[0])
    council = sc.commune_councils[0]
    member = sc.members[council.id][0]
    c1, c2 = council.stage.criteria
    with pytest.raises(DomainError):
        voting.cast_vote(member, e, choice="approve", scores={c1.id: 61, c2.id: 10})
    with pytest.raises(DomainError):
        voting.cast_vote(member, e, choice="approve", scores={c1.id: -1, c2.id: 10})
    with pytest.raises(DomainError):
        voting.cast_vote(member, e, choice="approve", scores={c1.id: 10})
    with pytest.raises(DomainError):
        voting.cast_vote(member, e, choice="maybe", scores={})
    v = voting.cast_vote(member, e, choice="approve", scores={c1.id: 60, c2.id: 0})
    assert v.total_score == 60
    # abstaining needs no score and keeps none
    v = voting.cast_vote(member, e, choice="abstain", scores={c1.id: 5, c2.id: 5})
    assert v.total_score is None and v.scores == []


def test_second_vote_replaces_the_first(sc, make, db):
    e = submitted(make, sc, sc.hamlets[0])
    council = sc.commune_councils[0]
    m = sc.members[council.id][0]
    c1, c2 = council.stage.criteria
    voting.cast_vote(
        m, e, choice="approve", scores={c1.id: 40, c2.id: 20}, comment="Tốt"
    )
    voting.cast_vote(
        m, e, choice="reject", scores={c1.id: 10, c2.id: 10}, comment="Chưa rõ"
    )
    votes = db.session.scalars(select(Vote).where(Vote.exemplar_id == e.id)).all()
    assert (
        len(votes) == 1 and votes[0].choice == "reject" and votes[0].total_score == 20
    )
    assert sorted(s.points for s in votes[0].scores) == [10, 10]


def test_unique_vote_constraint(sc, make, db):
    e = submitted(make, sc, sc.hamlets[0])
    council = sc.commune_councils[0]
    m = sc.members[council.id][0]
    voting.cast_vote(m, e, choice="abstain")
    rnd = council.open_round
    db.session.add(
        Vote(
            member_id=m.id,
            exemplar_id=e.id,
            stage_id=council.stage_id,
            round_id=rnd.id,
            choice="approve",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_member_of_registering_unit_is_recused(sc, make, db):
    council = sc.commune_councils[0]
    commune_entry = submitted(make, sc, sc.communes[0])  # the commune registers itself
    member = sc.members[council.id][0]  # works at the commune
    assert member_progress(member).total == 0
    with pytest.raises(NotAllowed):
        voting.cast_vote(member, commune_entry, choice="abstain")
    plan = closing.tally_round(council.open_round)
    assert plan.rows[0].decision.eligible == 0  # every member is from the commune


def test_recuse_ancestors_option(make, db):
    sc = build(make, stage2={"recuse_ancestors": True})
    council = sc.province_council
    # a province-council member who works at commune 1 is recused from its hamlet's entry
    user = make.user(role=None, unit=sc.communes[0])
    m = councils.add_member(council, user, actor=None)
    e = submitted(make, sc, sc.department)
    assert member_progress(m).total == 1  # department is not below commune 1
    assert not recusal.is_recused(
        sc.communes[0].path, sc.department.path, sc.province.path, ancestors=True
    )
    assert recusal.is_recused(
        sc.communes[0].path, sc.hamlets[0].path, sc.province.path, ancestors=True
    )
    assert not recusal.is_recused(
        sc.communes[0].path, sc.hamlets[0].path, sc.province.path, ancestors=False
    )
    assert not recusal.is_recused(
        sc.province.path, sc.hamlets[0].path, sc.province.path, ancestors=True
    )
    assert e.state == State.SUBMITTED


def test_close_applies_rule_across_stages(sc, make, db):
    c1 = sc.commune_councils[0]
    good = submitted(make, sc, sc.hamlets[0], name="Mô hình tốt")
    bad = submitted(make, sc, sc.hamlets[0], name="Mô hình chưa đạt")
    late = submitted(make, sc, sc.hamlets[0], name="Mô hình gửi muộn")
    vote_all(c1, sc, good, "aar")
    vote_all(c1, sc, bad, "arr")
    vote_all(c1, sc, late, "a")  # 1 of 3: no quorum at 50 %
    summary = closing.close_round(c1.open_round, actor=sc.chair(c1).user)
    assert summary.counts == {"passed": 1, "not_passed": 1, "no_quorum": 1}
    db.session.refresh(good)
    db.session.refresh(bad)
    db.session.refresh(late)
    assert (good.state, good.stage_id) == (State.SUBMITTED, sc.stage2.id)
    assert bad.state == State.REJECTED
    assert (late.state, late.stage_id) == (State.SUBMITTED, sc.stage1.id)

    # the province council now sees the good one and recommends it
    pc = sc.province_council
    vote_all(pc, sc, good, "aaa")
    closing.close_round(pc.open_round, actor=sc.chair(pc).user)
    db.session.refresh(good)
    assert good.state == State.RECOMMENDED and good.published_at is not None
    history = [(h.action, h.from_state, h.to_state) for h in good.history]
    assert history == [
        ("submit", "draft", "submitted"),
        ("pass_stage", "submitted", "submitted"),
        ("recommend", "submitted", "recommended"),
    ]
    results = db.session.scalars(
        select(StageResult).where(StageResult.exemplar_id == good.id)
    ).all()
    assert [(r.stage_id, r.outcome, r.approvals, r.votes) for r in results] == [
        (sc.stage1.id, "passed", 2, 3),
        (sc.stage2.id, "passed", 3, 3),
    ]
    assert results[0].average_score == 80.0


def test_closing_twice_is_refused(sc, make, db):
    c1 = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0])
    vote_all(c1, sc, e, "aaa")
    rnd = c1.open_round
    closing.close_round(rnd, actor=None)
    with pytest.raises(Conflict):
        closing.close_round(rnd, actor=None)
    assert db.session.scalar(select(func.count(StageResult.id))) == 1
    with pytest.raises(DomainError):
        vote_all(c1, sc, e, "a")


def test_vote_after_close_is_refused_even_with_stale_round(sc, make, db):
    c1 = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0])
    e2 = submitted(make, sc, sc.hamlets[0])
    member = sc.members[c1.id][0]
    rnd = c1.open_round
    db.session.execute(
        __import__("sqlalchemy")
        .update(Round)
        .where(Round.id == rnd.id)
        .values(closed_at=rnd.opened_at)
    )
    # ``member.council.rounds`` still believes the round is open: the guard catches it
    with pytest.raises(Conflict):
        voting.cast_vote(member, e2, choice="abstain")
    assert e.state == State.SUBMITTED


def test_only_one_open_round(sc, db):
    c1 = sc.commune_councils[0]
    with pytest.raises(DomainError):
        councils.open_round(c1, actor=None)
    db.session.add(Round(council_id=c1.id, number=99))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_return_resubmit_and_diff(sc, make, db):
    c1 = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0], outputs="Một ít đường.")
    vote_all(c1, sc, e, "aaa")
    voting.mark_return(
        c1.open_round, e, reason="Bổ sung số liệu hộ dân hiến đất", actor=None
    )
    summary = closing.close_round(c1.open_round, actor=None)
    assert summary.counts == {"returned": 1}
    db.session.refresh(e)
    assert e.state == State.RETURNED and e.stage_id == sc.stage1.id
    snap = db.session.scalar(
        select(DossierSnapshot).where(DossierSnapshot.exemplar_id == e.id)
    )
    assert snap.data["outputs"] == "Một ít đường."
    update_exemplar(
        e,
        actor=None,
        data={"outputs": "2 km đường, 120 hộ hiến 3.000 m²."},
        expected_version=e.version,
    )
    resubmit_exemplar(e, actor=None)
    db.session.refresh(e)
    assert e.state == State.SUBMITTED and e.stage_id == sc.stage1.id
    # old votes belong to the closed round: members vote again in the new one
    councils.open_round(c1, actor=None)
    plan = closing.tally_round(c1.open_round)
    assert plan.rows[0].decision.present == 0
    vote_all(c1, sc, e, "aaa")
    closing.close_round(c1.open_round, actor=None)
    db.session.refresh(e)
    assert e.stage_id == sc.stage2.id


def test_withdraw_only_at_first_stage_and_funnel(sc, make, db):
    c1 = sc.commune_councils[0]
    a = submitted(make, sc, sc.hamlets[0])
    b = submitted(make, sc, sc.hamlets[0])
    c = submitted(make, sc, sc.hamlets[1])
    withdraw_exemplar(c, actor=None)
    vote_all(c1, sc, a, "aaa")
    vote_all(c1, sc, b, "rrr")
    closing.close_round(c1.open_round, actor=None)
    db.session.refresh(a)
    with pytest.raises(DomainError):
        withdraw_exemplar(a, actor=None)
    f = campaign_funnel(sc.campaign)
    assert f["registered"] == 2  # the withdrawn draft is not registered
    assert [s["passed"] for s in f["stages"]] == [1, 0]
    assert f["recommended"] == 0


def test_quota_spans_rounds_with_best_scores_first(make, db):
    sc = build(make, stage1={"quota": 2, "tie_rule": "most_approvals"})
    c1 = sc.commune_councils[0]
    es = [submitted(make, sc, sc.hamlets[0], name=f"Mô hình {i}") for i in range(3)]
    vote_all(c1, sc, es[0], "aaa", points=(50, 30))
    vote_all(c1, sc, es[1], "aaa", points=(60, 40))
    vote_all(c1, sc, es[2], "aaa", points=(30, 30))
    plan = closing.tally_round(c1.open_round)
    assert plan.seats_left_before == 2 and plan.seats_left_after == 0
    closing.close_round(c1.open_round, actor=None)
    for e in es:
        db.session.refresh(e)
    assert [e.state for e in es] == [State.SUBMITTED, State.SUBMITTED, State.REJECTED]
    councils.open_round(c1, actor=None)
    d = submitted(make, sc, sc.hamlets[0])
    vote_all(c1, sc, d, "aaa", points=(60, 40))
    plan = closing.tally_round(c1.open_round)
    assert plan.seats_left_before == 0
    closing.close_round(c1.open_round, actor=None)
    db.session.refresh(d)
    assert d.state == State.REJECTED
    r = db.session.scalar(select(StageResult).where(StageResult.exemplar_id == d.id))
    assert r.outcome == "over_quota"


def test_min_average_score(make, db):
    sc = build(make, stage1={"min_average_score": 70})
    c1 = sc.commune_councils[0]
    low = submitted(make, sc, sc.hamlets[0])
    high = submitted(make, sc, sc.hamlets[0])
    vote_all(c1, sc, low, "aaa", points=(40, 29))
    vote_all(c1, sc, high, "aaa", points=(40, 30))
    closing.close_round(c1.open_round, actor=None)
    db.session.refresh(low)
    db.session.refresh(high)
    assert low.state == State.REJECTED and high.stage_id == sc.stage2.id


def _recommended(make, sc, db, n=2):
    out = []
    for i in range(n):
        out.append(submitted(make, sc, sc.department, name=f"Điển hình {i}"))
    pc = sc.province_council
    for e in out:
        vote_all(pc, sc, e, "aaa")
    closing.close_round(pc.open_round, actor=None)
    for e in out:
        db.session.refresh(e)
        assert e.state == State.RECOMMENDED
    return out


def test_commendation_one_and_batch_then_replicated(sc, make, db):
    a, b, c = _recommended(make, sc, db, n=3)
    form = sc.campaign.commendation_forms[1]
    commendations.record_commendation(
        a,
        form=form,
        issuing_body="UBND tỉnh",
        decision_number="1034/QĐ-UBND",
        decision_date=date(2026, 11, 18),
        actor=sc.secretariat,
    )
    commendations.record_commendations(
        [b, c],
        form=form,
        issuing_body="",
        decision_number="1035/QĐ-UBND",
        decision_date=date(2026, 11, 18),
        actor=sc.secretariat,
    )
    rows = db.session.scalars(select(Commendation).order_by(Commendation.id)).all()
    assert [r.decision_number for r in rows] == [
        "1034/QĐ-UBND",
        "1035/QĐ-UBND",
        "1035/QĐ-UBND",
    ]
    assert rows[1].issuing_body == form.issuing_body
    with pytest.raises(DomainError):
        commendations.record_commendation(
            a,
            form=form,
            issuing_body="x",
            decision_number="1/QĐ",
            decision_date=date(2026, 1, 1),
            actor=None,
        )
    commendations.mark_replicated(a, note="Nhân rộng ra 12 xã", actor=sc.secretariat)
    f = campaign_funnel(sc.campaign)
    assert (f["recommended"], f["commended"], f["replicated"]) == (3, 3, 1)
    assert f["stages"][1]["passed"] == 3
    notes = db.session.scalars(
        select(History.note).where(History.action == "commend")
    ).all()
    assert all("QĐ-UBND" in n for n in notes)


def test_batch_commendation_is_all_or_nothing(sc, make, db):
    (a,) = _recommended(make, sc, db, n=1)
    draft = make.exemplar(unit=sc.hamlets[0], campaign=sc.campaign)
    form = sc.campaign.commendation_forms[0]
    with pytest.raises(DomainError):
        commendations.record_commendations(
            [a, draft],
            form=form,
            issuing_body="UBND xã",
            decision_number="12/QĐ-UBND",
            decision_date=date(2026, 11, 1),
            actor=None,
        )


def test_stage_rule_validation_and_rubric_lock(sc, make, db):
    with pytest.raises(DomainError):
        setup.update_stage(
            sc.stage1, {"threshold_num": 3, "threshold_den": 2}, actor=None
        )
    assert sc.stage1.threshold_num == 1
    e = submitted(make, sc, sc.hamlets[0])
    vote_all(sc.commune_councils[0], sc, e, "a")
    crit = sc.stage1.criteria[0]
    with pytest.raises(DomainError):
        setup.update_criterion(crit, name=crit.name, max_points=10, actor=None)
    with pytest.raises(DomainError):
        setup.delete_criterion(crit, actor=None)
    with pytest.raises(DomainError):
        setup.add_criterion(sc.stage1, name="Mới", max_points=5, actor=None)
    with pytest.raises(DomainError):
        setup.update_stage(sc.stage1, {"tier": "province"}, actor=None)
    with pytest.raises(DomainError):
        setup.delete_stage(sc.stage1, actor=None)


def test_council_unit_must_match_stage_tier(sc, make):
    with pytest.raises(DomainError):
        councils.create_council(sc.stage1, sc.province, name="Sai cấp", actor=None)
    with pytest.raises(DomainError):
        councils.create_council(sc.stage1, sc.communes[0], name="Trùng", actor=None)


def test_removed_member_stops_counting(sc, make, db):
    c1 = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0])
    vote_all(c1, sc, e, "aar")
    councils.remove_member(sc.members[c1.id][2], actor=None)
    d = closing.tally_round(c1.open_round).rows[0].decision
    assert (d.eligible, d.present, d.approvals) == (2, 2, 2)


def test_the_rule_is_fixed_once_members_have_voted(sc, make, db):
    """A secret ballot cannot be turned open mid-round, and minutes keep the rule that
    decided; names and labels may still be corrected."""
    stage = sc.stage1
    # before any vote: fine
    setup.update_stage(stage, {"ballot_mode": "secret"}, actor=None)
    e = submitted(make, sc, sc.hamlets[0])
    council = sc.commune_councils[0]
    c1, c2 = council.stage.criteria
    voting.cast_vote(
        sc.members[council.id][1], e, choice="approve", scores={c1.id: 40, c2.id: 20}
    )
    for change in (
        {"ballot_mode": "open"},
        {"quota": 1},
        {"threshold_num": 2, "threshold_den": 3},
    ):
        with pytest.raises(DomainError):
            setup.update_stage(stage, change, actor=None)
    setup.update_stage(
        stage,
        {"name": "Thẩm định cấp xã (sửa tên)", "ballot_mode": "secret"},
        actor=None,
    )
    db.session.flush()
    assert stage.ballot_mode == "secret" and stage.name.endswith("(sửa tên)")


def test_a_rule_that_needs_scores_cannot_open_without_a_rubric(make, db):
    sc = build(make, criteria=False)
    council = sc.commune_councils[0]
    closing.close_round(council.open_round, actor=None)
    setup.update_stage(sc.stage1, {"min_average_score": 50}, actor=None)
    with pytest.raises(DomainError):
        councils.open_round(council, actor=None)
    setup.update_stage(
        sc.stage1,
        {"min_average_score": None, "quota": 1, "tie_rule": "none_tied_pass"},
        actor=None,
    )
    with pytest.raises(DomainError):
        councils.open_round(council, actor=None)
    setup.add_criterion(sc.stage1, name="Hiệu quả", max_points=100, actor=None)
    db.session.flush()
    db.session.refresh(sc.stage1)
    assert councils.open_round(council, actor=None).number == 2
