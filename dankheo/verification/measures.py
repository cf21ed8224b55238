"""Fair judging, measured: plain-Python statistics over a council's recorded scores.

No framework, no database: a council's scores come in as ``{exemplar: {member: total}}``
(totals of the votes the tally counted; a member who was absent, recused or abstained
has no entry). Definitions, as the secretariat's pages state them:

* **severity** (mức nghiêm khắc) of a member — the mean, over the exemplars they scored
  that at least one other member scored too, of their total minus the council's mean
  total for that exemplar. Negative: stricter than the council; positive: more lenient.
* **agreement** (độ đồng thuận) — Krippendorff's alpha for interval data over the
  exemplar × member matrix. Chosen over ICC(2,1) because the matrix is incomplete by
  design (absences, recusals, abstentions) and the number of scorers varies per
  exemplar: alpha uses every pairable value without imputing or dropping exemplars,
  while ICC(2,1) needs a complete two-way table. 1 = perfect agreement, 0 = no better
  than chance; below 0.667 reliability is usually considered too low (Krippendorff).
* **outlier** (chấm điểm lệch) — a member whose severity differs from the mean severity
  of the *other* members by more than :data:`OUTLIER_SDS` of their standard deviation
  (and by more than :data:`OUTLIER_FLOOR` of the rubric maximum, so that a council that
  agrees almost perfectly does not flag a one-point difference). Leaving the member out
  matters: in a council of five, a member included in its own standard deviation can
  never be more than 1.79 SD from the mean.
* **split** (ý kiến phân tán) — an exemplar where one vote would have changed whether
  the approval threshold was met, or whose scores spread (highest minus lowest total)
  more than :data:`SPREAD_SHARE` of the rubric maximum.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

OUTLIER_SDS = 2.0
OUTLIER_FLOOR = 0.02
SPREAD_SHARE = 0.25

Matrix = Mapping[Hashable, Mapping[Hashable, float]]


def krippendorff_alpha_interval(matrix: Matrix) -> float | None:
    """Krippendorff's alpha with the interval metric (squared difference).

    ``matrix`` maps each unit (exemplar) to its values by coder (member). Units with
    fewer than two values are not pairable and are left out. ``None`` when there is
    nothing to compare or no variation at all (alpha is undefined)."""
    units = [list(values.values()) for values in matrix.values() if len(values) >= 2]
    n = sum(len(u) for u in units)
    if n < 2:
        return None

    def pair_sum(values: Sequence[float]) -> float:
        # sum over ordered pairs i != j of (v_i - v_j)^2 = 2 (m * sum v^2 - (sum v)^2)
        s = math.fsum(values)
        s2 = math.fsum(v * v for v in values)
        return 2.0 * (len(values) * s2 - s * s)

    observed = math.fsum(pair_sum(u) / (len(u) - 1) for u in units) / n
    everything = [v for u in units for v in u]
    expected = pair_sum(everything) / (n * (n - 1))
    if expected <= 0:
        return None
    return 1.0 - observed / expected


def severities(matrix: Matrix) -> dict[Hashable, tuple[float, int]]:
    """Each member's severity and the number of exemplars it rests on."""
    deviations: dict[Hashable, list[float]] = {}
    for values in matrix.values():
        if len(values) < 2:
            continue
        mean = math.fsum(values.values()) / len(values)
        for member, value in values.items():
            deviations.setdefault(member, []).append(value - mean)
    return {m: (math.fsum(d) / len(d), len(d)) for m, d in deviations.items()}


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    mean = math.fsum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    var = math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var)


def outliers(
    severity: Mapping[Hashable, float], max_total: float | None
) -> set[Hashable]:
    """Members whose severity stands out from the others' (see the module doc)."""
    floor = OUTLIER_FLOOR * max_total if max_total else 0.5
    out: set[Hashable] = set()
    for member, value in severity.items():
        others = [v for m, v in severity.items() if m != member]
        if len(others) < 3:
            continue  # too few others to say what is usual
        mean, sd = _mean_sd(others)
        if abs(value - mean) > max(OUTLIER_SDS * sd, floor):
            out.add(member)
    return out


def approvals_needed(base: int, met: Callable[[int, int], bool]) -> int | None:
    """The fewest approvals that meet the threshold over ``base`` (None: none do)."""
    return next((a for a in range(base + 1) if met(a, base)), None)


@dataclass(frozen=True)
class Split:
    close_vote: bool
    spread: float | None
    wide_spread: bool


def split(
    approvals: int,
    base: int,
    met: Callable[[int, int], bool],
    totals: Sequence[float],
    max_total: float | None,
) -> Split | None:
    """Whether the council split on one exemplar (``None`` when it did not)."""
    needed = approvals_needed(base, met)
    close = needed is not None and base > 0 and needed - 1 <= approvals <= needed
    spread = max(totals) - min(totals) if len(totals) >= 2 else None
    wide = bool(max_total) and spread is not None and spread > SPREAD_SHARE * max_total  # type: ignore[operator]
    if not close and not wide:
        return None
    return Split(close_vote=close, spread=spread, wide_spread=wide)
