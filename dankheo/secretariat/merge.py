"""Merging unit A into unit B (the 2025 reform and everyday reorganisation).

What moves, in one transaction: the exemplars of campaigns still running, accounts,
role assignments, councils (with their seats) and the units below A. What stays with A:
the exemplars of closed campaigns, so that earlier years keep the unit they were
registered by; A is then deactivated, and its name and place are kept in
``unit_versions``. Every row changes through the ORM, so the audit log and the summary
counts kept by ORM events see each change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from ..appraisal.models import Council, CouncilMember
from ..auth.models import RoleAssignment, User
from ..campaigns.models import Campaign, Stage
from ..domain import N_
from ..domain.enums import CampaignStatus
from ..errors import RuleRefused
from ..extensions import db
from ..registry.models import Exemplar
from ..units.models import Unit
from ..units.operations import record_version, reparent

log = logging.getLogger(__name__)


@dataclass
class MergePlan:
    """What a merge of ``source`` into ``target`` would move (the preview's counts)."""

    source: Unit
    target: Unit
    exemplars: list[Exemplar] = field(default_factory=list)
    kept_exemplars: int = 0
    users: list[User] = field(default_factory=list)
    roles: list[RoleAssignment] = field(default_factory=list)
    duplicate_roles: list[RoleAssignment] = field(default_factory=list)
    councils: list[Council] = field(default_factory=list)
    seats: int = 0
    children: list[Unit] = field(default_factory=list)
    #: Refusals: merging is not possible while any is there.
    problems: list[str] = field(default_factory=list)

    @property
    def counts(self) -> list[tuple[str, int]]:
        """(label, count) per kind of record, in the preview's order."""
        return [
            (N_("Hồ sơ của đợt đang diễn ra (chuyển sang)"), len(self.exemplars)),
            (N_("Hồ sơ của đợt đã kết thúc (giữ ở đơn vị cũ)"), self.kept_exemplars),
            (N_("Tài khoản"), len(self.users)),
            (N_("Vai trò được giao"), len(self.roles)),
            (N_("Vai trò trùng (bỏ đi)"), len(self.duplicate_roles)),
            (N_("Hội đồng thẩm định"), len(self.councils)),
            (N_("Thành viên hội đồng"), self.seats),
            (N_("Đơn vị trực thuộc"), len(self.children)),
        ]


def _running(campaign_id_column):
    return campaign_id_column.in_(
        select(Campaign.id).where(Campaign.status != CampaignStatus.CLOSED)
    )


def plan_merge(source: Unit, target: Unit) -> MergePlan:
    """Everything a merge would change, and why it may not be done (``problems``)."""
    plan = MergePlan(source, target)
    if source.id == target.id or target.is_within(source):
        plan.problems.append(
            N_("Không thể sáp nhập đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.")
        )
    if source.tier != target.tier:
        plan.problems.append(N_("Hai đơn vị phải cùng cấp mới sáp nhập được."))
    if not target.active or not source.active:
        plan.problems.append(N_("Cả hai đơn vị phải đang hoạt động."))
    s = db.session
    if s.scalar(
        select(Campaign.id)
        .where(Campaign.unit_id == source.id, Campaign.status != CampaignStatus.CLOSED)
        .limit(1)
    ):
        plan.problems.append(N_("Đơn vị đang chủ trì một đợt thi đua chưa kết thúc."))
    plan.exemplars = list(
        s.scalars(
            select(Exemplar).where(
                Exemplar.unit_id == source.id, _running(Exemplar.campaign_id)
            )
        )
    )
    plan.kept_exemplars = len(
        s.scalars(
            select(Exemplar.id).where(
                Exemplar.unit_id == source.id, ~_running(Exemplar.campaign_id)
            )
        ).all()
    )
    plan.users = list(s.scalars(select(User).where(User.unit_id == source.id)))
    held = {
        (r.user_id, r.role)
        for r in s.scalars(
            select(RoleAssignment).where(RoleAssignment.unit_id == target.id)
        )
    }
    for r in s.scalars(
        select(RoleAssignment).where(RoleAssignment.unit_id == source.id)
    ):
        (plan.duplicate_roles if (r.user_id, r.role) in held else plan.roles).append(r)
    plan.councils = list(
        s.scalars(
            select(Council)
            .join(Stage, Stage.id == Council.stage_id)
            .where(Council.unit_id == source.id, _running(Stage.campaign_id))
        )
    )
    taken = set(
        s.scalars(
            select(Council.stage_id).where(
                Council.unit_id == target.id,
                Council.stage_id.in_([c.stage_id for c in plan.councils]),
            )
        )
    )
    if taken:
        plan.problems.append(
            N_(
                "Đơn vị nhận đã có hội đồng ở cùng vòng thẩm định với đơn vị bị sáp nhập."
            )
        )
    plan.seats = len(
        s.scalars(
            select(CouncilMember.id).where(
                CouncilMember.council_id.in_([c.id for c in plan.councils]),
                CouncilMember.active.is_(True),
            )
        ).all()
    )
    plan.children = list(
        s.scalars(select(Unit).where(Unit.parent_id == source.id).order_by(Unit.name))
    )
    return plan


def merge_units(source: Unit, target: Unit, *, actor: User | None) -> MergePlan:
    """Merge ``source`` into ``target`` as :func:`plan_merge` describes, all or nothing."""
    plan = plan_merge(source, target)
    if plan.problems:
        raise RuleRefused(plan.problems[0])
    for exemplar in plan.exemplars:
        exemplar.unit = target
    for user in plan.users:
        user.unit = target
    for r in plan.duplicate_roles:
        db.session.delete(r)
    db.session.flush()
    for r in plan.roles:
        r.unit = target
    for council in plan.councils:
        council.unit = target
    for child in plan.children:
        record_version(child, "move")
        reparent(child, target)
    record_version(source, "merge", merged_into=target)
    source.active = False
    db.session.flush()
    log.info(
        "unit %s merged into %s by user %s (%s exemplars, %s accounts, %s councils)",
        source.id,
        target.id,
        actor.id if actor else None,
        len(plan.exemplars),
        len(plan.users),
        len(plan.councils),
    )
    return plan
