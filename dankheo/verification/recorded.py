"""What a closed round recorded, loaded in bulk: its rule snapshot, attendance, votes
(with totals summed from their scores), return marks and stage results.

Replay, the what-if preview and the fairness measures all start from here, so they see
the same inputs the close saw: the members who were active at the close (attendance),
their units then (the snapshot's recusal record), the votes written in that round at
that stage, and the rule recorded with the round. Nothing here writes.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ..appraisal.models import (
    Attendance,
    Council,
    ReturnMark,
    Round,
    Score,
    StageResult,
    Vote,
)
from ..appraisal.recusal import is_recused
from ..appraisal.snapshots import RuleSnapshot
from ..campaigns.models import Stage
from ..domain.tally import Candidate, Choice, Rule
from ..extensions import db
from ..registry.models import Exemplar
from ..units.models import Unit


@dataclass(frozen=True)
class RecordedVote:
    id: int
    member_id: int
    choice: str
    #: The rubric total summed from the vote's scores (None when it has none).
    total: int | None
    #: The total stored on the vote row (what the close averaged).
    stored_total: int | None


@dataclass(frozen=True)
class ExemplarInfo:
    id: int
    name: str
    unit_id: int
    unit_path: str
    submitted_at: datetime | None


@dataclass
class RecordedRound:
    round: Round
    snapshot: RuleSnapshot | None
    results: list[StageResult]
    attendance: list[int]
    votes: dict[int, list[RecordedVote]]
    returned: set[int]
    exemplars: dict[int, ExemplarInfo]
    #: (criterion id, highest points given) over the round's scores.
    scored_criteria: dict[int, int] = field(default_factory=dict)

    @property
    def council(self) -> Council:
        return self.round.council

    @property
    def stage(self) -> Stage:
        return self.round.council.stage

    def rule(self, **changes: Any) -> Rule:
        """The recorded rule (the stage's current one for a round without snapshot)."""
        if self.snapshot is not None:
            return self.snapshot.as_rule(**changes)
        return dataclasses.replace(Rule.of(self.stage), **changes)

    @property
    def recuse_ancestors(self) -> bool:
        if self.snapshot is not None:
            return bool(self.snapshot.rule.get("recuse_ancestors"))
        return self.stage.recuse_ancestors

    @property
    def seats_before(self) -> int:
        return int(self.snapshot.rule.get("seats_before", 0)) if self.snapshot else 0

    def eligible_members(self, exemplar_id: int) -> list[int]:
        """Members active at the close and not recused from the exemplar, judged by
        their units as recorded at the close."""
        units: dict[str, str | None] = {}
        council_path = self.council.unit.path
        if self.snapshot is not None:
            units = self.snapshot.recusal.get("member_units", {})
            council_path = self.snapshot.recusal.get("council_unit_path", council_path)
        e = self.exemplars[exemplar_id]
        return [
            m
            for m in self.attendance
            if not is_recused(
                units.get(str(m)),
                e.unit_path,
                council_path,
                ancestors=self.recuse_ancestors,
            )
        ]

    def counted_votes(self, exemplar_id: int) -> list[RecordedVote]:
        """The votes the tally counts: those of eligible members."""
        eligible = set(self.eligible_members(exemplar_id))
        return [v for v in self.votes.get(exemplar_id, []) if v.member_id in eligible]

    def candidates(self) -> list[Candidate]:
        """The round's exemplars as the tally sees them, in the close's order."""
        out = []
        for r in self.results:
            counted = self.counted_votes(r.exemplar_id)
            choices = [v.choice for v in counted]
            scores: list[float] = [v.total for v in counted if v.total is not None]
            if r.corrected_at is not None and len(counted) != r.votes:
                # A pass the secretariat corrected, judged again at the same stage: its
                # ballots moved to the later round (one ballot per member per stage),
                # so this round is replayed with the counts it recorded.
                choices = (
                    [Choice.APPROVE.value] * r.approvals
                    + [Choice.REJECT.value] * r.rejections
                    + [Choice.ABSTAIN.value] * r.abstentions
                )
                scores = [r.average_score] if r.average_score is not None else []
            out.append(
                Candidate(
                    key=r.exemplar_id,
                    eligible=len(self.eligible_members(r.exemplar_id)),
                    choices=choices,
                    scores=scores,
                    submitted=self.exemplars[r.exemplar_id].submitted_at,
                    returned=r.exemplar_id in self.returned,
                )
            )
        return out


def closed_rounds_of_campaign(campaign_id: int) -> Select[int]:
    return (
        select(Round.id)
        .join(Council, Council.id == Round.council_id)
        .join(Stage, Stage.id == Council.stage_id)
        .where(Stage.campaign_id == campaign_id, Round.closed_at.is_not(None))
    )


def closed_rounds_of_council(council_id: int) -> Select[int]:
    return select(Round.id).where(
        Round.council_id == council_id, Round.closed_at.is_not(None)
    )


def load(round_ids: Select[int]) -> list[RecordedRound]:
    """Every closed round of ``round_ids`` with what it recorded, ordered by stage,
    council and round number (the order quotas accumulate in)."""
    rounds = list(
        db.session.scalars(
            select(Round)
            .join(Council, Council.id == Round.council_id)
            .join(Stage, Stage.id == Council.stage_id)
            .where(Round.id.in_(round_ids))
            .options(
                joinedload(Round.council).joinedload(Council.stage),
                joinedload(Round.council).joinedload(Council.unit),
            )
            .order_by(Stage.position, Council.id, Round.number)
        ).unique()
    )
    ids = [r.id for r in rounds]
    if not ids:
        return []
    snapshots = {
        s.round_id: s
        for s in db.session.scalars(
            select(RuleSnapshot).where(RuleSnapshot.round_id.in_(round_ids))
        )
    }
    results: dict[int, list[StageResult]] = defaultdict(list)
    for r in db.session.scalars(
        select(StageResult).where(StageResult.round_id.in_(round_ids))
    ):
        results[r.round_id].append(r)
    exemplars = {
        row.id: ExemplarInfo(row.id, row.name, row.unit_id, row.path, row.submitted_at)
        for row in db.session.execute(
            select(
                Exemplar.id,
                Exemplar.name,
                Exemplar.unit_id,
                Unit.path,
                Exemplar.submitted_at,
            )
            .join(Unit, Unit.id == Exemplar.unit_id)
            .where(
                Exemplar.id.in_(
                    select(StageResult.exemplar_id).where(
                        StageResult.round_id.in_(round_ids)
                    )
                )
            )
        )
    }
    sums: dict[int, int] = dict(
        db.session.execute(
            select(Score.vote_id, func.sum(Score.points))
            .join(Vote, Vote.id == Score.vote_id)
            .where(Vote.round_id.in_(round_ids))
            .group_by(Score.vote_id)
        ).all()
    )
    scored: dict[int, dict[int, int]] = defaultdict(dict)
    for round_id, criterion_id, most in db.session.execute(
        select(Vote.round_id, Score.criterion_id, func.max(Score.points))
        .join(Vote, Vote.id == Score.vote_id)
        .where(Vote.round_id.in_(round_ids))
        .group_by(Vote.round_id, Score.criterion_id)
    ):
        scored[round_id][criterion_id] = most
    stage_of = {r.id: r.council.stage_id for r in rounds}
    votes: dict[int, dict[int, list[RecordedVote]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for v in db.session.execute(
        select(
            Vote.id,
            Vote.round_id,
            Vote.stage_id,
            Vote.exemplar_id,
            Vote.member_id,
            Vote.choice,
            Vote.total_score,
        )
        .where(Vote.round_id.in_(round_ids))
        .order_by(Vote.id)
    ):
        if stage_of.get(v.round_id) != v.stage_id:
            continue  # the tally counts only votes at the council's stage
        total = sums.get(v.id)
        votes[v.round_id][v.exemplar_id].append(
            RecordedVote(
                v.id,
                v.member_id,
                v.choice,
                None if total is None else int(total),
                v.total_score,
            )
        )
    attendance: dict[int, list[int]] = defaultdict(list)
    for round_id, member_id in db.session.execute(
        select(Attendance.round_id, Attendance.member_id)
        .where(Attendance.round_id.in_(round_ids))
        .order_by(Attendance.id)
    ):
        attendance[round_id].append(member_id)
    returned: dict[int, set[int]] = defaultdict(set)
    for round_id, exemplar_id in db.session.execute(
        select(ReturnMark.round_id, ReturnMark.exemplar_id).where(
            ReturnMark.round_id.in_(round_ids)
        )
    ):
        returned[round_id].add(exemplar_id)

    def order(r: StageResult) -> tuple[Any, ...]:
        at = exemplars[r.exemplar_id].submitted_at
        return (at is None, at or datetime.min, r.exemplar_id)

    return [
        RecordedRound(
            round=r,
            snapshot=snapshots.get(r.id),
            results=sorted(results.get(r.id, []), key=order),
            attendance=attendance.get(r.id, []),
            votes=dict(votes.get(r.id, {})),
            returned=returned.get(r.id, set()),
            exemplars=exemplars,
            scored_criteria=scored.get(r.id, {}),
        )
        for r in rounds
    ]
