"""A secret ballot shows nobody the approvals, scores or expected outcome before the close
(only who took part and whether there is a quorum); an open ballot keeps the preview.
Votes cast on an entry its unit takes back never count for the dossier it sends again."""

from __future__ import annotations

from sqlalchemy import func, select

from dankheo.appraisal import closing, voting
from dankheo.appraisal.models import Score, StageResult, Vote
from dankheo.registry.models import History
from dankheo.registry.operations import submit_exemplar, withdraw_exemplar
from dankheo.registry.signals import exemplar_withdrawn

from .scenario import build, submitted, vote_all
from .test_recusal import tally_cells


def _tally(client, council):
    resp = client.get(f"/appraisal/councils/{council.id}/tally")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_secret_ballot_tally_shows_participation_only_until_close(make, db, login_as):
    sc = build(make, stage1={"ballot_mode": "secret", "quota": 3})
    c1 = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0], name="Hồ sơ bỏ phiếu kín")
    vote_all(c1, sc, e, "aa")
    db.session.commit()
    for user in (sc.chair(c1).user, sc.members[c1.id][1].user, sc.secretariat):
        page = _tally(login_as(user), c1)
        assert tally_cells(page, e.id) == ["2/3", "—", "—"]
        assert "Đủ" in page  # quorum (50 % of those present) is shown
        for hidden in ("Sẽ đạt", "Sẽ không đạt", "suất", "text-bg-success"):
            assert hidden not in page, hidden
    client = login_as(sc.chair(c1).user)
    page = _tally(client, c1)
    assert f"/rounds/{c1.open_round.id}/close" in page
    resp = client.post(f"/appraisal/rounds/{c1.open_round.id}/close")
    assert resp.status_code == 302 and "/minutes" in resp.headers["Location"]
    result = db.session.scalar(
        select(StageResult).where(StageResult.exemplar_id == e.id)
    )
    assert result.outcome == "passed" and result.approvals == 2
    minutes = client.get(resp.headers["Location"])
    assert minutes.status_code == 200
    assert "Hồ sơ bỏ phiếu kín" in minutes.get_data(as_text=True)


def test_open_ballot_tally_keeps_live_preview(make, db, login_as):
    sc = build(make, stage1={"ballot_mode": "open", "quota": 3})
    c1 = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0])
    vote_all(c1, sc, e, "aa")
    db.session.commit()
    page = _tally(login_as(sc.chair(c1).user), c1)
    cells = tally_cells(page, e.id)
    assert cells[:2] == ["2/3", "2"] and cells[2] != "—"
    assert "Sẽ đạt" in page and "suất" in page


def test_withdrawn_exemplar_loses_its_open_round_votes(make, db, login_as):
    sc = build(make)
    c1 = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0])
    vote_all(c1, sc, e, "aar")
    voting.mark_return(c1.open_round, e, reason="Bổ sung ảnh", actor=None)
    assert db.session.scalar(select(func.count(Vote.id))) == 3
    withdraw_exemplar(e, actor=sc.officer)
    e.situation = "Thực trạng đã viết lại."
    submit_exemplar(e, actor=sc.officer)
    db.session.commit()
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert db.session.scalar(select(func.count(Score.id))) == 0
    plan = closing.tally_round(c1.open_round)
    (row,) = [r for r in plan.rows if r.exemplar.id == e.id]
    assert row.decision.present == 0 and row.return_reason is None
    note = db.session.scalar(
        select(History.note)
        .where(History.exemplar_id == e.id, History.action == "withdraw")
        .order_by(History.id.desc())
    )
    assert "3 phiếu" in note
    page = _tally(login_as(sc.chair(c1).user), c1)
    assert tally_cells(page, e.id)[0] == "0/3"


def test_withdrawal_signal_discards_votes_even_after_the_stage_is_left(make, db):
    """The registry announces a withdrawal; appraisal's receiver drops the open-round
    votes whether the signal comes before or after the exemplar leaves its stage."""

    sc = build(make)
    c1 = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0])
    vote_all(c1, sc, e, "aa")
    e.stage_id = None  # as after the transition to draft
    db.session.flush()
    results = exemplar_withdrawn.send(e, actor=None)
    assert (
        voting.on_exemplar_withdrawn,
        "Hủy 2 phiếu thẩm định của phiên đang mở.",
    ) in results
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert db.session.scalar(select(func.count(Score.id))) == 0
