"""The rule a closed round was decided under: one snapshot per round, written at the
close, so a later change to the stage or its rubric never rewrites how it was decided
(replayed by :mod:`dankheo.verification`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..campaigns.models import RULE_FIELDS, Criterion, Stage
from ..db import UTCDateTime, utcnow
from ..domain.tally import Rule
from ..extensions import Model
from .models import Council, Round


def rubric_version(criteria: Iterable[Criterion]) -> dict[str, Any]:
    """The rubric as data, with a digest of its criteria (ids, names, maximum points)
    that changes whenever a line of it does."""
    lines = [{"id": c.id, "name": c.name, "max_points": c.max_points} for c in criteria]
    canonical = json.dumps(lines, sort_keys=True, separators=(",", ":"))
    return {
        "criteria": lines,
        "max_total": sum(c["max_points"] for c in lines),
        "digest": hashlib.sha256(canonical.encode()).hexdigest(),
    }


class RuleSnapshot(Model):
    """The rule and rubric a round was decided under (quy tắc đã áp dụng), written
    once at its close so that a later change of the stage cannot rewrite history.

    ``rule`` holds :data:`RULE_FIELDS` and ``seats_before`` (the quota used by earlier
    rounds); ``recusal`` the council's unit path and each member's unit path at the
    close (what :func:`.recusal.is_recused` needs); ``rubric`` :func:`rubric_version`.
    Rounds closed before snapshots existed were ``backfilled`` by the migration from
    the stage as it then was, and say so."""

    __tablename__ = "rule_snapshots"
    __table_args__ = (UniqueConstraint("round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    rule: Mapped[dict] = mapped_column(JSON)
    rubric: Mapped[dict] = mapped_column(JSON)
    recusal: Mapped[dict] = mapped_column(JSON)
    rubric_digest: Mapped[str] = mapped_column(String(64))
    backfilled: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[Round] = relationship()

    def __repr__(self) -> str:
        return f"<RuleSnapshot round={self.round_id} {self.rubric_digest[:8]}>"

    @classmethod
    def at_close(
        cls, rnd: Round, stage: Stage, council: Council, *, seats_before: int
    ) -> RuleSnapshot:
        rubric = rubric_version(stage.criteria)
        return cls(
            round_id=rnd.id,
            rule={
                **{f: getattr(stage, f) for f in RULE_FIELDS},
                "seats_before": seats_before,
            },
            rubric=rubric,
            recusal={
                "council_unit_path": council.unit.path,
                "member_units": {
                    str(m.id): m.user.unit.path if m.user.unit else None
                    for m in council.active_members
                },
            },
            rubric_digest=rubric["digest"],
        )

    def as_rule(self, **changes: Any) -> Rule:
        """The recorded rule for :func:`dankheo.domain.tally.decide` (``changes``
        override fields, for a what-if)."""
        fields = {
            f: self.rule[f]
            for f in RULE_FIELDS
            if f not in ("ballot_mode", "recuse_ancestors")
        }
        return Rule(**{**fields, **changes})
