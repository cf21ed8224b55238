"""Appraisal operations: stages and rubrics, councils, rounds, ballots, the close, and
commendations.

Like every operation in dankheo they take explicit arguments, change rows, flush and
never commit. Exemplar states change only through
:func:`dankheo.registry.operations.transition` (guarded UPDATE + history).

Concurrency: a ballot write and the close both start with a conditional UPDATE of the
round row (``WHERE closed_at IS NULL``). On PostgreSQL the row lock this takes makes a
close wait for ballots in flight and makes late ballots fail once the round is closed;
on SQLite writers are serialised by ``BEGIN IMMEDIATE``. Either way a ballot is counted
by exactly one close, or refused.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import selectinload

from ..auth.models import RoleAssignment, User
from ..campaigns.models import Campaign, CommendationForm, Criterion, Stage
from ..db import utcnow
from ..domain.enums import Role, UnitTier
from ..domain.tally import (
    Choice,
    Decision,
    Entry,
    Outcome,
    Rule,
    Tally,
    TieRule,
    decide,
)
from ..domain.workflow import Action, State
from ..errors import Conflict, DomainError, NotAllowed
from ..extensions import db
from ..registry.models import Exemplar
from ..registry.operations import CONTACT_FIELDS, EDITABLE_FIELDS, transition
from ..units.models import Unit
from .models import (
    Attendance,
    Commendation,
    Council,
    CouncilMember,
    DossierSnapshot,
    MemberRole,
    ReturnMark,
    Round,
    Score,
    StageResult,
    Vote,
)
from .routing import next_stage

log = logging.getLogger(__name__)


def _(message: str, **values: Any) -> str:
    """Translate a user-facing message now when serving a request; the Vietnamese source
    otherwise (the CLI, the demo, tests outside a request)."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


#: Dossier fields a council sees (contact details stay with the secretariat).
DOSSIER_FIELDS = tuple(f for f in EDITABLE_FIELDS if f not in CONTACT_FIELDS)


# --- stages and rubrics ----------------------------------------------------------------

STAGE_FIELDS = (
    "name",
    "tier",
    "pass_label",
    "ballot",
    "base",
    "threshold_num",
    "threshold_den",
    "threshold_strict",
    "quorum_percent",
    "min_average_score",
    "quota",
    "tie_rule",
    "recuse_ancestors",
)


def _apply_stage(stage: Stage, data: dict[str, Any]) -> None:
    """Validate the merged values first, then set them (a refused edit changes nothing)."""
    unknown = set(data) - set(STAGE_FIELDS)
    if unknown:
        raise DomainError(f"unknown field {sorted(unknown)[0]}")
    merged = {k: getattr(stage, k) for k in STAGE_FIELDS}
    merged.update({k: v.strip() if isinstance(v, str) else v for k, v in data.items()})
    try:
        UnitTier(merged["tier"])
        Rule(**{k: merged[k] for k in Rule.__dataclass_fields__})
    except (ValueError, TypeError) as exc:
        raise DomainError(_("Quy tắc biểu quyết không hợp lệ.")) from exc
    if not merged["name"] or not merged["pass_label"]:
        raise DomainError(_("Vòng thẩm định cần có tên và danh hiệu khi đạt."))
    if merged["ballot"] not in ("open", "secret"):
        raise DomainError(_("Quy tắc biểu quyết không hợp lệ."))
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
        "ballot": "open",
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
    log.info("created %s in campaign %s by %s", stage, campaign.id, actor)
    return stage


def stage_in_use(stage: Stage) -> bool:
    """True once an entry has reached the stage or a ballot was cast at it."""
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


#: The decision rule of a stage: fixed once members have voted under it, so a secret
#: ballot cannot be opened mid-round and minutes always show the rule that decided.
RULE_FIELDS = (
    "ballot",
    "base",
    "threshold_num",
    "threshold_den",
    "threshold_strict",
    "quorum_percent",
    "min_average_score",
    "quota",
    "tie_rule",
    "recuse_ancestors",
)


def voting_started(stage: Stage) -> bool:
    """True once a ballot was cast or a result recorded at the stage."""
    return bool(
        db.session.scalar(select(Vote.id).where(Vote.stage_id == stage.id).limit(1))
        or db.session.scalar(
            select(StageResult.id).where(StageResult.stage_id == stage.id).limit(1)
        )
    )


