"""What-if (thử quy tắc khác): a closed round's outcomes under a changed rule, next to
the actual ones, from the recorded votes. Read only: nothing is added, changed or
flushed; the page is a GET."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..domain.tally import Outcome, Rule, decide
from .recorded import RecordedRound


@dataclass(frozen=True)
class WhatIfRow:
    exemplar_id: int
    name: str
    actual: str
    preview: str
    approvals: int
    present: int
    average: float | None

    @property
    def changed(self) -> bool:
        return self.actual != self.preview

    @property
    def actual_label(self) -> str:
        return Outcome(self.actual).label

    @property
    def preview_label(self) -> str:
        return Outcome(self.preview).label


@dataclass
class WhatIf:
    recorded: RecordedRound
    actual_rule: Rule
    rule: Rule
    rows: list[WhatIfRow]

    @property
    def changed(self) -> list[WhatIfRow]:
        return [r for r in self.rows if r.changed]

    def counts(self) -> list[tuple[Outcome, int, int]]:
        """(outcome, actual count, count under the changed rule)."""
        actual = Counter(r.actual for r in self.rows)
        preview = Counter(r.preview for r in self.rows)
        return [(o, actual[o.value], preview[o.value]) for o in Outcome]


def preview(rr: RecordedRound, changes: dict[str, Any]) -> WhatIf:
    """Decide ``rr`` again under its recorded rule with ``changes`` (any of quorum,
    threshold, base, minimum score, quota, tie rule). Quota seats used by earlier
    rounds are those recorded at the close."""
    rule = rr.rule(**changes)
    quota = None if rule.quota is None else max(rule.quota - rr.seats_before, 0)
    tally = decide(rule, rr.candidates(), quota_remaining=quota)
    decided = tally.by_key()
    rows = []
    for r in rr.results:
        d = decided[r.exemplar_id]
        rows.append(
            WhatIfRow(
                exemplar_id=r.exemplar_id,
                name=rr.exemplars[r.exemplar_id].name,
                actual=r.outcome,
                preview=d.outcome.value,
                approvals=d.approvals,
                present=d.present,
                average=d.average_float,
            )
        )
    return WhatIf(recorded=rr, actual_rule=rr.rule(), rule=rule, rows=rows)
