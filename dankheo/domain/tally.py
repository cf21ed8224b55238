"""The decision rule of a stage: votes + rule -> one outcome per candidate.

A pure function over plain data, so every edge case is testable without a database.
A **candidate** is an exemplar as the tally sees it: its key and the votes cast on it in
one round (see ``GLOSSARY.md`` for the words used here).

Definitions (the same words appear on the tally page and in the minutes):

* **eligible** — council members not recused for this candidate (a member of the registering
  unit never counts, neither in the base nor in the quorum);
* **present** — eligible members who cast a vote on the candidate in this round (approve,
  reject or abstain: an abstention is a presence);
* **quorum** — ``present * 100 >= quorum_percent * eligible`` and at least one vote;
  without quorum the candidate is not decided and stays for the next round;
* **base** — ``present`` or ``all`` eligible members (rule data);
* **threshold** — ``approvals / base`` compared with ``num / den``: strictly greater for
  "more than 1/2", greater or equal for "at least 2/3 / 70 % / 90 %"; integer arithmetic,
  no rounding; an empty base never passes;
* **minimum average score** — the mean of the votes' rubric totals (votes without a
  score are left out of the mean) must be at least the minimum; no score at all fails;
* **quota** — at most ``quota_remaining`` candidates that met the rule pass, best average
  first (a candidate without scores ranks last). Candidates tied with the last seat are settled
  by ``tie_rule``: ``all_tied_pass`` (the quota may be exceeded), ``none_tied_pass`` (the
  tied group is left out, seats may stay empty), ``most_approvals`` (more approvals first,
  then earlier submission, then the smaller key) or ``earliest_submitted`` (earlier
  submission first, then the smaller key). The last two always fill the quota exactly.

Candidates the chair returns for supplement are passed with ``returned=True``: they are not
decided and use no seat.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from . import N_
from .enums import LABELS, LabelledEnum


class Choice(LabelledEnum):
    """What a member casts on one candidate."""

    APPROVE = "approve"
    REJECT = "reject"
    ABSTAIN = "abstain"


class BallotMode(LabelledEnum):
    """How members vote at a stage: openly, or by secret ballot."""

    OPEN = "open"
    SECRET = "secret"


class VoteBase(LabelledEnum):
    """What approvals are counted against: members present or all eligible members."""

    PRESENT = "present"
    ALL = "all"


class TieRule(LabelledEnum):
    ALL_TIED_PASS = "all_tied_pass"
    NONE_TIED_PASS = "none_tied_pass"
    MOST_APPROVALS = "most_approvals"
    EARLIEST_SUBMITTED = "earliest_submitted"


class Outcome(LabelledEnum):
    PASSED = "passed"
    NOT_PASSED = "not_passed"
    OVER_QUOTA = "over_quota"
    NO_QUORUM = "no_quorum"
    RETURNED = "returned"


#: Outcomes after which the candidate leaves the stage with a negative result.
REJECTING = frozenset({Outcome.NOT_PASSED, Outcome.OVER_QUOTA})
#: Outcomes after which the candidate stays at the stage (no decision this round).
UNDECIDED = frozenset({Outcome.NO_QUORUM})

LABELS.update(
    {
        Choice.APPROVE: N_("Tán thành"),
        Choice.REJECT: N_("Không tán thành"),
        Choice.ABSTAIN: N_("Không biểu quyết"),
        BallotMode.OPEN: N_("Biểu quyết công khai"),
        BallotMode.SECRET: N_("Bỏ phiếu kín"),
        VoteBase.PRESENT: N_("Trên số thành viên có mặt"),
        VoteBase.ALL: N_("Trên tổng số thành viên"),
        TieRule.ALL_TIED_PASS: N_("Đồng hạng cuối: tất cả đều đạt"),
        TieRule.NONE_TIED_PASS: N_("Đồng hạng cuối: không ai đạt"),
        TieRule.MOST_APPROVALS: N_("Đồng hạng cuối: ưu tiên nhiều phiếu tán thành hơn"),
        TieRule.EARLIEST_SUBMITTED: N_("Đồng hạng cuối: ưu tiên hồ sơ gửi sớm hơn"),
        Outcome.PASSED: N_("Đạt"),
        Outcome.NOT_PASSED: N_("Không đạt"),
        Outcome.OVER_QUOTA: N_("Không đạt (vượt chỉ tiêu)"),
        Outcome.NO_QUORUM: N_("Chưa đủ số thành viên tham gia"),
        Outcome.RETURNED: N_("Trả lại để bổ sung"),
    }
)

#: Common thresholds offered by the stage form: (num, den, strict, label).
THRESHOLD_PRESETS: tuple[tuple[int, int, bool, str], ...] = (
    (1, 2, True, N_("Trên 1/2 (quá bán)")),
    (2, 3, False, N_("Từ 2/3 trở lên")),
    (7, 10, False, N_("Từ 70% trở lên")),
    (9, 10, False, N_("Từ 90% trở lên")),
)


@dataclass(frozen=True)
class Rule:
    """A stage's decision rule (mirrors the columns of ``Stage``)."""

    threshold_num: int = 1
    threshold_den: int = 2
    threshold_strict: bool = True
    base: str = VoteBase.PRESENT
    quorum_percent: int = 50
    min_average_score: float | None = None
    quota: int | None = None
    tie_rule: str = TieRule.MOST_APPROVALS

    def __post_init__(self) -> None:
        if self.threshold_den <= 0 or not 0 <= self.threshold_num <= self.threshold_den:
            raise ValueError("threshold must be a fraction between 0 and 1")
        if not 0 <= self.quorum_percent <= 100:
            raise ValueError("quorum must be 0..100 percent")
        if self.quota is not None and self.quota < 0:
            raise ValueError("quota must not be negative")
        if self.min_average_score is not None and self.min_average_score < 0:
            raise ValueError("minimum score must not be negative")
        VoteBase(self.base)
        TieRule(self.tie_rule)

    @classmethod
    def of(cls, obj: Any) -> Rule:
        """Build from any object with the same attribute names (e.g. a ``Stage`` row)."""
        return cls(
            threshold_num=obj.threshold_num,
            threshold_den=obj.threshold_den,
            threshold_strict=obj.threshold_strict,
            base=obj.base,
            quorum_percent=obj.quorum_percent,
            min_average_score=obj.min_average_score,
            quota=obj.quota,
            tie_rule=obj.tie_rule,
        )

    @property
    def threshold(self) -> Fraction:
        return Fraction(self.threshold_num, self.threshold_den)