def update_stage(stage: Stage, data: dict[str, Any], *, actor: User | None) -> Stage:
    """Edit a stage. Its tier cannot change once entries were routed to it, and its
    decision rule cannot change once members have voted under it."""
    if "tier" in data and data["tier"] != stage.tier and stage_in_use(stage):
        raise DomainError(_("Không thể đổi cấp của vòng đã có hồ sơ."))
    changed = [k for k in RULE_FIELDS if k in data and data[k] != getattr(stage, k)]
    if changed and voting_started(stage):
        raise DomainError(
            _("Không thể đổi quy tắc biểu quyết của vòng đã có phiếu thẩm định.")
        )
    _apply_stage(stage, data)
    db.session.flush()
    log.info("edited %s by %s", stage, actor)
    return stage


def delete_stage(stage: Stage, *, actor: User | None) -> None:
    if stage_in_use(stage) or db.session.scalar(
        select(func.count(Council.id)).where(Council.stage_id == stage.id)
    ):
        raise DomainError(_("Không thể xóa vòng đã có hội đồng hoặc hồ sơ."))
    db.session.delete(stage)
    db.session.flush()
    log.info("deleted stage %s by %s", stage.id, actor)


def move_stage(stage: Stage, offset: int, *, actor: User | None) -> None:
    """Swap the stage with its neighbour (``offset`` -1 up, +1 down)."""
    stages = sorted(stage.campaign.stages, key=lambda s: s.position)
    i = stages.index(stage)
    j = i + offset
    if not 0 <= j < len(stages):
        return
    if stage_in_use(stage) or stage_in_use(stages[j]):
        raise DomainError(_("Không thể đổi thứ tự các vòng đã có hồ sơ."))
    a, b = stages[i], stages[j]
    # Two steps so that UNIQUE(campaign_id, position) holds after every statement.
    pa, pb = a.position, b.position
    a.position = -1 - pa
    db.session.flush()
    b.position = pa
    db.session.flush()
    a.position = pb
    db.session.flush()
    log.info("moved %s by %s", stage, actor)


def criterion_scored(criterion: Criterion) -> bool:
    return bool(
        db.session.scalar(
            select(func.count(Score.id)).where(Score.criterion_id == criterion.id)
        )
    )


def add_criterion(
    stage: Stage, *, name: str, max_points: int, actor: User | None
) -> Criterion:
    """Add a rubric line; not once ballots were cast at the stage (scores would differ)."""
    if max_points <= 0:
        raise DomainError(_("Điểm tối đa phải lớn hơn 0."))
    if db.session.scalar(select(func.count(Vote.id)).where(Vote.stage_id == stage.id)):
        raise DomainError(_("Không thể đổi tiêu chí khi hội đồng đã chấm điểm."))
    last = max((c.position for c in stage.criteria), default=-1)
    criterion = Criterion(
        stage=stage, name=name.strip(), max_points=max_points, position=last + 1
    )
    db.session.add(criterion)
    db.session.flush()
    log.info("added %s to %s by %s", criterion, stage, actor)
    return criterion


def update_criterion(
    criterion: Criterion, *, name: str, max_points: int, actor: User | None
) -> Criterion:
    if max_points <= 0:
        raise DomainError(_("Điểm tối đa phải lớn hơn 0."))
    if max_points != criterion.max_points and criterion_scored(criterion):
        raise DomainError(_("Không thể đổi điểm tối đa khi hội đồng đã chấm điểm."))
    criterion.name = name.strip()
    criterion.max_points = max_points
    db.session.flush()
    log.info("edited %s by %s", criterion, actor)
    return criterion


def delete_criterion(criterion: Criterion, *, actor: User | None) -> None:
    if criterion_scored(criterion):
        raise DomainError(_("Không thể xóa tiêu chí đã được chấm điểm."))
    db.session.delete(criterion)
    db.session.flush()
    log.info("deleted criterion %s by %s", criterion.id, actor)


# --- councils ----------------------------------------------------------------------------


