"""The decision rule, edge by edge: quorum, base, thresholds, abstentions, recusals,
minimum score, quota and the four tie rules. No application needed."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dankheo.domain.tally import (
    Candidate,
    Choice,
    Outcome,
    Rule,
    TieRule,
    average,
    decide,
    quorum_met,
    threshold_met,
)

A, R, X = Choice.APPROVE, Choice.REJECT, Choice.ABSTAIN

MAJORITY = Rule(1, 2, True)
TWO_THIRDS = Rule(2, 3, False)
SEVENTY = Rule(7, 10, False)
NINETY_ALL = Rule(9, 10, False, base="all", quorum_percent=100)


def one(rule: Rule, choices, eligible=None, scores=(), **kw):
    eligible = len(choices) if eligible is None else eligible
    return decide(rule, [Candidate(1, eligible, choices, scores, **kw)]).decisions[0]


# --- threshold: strict "more than" vs "at least" --------------------------------------


@pytest.mark.parametrize(
    ("rule", "approvals", "base", "expected"),
    [
        (MAJORITY, 1, 2, False),  # exactly half is not more than half
        (MAJORITY, 2, 3, True),
        (MAJORITY, 3, 5, True),
        (MAJORITY, 2, 4, False),
        (MAJORITY, 3, 4, True),
        (MAJORITY, 0, 1, False),
        (MAJORITY, 1, 1, True),
        (TWO_THIRDS, 2, 3, True),  # exactly 2/3 is "at least 2/3"
        (TWO_THIRDS, 3, 5, False),
        (TWO_THIRDS, 4, 6, True),
        (TWO_THIRDS, 6, 9, True),
        (TWO_THIRDS, 5, 8, False),
        (SEVENTY, 7, 10, True),
        (SEVENTY, 6, 9, False),  # 66.7 %
        (SEVENTY, 5, 7, True),  # 71.4 %
        (SEVENTY, 3, 5, False),
        (Rule(9, 10, False), 9, 10, True),
        (Rule(9, 10, False), 8, 9, False),  # 88.9 %
        (Rule(9, 10, False), 10, 11, True),  # 90.9 %
        (Rule(9, 10, True), 9, 10, False),  # strict at exactly 90 %
        (Rule(0, 1, False), 0, 3, True),  # "at least 0" always holds with a base
        (Rule(1, 1, False), 3, 3, True),  # unanimity
        (Rule(1, 1, False), 2, 3, False),
        (Rule(1, 1, True), 3, 3, False),  # "more than 100 %" can never pass
        (MAJORITY, 0, 0, False),  # empty base never passes
        (Rule(0, 1, False), 0, 0, False),
    ],
)
def test_threshold(rule, approvals, base, expected):
    assert threshold_met(rule, approvals, base) is expected


@given(
    num=st.integers(0, 20),
    extra=st.integers(0, 20),
    strict=st.booleans(),
    approvals=st.integers(0, 50),
    more=st.integers(0, 50),
)
def test_threshold_matches_exact_fractions(num, extra, strict, approvals, more):
    den = num + extra if num + extra > 0 else 1
    base = approvals + more
    rule = Rule(num, den, strict)
    if base == 0:
        assert not threshold_met(rule, approvals, base)
        return
    ratio = Fraction(approvals, base)
    expected = ratio > rule.threshold if strict else ratio >= rule.threshold
    assert threshold_met(rule, approvals, base) is expected


# --- quorum --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "eligible", "present", "expected"),
    [
        (50, 7, 4, True),
        (50, 7, 3, False),
        (50, 6, 3, True),  # exactly half meets a 50 % quorum
        (67, 9, 6, False),  # 66.7 % < 67 %
        (66, 9, 6, True),
        (100, 5, 5, True),
        (100, 5, 4, False),
        (0, 5, 0, False),  # at least one vote is always needed
        (0, 5, 1, True),
        (50, 0, 0, False),  # everyone recused
    ],
)
def test_quorum(percent, eligible, present, expected):
    assert quorum_met(Rule(quorum_percent=percent), eligible, present) is expected


def test_no_quorum_leaves_entry_undecided_even_if_all_present_approve():
    d = one(Rule(quorum_percent=60), [A, A], eligible=5)
    assert d.outcome == Outcome.NO_QUORUM
    assert not d.quorum_met
    assert d.approvals == 2


def test_candidate_with_no_vote_has_no_quorum():
    d = one(Rule(quorum_percent=0), [], eligible=3)
    assert d.outcome == Outcome.NO_QUORUM


# --- base: present vs all, abstentions, recusals --------------------------------------


@pytest.mark.parametrize(
    ("rule", "choices", "eligible", "outcome", "base"),
    [
        # abstentions count in the base (they are present) but not as approvals
        (MAJORITY, [A, A, X], 3, Outcome.PASSED, 3),
        (MAJORITY, [A, X, X], 3, Outcome.NOT_PASSED, 3),
        (MAJORITY, [A, A, X, X], 4, Outcome.NOT_PASSED, 4),
        (TWO_THIRDS, [A, A, X], 3, Outcome.PASSED, 3),
        # base "all": absent members weigh like rejections
        (
            Rule(1, 2, True, base="all", quorum_percent=40),
            [A, A, A],
            7,
            Outcome.NOT_PASSED,
            7,
        ),
        (
            Rule(1, 2, True, base="all", quorum_percent=50),
            [A, A, A, A],
            7,
            Outcome.PASSED,
            7,
        ),
        (
            Rule(1, 2, True, base="present", quorum_percent=50),
            [A, A, A, R],
            7,
            Outcome.PASSED,
            4,
        ),
        # 90 % of all members, secret-ballot style
        (NINETY_ALL, [A] * 9 + [R], 10, Outcome.PASSED, 10),
        (NINETY_ALL, [A] * 8 + [R, X], 10, Outcome.NOT_PASSED, 10),
        # all abstain: quorum met, nobody approves
        (MAJORITY, [X, X, X], 3, Outcome.NOT_PASSED, 3),
        (Rule(0, 1, False), [X, X], 2, Outcome.PASSED, 2),
    ],
)
def test_base_and_abstentions(rule, choices, eligible, outcome, base):
    d = one(rule, choices, eligible=eligible)
    assert d.outcome == outcome
    assert d.base == base
    assert d.abstentions == choices.count(X)
    assert d.rejections == choices.count(R)


def test_recused_members_are_out_of_base_and_quorum():
    """A council of 7 where 2 belong to the registering unit: eligible is 5.

    With base "all", 3 approvals of 5 eligible pass (they would fail over 7)."""
    rule = Rule(1, 2, True, base="all", quorum_percent=60)
    recused = one(rule, [A, A, A], eligible=5)
    assert recused.outcome == Outcome.PASSED
    assert recused.base == 5
    not_recused = one(rule, [A, A, A], eligible=7)
    assert not_recused.outcome == Outcome.NO_QUORUM  # 3/7 < 60 %
    assert one(
        Rule(1, 2, True, base="all", quorum_percent=40), [A, A, A], eligible=7
    ).outcome == (Outcome.NOT_PASSED)


def test_everyone_recused_is_never_decided():
    assert one(MAJORITY, [], eligible=0).outcome == Outcome.NO_QUORUM


def test_more_votes_than_eligible_is_refused():
    with pytest.raises(ValueError):
        Candidate(1, 2, [A, A, A])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold_num": 3, "threshold_den": 2},
        {"threshold_den": 0},
        {"threshold_num": -1},
        {"quorum_percent": 101},
        {"quorum_percent": -1},
        {"quota": -1},
        {"min_average_score": -0.5},
        {"base": "most"},
        {"tie_rule": "coin_flip"},
    ],
)
def test_invalid_rules_are_refused(kwargs):
    with pytest.raises(ValueError):
        Rule(**kwargs)


def test_invalid_choice_is_refused():
    with pytest.raises(ValueError):
        Candidate(1, 3, ["yes"])


def test_duplicate_keys_are_refused():
    with pytest.raises(ValueError):
        decide(MAJORITY, [Candidate(1, 3, [A]), Candidate(1, 3, [A])])


# --- minimum average score ------------------------------------------------------------


@pytest.mark.parametrize(
    ("minimum", "scores", "outcome"),
    [
        (None, (), Outcome.PASSED),
        (70, (70, 70, 70), Outcome.PASSED),  # exactly the minimum is enough
        (70, (69, 70, 71), Outcome.PASSED),  # mean 70
        (70, (69, 70, 70), Outcome.NOT_PASSED),  # mean 69.67
        (70, (), Outcome.NOT_PASSED),  # no score at all
        (70.5, (70, 71), Outcome.PASSED),
        (70.5, (70, 70.5, 70.9), Outcome.NOT_PASSED),
        (0, (0,), Outcome.PASSED),
    ],
)
def test_min_average_score(minimum, scores, outcome):
    d = one(Rule(1, 2, True, min_average_score=minimum), [A, A, A], scores=scores)
    assert d.outcome == outcome
    assert d.score_met is (outcome == Outcome.PASSED)


def test_min_score_and_threshold_failures_both_reported():
    d = one(Rule(1, 2, True, min_average_score=50), [A, R, R], scores=(10, 10, 10))
    assert d.outcome == Outcome.NOT_PASSED
    assert not d.threshold_met and not d.score_met
    assert len(d.reasons) == 2


def test_average_is_exact():
    assert average([1, 2]) == Fraction(3, 2)
    assert average([]) is None
    assert average([0.1, 0.2]) == Fraction(3, 20)


# --- returned entries -----------------------------------------------------------------


def test_returned_entry_is_not_decided_and_takes_no_seat():
    rule = Rule(1, 2, True, quota=1)
    t = decide(
        rule,
        [
            Candidate("a", 3, [A, A, A], (90, 90, 90), returned=True),
            Candidate("b", 3, [A, A, A], (50, 50, 50)),
        ],
    )
    d = t.by_key()
    assert d["a"].outcome == Outcome.RETURNED
    assert d["b"].outcome == Outcome.PASSED
    assert t.seats_used == 1


# --- quota and ties ------------------------------------------------------------------


def entries_with_averages(*avgs, approvals=None, submitted=None):
    out = []
    for i, avg in enumerate(avgs):
        n_app = approvals[i] if approvals else 3
        choices = [A] * n_app + [R] * (5 - n_app)
        out.append(
            Candidate(
                key=chr(ord("a") + i),
                eligible=5,
                choices=choices,
                scores=(avg,) * 5,
                submitted=submitted[i] if submitted else None,
            )
        )
    return out


def passed_keys(tally):
    return {d.key for d in tally.decisions if d.outcome == Outcome.PASSED}


@pytest.mark.parametrize(
    ("tie_rule", "expected"),
    [
        # averages a=90, b=80, c=80, d=80, e=70; quota 2 cuts through the 80s
        (TieRule.ALL_TIED_PASS, {"a", "b", "c", "d"}),
        (TieRule.NONE_TIED_PASS, {"a"}),
        (TieRule.MOST_APPROVALS, {"a", "d"}),  # d has 5 approvals, c 4, b 3
        (TieRule.EARLIEST_SUBMITTED, {"a", "c"}),  # c submitted first among the 80s
    ],
)
def test_quota_tie_rules(tie_rule, expected):
    rule = Rule(1, 2, True, quota=2, tie_rule=tie_rule)
    entries = entries_with_averages(
        90, 80, 80, 80, 70, approvals=[3, 3, 4, 5, 3], submitted=[5, 3, 1, 4, 2]
    )
    t = decide(rule, entries)
    assert passed_keys(t) == expected
    over = {d.key for d in t.decisions if d.outcome == Outcome.OVER_QUOTA}
    assert over == {"a", "b", "c", "d", "e"} - expected
    assert t.seats_used == len(expected)
    tied = {d.key for d in t.decisions if d.tied}
    if tie_rule in (TieRule.ALL_TIED_PASS, TieRule.NONE_TIED_PASS):
        assert tied == {"b", "c", "d"}


@pytest.mark.parametrize("tie_rule", list(TieRule))
def test_ties_inside_the_quota_do_not_matter(tie_rule):
    rule = Rule(1, 2, True, quota=3, tie_rule=tie_rule)
    t = decide(rule, entries_with_averages(90, 80, 80, 70))
    assert passed_keys(t) == {"a", "b", "c"}
    assert not any(d.tied for d in t.decisions)


@pytest.mark.parametrize("tie_rule", list(TieRule))
def test_quota_not_reached_everyone_passes(tie_rule):
    rule = Rule(1, 2, True, quota=10, tie_rule=tie_rule)
    t = decide(rule, entries_with_averages(80, 80, 80))
    assert passed_keys(t) == {"a", "b", "c"}
    assert t.seats_left == 7


@pytest.mark.parametrize("tie_rule", list(TieRule))
def test_quota_zero_passes_nobody(tie_rule):
    rule = Rule(1, 2, True, quota=0, tie_rule=tie_rule)
    t = decide(rule, entries_with_averages(90, 80))
    assert passed_keys(t) == set()
    assert t.seats_left == 0


def test_quota_remaining_overrides_rule_quota():
    rule = Rule(1, 2, True, quota=5)
    t = decide(rule, entries_with_averages(90, 80, 70), quota_remaining=1)
    assert passed_keys(t) == {"a"}
    assert t.quota_remaining == 1 and t.seats_left == 0


def test_quota_remaining_ignored_without_quota():
    t = decide(MAJORITY, entries_with_averages(90, 80, 70), quota_remaining=1)
    assert passed_keys(t) == {"a", "b", "c"}
    assert t.seats_left is None


def test_quota_only_ranks_entries_that_met_the_rule():
    rule = Rule(1, 2, True, quota=2)
    entries = entries_with_averages(95, 90, 80, approvals=[2, 3, 3])  # a fails 2/5
    t = decide(rule, entries)
    d = t.by_key()
    assert d["a"].outcome == Outcome.NOT_PASSED and d["a"].rank is None
    assert passed_keys(t) == {"b", "c"}
    assert d["b"].rank == 1 and d["c"].rank == 2


def test_unscored_entries_rank_last_for_the_quota():
    rule = Rule(1, 2, True, quota=1)
    t = decide(
        rule,
        [Candidate("x", 3, [A, A, A]), Candidate("y", 3, [A, A, A], (10,))],
    )
    assert passed_keys(t) == {"y"}


def test_most_approvals_falls_back_to_submission_then_key():
    rule = Rule(1, 2, True, quota=1, tie_rule=TieRule.MOST_APPROVALS)
    same = entries_with_averages(80, 80, approvals=[4, 4], submitted=[2, 1])
    assert passed_keys(decide(rule, same)) == {"b"}
    no_dates = entries_with_averages(80, 80, approvals=[4, 4])
    assert passed_keys(decide(rule, no_dates)) == {"a"}


def test_earliest_submitted_undated_rank_after_dated():
    rule = Rule(1, 2, True, quota=1, tie_rule=TieRule.EARLIEST_SUBMITTED)
    t = decide(rule, entries_with_averages(80, 80, submitted=[None, 7]))
    assert passed_keys(t) == {"b"}


def test_decisions_keep_input_order():
    t = decide(MAJORITY, [Candidate(k, 1, [A]) for k in (5, 3, 9)])
    assert [d.key for d in t.decisions] == [5, 3, 9]


@given(
    avgs=st.lists(st.integers(0, 5), min_size=0, max_size=12),
    quota=st.integers(0, 12),
    tie_rule=st.sampled_from(list(TieRule)),
)
def test_quota_invariants(avgs, quota, tie_rule):
    """Exact rules fill min(quota, candidates); the others respect the tie group; the
    passing set is always 'everyone strictly better than every loser'."""
    rule = Rule(1, 2, True, quota=quota, tie_rule=tie_rule)
    entries = [
        Candidate(i, 3, [A, A, A], (a,), submitted=(i * 7) % 5)
        for i, a in enumerate(avgs)
    ]
    t = decide(rule, entries)
    passed = [d for d in t.decisions if d.passed]
    losers = [d for d in t.decisions if d.outcome == Outcome.OVER_QUOTA]
    assert len(passed) + len(losers) == len(avgs)
    assert t.seats_used == len(passed)
    if tie_rule in (TieRule.MOST_APPROVALS, TieRule.EARLIEST_SUBMITTED):
        assert len(passed) == min(quota, len(avgs))
    elif tie_rule == TieRule.NONE_TIED_PASS:
        assert len(passed) <= min(quota, len(avgs))
    else:
        assert len(passed) >= min(quota, len(avgs))
    if passed and losers:
        assert min(d.average for d in passed) >= max(d.average for d in losers)
    if tie_rule == TieRule.NONE_TIED_PASS and passed and losers:
        assert min(d.average for d in passed) > max(d.average for d in losers)
