"""The fairness statistics, in plain Python, against known answers."""

from __future__ import annotations

import pytest

from dankheo.domain.tally import Rule, threshold_met
from dankheo.verification import measures

#: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the reliability
#: data with missing values: 4 observers, 12 units. Interval alpha = 0.849.
KRIPPENDORFF = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def _matrix(rows):
    units = len(next(iter(rows.values())))
    return {
        u: {c: v[u] for c, v in rows.items() if v[u] is not None} for u in range(units)
    }


def test_alpha_matches_krippendorffs_worked_example():
    alpha = measures.krippendorff_alpha_interval(_matrix(KRIPPENDORFF))
    assert alpha == pytest.approx(0.849, abs=0.0005)


def test_alpha_is_one_for_perfect_agreement_and_undefined_without_variation():
    assert measures.krippendorff_alpha_interval(
        {1: {"a": 3, "b": 3}, 2: {"a": 5, "b": 5}}
    ) == pytest.approx(1.0)
    assert measures.krippendorff_alpha_interval({1: {"a": 3, "b": 3}}) is None
    # a unit with one value is not pairable
    assert measures.krippendorff_alpha_interval({1: {"a": 3}}) is None


def test_alpha_drops_when_raters_disagree():
    agree = {u: {"a": u, "b": u + 0.1} for u in range(10)}
    disagree = {u: {"a": u, "b": 9 - u} for u in range(10)}
    assert measures.krippendorff_alpha_interval(agree) > 0.99
    assert measures.krippendorff_alpha_interval(disagree) < 0


def test_severity_is_mean_deviation_from_the_council_mean():
    matrix = {1: {"a": 10, "b": 20}, 2: {"a": 30, "b": 50}, 3: {"a": 7}}
    sev = measures.severities(matrix)
    assert sev["a"] == (pytest.approx(-7.5), 2)
    assert sev["b"] == (pytest.approx(7.5), 2)


def test_outliers_leave_the_member_out_of_the_spread():
    # In a council of five, including the member in its own SD would never flag it.
    severity = {"a": 1.0, "b": -1.0, "c": 0.5, "d": -0.5, "harsh": -20.0}
    assert measures.outliers(severity, max_total=100) == {"harsh"}
    assert measures.outliers({"a": 1.0, "b": -1.0, "c": 0.0}, max_total=100) == set()
    # a near-perfect council does not flag a one-point difference
    assert (
        measures.outliers({"a": 0.0, "b": 0.0, "c": 0.0, "d": 1.0}, max_total=100)
        == set()
    )


@pytest.mark.parametrize(
    ("approvals", "base", "close"),
    [(3, 5, True), (2, 5, True), (5, 5, False), (1, 5, False)],
)
def test_split_flags_a_vote_one_ballot_from_the_threshold(approvals, base, close):
    rule = Rule(threshold_num=1, threshold_den=2, threshold_strict=True)

    def met(a, b):
        return threshold_met(rule, a, b)

    assert measures.approvals_needed(5, met) == 3
    s = measures.split(approvals, base, met, [70, 72], 100)
    assert (s is not None and s.close_vote) == close


def test_split_flags_a_wide_spread_of_scores():
    rule = Rule()
    s = measures.split(5, 5, lambda a, b: threshold_met(rule, a, b), [90, 40], 100)
    assert s is not None and s.wide_spread and s.spread == 50
