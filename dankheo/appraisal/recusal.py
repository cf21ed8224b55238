"""Who judges what: a council's queue and the recusal rule, in Python and in SQL.

A member of the registering unit never judges its exemplar (conflict of interest).
When the stage sets ``recuse_ancestors``, a member of any unit between the council's
unit (excluded) and the registering unit is recused too. The same rule appears in two
forms that must agree: :func:`is_recused` for one member and one exemplar (the tally,
the chair's actions), :func:`member_queue_condition` for a whole queue in SQL (the
member's list, the vote guard). Both live here so they change together.

A recused member is not even shown the exemplar; a recused chair or secretary neither
judges it nor steers its outcome (returns), and does not see how it fares on the tally.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from ..auth.models import User
from ..domain import N_
from ..domain.workflow import State
from ..errors import NotAllowed
from ..extensions import db
from ..registry.models import Exemplar, History
from ..units.models import Unit
from .models import Council, CouncilMember


def is_recused(
    member_unit_path: str | None,
    exemplar_unit_path: str,
    council_unit_path: str,
    *,
    ancestors: bool,
) -> bool:
    """A member of the registering unit never judges its exemplar. With ``ancestors`` a
    member of any unit between the council's unit (excluded) and the registering unit
    is recused too."""
    if not member_unit_path:
        return False
    if member_unit_path == exemplar_unit_path:
        return True
    return (
        ancestors
        and exemplar_unit_path.startswith(member_unit_path)
        and member_unit_path != council_unit_path
        and member_unit_path.startswith(council_unit_path)
    )


def member_recused(member: CouncilMember, exemplar: Exemplar) -> bool:
    """:func:`is_recused` for a council member."""
    council = member.council
    return is_recused(
        member.user.unit.path if member.user.unit else None,
        exemplar.unit.path,
        council.unit.path,
        ancestors=council.stage.recuse_ancestors,
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


def refuse_if_recused(council: Council, exemplar: Exemplar, actor: User | None) -> None:
    """Raise :class:`NotAllowed` when ``actor`` is recused from ``exemplar``."""
    if actor_recused(council, exemplar, actor):
        raise NotAllowed(N_("Bạn không biểu quyết hồ sơ này."))


def queue_condition(council: Council) -> ColumnElement[bool]:
    """SQL condition: exemplars waiting for ``council`` (submitted, at its stage, in
    its unit's subtree)."""
    return (
        (Exemplar.state == State.SUBMITTED.value)
        & (Exemplar.stage_id == council.stage_id)
        & Exemplar.unit_id.in_(
            select(Unit.id).where(Unit.path.startswith(council.unit.path))
        )
    )


def member_queue_condition(member: CouncilMember) -> ColumnElement[bool]:
    """The council's queue minus the exemplars the member is recused from (the SQL form
    of :func:`is_recused`)."""
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


def came_to(council: Council, exemplar: Exemplar) -> bool:
    """True when ``exemplar`` reached ``council``'s stage in its subtree at some time.
    For one that is no longer in the queue (withdrawn, decided), an action posted on it
    is late (a conflict), not aimed at something foreign (not found, not allowed)."""
    if exemplar.campaign_id != council.stage.campaign_id or not (
        exemplar.unit.path.startswith(council.unit.path)
    ):
        return False
    reached = select(History.id).where(
        History.exemplar_id == exemplar.id, History.stage_id == council.stage_id
    )
    return db.session.scalar(reached.limit(1)) is not None