def create_council(
    stage: Stage, unit: Unit, *, name: str, actor: User | None
) -> Council:
    """A council of ``stage`` at ``unit``: the unit must be at the stage's tier and inside
    the campaign; one council per stage and unit."""
    if unit.tier != stage.tier:
        raise DomainError(_("Đơn vị không thuộc cấp của vòng thẩm định này."))
    if not unit.path.startswith(stage.campaign.unit.path):
        raise DomainError(_("Đơn vị nằm ngoài phạm vi đợt thi đua."))
    if db.session.scalar(
        select(Council.id).where(
            Council.stage_id == stage.id, Council.unit_id == unit.id
        )
    ):
        raise DomainError(_("Đơn vị này đã có hội đồng cho vòng này."))
    # Councils of one stage never overlap: no council above or below this one.
    overlapping = db.session.scalar(
        select(Council.id)
        .join(Unit, Unit.id == Council.unit_id)
        .where(
            Council.stage_id == stage.id,
            Unit.id.in_(unit.ancestor_ids()) | Unit.path.startswith(unit.path),
        )
        .limit(1)
    )
    if overlapping:
        raise DomainError(
            _("Địa bàn của đơn vị này đã thuộc một hội đồng khác của vòng.")
        )
    council = Council(stage=stage, unit=unit, name=name.strip())
    db.session.add(council)
    db.session.flush()
    log.info("created %s by %s", council, actor)
    return council


def add_member(
    council: Council, user: User, *, role: str = MemberRole.MEMBER, actor: User | None
) -> CouncilMember:
    """Add (or re-activate) ``user`` with ``role``; the user gets the council-member role
    over the council's unit so that the workspace opens for them."""
    MemberRole(role)
    member = db.session.scalar(
        select(CouncilMember).where(
            CouncilMember.council_id == council.id, CouncilMember.user_id == user.id
        )
    )
    if member is None:
        member = CouncilMember(council=council, user=user, role=role)
        db.session.add(member)
    else:
        member.role = role
        member.active = True
    if not any(
        r.role == Role.COUNCIL_MEMBER and r.unit_id == council.unit_id
        for r in user.roles
    ):
        user.roles.append(
            RoleAssignment(role=Role.COUNCIL_MEMBER, unit_id=council.unit_id)
        )
    db.session.flush()
    log.info("added %s by %s", member, actor)
    return member


def remove_member(member: CouncilMember, *, actor: User | None) -> None:
    """A member leaves: past ballots stay in the record, the member stops counting."""
    member.active = False
    db.session.flush()
    log.info("deactivated %s by %s", member, actor)


# --- rounds ------------------------------------------------------------------------------


def rule_needs_rubric(stage: Stage) -> str | None:
    """Why the stage's rule cannot work without criteria, or None.

    Without a rubric there are no scores: a minimum average fails every entry, and a
    quota whose ties are settled all-or-none passes everybody or nobody."""
    if stage.criteria:
        return None
    if stage.min_average_score is not None:
        return _(
            "Vòng này đặt điểm trung bình tối thiểu nhưng chưa có tiêu chí chấm điểm; "
            "cơ quan thường trực cần thêm tiêu chí trước khi mở phiên."
        )
    if stage.quota is not None and stage.tie_rule in (
        "all_tied_pass",
        "none_tied_pass",
    ):
        return _(
            "Vòng này có chỉ tiêu nhưng chưa có tiêu chí chấm điểm để xếp hạng; "
            "cơ quan thường trực cần thêm tiêu chí hoặc chọn cách xử lý đồng hạng khác."
        )
    return None


def open_round(council: Council, *, actor: User | None) -> Round:
    """Open the next session. A partial unique index keeps one open round per council,
    so two chairs opening at once cannot create two."""
    if council.open_round is not None:
        raise DomainError(_("Hội đồng đang có phiên chưa kết thúc."))
    problem = rule_needs_rubric(council.stage)
    if problem:
        raise DomainError(problem)
    number = (
        db.session.scalar(
            select(func.max(Round.number)).where(Round.council_id == council.id)
        )
        or 0
    ) + 1
    rnd = Round(council=council, number=number, opened_by=actor)
    db.session.add(rnd)
    db.session.flush()
    log.info("opened %s by %s", rnd, actor)
    return rnd


