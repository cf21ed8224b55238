"""Votes: members cast them in the open round, chairs mark exemplars to return, and a
withdrawn exemplar loses the votes of the open round.

Invariants kept here:

* one vote per member per exemplar per stage (UNIQUE); a second vote replaces the first
  while the round is open;
* a member votes only on exemplars of their queue (recusal, see :mod:`.recusal`), with
  every criterion scored within 0..max (none when abstaining);
* a vote write starts with a conditional UPDATE of the round row
  (``WHERE closed_at IS NULL``), the same guard the close takes: on PostgreSQL the row
  lock makes a close wait for votes in flight and late votes fail once it is closed; on
  SQLite writers are serialised by ``BEGIN IMMEDIATE``. Either way a vote is counted by
  exactly one close, or refused;
* then it locks the exemplars voted on and checks, under that lock, that each is still
  submitted at the round's stage: a vote racing a withdrawal is either discarded by it
  or refused, never left on the draft (the lock order is :mod:`dankheo.locking`'s);
* a return mark is written under the same two locks (round, then exemplar);
* a secret vote's choice is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, insert, select, update

from ..auth.models import User
from ..campaigns.models import Stage
from ..db import utcnow
from ..domain import N_
from ..domain.tally import Choice
from ..domain.workflow import State
from ..errors import Conflict, InvalidInput, NotAllowed, RuleRefused
from ..extensions import db
from ..locking import lock_ids
from ..registry.models import Exemplar
from .models import Council, CouncilMember, ReturnMark, Round, Score, Vote
from .recusal import (
    came_to,
    member_queue_condition,
    queue_condition,
    refuse_if_recused,
)

log = logging.getLogger(__name__)

#: Rows per IN (...) list, well under every backend's parameter limit.
CHUNK = 500

#: A vote or a return mark on an exemplar that left the round's queue meanwhile.
LEFT_QUEUE = N_(
    "Hồ sơ “%(name)s” không còn chờ thẩm định ở vòng này (đã được rút lại hoặc đã "
    "có kết quả); thao tác không được ghi nhận."
)


@dataclass(frozen=True)
class VoteInput:
    """One vote as a member fills it in: the choice, points per criterion id, a comment."""

    exemplar_id: int
    choice: str
    scores: dict[int, int] = field(default_factory=dict)
    comment: str = ""


def _validate_scores(
    stage: Stage, choice: str, scores: dict[int, int]
) -> dict[int, int]:
    """Every criterion scored within 0..max for approve / reject; none for abstain."""
    if choice == Choice.ABSTAIN:
        return {}
    criteria = {c.id: c for c in stage.criteria}
    if set(scores) - set(criteria):
        raise InvalidInput(N_("Tiêu chí không thuộc vòng thẩm định này."))
    missing = [c.name for cid, c in criteria.items() if scores.get(cid) is None]
    if missing:
        raise InvalidInput(N_("Chưa chấm điểm: %(names)s."), names="; ".join(missing))
    for cid, points in scores.items():
        c = criteria[cid]
        if not isinstance(points, int) or isinstance(points, bool):
            raise InvalidInput(N_("Điểm phải là số nguyên."), field=f"criterion_{cid}")
        if not 0 <= points <= c.max_points:
            raise InvalidInput(
                N_("Điểm của tiêu chí “%(name)s” phải từ 0 đến %(max)d."),
                field=f"criterion_{cid}",
                name=c.name,
                max=c.max_points,
            )
    return dict(scores)


def _allowed_ids(member: CouncilMember, ids: list[int]) -> set[int]:
    allowed: set[int] = set()
    for i in range(0, len(ids), CHUNK):
        allowed.update(
            db.session.scalars(
                select(Exemplar.id).where(
                    member_queue_condition(member), Exemplar.id.in_(ids[i : i + CHUNK])
                )
            )
        )
    return allowed


def _lock_queued(council: Council, ids: list[int]) -> None:
    """Step 2 of :mod:`dankheo.locking`: lock the exemplars and check, under the lock,
    that none has just left the council's queue (withdrawn, decided: :class:`Conflict`).
    Whether each is in the actor's own queue is checked next, by the caller."""
    for e in lock_ids(Exemplar, ids):
        queued = e.state == State.SUBMITTED and e.stage_id == council.stage_id
        if not queued and came_to(council, e):
            raise Conflict(LEFT_QUEUE, name=e.name)