@dataclass(frozen=True)
class Candidate:
    """The votes cast on one candidate in one round.

    ``choices`` holds one choice per vote; ``scores`` the rubric totals of the votes
    that were scored. ``submitted`` is any sortable value (the submission time).
    """

    key: Hashable
    eligible: int
    choices: Sequence[str] = ()
    scores: Sequence[float] = ()
    submitted: Any = None
    returned: bool = False

    def __post_init__(self) -> None:
        if self.eligible < 0:
            raise ValueError("eligible must not be negative")
        if len(self.choices) > self.eligible:
            raise ValueError("more votes than eligible members")
        for c in self.choices:
            Choice(c)


@dataclass(frozen=True)
class Decision:
    """The rule applied to one candidate (what the tally page and the minutes show)."""

    key: Hashable
    outcome: Outcome
    eligible: int
    present: int
    approvals: int
    rejections: int
    abstentions: int
    base: int
    quorum_met: bool
    threshold_met: bool
    score_met: bool
    average: Fraction | None
    rank: int | None = None
    tied: bool = False
    reasons: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return self.outcome == Outcome.PASSED

    @property
    def average_float(self) -> float | None:
        return None if self.average is None else float(self.average)


@dataclass(frozen=True)
class Tally:
    decisions: tuple[Decision, ...]
    quota_remaining: int | None
    seats_used: int

    def by_key(self) -> dict[Hashable, Decision]:
        return {d.key: d for d in self.decisions}

    def count(self, outcome: Outcome) -> int:
        return sum(1 for d in self.decisions if d.outcome == outcome)

    @property
    def seats_left(self) -> int | None:
        if self.quota_remaining is None:
            return None
        return max(self.quota_remaining - self.seats_used, 0)


def quorum_met(rule: Rule, eligible: int, present: int) -> bool:
    """Enough eligible members took part (at least one vote in any case)."""
    if present <= 0 or eligible <= 0:
        return False
    return present * 100 >= rule.quorum_percent * eligible


def threshold_met(rule: Rule, approvals: int, base: int) -> bool:
    """``approvals / base`` beats the threshold (strict or not); an empty base fails."""
    if base <= 0:
        return False
    lhs = approvals * rule.threshold_den
    rhs = rule.threshold_num * base
    return lhs > rhs if rule.threshold_strict else lhs >= rhs


def average(scores: Iterable[float]) -> Fraction | None:
    """Exact mean of the scores (``None`` when there are none), so ties are true ties."""
    values = [Fraction(s).limit_denominator(10**6) for s in scores]
    if not values:
        return None
    return sum(values, Fraction(0)) / len(values)


