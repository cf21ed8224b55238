"""The secretariat sets up a campaign's appraisal: stages with their decision rule, and
each stage's rubric (criteria and their maximum points).

Invariants kept here:

* a stage's tier cannot change once exemplars were routed to it;
* its decision rule (ballot mode, base, threshold, quorum, minimum score, quota, ties,
  recusal) is fixed once members have voted under it, so a secret ballot cannot be
  opened mid-round and the minutes always show the rule that decided;
* its rubric is fixed once votes were cast at it (scores would no longer compare);
* a rule that needs scores (a minimum average, a quota settled all-or-none) cannot run
  without a rubric (:func:`rule_needs_rubric`, checked when a round opens).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select

from ..auth.models import User
from ..campaigns.models import RULE_FIELDS, Campaign, Criterion, Stage
from ..domain import N_
from ..domain.enums import UnitTier
from ..domain.tally import BallotMode, Rule, TieRule
from ..errors import InvalidInput, RuleRefused
from ..extensions import db
from ..registry.models import Exemplar
from .models import Council, Score, StageResult, Vote

log = logging.getLogger(__name__)

#: The stage columns the secretariat edits.
STAGE_FIELDS = ("name", "tier", "pass_label", *RULE_FIELDS)


def _apply_stage(stage: Stage, data: dict[str, Any]) -> None:
    """Validate the merged values first, then set them (a refused edit changes nothing)."""
    unknown = set(data) - set(STAGE_FIELDS)
    if unknown:
        raise InvalidInput(
            N_("Trường không hợp lệ: %(name)s."), name=sorted(unknown)[0]
        )
    merged = {k: getattr(stage, k) for k in STAGE_FIELDS}
    merged.update({k: v.strip() if isinstance(v, str) else v for k, v in data.items()})
    try:
        UnitTier(merged["tier"])
        BallotMode(merged["ballot_mode"])
        Rule(**{k: merged[k] for k in Rule.__dataclass_fields__})
    except (ValueError, TypeError) as exc:
        raise InvalidInput(N_("Quy tắc biểu quyết không hợp lệ.")) from exc
    if not merged["name"] or not merged["pass_label"]:
        raise InvalidInput(N_("Vòng thẩm định cần có tên và danh hiệu khi đạt."))
    for key in data:
        setattr(stage, key, merged[key])


def create_stage(
    campaign: Campaign, data: dict[str, Any], *, actor: User | None
) -> Stage:
    """Append a stage at the end of the campaign's ordered list."""
    last = db.session.scalar(
        select(func.max(Stage.position)).where(Stage.campaign_id == campaign.id)
    )
    defaults = {
        "ballot_mode": BallotMode.OPEN.value,
        "base": "present",
        "threshold_num": 1,
        "threshold_den": 2,
        "threshold_strict": True,
        "quorum_percent": 50,
        "tie_rule": TieRule.MOST_APPROVALS.value,
        "recuse_ancestors": False,
    }
    stage = Stage(campaign=campaign, position=(last + 1) if last is not None else 0)
    _apply_stage(stage, {**defaults, **data})
    db.session.add(stage)
    db.session.flush()
    log.info(
        "stage %s created in campaign %s by user %s",
        stage.id,
        campaign.id,
        actor.id if actor else None,
    )
    return stage


def stage_in_use(stage: Stage) -> bool:
    """True once an exemplar has reached the stage or a vote was cast at it."""
    return bool(
        db.session.scalar(
            select(func.count(Exemplar.id)).where(Exemplar.stage_id == stage.id)
        )
        or db.session.scalar(
            select(func.count(Vote.id)).where(Vote.stage_id == stage.id)
        )
        or db.session.scalar(
            select(func.count(StageResult.id)).where(StageResult.stage_id == stage.id)
        )
    )


def voting_started(stage: Stage) -> bool:
    """True once a vote was cast or a result recorded at the stage."""
    return bool(
        db.session.scalar(select(Vote.id).where(Vote.stage_id == stage.id).limit(1))
        or db.session.scalar(
            select(StageResult.id).where(StageResult.stage_id == stage.id).limit(1)
        )
    )


def update_stage(stage: Stage, data: dict[str, Any], *, actor: User | None) -> Stage:
    """Edit a stage. Its tier cannot change once exemplars were routed to it, and its
    decision rule cannot change once members have voted under it."""
    if "tier" in data and data["tier"] != stage.tier and stage_in_use(stage):
        raise RuleRefused(N_("Không thể đổi cấp của vòng đã có hồ sơ."), field="tier")
    changed = [k for k in RULE_FIELDS if k in data and data[k] != getattr(stage, k)]
    if changed and voting_started(stage):
        raise RuleRefused(
            N_("Không thể đổi quy tắc biểu quyết của vòng đã có phiếu thẩm định.")
        )
    _apply_stage(stage, data)
    db.session.flush()
    log.info("stage %s edited by user %s", stage.id, actor.id if actor else None)
    return stage