def is_recused(
    member_unit_path: str | None,
    entry_unit_path: str,
    council_unit_path: str,
    *,
    ancestors: bool,
) -> bool:
    """A member of the registering unit never judges its entry. With ``ancestors`` a
    member of any unit between the council's unit (excluded) and the registering unit is
    recused too."""
    if not member_unit_path:
        return False
    if member_unit_path == entry_unit_path:
        return True
    return (
        ancestors
        and entry_unit_path.startswith(member_unit_path)
        and member_unit_path != council_unit_path
        and member_unit_path.startswith(council_unit_path)
    )


def member_recused(member: CouncilMember, exemplar: Exemplar) -> bool:
    council = member.council
    return is_recused(
        member.user.unit.path if member.user.unit else None,
        exemplar.unit.path,
        council.unit.path,
        ancestors=council.stage.recuse_ancestors,
    )


def queue_condition(council: Council):
    """SQL condition: entries waiting for ``council`` (submitted, at its stage, in its
    unit's subtree)."""
    return (
        (Exemplar.state == State.SUBMITTED.value)
        & (Exemplar.stage_id == council.stage_id)
        & Exemplar.unit_id.in_(
            select(Unit.id).where(Unit.path.startswith(council.unit.path))
        )
    )


def member_queue_condition(member: CouncilMember):
    """The council's queue minus the entries the member is recused from."""
    council = member.council
    cond = queue_condition(council)
    unit = member.user.unit
    if unit is None:
        return cond
    cond = cond & (Exemplar.unit_id != unit.id)
    if (
        council.stage.recuse_ancestors
        and unit.path != council.unit.path
        and unit.path.startswith(council.unit.path)
    ):
        cond = cond & ~Exemplar.unit_id.in_(
            select(Unit.id).where(Unit.path.startswith(unit.path))
        )
    return cond


@dataclass(frozen=True)
class BallotInput:
    exemplar_id: int
    choice: str
    scores: dict[int, int] = field(default_factory=dict)
    comment: str = ""


def _validate_scores(
    stage: Stage, choice: str, scores: dict[int, int]
) -> dict[int, int]:
    """Every criterion scored within 0..max for approve / reject; none for abstain."""
    if choice == Choice.ABSTAIN:
        return {}
    criteria = {c.id: c for c in stage.criteria}
    if set(scores) - set(criteria):
        raise DomainError(_("Tiêu chí không thuộc vòng thẩm định này."))
    missing = [c.name for cid, c in criteria.items() if scores.get(cid) is None]
    if missing:
        raise DomainError(_("Chưa chấm điểm: %(names)s.", names="; ".join(missing)))
    for cid, points in scores.items():
        c = criteria[cid]
        if not isinstance(points, int) or isinstance(points, bool):
            raise DomainError(_("Điểm phải là số nguyên."))
        if not 0 <= points <= c.max_points:
            raise DomainError(
                _(
                    "Điểm của tiêu chí “%(name)s” phải từ 0 đến %(max)d.",
                    name=c.name,
                    max=c.max_points,
                )
            )
    return dict(scores)


