"""Replay: the recorded votes and rule give back what is stored and shown; a tampered
vote is found and named."""

from __future__ import annotations

from sqlalchemy import select, text

from dankheo.appraisal.models import StageResult, Vote
from dankheo.appraisal.snapshots import RuleSnapshot
from dankheo.verification.replay import replay_campaign


def _outcomes(db, world):
    return {
        e.name: db.session.scalar(
            select(StageResult.outcome).where(StageResult.exemplar_id == e.id)
        )
        for e in world.entries.values()
    }


def test_the_close_records_the_rule_and_rubric(world, db):
    snap = db.session.scalar(
        select(RuleSnapshot).where(RuleSnapshot.round_id == world.round.id)
    )
    assert snap is not None and not snap.backfilled
    assert snap.rule["ballot_mode"] == "secret"
    assert snap.rule["base"] == "all"
    assert snap.rule["quota"] == 3
    assert snap.rule["min_average_score"] == 60
    assert snap.rule["seats_before"] == 0
    assert [c["name"] for c in snap.rubric["criteria"]] == ["Hiệu quả"]
    assert snap.rubric["max_total"] == 100
    assert len(snap.rubric_digest) == 64 == len(snap.rubric["digest"])
    # the commune member's unit is kept, so the recusal can be replayed
    assert sorted(snap.recusal["member_units"]) == sorted(
        str(m.id) for m in world.members
    )


def test_replay_agrees_with_the_stored_outcomes_and_funnel(world, db):
    assert _outcomes(db, world) == {
        "Mô hình A": "passed",
        "Mô hình B": "passed",
        "Mô hình C": "over_quota",
        "Mô hình D": "not_passed",
        "Mô hình E": "passed",
        "Mô hình F": "not_passed",
    }
    report = replay_campaign(world.campaign)
    assert report.ok, [d.describe() for d in report.differences]
    assert report.rounds == 1 and report.results == 6
    assert [n for _label, n in report.funnel_recomputed] == [6, 3, 3]
    assert report.funnel_recomputed == report.funnel_shown


def test_replay_uses_the_recorded_rule_not_the_stage_as_it_is_now(world, db):
    world.stage.quota = 1
    world.stage.threshold_num, world.stage.threshold_den = 9, 10
    db.session.commit()
    assert replay_campaign(world.campaign).ok


def test_a_tampered_vote_is_named_with_its_exemplar_and_stage(world, db, app):
    b = world.entries["Mô hình B"]
    vote_id = db.session.scalar(
        select(Vote.id).where(
            Vote.exemplar_id == b.id, Vote.member_id == world.members[0].id
        )
    )
    db.session.execute(
        text("UPDATE votes SET choice = 'reject' WHERE id = :id"), {"id": vote_id}
    )
    db.session.commit()

    report = replay_campaign(world.campaign)
    assert not report.ok
    found = {(d.exemplar, d.stage, d.what) for d in report.differences}
    assert ("Mô hình B", "Bình xét cấp tỉnh", "kết quả") in found
    # the freed seat goes to the next in line: the replay says so too
    assert ("Mô hình C", "Bình xét cấp tỉnh", "kết quả") in found
    db.session.rollback()

    result = app.test_cli_runner().invoke(args=["replay", str(world.campaign.id)])
    assert result.exit_code == 1
    assert "Mô hình B" in result.output and "Bình xét cấp tỉnh" in result.output
    assert "tán thành" in result.output


def test_the_replay_command_exits_zero_when_all_agree(world, app):
    result = app.test_cli_runner().invoke(args=["replay", str(world.campaign.id)])
    assert result.exit_code == 0, result.output
    assert "6 → 3 → 3" in result.output
    assert "Không có khác biệt" in result.output


def test_a_tampered_score_is_found_too(world, db):
    a = world.entries["Mô hình A"]
    vote_id = db.session.scalar(
        select(Vote.id).where(
            Vote.exemplar_id == a.id, Vote.member_id == world.members[1].id
        )
    )
    db.session.execute(
        text("UPDATE scores SET points = 10 WHERE vote_id = :id"), {"id": vote_id}
    )
    db.session.commit()
    whats = {d.what for d in replay_campaign(world.campaign).differences}
    assert f"tổng điểm của phiếu #{vote_id}" in whats
    assert "điểm trung bình" in whats