def delete_stage(stage: Stage, *, actor: User | None) -> None:
    """Delete a stage nobody has used yet (no council, no exemplar, no vote)."""
    if stage_in_use(stage) or db.session.scalar(
        select(func.count(Council.id)).where(Council.stage_id == stage.id)
    ):
        raise RuleRefused(N_("Không thể xóa vòng đã có hội đồng hoặc hồ sơ."))
    stage_id = stage.id
    db.session.delete(stage)
    db.session.flush()
    log.info("stage %s deleted by user %s", stage_id, actor.id if actor else None)


def move_stage(stage: Stage, offset: int, *, actor: User | None) -> None:
    """Swap the stage with its neighbour (``offset`` -1 up, +1 down); not once either
    has exemplars (the route they took would change under them)."""
    stages = sorted(stage.campaign.stages, key=lambda s: s.position)
    i = stages.index(stage)
    j = i + offset
    if not 0 <= j < len(stages):
        return
    if stage_in_use(stage) or stage_in_use(stages[j]):
        raise RuleRefused(N_("Không thể đổi thứ tự các vòng đã có hồ sơ."))
    a, b = stages[i], stages[j]
    # Two steps so that UNIQUE(campaign_id, position) holds after every statement.
    pa, pb = a.position, b.position
    a.position = -1 - pa
    db.session.flush()
    b.position = pa
    db.session.flush()
    a.position = pb
    db.session.flush()
    log.info(
        "stage %s moved to position %d by user %s",
        stage.id,
        pb,
        actor.id if actor else None,
    )


def criterion_scored(criterion: Criterion) -> bool:
    """True once a member has scored this criterion."""
    return bool(
        db.session.scalar(
            select(func.count(Score.id)).where(Score.criterion_id == criterion.id)
        )
    )


def add_criterion(
    stage: Stage, *, name: str, max_points: int, actor: User | None
) -> Criterion:
    """Add a rubric line; not once votes were cast at the stage (scores would differ)."""
    if max_points <= 0:
        raise InvalidInput(N_("Điểm tối đa phải lớn hơn 0."), field="max_points")
    if db.session.scalar(select(func.count(Vote.id)).where(Vote.stage_id == stage.id)):
        raise RuleRefused(N_("Không thể đổi tiêu chí khi hội đồng đã chấm điểm."))
    last = max((c.position for c in stage.criteria), default=-1)
    criterion = Criterion(
        stage=stage, name=name.strip(), max_points=max_points, position=last + 1
    )
    db.session.add(criterion)
    db.session.flush()
    log.info(
        "criterion %s added to stage %s by user %s",
        criterion.id,
        stage.id,
        actor.id if actor else None,
    )
    return criterion


def update_criterion(
    criterion: Criterion, *, name: str, max_points: int, actor: User | None
) -> Criterion:
    """Rename a criterion; its maximum is fixed once it was scored."""
    if max_points <= 0:
        raise InvalidInput(N_("Điểm tối đa phải lớn hơn 0."), field="max_points")
    if max_points != criterion.max_points and criterion_scored(criterion):
        raise RuleRefused(
            N_("Không thể đổi điểm tối đa khi hội đồng đã chấm điểm."),
            field="max_points",
        )
    criterion.name = name.strip()
    criterion.max_points = max_points
    db.session.flush()
    log.info(
        "criterion %s edited by user %s", criterion.id, actor.id if actor else None
    )
    return criterion


def delete_criterion(criterion: Criterion, *, actor: User | None) -> None:
    """Remove a criterion nobody has scored."""
    if criterion_scored(criterion):
        raise RuleRefused(N_("Không thể xóa tiêu chí đã được chấm điểm."))
    criterion_id = criterion.id
    db.session.delete(criterion)
    db.session.flush()
    log.info(
        "criterion %s deleted by user %s", criterion_id, actor.id if actor else None
    )


#: Why a stage's rule cannot work without criteria (see :func:`rule_needs_rubric`).
NEEDS_RUBRIC_FOR_MIN_SCORE = N_(
    "Vòng này đặt điểm trung bình tối thiểu nhưng chưa có tiêu chí chấm điểm; "
    "cơ quan thường trực cần thêm tiêu chí trước khi mở phiên."
)
NEEDS_RUBRIC_FOR_QUOTA = N_(
    "Vòng này có chỉ tiêu nhưng chưa có tiêu chí chấm điểm để xếp hạng; "
    "cơ quan thường trực cần thêm tiêu chí hoặc chọn cách xử lý đồng hạng khác."
)


def rule_needs_rubric(stage: Stage) -> str | None:
    """Why the stage's rule cannot work without criteria (an ``N_`` source message,
    translated where it is shown), or None.

    Without a rubric there are no scores: a minimum average fails every exemplar, and a
    quota whose ties are settled all-or-none passes everybody or nobody."""
    if stage.criteria:
        return None
    if stage.min_average_score is not None:
        return NEEDS_RUBRIC_FOR_MIN_SCORE
    if stage.quota is not None and stage.tie_rule in (
        TieRule.ALL_TIED_PASS,
        TieRule.NONE_TIED_PASS,
    ):
        return NEEDS_RUBRIC_FOR_QUOTA
    return None
