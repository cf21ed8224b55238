"""Many members voting while two chairs close the same round at once, each thread in its
own app context and session (own connection): every vote that was accepted is counted
exactly once, late votes are refused, and the round is closed exactly once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from dankheo.appraisal import closing, voting
from dankheo.appraisal.models import Attendance, CouncilMember, Round, StageResult, Vote
from dankheo.errors import Conflict, DomainError
from dankheo.extensions import db as _db
from dankheo.registry.models import Exemplar, History

from .scenario import build, submitted

ENTRIES = 12
MEMBERS = 6


def test_votes_and_two_closes_at_once(app, make, db):
    sc = build(make, members_per_council=MEMBERS, criteria=False)
    council = sc.commune_councils[0]
    entries = [
        submitted(make, sc, sc.hamlets[0], name=f"Hồ sơ {i}").id for i in range(ENTRIES)
    ]
    round_id = council.open_round.id
    member_ids = [m.id for m in sc.members[council.id]]
    db.session.commit()

    accepted: list[tuple[int, int]] = []
    refused: list[tuple[int, int]] = []
    closes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    half = threading.Event()

    def voter(member_id: int):
        try:
            with app.app_context():
                for i, eid in enumerate(entries):
                    member = _db.session.get(CouncilMember, member_id)
                    exemplar = _db.session.get(Exemplar, eid)
                    try:
                        voting.cast_vote(
                            member,
                            exemplar,
                            choice="approve" if (i + member_id) % 3 else "reject",
                        )
                        _db.session.commit()
                    except (Conflict, DomainError):
                        _db.session.rollback()
                        with lock:
                            refused.append((member_id, eid))
                    else:
                        with lock:
                            accepted.append((member_id, eid))
                            if len(accepted) >= MEMBERS * ENTRIES // 2:
                                half.set()
                    _db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    barrier = threading.Barrier(2)

    def closer():
        try:
            half.wait(timeout=30)
            with app.app_context():
                # Meet before touching the database: on SQLite the first statement
                # already takes the write lock (BEGIN IMMEDIATE).
                barrier.wait(timeout=30)
                rnd = _db.session.get(Round, round_id)
                try:
                    closing.close_round(rnd, actor=None)
                    _db.session.commit()
                    with lock:
                        closes.append("closed")
                except Conflict:
                    _db.session.rollback()
                    with lock:
                        closes.append("conflict")
                _db.session.remove()
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=voter, args=(m,)) for m in member_ids]
    threads += [threading.Thread(target=closer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(closes) == ["closed", "conflict"]

    db.session.expire_all()
    rnd = db.session.get(Round, round_id)
    assert rnd.closed_at is not None
    assert len(accepted) + len(refused) == MEMBERS * ENTRIES
    assert len(accepted) >= MEMBERS * ENTRIES // 2
    # every accepted vote is stored once and counted once
    stored = db.session.scalar(
        select(func.count(Vote.id)).where(Vote.round_id == round_id)
    )
    assert stored == len(accepted)
    results = db.session.scalars(
        select(StageResult).where(StageResult.round_id == round_id)
    ).all()
    assert len(results) == ENTRIES  # one result per entry: the close ran once
    assert sum(r.votes for r in results) == len(accepted)
    per_entry = {eid: 0 for eid in entries}
    for _m, eid in accepted:
        per_entry[eid] += 1
    assert {r.exemplar_id: r.votes for r in results} == per_entry
    # one history record per decided entry, one attendance sheet
    decided = [r for r in results if r.outcome != "no_quorum"]
    moves = db.session.scalar(
        select(func.count(History.id)).where(
            History.action.in_(["pass_stage", "reject"])
        )
    )
    assert moves == len(decided)
    assert (
        db.session.scalar(
            select(func.count(Attendance.id)).where(Attendance.round_id == round_id)
        )
        == MEMBERS
    )