def _decide_one(rule: Rule, candidate: Candidate) -> Decision:
    approvals = sum(1 for c in candidate.choices if c == Choice.APPROVE)
    rejections = sum(1 for c in candidate.choices if c == Choice.REJECT)
    abstentions = sum(1 for c in candidate.choices if c == Choice.ABSTAIN)
    present = len(candidate.choices)
    base = present if rule.base == VoteBase.PRESENT else candidate.eligible
    avg = average(candidate.scores)
    q = quorum_met(rule, candidate.eligible, present)
    t = threshold_met(rule, approvals, base)
    if rule.min_average_score is None:
        s = True
    else:
        s = avg is not None and avg >= Fraction(
            rule.min_average_score
        ).limit_denominator(10**6)
    reasons: list[str] = []
    if candidate.returned:
        outcome = Outcome.RETURNED
    elif not q:
        outcome = Outcome.NO_QUORUM
        reasons.append(N_("Chưa đủ số thành viên tham gia"))
    else:
        if not t:
            reasons.append(N_("Chưa đạt tỷ lệ tán thành"))
        if not s:
            reasons.append(N_("Điểm trung bình dưới mức tối thiểu"))
        outcome = Outcome.PASSED if t and s else Outcome.NOT_PASSED
    return Decision(
        key=candidate.key,
        outcome=outcome,
        eligible=candidate.eligible,
        present=present,
        approvals=approvals,
        rejections=rejections,
        abstentions=abstentions,
        base=base,
        quorum_met=q,
        threshold_met=t,
        score_met=s,
        average=avg,
        reasons=tuple(reasons),
    )


def _with(d: Decision, **changes: Any) -> Decision:
    return Decision(**{**d.__dict__, **changes})


def decide(
    rule: Rule, candidates: Iterable[Candidate], *, quota_remaining: int | None = None
) -> Tally:
    """Apply ``rule`` to every candidate of a round.

    ``quota_remaining`` is the number of seats still free (defaults to ``rule.quota``;
    the caller passes the quota minus the seats used by earlier rounds; ignored when the
    rule has no quota). Decisions come back in the order of ``candidates``.
    """
    candidates = list(candidates)
    keys = [e.key for e in candidates]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate candidate keys")
    decisions = {e.key: _decide_one(rule, e) for e in candidates}
    if rule.quota is None:
        quota_remaining = None
    elif quota_remaining is None:
        quota_remaining = rule.quota
    if quota_remaining is not None:
        quota_remaining = max(quota_remaining, 0)
        submitted = {e.key: e.submitted for e in candidates}
        seats_used = _apply_quota(rule, decisions, submitted, quota_remaining)
    else:
        seats_used = sum(1 for d in decisions.values() if d.passed)
    return Tally(
        decisions=tuple(decisions[k] for k in keys),
        quota_remaining=quota_remaining,
        seats_used=seats_used,
    )


def _sort_key_submitted(value: Any) -> tuple[int, Any]:
    # Candidates without a submission time rank after every dated one.
    return (1, 0) if value is None else (0, value)


def _apply_quota(
    rule: Rule,
    decisions: dict[Hashable, Decision],
    submitted: dict[Hashable, Any],
    seats: int,
) -> int:
    """Rank the candidates that met the rule and cut at ``seats``; returns seats used."""
    candidates = [d for d in decisions.values() if d.passed]

    def score_key(d: Decision) -> tuple[int, Fraction]:
        # Best average first; a candidate without scores ranks below every scored one.
        return (1, Fraction(0)) if d.average is None else (0, -d.average)

    def full_key(d: Decision) -> tuple[Any, ...]:
        tail: tuple[Any, ...] = ()
        if rule.tie_rule == TieRule.MOST_APPROVALS:
            tail = (-d.approvals, _sort_key_submitted(submitted[d.key]))
        elif rule.tie_rule == TieRule.EARLIEST_SUBMITTED:
            tail = (_sort_key_submitted(submitted[d.key]),)
        return (score_key(d), *tail, _key_order(d.key))

    candidates.sort(key=full_key)
    for rank, d in enumerate(candidates, start=1):
        decisions[d.key] = _with(d, rank=rank)
    candidates = [decisions[d.key] for d in candidates]
    if len(candidates) <= seats:
        return len(candidates)

    if rule.tie_rule in (TieRule.ALL_TIED_PASS, TieRule.NONE_TIED_PASS):
        winners: list[Decision] = []
        boundary = score_key(candidates[seats - 1]) if seats else None
        # The tie matters only when it straddles the last seat.
        crossing = boundary is not None and score_key(candidates[seats]) == boundary
        for i, d in enumerate(candidates):
            tied_with_cut = crossing and score_key(d) == boundary
            if tied_with_cut:
                decisions[d.key] = _with(decisions[d.key], tied=True)
                if rule.tie_rule == TieRule.ALL_TIED_PASS:
                    winners.append(d)
            elif i < seats:
                winners.append(d)
        winner_keys = {d.key for d in winners}
    else:
        winner_keys = {d.key for d in candidates[:seats]}

    for d in candidates:
        if d.key not in winner_keys:
            current = decisions[d.key]
            decisions[d.key] = _with(
                current,
                outcome=Outcome.OVER_QUOTA,
                reasons=(*current.reasons, N_("Ngoài chỉ tiêu")),
            )
    return len(winner_keys)


def _key_order(key: Hashable) -> tuple[int, Any]:
    if isinstance(key, int | float):
        return (0, key)
    return (1, str(key))
