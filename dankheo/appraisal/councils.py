"""Councils: forming them, their members, and opening their rounds (sessions).

Invariants kept here:

* a council of a stage sits at a unit of the stage's tier inside the campaign, one per
  stage and unit, and councils of one stage never overlap (no council above or below
  another), so every exemplar has at most one council per stage (:func:`council_for`);
* a member who leaves is deactivated, never deleted: past votes stay in the record;
* at most one round is open per council (a partial unique index backs the check, so two
  chairs opening at once cannot create two).
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..auth.models import RoleAssignment, User
from ..campaigns.models import Stage
from ..domain import N_
from ..domain.enums import Role
from ..errors import InvalidInput, RuleRefused
from ..extensions import db
from ..units.models import Unit
from .models import Council, CouncilMember, MemberRole, Round
from .setup import rule_needs_rubric

log = logging.getLogger(__name__)


def council_for(stage: Stage, unit: Unit) -> Council | None:
    """The council of ``stage`` that appraises exemplars of ``unit`` (or None yet)."""
    return db.session.scalar(
        select(Council)
        .where(Council.stage_id == stage.id, Council.unit_id.in_(unit.ancestor_ids()))
        .limit(1)
    )


def create_council(
    stage: Stage, unit: Unit, *, name: str, actor: User | None
) -> Council:
    """A council of ``stage`` at ``unit``: the unit must be at the stage's tier and inside
    the campaign; one council per stage and unit, and none overlapping."""
    if unit.tier != stage.tier:
        raise InvalidInput(
            N_("Đơn vị không thuộc cấp của vòng thẩm định này."), field="unit_id"
        )
    if not unit.path.startswith(stage.campaign.unit.path):
        raise InvalidInput(N_("Đơn vị nằm ngoài phạm vi đợt thi đua."), field="unit_id")
    if db.session.scalar(
        select(Council.id).where(
            Council.stage_id == stage.id, Council.unit_id == unit.id
        )
    ):
        raise RuleRefused(
            N_("Đơn vị này đã có hội đồng cho vòng này."), field="unit_id"
        )
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
        raise RuleRefused(
            N_("Địa bàn của đơn vị này đã thuộc một hội đồng khác của vòng."),
            field="unit_id",
        )
    council = Council(stage=stage, unit=unit, name=name.strip())
    db.session.add(council)
    db.session.flush()
    log.info(
        "council %s formed for stage %s at unit %s by user %s",
        council.id,
        stage.id,
        unit.id,
        actor.id if actor else None,
    )
    return council


def add_member(
    council: Council, user: User, *, role: str = MemberRole.MEMBER, actor: User | None
) -> CouncilMember:
    """Add (or re-activate) ``user`` with ``role``; the user gets the council-member role
    over the council's unit so that the workspace opens for them."""
    try:
        MemberRole(role)
    except ValueError as exc:
        raise InvalidInput(field="role") from exc
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
    log.info(
        "user %s sits on council %s as %s, by user %s",
        user.id,
        council.id,
        role,
        actor.id if actor else None,
    )
    return member


def remove_member(member: CouncilMember, *, actor: User | None) -> None:
    """A member leaves: past votes stay in the record, the member stops counting."""
    member.active = False
    db.session.flush()
    log.info(
        "user %s left council %s, by user %s",
        member.user_id,
        member.council_id,
        actor.id if actor else None,
    )


def open_round(
    council: Council, *, actor: User | None, closes_on: date | None = None
) -> Round:
    """Open the next session, planned to close on ``closes_on`` if given (members are
    reminded before it). A partial unique index keeps one open round per council, so
    two chairs opening at once cannot create two: the slower one is refused."""
    if council.open_round is not None:
        raise RuleRefused(N_("Hội đồng đang có phiên chưa kết thúc."))
    problem = rule_needs_rubric(council.stage)
    if problem:
        raise RuleRefused(problem)
    number = (
        db.session.scalar(
            select(func.max(Round.number)).where(Round.council_id == council.id)
        )
        or 0
    ) + 1
    rnd = Round(council=council, number=number, opened_by=actor, closes_on=closes_on)
    db.session.add(rnd)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        # The partial unique index: another chair opened a round first.
        raise RuleRefused(N_("Hội đồng đang có phiên chưa kết thúc.")) from exc
    log.info(
        "round %s (#%d) of council %s opened by user %s",
        rnd.id,
        number,
        council.id,
        actor.id if actor else None,
    )
    return rnd
