"""The public decision record (cách thức xét chọn): how each stage an exemplar passed
was decided — the council, the session's date, the rule in words, and counts.

Counts only, by construction: eligible, present, recused, approvals, rejections,
abstentions and the average score come from the stage result and the round's
attendance; no member, choice or single score is ever read here. Only closed rounds
appear (a stage result is written at the close), so nothing of a secret ballot shows
before its round closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, func, select

from ..appraisal.models import (
    RESULT_IN_FORCE,
    Attendance,
    Council,
    Round,
    StageResult,
)
from ..appraisal.snapshots import RuleSnapshot
from ..campaigns.models import RULE_FIELDS, Stage
from ..domain.tally import BallotMode, Outcome, TieRule, VoteBase
from ..extensions import db
from ..formatting import number
from ..registry.models import Exemplar
from ..spreadsheets import local_tz


def _fraction(num: int, den: int) -> str:
    if den in (10, 100) and num != den:
        return number(100 * num / den, 1) + "%"
    return f"{num}/{den}"


def rule_in_words(rule: dict[str, Any], rubric: dict[str, Any] | None = None) -> str:
    """The rule as one phrase in the reader's language, e.g. "bỏ phiếu kín, quá 1/2
    tổng số thành viên, tối thiểu 70 điểm, 5 suất"."""
    pieces = [
        _("bỏ phiếu kín")
        if rule.get("ballot_mode") == BallotMode.SECRET
        else _("biểu quyết công khai")
    ]
    of = (
        _("tổng số thành viên")
        if rule.get("base") == VoteBase.ALL
        else _("số thành viên có mặt")
    )
    share = _fraction(rule["threshold_num"], rule["threshold_den"])
    pieces.append(
        _("quá %(share)s %(of)s", share=share, of=of)
        if rule.get("threshold_strict")
        else _("từ %(share)s %(of)s trở lên", share=share, of=of)
    )
    if rule.get("quorum_percent"):
        pieces.append(
            _("ít nhất %(q)s%% thành viên tham gia", q=number(rule["quorum_percent"]))
        )
    if rule.get("min_average_score") is not None:
        if rubric and rubric.get("max_total"):
            pieces.append(
                _(
                    "tối thiểu %(s)s/%(m)s điểm",
                    s=number(rule["min_average_score"], 2),
                    m=number(rubric["max_total"]),
                )
            )
        else:
            pieces.append(
                _("tối thiểu %(s)s điểm", s=number(rule["min_average_score"], 2))
            )
    if rule.get("quota") is not None:
        seats = ngettext("%(num)s suất", "%(num)s suất", rule["quota"])
        tie = _(TieRule(rule["tie_rule"]).label)
        pieces.append(f"{seats} ({tie[:1].lower()}{tie[1:]})")
    return ", ".join(pieces)


@dataclass(frozen=True)
class StageDecision:
    """How one stage was decided for one exemplar (public)."""

    stage: str
    pass_label: str
    council: str
    session_date: date
    rule: str
    backfilled: bool
    eligible: int
    present: int
    recused: int
    approvals: int
    rejections: int
    abstentions: int
    average_score: float | None
    max_score: int | None
    outcome: str
    round_number: int
    round_id: int
    #: When the result was recorded: the round's close.
    decided_at: datetime

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label


def _local_date(at: datetime) -> date:
    return at.astimezone(local_tz()).date()


#: Built once: every entry's public page asks (:mod:`dankheo.showcase.views`).
#: Columns, not rows of five tables: the page shows a dozen values of each.
_DECIDED = (
    select(
        StageResult.eligible,
        StageResult.votes,
        StageResult.approvals,
        StageResult.rejections,
        StageResult.abstentions,
        StageResult.average_score,
        StageResult.outcome,
        StageResult.decided_at,
        Round.id.label("round_id"),
        Round.number.label("round_number"),
        Round.closed_at,
        Council.name.label("council"),
        Stage.id.label("stage_id"),
        Stage.name.label("stage"),
        Stage.pass_label,
        RuleSnapshot.id.label("snapshot_id"),
        RuleSnapshot.rule,
        RuleSnapshot.rubric,
        RuleSnapshot.backfilled,
        # Members of the round's council at the session (those not eligible
        # stood aside): counted here, not in a statement of their own.
        select(func.count(Attendance.id))
        .where(Attendance.round_id == Round.id)
        .scalar_subquery()
        .label("members"),
    )
    .join(Round, Round.id == StageResult.round_id)
    .join(Council, Council.id == StageResult.council_id)
    .join(Stage, Stage.id == StageResult.stage_id)
    .outerjoin(RuleSnapshot, RuleSnapshot.round_id == Round.id)
    .where(
        StageResult.exemplar_id == bindparam("id"),
        StageResult.outcome == Outcome.PASSED.value,
        RESULT_IN_FORCE,
        Round.closed_at.is_not(None),
    )
    .order_by(Stage.position, StageResult.decided_at)
)


def decision_record(exemplar: Exemplar | int) -> list[StageDecision]:
    """The stages ``exemplar`` passed, in order, each with how it was decided (one
    query): the timeline of its public page and the API's stages passed too."""
    exemplar_id = exemplar if isinstance(exemplar, int) else exemplar.id
    rows = db.session.execute(_DECIDED, {"id": exemplar_id}).all()
    out: list[StageDecision] = []
    seen: set[int] = set()
    for row in rows:
        if row.stage_id in seen:
            continue
        seen.add(row.stage_id)
        if row.snapshot_id is not None:
            rule, rubric = row.rule, row.rubric
        else:
            stage = db.session.get_one(Stage, row.stage_id)
            rule = {f: getattr(stage, f) for f in RULE_FIELDS}
            rubric = {"max_total": stage.max_total}
        assert row.closed_at is not None
        out.append(
            StageDecision(
                stage=row.stage,
                pass_label=row.pass_label,
                council=row.council,
                session_date=_local_date(row.closed_at),
                rule=rule_in_words(rule, rubric),
                backfilled=row.snapshot_id is None or row.backfilled,
                eligible=row.eligible,
                present=row.votes,
                recused=max(row.members - row.eligible, 0),
                approvals=row.approvals,
                rejections=row.rejections,
                abstentions=row.abstentions,
                average_score=row.average_score,
                max_score=rubric.get("max_total") or None,
                outcome=row.outcome,
                round_number=row.round_number,
                round_id=row.round_id,
                decided_at=row.decided_at,
            )
        )
    return out
