"""Replay (kiểm tra lại): recompute every stage outcome of a campaign from what its
closed rounds recorded, and the funnel from those outcomes, and compare them with what
is stored (stage results) and shown (the funnel).

For each council, rounds are replayed in order with :func:`dankheo.domain.tally.decide`
under the rule recorded at each close (:class:`~dankheo.appraisal.models.RuleSnapshot`);
the quota seats an earlier round used are the ones the replay gave it, so a change in an
early round shows where it carries on. Compared per exemplar:

* always the outcome and the number of eligible members;
* for decided outcomes (passed, not passed, over the quota) also the counts and the
  average score. An exemplar left undecided (no quorum) or returned is voted on again
  in a later round, which moves its votes there: only its outcome is compared.

Votes whose stored total differs from the sum of their scores, and scores on a
criterion outside the recorded rubric or above its maximum, are differences too.

Corrections are understood, not flagged: a pass the secretariat undid stays what its
round decided (and is compared as such), frees its quota seat for the rounds closed
after the correction (as the close counted it), and leaves the funnel, which counts
only outcomes in force. The report counts them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ..appraisal.queries import campaign_funnel
from ..campaigns.models import Campaign, Stage
from ..campaigns.routing import next_stage
from ..domain.tally import Decision, Outcome, decide
from ..domain.workflow import State
from ..extensions import db
from ..registry.models import Exemplar
from ..units.models import Unit
from . import recorded
from .recorded import RecordedRound

DECIDED = frozenset({Outcome.PASSED, Outcome.NOT_PASSED, Outcome.OVER_QUOTA})
#: Average scores are stored as floats; closer than this they are the same.
EPSILON = 1e-6


@dataclass(frozen=True)
class Difference:
    """One disagreement between the record and the replay."""

    what: str
    stored: object
    recomputed: object
    stage: str = ""
    council: str = ""
    round_number: int | None = None
    round_id: int | None = None
    exemplar_id: int | None = None
    exemplar: str = ""

    def describe(self) -> str:
        where = []
        if self.exemplar_id is not None:
            where.append(f"hồ sơ #{self.exemplar_id} «{self.exemplar}»")
        if self.stage:
            where.append(f"vòng «{self.stage}»")
        if self.council:
            where.append(
                f"{self.council}, phiên {self.round_number} (#{self.round_id})"
            )
        place = ", ".join(where) or "phễu"
        return (
            f"{place}: {self.what} — đã lưu {self.stored}, tính lại {self.recomputed}"
        )


@dataclass
class Replay:
    campaign: Campaign
    rounds: int = 0
    results: int = 0
    backfilled: int = 0
    without_snapshot: int = 0
    #: Stage results the secretariat corrected (no longer the exemplar's outcome).
    corrected: int = 0
    differences: list[Difference] = field(default_factory=list)
    funnel_shown: list[tuple[str, int]] = field(default_factory=list)
    funnel_recomputed: list[tuple[str, int]] = field(default_factory=list)
    #: (round id, exemplar id) -> the replayed decision.
    decisions: dict[tuple[int, int], Decision] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.differences


def _where(rr: RecordedRound, exemplar_id: int | None = None) -> dict[str, object]:
    out: dict[str, object] = {
        "stage": rr.stage.name,
        "council": rr.council.name,
        "round_number": rr.round.number,
        "round_id": rr.round.id,
    }
    if exemplar_id is not None:
        out["exemplar_id"] = exemplar_id
        out["exemplar"] = rr.exemplars[exemplar_id].name
    return out


def _check_inputs(rr: RecordedRound) -> list[Difference]:
    """Votes and scores consistent with each other and with the recorded rubric."""
    out = []
    for exemplar_id, votes in rr.votes.items():
        for v in votes:
            if v.total != v.stored_total and v.total is not None:
                where = _where(rr, exemplar_id) if exemplar_id in rr.exemplars else {}
                out.append(
                    Difference(
                        f"tổng điểm của phiếu #{v.id}",
                        v.stored_total,
                        v.total,
                        **where,  # type: ignore[arg-type]
                    )
                )
    if rr.snapshot is not None:
        maxima = {c["id"]: c["max_points"] for c in rr.snapshot.rubric["criteria"]}
        for criterion_id, most in sorted(rr.scored_criteria.items()):
            if criterion_id not in maxima or most > maxima[criterion_id]:
                out.append(
                    Difference(
                        f"điểm tiêu chí #{criterion_id} so với thang điểm đã ghi",
                        maxima.get(criterion_id, "—"),
                        most,
                        **_where(rr),  # type: ignore[arg-type]
                    )
                )
    return out


def _compare(rr: RecordedRound, decisions: dict[int, Decision]) -> list[Difference]:
    out = []
    for r in rr.results:
        d = decisions[r.exemplar_id]
        where = _where(rr, r.exemplar_id)
        pairs: list[tuple[str, object, object]] = [
            ("kết quả", r.outcome, d.outcome.value),
            ("số thành viên được biểu quyết", r.eligible, d.eligible),
        ]
        if Outcome(r.outcome) in DECIDED and d.outcome in DECIDED:
            pairs += [
                ("số phiếu", r.votes, d.present),
                ("tán thành", r.approvals, d.approvals),
                ("không tán thành", r.rejections, d.rejections),
                ("không biểu quyết", r.abstentions, d.abstentions),
            ]
            avg = d.average_float
            if (r.average_score is None) != (avg is None) or (
                avg is not None
                and r.average_score is not None
                and abs(avg - r.average_score) > EPSILON
            ):
                pairs.append(("điểm trung bình", r.average_score, avg))
        for what, stored, again in pairs:
            if stored != again or what == "điểm trung bình":
                out.append(Difference(what, stored, again, **where))  # type: ignore[arg-type]
    return out


def replay_rounds(rounds: list[RecordedRound], report: Replay) -> None:
    """Replay ``rounds`` (ordered per council by number) into ``report``."""
    seats: dict[int, int] = defaultdict(int)
    corrections: dict[int, list[datetime]] = defaultdict(list)
    for rr in rounds:
        for r in rr.results:
            if r.corrected_at is not None and r.outcome == Outcome.PASSED.value:
                corrections[rr.council.id].append(r.corrected_at)
    for rr in rounds:
        report.rounds += 1
        report.results += len(rr.results)
        report.corrected += sum(1 for r in rr.results if r.corrected_at is not None)
        if rr.snapshot is None:
            report.without_snapshot += 1
        elif rr.snapshot.backfilled:
            report.backfilled += 1
        rule = rr.rule()
        # Seats of passes corrected before this close were free when it counted.
        closed_at = rr.round.closed_at
        freed = sum(
            1
            for at in corrections[rr.council.id]
            if closed_at is not None and at <= closed_at
        )
        used = seats[rr.council.id] - freed
        quota = None if rule.quota is None else max(rule.quota - used, 0)
        tally = decide(rule, rr.candidates(), quota_remaining=quota)
        seats[rr.council.id] += tally.seats_used if rule.quota is not None else 0
        by_key = {int(k): d for k, d in tally.by_key().items()}  # type: ignore[call-overload]
        for exemplar_id, d in by_key.items():
            report.decisions[(rr.round.id, exemplar_id)] = d
        report.differences += _check_inputs(rr)
        report.differences += _compare(rr, by_key)


def _funnel(campaign: Campaign, rounds: list[RecordedRound], report: Replay) -> None:
    """The funnel again from the replayed outcomes, against the one shown."""
    shown = campaign_funnel(campaign)
    passed: dict[int, set[int]] = defaultdict(set)
    for rr in rounds:
        for r in rr.results:
            d = report.decisions[(rr.round.id, r.exemplar_id)]
            if d.passed and r.corrected_at is None:
                passed[rr.stage.id].add(r.exemplar_id)
    stages = list(
        db.session.scalars(
            select(Stage)
            .where(Stage.campaign_id == campaign.id)
            .order_by(Stage.position)
        )
    )
    unit_of = dict(
        db.session.execute(
            select(Exemplar.id, Exemplar.unit_id).where(
                Exemplar.campaign_id == campaign.id
            )
        ).all()
    )
    units: dict[int, Unit] = {}
    last: dict[tuple[int, int], bool] = {}
    recommended: set[int] = set()
    for stage in stages:
        for exemplar_id in passed[stage.id]:
            unit_id = unit_of[exemplar_id]
            if (unit_id, stage.id) not in last:
                if unit_id not in units:
                    units[unit_id] = db.session.get_one(Unit, unit_id)
                nxt = next_stage(campaign, units[unit_id], after=stage)
                last[(unit_id, stage.id)] = nxt is None
            if last[(unit_id, stage.id)]:
                recommended.add(exemplar_id)
    registered = (
        db.session.scalar(
            select(func.count(Exemplar.id)).where(
                Exemplar.campaign_id == campaign.id,
                Exemplar.state != State.DRAFT.value,
            )
        )
        or 0
    )
    report.funnel_shown = [("Đăng ký", shown["registered"])]
    report.funnel_recomputed = [("Đăng ký", registered)]
    for s, shown_stage in zip(stages, shown["stages"], strict=True):
        report.funnel_shown.append((s.pass_label or s.name, shown_stage["passed"]))
        report.funnel_recomputed.append((s.pass_label or s.name, len(passed[s.id])))
    report.funnel_shown.append(("Đề nghị khen thưởng", shown["recommended"]))
    report.funnel_recomputed.append(("Đề nghị khen thưởng", len(recommended)))
    for (label, a), (_label, b) in zip(
        report.funnel_shown, report.funnel_recomputed, strict=True
    ):
        if a != b:
            report.differences.append(Difference(f"phễu: {label}", a, b))


def replay_campaign(campaign: Campaign) -> Replay:
    """Recompute every outcome and the funnel of ``campaign``; changes nothing."""
    rounds = recorded.load(recorded.closed_rounds_of_campaign(campaign.id))
    report = Replay(campaign=campaign)
    replay_rounds(rounds, report)
    _funnel(campaign, rounds, report)
    return report
