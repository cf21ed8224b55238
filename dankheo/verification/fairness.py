"""Fair judging per council, from its closed rounds (secretariat only): each member's
severity, the council's agreement, outliers and the exemplars it split on. The
statistics themselves are in :mod:`.measures`; this module feeds them recorded data."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..appraisal.models import Council, CouncilMember
from ..domain.tally import Outcome, VoteBase, threshold_met
from ..extensions import db
from . import measures
from .recorded import RecordedRound
from .replay import DECIDED


@dataclass(frozen=True)
class MemberSeverity:
    member_id: int
    name: str
    role: str
    severity: float
    scored: int
    outlier: bool

    def share(self, max_total: int | None) -> float | None:
        return 100.0 * self.severity / max_total if max_total else None


@dataclass(frozen=True)
class SplitRow:
    exemplar_id: int
    name: str
    round_number: int
    outcome: str
    approvals: int
    base: int
    needed: int | None
    spread: float | None
    close_vote: bool
    wide_spread: bool

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label


@dataclass
class CouncilFairness:
    council: Council
    rounds: int
    max_total: int | None
    alpha: float | None
    scored_exemplars: int
    members: list[MemberSeverity] = field(default_factory=list)
    splits: list[SplitRow] = field(default_factory=list)

    @property
    def outliers(self) -> list[MemberSeverity]:
        return [m for m in self.members if m.outlier]


def council_fairness(council: Council, rounds: list[RecordedRound]) -> CouncilFairness:
    """The measures over ``rounds`` (the council's closed rounds, in order)."""
    matrix: dict[Hashable, dict[Hashable, float]] = {}
    splits: list[SplitRow] = []
    max_total: int | None = None
    for rr in rounds:
        if rr.snapshot is not None:
            max_total = rr.snapshot.rubric.get("max_total") or None
        else:
            max_total = rr.stage.max_total or None
        rule = rr.rule()
        for r in rr.results:
            counted = rr.counted_votes(r.exemplar_id)
            totals: dict[Hashable, float] = {
                v.member_id: float(v.total) for v in counted if v.total is not None
            }
            if totals:
                matrix[r.exemplar_id] = totals  # a later round's votes replace
            if Outcome(r.outcome) not in DECIDED:
                continue
            base = r.votes if rule.base == VoteBase.PRESENT else r.eligible

            def met(a: int, b: int, rule=rule) -> bool:
                return threshold_met(rule, a, b)

            s = measures.split(r.approvals, base, met, list(totals.values()), max_total)
            if s is not None:
                splits.append(
                    SplitRow(
                        exemplar_id=r.exemplar_id,
                        name=rr.exemplars[r.exemplar_id].name,
                        round_number=rr.round.number,
                        outcome=r.outcome,
                        approvals=r.approvals,
                        base=base,
                        needed=measures.approvals_needed(base, met),
                        spread=s.spread,
                        close_vote=s.close_vote,
                        wide_spread=s.wide_spread,
                    )
                )
    severity = measures.severities(matrix)
    flagged = measures.outliers({m: s for m, (s, _n) in severity.items()}, max_total)
    members = {
        m.id: m
        for m in db.session.scalars(
            select(CouncilMember)
            .where(CouncilMember.council_id == council.id)
            .options(joinedload(CouncilMember.user))
        )
    }
    rows = [
        MemberSeverity(
            member_id=int(mid),  # type: ignore[call-overload]
            name=members[mid].user.name if mid in members else f"#{mid}",
            role=members[mid].role_label if mid in members else "",
            severity=s,
            scored=n,
            outlier=mid in flagged,
        )
        for mid, (s, n) in severity.items()
    ]
    rows.sort(key=lambda m: m.severity)
    return CouncilFairness(
        council=council,
        rounds=len(rounds),
        max_total=max_total,
        alpha=measures.krippendorff_alpha_interval(matrix),
        scored_exemplars=sum(1 for v in matrix.values() if len(v) >= 2),
        members=rows,
        splits=splits,
    )


def by_council(rounds: list[RecordedRound]) -> list[CouncilFairness]:
    """:func:`council_fairness` for every council among ``rounds``."""
    grouped: dict[int, list[RecordedRound]] = {}
    for rr in rounds:
        grouped.setdefault(rr.council.id, []).append(rr)
    return [council_fairness(rs[0].council, rs) for rs in grouped.values()]