def cast_votes(
    member: CouncilMember,
    votes: Sequence[VoteInput],
    *,
    now: datetime | None = None,
) -> int:
    """Record (or replace) the member's votes in the council's open round.

    Each exemplar must be in the member's queue (not recused); scores are checked
    against the rubric. One vote per member per exemplar per stage (UNIQUE); a second
    vote replaces the first while the round is open. Returns the number of votes
    written.
    """
    if not votes:
        return 0
    if not member.active:
        raise NotAllowed(N_("Bạn không còn là thành viên hội đồng này."))
    council = member.council
    stage = council.stage
    rnd = council.open_round
    if rnd is None:
        raise RuleRefused(N_("Hội đồng chưa mở phiên thẩm định."))
    ids = [v.exemplar_id for v in votes]
    if len(set(ids)) != len(ids):
        raise InvalidInput(N_("Mỗi hồ sơ chỉ có một phiếu trong một lần gửi."))
    checked: list[tuple[VoteInput, dict[int, int]]] = []
    for v in votes:
        try:
            Choice(v.choice)
        except ValueError as exc:
            raise InvalidInput(
                N_("Lựa chọn biểu quyết không hợp lệ."), field="choice"
            ) from exc
        checked.append((v, _validate_scores(stage, v.choice, v.scores)))

    # Step 1, the guard: fails once the round is closed, and (PostgreSQL) holds the
    # round's row lock until commit so that a close waits for this vote and counts it.
    guarded: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(Round)
        .where(Round.id == rnd.id, Round.closed_at.is_(None))
        .values(vote_writes=Round.vote_writes + len(votes))
        .execution_options(synchronize_session=False)
    )
    if guarded.rowcount != 1:
        raise Conflict(N_("Phiên thẩm định đã kết thúc, không thể biểu quyết nữa."))
    # Step 2: the exemplars, still in the queue; then recusal and subtree.
    _lock_queued(council, ids)
    if set(ids) - _allowed_ids(member, ids):
        raise NotAllowed(N_("Hồ sơ không thuộc danh sách thẩm định của bạn."))

    now = now or utcnow()
    existing: dict[int, int] = {}
    for i in range(0, len(ids), CHUNK):
        existing.update(
            db.session.execute(
                select(Vote.exemplar_id, Vote.id).where(
                    Vote.member_id == member.id,
                    Vote.stage_id == stage.id,
                    Vote.exemplar_id.in_(ids[i : i + CHUNK]),
                )
            ).all()
        )
    score_rows: list[dict[str, Any]] = []
    new_rows: list[dict[str, Any]] = []
    new_scores: list[dict[int, int]] = []
    for v, scores in checked:
        total = sum(scores.values()) if scores else None
        values = {
            "choice": v.choice,
            "comment": (v.comment or "").strip(),
            "total_score": total,
            "round_id": rnd.id,
            "updated_at": now,
        }
        vote_id = existing.get(v.exemplar_id)
        if vote_id is not None:
            db.session.execute(
                update(Vote)
                .where(Vote.id == vote_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            db.session.execute(delete(Score).where(Score.vote_id == vote_id))
            score_rows += [
                {"vote_id": vote_id, "criterion_id": c, "points": p}
                for c, p in scores.items()
            ]
        else:
            new_rows.append(
                {
                    **values,
                    "member_id": member.id,
                    "exemplar_id": v.exemplar_id,
                    "stage_id": stage.id,
                    "cast_at": now,
                }
            )
            new_scores.append(scores)
    if new_rows:
        new_ids = db.session.scalars(
            insert(Vote).returning(Vote.id, sort_by_parameter_order=True), new_rows
        ).all()
        for vote_id, scores in zip(new_ids, new_scores, strict=True):
            score_rows += [
                {"vote_id": vote_id, "criterion_id": c, "points": p}
                for c, p in scores.items()
            ]
    if score_rows:
        db.session.execute(insert(Score), score_rows)
    # The rows were written past the ORM: what it holds of them (and the counter the
    # guard moved) is read afresh when next used; nothing else changed.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Vote | Score):
            db.session.expire(obj)
    db.session.expire(rnd, ["vote_writes"])
    # How many, never which choice: a secret vote stays secret in the logs too.
    log.info("member %s cast %d votes in round %s", member.id, len(votes), rnd.id)
    return len(votes)


def cast_vote(
    member: CouncilMember,
    exemplar: Exemplar,
    *,
    choice: str,
    scores: dict[int, int] | None = None,
    comment: str = "",
) -> Vote:
    """Cast or change one vote (see :func:`cast_votes`); returns the stored vote."""
    cast_votes(member, [VoteInput(exemplar.id, choice, scores or {}, comment)])
    vote = db.session.scalar(
        select(Vote).where(
            Vote.member_id == member.id,
            Vote.exemplar_id == exemplar.id,
            Vote.stage_id == member.council.stage_id,
        )
    )
    assert vote is not None  # just written
    return vote


def discard_open_votes(exemplar: Exemplar) -> int:
    """Drop the votes (and scores) and the return mark on ``exemplar`` in every open
    round. Called when the unit takes the exemplar back: a dossier submitted again may
    differ, so votes on the old one must not count for it. An exemplar is open in at
    most one council's round (its current stage's), so this holds whether it is called
    before or after the exemplar leaves its stage. Returns the number of votes removed.
    """
    open_rounds = select(Round.id).where(Round.closed_at.is_(None))
    vote_ids = list(
        db.session.scalars(
            select(Vote.id).where(
                Vote.exemplar_id == exemplar.id, Vote.round_id.in_(open_rounds)
            )
        )
    )
    if vote_ids:
        db.session.execute(delete(Score).where(Score.vote_id.in_(vote_ids)))
        db.session.execute(
            delete(Vote)
            .where(Vote.id.in_(vote_ids))
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        delete(ReturnMark)
        .where(
            ReturnMark.exemplar_id == exemplar.id,
            ReturnMark.round_id.in_(open_rounds),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    if vote_ids:
        log.info(
            "discarded %d open-round votes on exemplar %s", len(vote_ids), exemplar.id
        )
    return len(vote_ids)


def on_exemplar_withdrawn(
    sender: Exemplar, *, actor: User | None = None, **_extra: Any
) -> str | None:
    """Receiver of :data:`dankheo.registry.signals.exemplar_withdrawn` (connected in
    :mod:`dankheo.appraisal`): the withdrawn exemplar loses its open-round votes.
    Returns the sentence the withdrawal's history note records (history notes are
    stored text, kept in Vietnamese), or ``None`` when nothing was discarded."""
    return discard_open_ballots(sender)


def discard_open_ballots(exemplar: Exemplar) -> str | None:
    """:func:`discard_open_votes`, returning the sentence a history note records (stored
    text, kept in Vietnamese), or ``None`` when nothing was discarded. Used by the
    withdrawal and by the secretariat's correction of a wrong pass."""
    n = discard_open_votes(exemplar)
    return f"Hủy {n} phiếu thẩm định của phiên đang mở." if n else None


def _lock_round_and_exemplar(
    rnd: Round, exemplar: Exemplar, *, queued: bool = True
) -> None:
    """Steps 1 and 2 of :mod:`dankheo.locking` for the chair's marks: the round, still
    open, then the exemplar (with ``queued``, still in the council's queue)."""
    if not lock_ids(Round, [rnd.id], Round.closed_at.is_(None)):
        db.session.expire(rnd)
        raise Conflict(N_("Phiên thẩm định đã kết thúc."))
    if queued:
        _lock_queued(rnd.council, [exemplar.id])
    else:
        lock_ids(Exemplar, [exemplar.id])


def mark_return(
    rnd: Round, exemplar: Exemplar, *, reason: str, actor: User | None
) -> ReturnMark:
    """The chair decides, before the close, to return an exemplar for supplement.
    Written under the round's lock, then the exemplar's, like a vote."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(N_("Cần ghi rõ nội dung cần bổ sung."), field="reason")
    council: Council = rnd.council
    _lock_round_and_exemplar(rnd, exemplar)
    if not db.session.scalar(
        select(Exemplar.id).where(queue_condition(council), Exemplar.id == exemplar.id)
    ):
        raise NotAllowed(N_("Hồ sơ không thuộc hội đồng này."))
    refuse_if_recused(council, exemplar, actor)
    mark = db.session.scalar(
        select(ReturnMark).where(
            ReturnMark.round_id == rnd.id, ReturnMark.exemplar_id == exemplar.id
        )
    )
    if mark is None:
        mark = ReturnMark(round_id=rnd.id, exemplar_id=exemplar.id, reason=reason)
        db.session.add(mark)
    mark.reason = reason
    mark.marked_by_id = actor.id if actor else None
    db.session.flush()
    log.info(
        "exemplar %s marked for return in round %s by user %s",
        exemplar.id,
        rnd.id,
        actor.id if actor else None,
    )
    return mark


def unmark_return(rnd: Round, exemplar: Exemplar, *, actor: User | None) -> None:
    """The chair takes back a return mark while the round is open."""
    _lock_round_and_exemplar(rnd, exemplar, queued=False)
    refuse_if_recused(rnd.council, exemplar, actor)
    db.session.execute(
        delete(ReturnMark).where(
            ReturnMark.round_id == rnd.id, ReturnMark.exemplar_id == exemplar.id
        )
    )
    db.session.flush()
    log.info(
        "exemplar %s unmarked for return in round %s by user %s",
        exemplar.id,
        rnd.id,
        actor.id if actor else None,
    )