def cast_ballots(
    member: CouncilMember,
    ballots: Sequence[BallotInput],
    *,
    now: datetime | None = None,
) -> int:
    """Record (or replace) the member's ballots in the council's open round.

    Each entry must be in the member's queue (not recused); scores are checked against
    the rubric. One ballot per member per entry per stage (UNIQUE); a second ballot
    replaces the first while the round is open. Returns the number of ballots written.
    """
    if not ballots:
        return 0
    if not member.active:
        raise NotAllowed(_("Bạn không còn là thành viên hội đồng này."))
    council = member.council
    stage = council.stage
    rnd = council.open_round
    if rnd is None:
        raise DomainError(_("Hội đồng chưa mở phiên thẩm định."))
    ids = [b.exemplar_id for b in ballots]
    if len(set(ids)) != len(ids):
        raise DomainError("duplicate ballots")
    checked: list[tuple[BallotInput, dict[int, int]]] = []
    for b in ballots:
        try:
            Choice(b.choice)
        except ValueError as exc:
            raise DomainError(_("Lựa chọn biểu quyết không hợp lệ.")) from exc
        checked.append((b, _validate_scores(stage, b.choice, b.scores)))
    allowed: set[int] = set()
    for i in range(0, len(ids), 500):
        allowed.update(
            db.session.scalars(
                select(Exemplar.id).where(
                    member_queue_condition(member), Exemplar.id.in_(ids[i : i + 500])
                )
            )
        )
    if set(ids) - allowed:
        raise NotAllowed(_("Hồ sơ không thuộc danh sách thẩm định của bạn."))

    # The guard: fails once the round is closed, and (PostgreSQL) holds the round's row
    # lock until commit so that a close waits for this ballot and then counts it.
    guarded = db.session.execute(
        update(Round)
        .where(Round.id == rnd.id, Round.closed_at.is_(None))
        .values(ballot_writes=Round.ballot_writes + len(ballots))
        .execution_options(synchronize_session=False)
    )
    if guarded.rowcount != 1:
        raise Conflict(_("Phiên thẩm định đã kết thúc, không thể biểu quyết nữa."))

    now = now or utcnow()
    existing: dict[int, int] = {}
    for i in range(0, len(ids), 500):
        existing.update(
            db.session.execute(
                select(Vote.exemplar_id, Vote.id).where(
                    Vote.member_id == member.id,
                    Vote.stage_id == stage.id,
                    Vote.exemplar_id.in_(ids[i : i + 500]),
                )
            ).all()
        )
    score_rows: list[dict[str, Any]] = []
    new_rows: list[dict[str, Any]] = []
    new_scores: list[dict[int, int]] = []
    for b, scores in checked:
        total = sum(scores.values()) if scores else None
        values = {
            "choice": b.choice,
            "comment": (b.comment or "").strip(),
            "total_score": total,
            "round_id": rnd.id,
            "updated_at": now,
        }
        vote_id = existing.get(b.exemplar_id)
        if vote_id is not None:
            db.session.execute(
                update(Vote)
                .where(Vote.id == vote_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            db.session.execute(delete(Score).where(Score.vote_id == vote_id))
            score_rows += [
                {"vote_id": vote_id, "criterion_id": c, "points": p}
                for c, p in scores.items()
            ]
        else:
            new_rows.append(
                {
                    **values,
                    "member_id": member.id,
                    "exemplar_id": b.exemplar_id,
                    "stage_id": stage.id,
                    "cast_at": now,
                }
            )
            new_scores.append(scores)
    if new_rows:
        new_ids = db.session.scalars(
            insert(Vote).returning(Vote.id, sort_by_parameter_order=True), new_rows
        ).all()
        for vote_id, scores in zip(new_ids, new_scores, strict=True):
            score_rows += [
                {"vote_id": vote_id, "criterion_id": c, "points": p}
                for c, p in scores.items()
            ]
    if score_rows:
        db.session.execute(insert(Score), score_rows)
    db.session.expire_all()
    log.info("member %s cast %d ballots in %s", member.id, len(ballots), rnd)
    return len(ballots)


def cast_vote(
    member: CouncilMember,
    exemplar: Exemplar,
    *,
    choice: str,
    scores: dict[int, int] | None = None,
    comment: str = "",
) -> Vote:
    """Cast or change one ballot (see :func:`cast_ballots`); returns the stored vote."""
    cast_ballots(member, [BallotInput(exemplar.id, choice, scores or {}, comment)])
    return db.session.scalar(
        select(Vote).where(
            Vote.member_id == member.id,
            Vote.exemplar_id == exemplar.id,
            Vote.stage_id == member.council.stage_id,
        )
    )


def actor_recused(council: Council, exemplar: Exemplar, actor: User | None) -> bool:
    """True when ``actor`` (a chair, a secretary) belongs to a unit recused from
    ``exemplar`` at ``council``: they neither judge it nor steer its outcome."""
    if actor is None or actor.unit is None:
        return False
    return is_recused(
        actor.unit.path,
        exemplar.unit.path,
        council.unit.path,
        ancestors=council.stage.recuse_ancestors,
    )


def _refuse_if_recused(
    council: Council, exemplar: Exemplar, actor: User | None
) -> None:
    if actor_recused(council, exemplar, actor):
        raise NotAllowed(_("Bạn không biểu quyết hồ sơ này."))


def discard_open_ballots(exemplar: Exemplar) -> int:
    """Drop the ballots (and scores) and the return mark cast on ``exemplar`` in the open
    round of its stage's councils. Called when the unit takes the entry back: a dossier
    submitted again may differ, so ballots on the old one must not count for it.
    Returns the number of ballots removed."""
    if exemplar.stage_id is None:
        return 0
    open_rounds = (
        select(Round.id)
        .join(Council, Council.id == Round.council_id)
        .where(Council.stage_id == exemplar.stage_id, Round.closed_at.is_(None))
    )
    vote_ids = list(
        db.session.scalars(
            select(Vote.id).where(
                Vote.exemplar_id == exemplar.id,
                Vote.stage_id == exemplar.stage_id,
                Vote.round_id.in_(open_rounds),
            )
        )
    )
    if vote_ids:
        db.session.execute(delete(Score).where(Score.vote_id.in_(vote_ids)))
        db.session.execute(
            delete(Vote)
            .where(Vote.id.in_(vote_ids))
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        delete(ReturnMark)
        .where(
            ReturnMark.exemplar_id == exemplar.id,
            ReturnMark.round_id.in_(open_rounds),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    if vote_ids:
        log.info(
            "discarded %d open-round ballots on exemplar %s", len(vote_ids), exemplar.id
        )
    return len(vote_ids)


def mark_return(
    rnd: Round, exemplar: Exemplar, *, reason: str, actor: User | None
) -> ReturnMark:
    """The chair decides, before the close, to return an entry for supplement."""
    if not rnd.is_open:
        raise Conflict(_("Phiên thẩm định đã kết thúc."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Cần ghi rõ nội dung cần bổ sung."))
    if not db.session.scalar(
        select(Exemplar.id).where(
            queue_condition(rnd.council), Exemplar.id == exemplar.id
        )
    ):
        raise NotAllowed(_("Hồ sơ không thuộc hội đồng này."))
    _refuse_if_recused(rnd.council, exemplar, actor)
    mark = db.session.scalar(
        select(ReturnMark).where(
            ReturnMark.round_id == rnd.id, ReturnMark.exemplar_id == exemplar.id
        )
    )
    if mark is None:
        mark = ReturnMark(round_id=rnd.id, exemplar_id=exemplar.id, reason=reason)
        db.session.add(mark)
    mark.reason = reason
    mark.marked_by_id = actor.id if actor else None
    db.session.flush()
    return mark


def unmark_return(rnd: Round, exemplar: Exemplar, *, actor: User | None) -> None:
    if not rnd.is_open:
        raise Conflict(_("Phiên thẩm định đã kết thúc."))
    _refuse_if_recused(rnd.council, exemplar, actor)
    db.session.execute(
        delete(ReturnMark).where(
            ReturnMark.round_id == rnd.id, ReturnMark.exemplar_id == exemplar.id
        )
    )
    db.session.flush()


# --- the tally and the close -----------------------------------------------------------


@dataclass
class TallyRow:
    exemplar: Exemplar
    decision: Decision
    return_reason: str | None


@dataclass
class RoundTally:
    """What the rule gives for every entry of a round (the preview and the close)."""

    round: Round
    council: Council
    stage: Stage
    rows: list[TallyRow]
    tally: Tally
    quota: int | None
    seats_before: int
    ballots_by_member: dict[int, int]

    @property
    def seats_left_after(self) -> int | None:
        if self.quota is None:
            return None
        return max(self.quota - self.seats_before - self.tally.seats_used, 0)

    @property
    def seats_left_before(self) -> int | None:
        if self.quota is None:
            return None
        return max(self.quota - self.seats_before, 0)

    def count(self, outcome: Outcome) -> int:
        return self.tally.count(outcome)


def seats_used(council: Council, *, before_round: Round | None = None) -> int:
    """Entries this council passed in earlier rounds (the quota spans all rounds)."""
    q = select(func.count(StageResult.id)).where(
        StageResult.council_id == council.id,
        StageResult.outcome == Outcome.PASSED.value,
    )
    if before_round is not None:
        q = q.where(StageResult.round_id != before_round.id)
    return db.session.scalar(q) or 0


def tally_round(rnd: Round) -> RoundTally:
    """Apply the stage's rule to the ballots of ``rnd`` without changing anything."""
    council = rnd.council
    stage = council.stage
    exemplars = list(
        db.session.scalars(
            select(Exemplar)
            .options(selectinload(Exemplar.unit))
            .where(queue_condition(council))
            .order_by(Exemplar.submitted_at, Exemplar.id)
        )
    )
    members = [m for m in council.members if m.active]
    votes: dict[int, list[tuple[int, str, int | None]]] = {}
    ballots_by_member: Counter[int] = Counter()
    for exemplar_id, member_id, choice, total in db.session.execute(
        select(Vote.exemplar_id, Vote.member_id, Vote.choice, Vote.total_score).where(
            Vote.round_id == rnd.id, Vote.stage_id == stage.id
        )
    ):
        votes.setdefault(exemplar_id, []).append((member_id, choice, total))
    marks = dict(
        db.session.execute(
            select(ReturnMark.exemplar_id, ReturnMark.reason).where(
                ReturnMark.round_id == rnd.id
            )
        ).all()
    )
    entries = []
    for e in exemplars:
        entry_path = e.unit.path
        eligible_ids = {
            m.id
            for m in members
            if not is_recused(
                m.user.unit.path if m.user.unit else None,
                entry_path,
                council.unit.path,
                ancestors=stage.recuse_ancestors,
            )
        }
        cast = [(mid, c, t) for mid, c, t in votes.get(e.id, []) if mid in eligible_ids]
        for mid, _c, _t in cast:
            ballots_by_member[mid] += 1
        entries.append(
            Entry(
                key=e.id,
                eligible=len(eligible_ids),
                choices=[c for _m, c, _t in cast],
                scores=[t for _m, c, t in cast if t is not None],
                submitted=e.submitted_at,
                returned=e.id in marks,
            )
        )
    before = seats_used(council, before_round=rnd)
    quota_remaining = None if stage.quota is None else max(stage.quota - before, 0)
    tally = decide(Rule.of(stage), entries, quota_remaining=quota_remaining)
    rows = [
        TallyRow(exemplar=e, decision=d, return_reason=marks.get(e.id))
        for e, d in zip(exemplars, tally.decisions, strict=True)
    ]
    return RoundTally(
        round=rnd,
        council=council,
        stage=stage,
        rows=rows,
        tally=tally,
        quota=stage.quota,
        seats_before=before,
        ballots_by_member=dict(ballots_by_member),
    )


def snapshot_data(exemplar: Exemplar) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in DOSSIER_FIELDS:
        value = getattr(exemplar, key)
        if isinstance(value, date):
            value = value.isoformat()
        data[key] = value
    data["attachments"] = [a.original_name for a in exemplar.attachments]
    return data


@dataclass
class CloseSummary:
    round: Round
    counts: dict[str, int]
    skipped: int


def close_round(
    rnd: Round, *, actor: User | None, now: datetime | None = None
) -> CloseSummary:
    """Close the round and apply the rule to every entry of the council in one go.

    Passed entries move to the next stage they route to, or become "recommended for
    commendation" after the last; the others are not recognised; marked ones are returned
    for supplement (their dossier is kept as the council saw it); entries without quorum
    stay for the next round. The conditional UPDATE makes a second close (or a second
    chair at the same moment) fail with :class:`Conflict` and change nothing.
    """
    now = now or utcnow()
    closed = db.session.execute(
        update(Round)
        .where(Round.id == rnd.id, Round.closed_at.is_(None))
        .values(closed_at=now, closed_by_id=actor.id if actor else None)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        db.session.expire(rnd)
        raise Conflict(_("Phiên thẩm định này đã được kết thúc."))
    db.session.expire(rnd, ["closed_at", "closed_by_id", "ballot_writes"])
    plan = tally_round(rnd)
    stage = plan.stage
    campaign = stage.campaign
    counts: Counter[str] = Counter()
    skipped = 0
    results: list[dict[str, Any]] = []
    next_cache: dict[int, Stage | None] = {}
    for row in plan.rows:
        e, d = row.exemplar, row.decision
        exemplar_id, unit = e.id, e.unit  # read before transition() expires the row
        try:
            if d.outcome == Outcome.PASSED:
                if unit.id not in next_cache:
                    next_cache[unit.id] = next_stage(campaign, unit, after=stage)
                nxt = next_cache[unit.id]
                note = stage.pass_label
                if nxt is not None:
                    transition(
                        e,
                        Action.PASS_STAGE,
                        actor=actor,
                        actor_kind="council",
                        note=note,
                        stage=nxt,
                    )
                else:
                    transition(
                        e,
                        Action.RECOMMEND,
                        actor=actor,
                        actor_kind="council",
                        note=note,
                    )
            elif d.outcome in (Outcome.NOT_PASSED, Outcome.OVER_QUOTA):
                transition(
                    e,
                    Action.REJECT,
                    actor=actor,
                    actor_kind="council",
                    note="; ".join(d.reasons),
                )
            elif d.outcome == Outcome.RETURNED:
                db.session.add(
                    DossierSnapshot(
                        exemplar_id=exemplar_id,
                        stage_id=stage.id,
                        round_id=rnd.id,
                        data=snapshot_data(e),
                    )
                )
                transition(
                    e,
                    Action.RETURN_FOR_SUPPLEMENT,
                    actor=actor,
                    actor_kind="council",
                    note=row.return_reason or "",
                )
        except Conflict:
            # Withdrawn or changed by its unit while we closed: not ours to decide any more.
            skipped += 1
            continue
        counts[d.outcome.value] += 1
        results.append(
            {
                "exemplar_id": exemplar_id,
                "stage_id": stage.id,
                "council_id": plan.council.id,
                "round_id": rnd.id,
                "outcome": d.outcome.value,
                "eligible": d.eligible,
                "votes": d.present,
                "approvals": d.approvals,
                "rejections": d.rejections,
                "abstentions": d.abstentions,
                "average_score": d.average_float,
                "rank": d.rank,
                "note": row.return_reason or "; ".join(d.reasons),
                "decided_at": now,
            }
        )
    if results:
        db.session.execute(insert(StageResult), results)
    attendance = [
        {
            "round_id": rnd.id,
            "member_id": m.id,
            "role": m.role,
            "ballots": plan.ballots_by_member.get(m.id, 0),
        }
        for m in plan.council.active_members
    ]
    if attendance:
        db.session.execute(insert(Attendance), attendance)
    db.session.flush()
    log.info("closed %s by %s: %s (skipped %d)", rnd, actor, dict(counts), skipped)
    return CloseSummary(round=rnd, counts=dict(counts), skipped=skipped)


# --- commendation and replication -----------------------------------------------------


def record_commendation(
    exemplar: Exemplar,
    *,
    form: CommendationForm,
    issuing_body: str,
    decision_number: str,
    decision_date: date,
    actor: User | None,
) -> Commendation:
    """Record the decision that commends a recommended entry (-> commended)."""
    if form.campaign_id != exemplar.campaign_id:
        raise DomainError(_("Hình thức khen thưởng không thuộc đợt thi đua này."))
    decision_number = " ".join((decision_number or "").split())
    issuing_body = " ".join((issuing_body or form.issuing_body or "").split())
    if not decision_number or not issuing_body:
        raise DomainError(_("Cần nhập số quyết định và cơ quan ban hành."))
    if exemplar.state != State.RECOMMENDED:
        raise DomainError(
            _("Chỉ ghi nhận khen thưởng cho hồ sơ đã được đề nghị khen thưởng.")
        )
    transition(
        exemplar,
        Action.COMMEND,
        actor=actor,
        actor_kind="secretariat",
        note=f"{form.name} — {decision_number} ({decision_date.strftime('%d/%m/%Y')})",
    )
    commendation = Commendation(
        exemplar_id=exemplar.id,
        form_id=form.id,
        issuing_body=issuing_body,
        decision_number=decision_number,
        decision_date=decision_date,
        recorded_by_id=actor.id if actor else None,
    )
    db.session.add(commendation)
    db.session.flush()
    return commendation


def record_commendations(
    exemplars: Sequence[Exemplar],
    *,
    form: CommendationForm,
    issuing_body: str,
    decision_number: str,
    decision_date: date,
    actor: User | None,
) -> list[Commendation]:
    """One decision for a batch of entries: all are recorded or (on error) none."""
    if not exemplars:
        raise DomainError(_("Chưa chọn hồ sơ nào."))
    return [
        record_commendation(
            e,
            form=form,
            issuing_body=issuing_body,
            decision_number=decision_number,
            decision_date=decision_date,
            actor=actor,
        )
        for e in exemplars
    ]


def mark_replicated(exemplar: Exemplar, *, note: str, actor: User | None) -> State:
    """Record that a commended model is being copied elsewhere (nhân rộng)."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Cần ghi rõ nơi, cách thức nhân rộng."))
    return transition(
        exemplar, Action.REPLICATE, actor=actor, actor_kind="secretariat", note=note
    )
