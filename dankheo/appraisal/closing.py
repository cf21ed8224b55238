"""The tally and the close of a round.

:func:`tally_round` applies the stage's rule (:mod:`dankheo.domain.tally`) to the votes
of a round without changing anything: the chair's preview and the close use the same
computation. :func:`close_round` closes the round once and moves every exemplar of the
council's queue on:

* passed: to the next stage it routes to (:mod:`dankheo.campaigns.routing`), or
  "recommended for commendation" after the last;
* not passed or over the quota: not recognised;
* marked by the chair: returned for supplement, its dossier kept as the council saw it;
* without quorum: stays for the next round.

Exemplar states change only through the workflow: here
:func:`dankheo.registry.moves.transition_many`, the batch form of
:func:`dankheo.registry.operations.transition` (guarded UPDATE + history), so that a
close costs a few statements per kind of decision, not per entry: the queue is locked
and read once, the history records are chained in one flush (one read and one move of
the chain head, which the close holds until it commits). The close starts with the same conditional UPDATE of the
round row as a vote write (see :mod:`.voting`), so a vote is counted by exactly one
close, or refused, and a second close fails with :class:`Conflict`.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import CursorResult, func, insert, select, update
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..campaigns.models import Stage
from ..campaigns.routing import next_stages
from ..db import utcnow
from ..domain import N_
from ..domain.tally import Candidate, Decision, Outcome, Rule, Tally, decide
from ..domain.workflow import Action
from ..errors import Conflict
from ..extensions import db
from ..locking import lock_rows
from ..registry.models import Exemplar
from ..registry.moves import Move, transition_many
from ..registry.operations import CONTACT_FIELDS, EDITABLE_FIELDS
from .models import (
    Attendance,
    Council,
    DossierSnapshot,
    ReturnMark,
    Round,
    StageResult,
    Vote,
)
from .recusal import is_recused, queue_condition
from .snapshots import RuleSnapshot

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: Dossier fields a council sees (contact details stay with the secretariat).
DOSSIER_FIELDS = tuple(f for f in EDITABLE_FIELDS if f not in CONTACT_FIELDS)


@dataclass
class TallyRow:
    exemplar: Exemplar
    decision: Decision
    return_reason: str | None


@dataclass
class RoundTally:
    """What the rule gives for every exemplar of a round (the preview and the close)."""

    round: Round
    council: Council
    stage: Stage
    rows: list[TallyRow]
    tally: Tally
    quota: int | None
    seats_before: int
    votes_by_member: dict[int, int]

    @property
    def seats_left_after(self) -> int | None:
        if self.quota is None:
            return None
        return max(self.quota - self.seats_before - self.tally.seats_used, 0)

    @property
    def seats_left_before(self) -> int | None:
        if self.quota is None:
            return None
        return max(self.quota - self.seats_before, 0)

    def count(self, outcome: Outcome) -> int:
        return self.tally.count(outcome)


def seats_used(council: Council, *, before_round: Round | None = None) -> int:
    """Exemplars this council passed in earlier rounds (the quota spans all rounds); a
    pass the secretariat corrected frees its seat."""
    q = select(func.count(StageResult.id)).where(
        StageResult.council_id == council.id,
        StageResult.outcome == Outcome.PASSED.value,
        StageResult.corrected_at.is_(None),
    )
    if before_round is not None:
        q = q.where(StageResult.round_id != before_round.id)
    return db.session.scalar(q) or 0


def tally_round(rnd: Round, queued: list[Exemplar] | None = None) -> RoundTally:
    """Apply the stage's rule to the votes of ``rnd`` without changing anything.

    ``queued``: the council's queue when the caller has already read (and locked) it.
    Recused members count neither in an exemplar's base nor in its quorum, and their
    votes (cast before a change of unit, say) are left out."""
    council = rnd.council
    stage = council.stage
    if queued is None:
        exemplars = list(
            db.session.scalars(
                select(Exemplar)
                .options(selectinload(Exemplar.unit))
                .where(queue_condition(council))
                .order_by(Exemplar.submitted_at, Exemplar.id)
            )
        )
    else:
        exemplars = sorted(queued, key=lambda e: (e.submitted_at or _EPOCH, e.id))
    members = [m for m in council.members if m.active]
    cast: dict[int, list[tuple[int, str, int | None]]] = {}
    for exemplar_id, member_id, choice, total in db.session.execute(
        select(Vote.exemplar_id, Vote.member_id, Vote.choice, Vote.total_score).where(
            Vote.round_id == rnd.id, Vote.stage_id == stage.id
        )
    ):
        cast.setdefault(exemplar_id, []).append((member_id, choice, total))
    marks: dict[int, str] = dict(
        db.session.execute(
            select(ReturnMark.exemplar_id, ReturnMark.reason).where(
                ReturnMark.round_id == rnd.id
            )
        ).all()
    )
    votes_by_member: Counter[int] = Counter()
    candidates: list[Candidate] = []
    for e in exemplars:
        eligible_ids = {
            m.id
            for m in members
            if not is_recused(
                m.user.unit.path if m.user.unit else None,
                e.unit.path,
                council.unit.path,
                ancestors=stage.recuse_ancestors,
            )
        }
        counted = [(m, c, t) for m, c, t in cast.get(e.id, []) if m in eligible_ids]
        votes_by_member.update(m for m, _c, _t in counted)
        candidates.append(
            Candidate(
                key=e.id,
                eligible=len(eligible_ids),
                choices=[c for _m, c, _t in counted],
                scores=[t for _m, _c, t in counted if t is not None],
                submitted=e.submitted_at,
                returned=e.id in marks,
            )
        )
    before = seats_used(council, before_round=rnd)
    quota_remaining = None if stage.quota is None else max(stage.quota - before, 0)
    tally = decide(Rule.of(stage), candidates, quota_remaining=quota_remaining)
    rows = [
        TallyRow(exemplar=e, decision=d, return_reason=marks.get(e.id))
        for e, d in zip(exemplars, tally.decisions, strict=True)
    ]
    return RoundTally(
        round=rnd,
        council=council,
        stage=stage,
        rows=rows,
        tally=tally,
        quota=stage.quota,
        seats_before=before,
        votes_by_member=dict(votes_by_member),
    )


def snapshot_data(exemplar: Exemplar) -> dict[str, Any]:
    """The dossier as a council sees it (no contact details), JSON-ready."""
    data: dict[str, Any] = {}
    for key in DOSSIER_FIELDS:
        value = getattr(exemplar, key)
        if isinstance(value, date):
            value = value.isoformat()
        data[key] = value
    data["attachments"] = [a.original_name for a in exemplar.attachments]
    return data


@dataclass
class CloseSummary:
    round: Round
    counts: dict[str, int]
    skipped: int


def _claim_round(rnd: Round, actor: User | None, now: datetime) -> None:
    """The guard: close the round row once (a second close changes nothing)."""
    closed: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(Round)
        .where(Round.id == rnd.id, Round.closed_at.is_(None))
        .values(closed_at=now, closed_by_id=actor.id if actor else None)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        db.session.expire(rnd)
        raise Conflict(N_("Phiên thẩm định này đã được kết thúc."))
    db.session.expire(rnd, ["closed_at", "closed_by_id", "vote_writes"])


def _moves(
    plan: RoundTally, rnd: Round, next_by_unit: dict[int, Stage | None]
) -> tuple[list[Move], list[dict[str, Any]]]:
    """Each decision as a move through the workflow, and the snapshots of the returned
    dossiers as the council saw them (their attachments read in one statement)."""
    stage = plan.stage
    returned = [r.exemplar for r in plan.rows if r.decision.outcome == Outcome.RETURNED]
    for i in range(0, len(returned), 500):
        list(
            db.session.scalars(
                select(Exemplar)
                .where(Exemplar.id.in_([e.id for e in returned[i : i + 500]]))
                .options(selectinload(Exemplar.attachments))
            )
        )
    moves: list[Move] = []
    snapshots: list[dict[str, Any]] = []
    for row in plan.rows:
        e, d = row.exemplar, row.decision
        if d.outcome == Outcome.PASSED:
            nxt = next_by_unit[e.unit_id]
            if nxt is not None:
                moves.append(Move(e, Action.PASS_STAGE, stage.pass_label, nxt))
            else:
                moves.append(Move(e, Action.RECOMMEND, stage.pass_label))
        elif d.outcome in (Outcome.NOT_PASSED, Outcome.OVER_QUOTA):
            moves.append(Move(e, Action.REJECT, "; ".join(d.reasons)))
        elif d.outcome == Outcome.RETURNED:
            snapshots.append(
                {
                    "exemplar_id": e.id,
                    "stage_id": stage.id,
                    "round_id": rnd.id,
                    "data": snapshot_data(e),
                    "taken_at": utcnow(),
                }
            )
            moves.append(Move(e, Action.RETURN_FOR_SUPPLEMENT, row.return_reason or ""))
    return moves, snapshots


def close_round(
    rnd: Round, *, actor: User | None, now: datetime | None = None
) -> CloseSummary:
    """Close the round and apply the rule to every exemplar of the council in one go.

    Passed exemplars move to the next stage they route to, or become "recommended for
    commendation" after the last; the others are not recognised; marked ones are
    returned for supplement (their dossier is kept as the council saw it); exemplars
    without quorum stay for the next round. The conditional UPDATE makes a second close
    (or a second chair at the same moment) fail with :class:`Conflict` and change
    nothing.
    """
    now = now or utcnow()
    _claim_round(rnd, actor, now)
    # Step 2 of dankheo.locking: the whole queue, before the first transition takes a
    # chain head; a withdrawal that got there first has taken its exemplar away.
    queued = lock_rows(
        Exemplar, queue_condition(rnd.council), options=[selectinload(Exemplar.unit)]
    )
    plan = tally_round(rnd, queued)
    stage = plan.stage
    # The rule and rubric this round is decided under, kept for replay and the record.
    db.session.add(
        RuleSnapshot.at_close(rnd, stage, plan.council, seats_before=plan.seats_before)
    )
    passed = [
        r.exemplar.unit for r in plan.rows if r.decision.outcome == Outcome.PASSED
    ]
    next_by_unit = next_stages(stage.campaign, passed, after=stage) if passed else {}
    # Every decision in one batch: a few statements per kind of move, not per entry.
    moves, snapshots = _moves(plan, rnd, next_by_unit)
    if snapshots:
        db.session.execute(
            insert(DossierSnapshot).execution_options(render_nulls=True), snapshots
        )
    # Read before the moves expire the rows.
    row_ids = [r.exemplar.id for r in plan.rows]
    decided = {m.exemplar.id for m in moves}
    moved = transition_many(moves, actor=actor, actor_kind="council")
    counts: Counter[str] = Counter()
    # Withdrawn or changed by its unit while we closed: not ours to decide any more.
    skipped = len(decided - moved.keys())
    results: list[dict[str, Any]] = []
    for row, exemplar_id in zip(plan.rows, row_ids, strict=True):
        d = row.decision
        if exemplar_id in decided and exemplar_id not in moved:
            continue
        counts[d.outcome.value] += 1
        results.append(
            {
                "exemplar_id": exemplar_id,
                "stage_id": stage.id,
                "council_id": plan.council.id,
                "round_id": rnd.id,
                "outcome": d.outcome.value,
                "eligible": d.eligible,
                "votes": d.present,
                "approvals": d.approvals,
                "rejections": d.rejections,
                "abstentions": d.abstentions,
                "average_score": d.average_float,
                "rank": d.rank,
                "note": row.return_reason or "; ".join(d.reasons),
                "decided_at": now,
            }
        )
    if results:
        # render_nulls: one statement, not one per run of rows with the same Nones.
        db.session.execute(
            insert(StageResult).execution_options(render_nulls=True), results
        )
    attendance = [
        {
            "round_id": rnd.id,
            "member_id": m.id,
            "role": m.role,
            "votes": plan.votes_by_member.get(m.id, 0),
        }
        for m in plan.council.active_members
    ]
    if attendance:
        db.session.execute(insert(Attendance), attendance)
    db.session.flush()
    log.info(
        "round %s closed by user %s: %d recommended or passed, %s (skipped %d)",
        rnd.id,
        actor.id if actor else None,
        counts[Outcome.PASSED.value],
        dict(counts),
        skipped,
    )
    return CloseSummary(round=rnd, counts=dict(counts), skipped=skipped)
