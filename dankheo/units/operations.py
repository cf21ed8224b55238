"""The unit tree: create and change units.

Operations flush and never commit (the request lifecycle does); a refusal is a typed
error from :mod:`dankheo.errors`; each change logs one line naming the actor's id.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..domain import N_
from ..domain.enums import TIER_ORDER, UnitTier
from ..errors import InvalidInput, RuleRefused
from ..extensions import db
from .models import Unit

if TYPE_CHECKING:
    from ..auth.models import User

log = logging.getLogger(__name__)


def _refuse_taken_code(code: str, unit: Unit | None = None) -> None:
    """Unit codes are unique: they name units in imports, pickers and exports."""
    taken = select(Unit.id).where(Unit.code == code)
    if unit is not None:
        taken = taken.where(Unit.id != unit.id)
    if db.session.scalar(taken) is not None:
        raise InvalidInput(N_("Mã đơn vị đã được dùng."), field="code")


#: The refusal when a unit would sit above its parent (a "central" unit under a commune).
TIER_ABOVE_PARENT = N_("Cấp của đơn vị không được cao hơn cấp của đơn vị cấp trên.")


def tier_fits_under(tier: str, parent_tier: str) -> bool:
    """A unit sits at its parent's tier or below it, never above: the one rule the unit
    form and the spreadsheet import both apply."""
    return TIER_ORDER[UnitTier(tier)] >= TIER_ORDER[UnitTier(parent_tier)]


def _id(user: User | None) -> int | None:
    return user.id if user is not None else None


def create_unit(
    *,
    code: str,
    name: str,
    tier: str,
    kind: str,
    parent: Unit | None = None,
    actor: User | None = None,
) -> Unit:
    """Create a unit under ``parent`` and set its materialised path and depth; its
    tier is not above the parent's (:func:`tier_fits_under`)."""
    if parent is not None and not tier_fits_under(tier, parent.tier):
        raise InvalidInput(TIER_ABOVE_PARENT, field="tier")
    _refuse_taken_code(code)
    unit = Unit(code=code, name=name, tier=tier, kind=kind, parent=parent)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    log.info(
        "unit %s created under %s by user %s",
        unit.id,
        parent.id if parent else None,
        _id(actor),
    )
    return unit


def update_unit(
    unit: Unit,
    *,
    name: str,
    code: str,
    kind: str,
    active: bool,
    actor: User | None = None,
) -> Unit:
    """Rename or deactivate a unit; its place in the tree (and so its tier) never changes."""
    if code != unit.code:
        _refuse_taken_code(code, unit)
    unit.name = name
    unit.code = code
    unit.kind = kind
    unit.active = active
    db.session.flush()
    log.info("unit %s updated (active=%s) by user %s", unit.id, unit.active, _id(actor))
    return unit


# --------------------------------------------------------------------------- reform
# Renames, moves and merges keep what the unit was before in ``unit_versions``, so the
# records of earlier years keep the name and place they had. Every row is changed
# through the ORM (never a bulk UPDATE), so the listeners that keep the audit log and
# the summary counts see each change.


def record_version(unit: Unit, reason: str, merged_into: Unit | None = None) -> None:
    """Record the state ``unit`` leaves now (name, code, parent, path)."""
    from ..db import utcnow
    from .models import UnitVersion

    last_to = db.session.scalar(
        select(UnitVersion.valid_to)
        .where(UnitVersion.unit_id == unit.id)
        .order_by(UnitVersion.valid_to.desc(), UnitVersion.id.desc())
        .limit(1)
    )
    db.session.add(
        UnitVersion(
            unit_id=unit.id,
            name=unit.name,
            code=unit.code,
            parent_id=unit.parent_id,
            path=unit.path,
            valid_from=last_to,
            valid_to=utcnow(),
            reason=reason,
            merged_into_id=merged_into.id if merged_into else None,
        )
    )


def rename_unit(unit: Unit, *, name: str, actor: User | None = None) -> Unit:
    """Give ``unit`` a new name; the old one stays in force for earlier records."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(N_("Vui lòng nhập tên đơn vị."), field="name")
    if name == unit.name:
        return unit
    record_version(unit, "rename")
    unit.name = name
    db.session.flush()
    log.info("unit %s renamed by user %s", unit.id, _id(actor))
    return unit


def tier_fits(tier: str, parent: Unit | None) -> bool:
    """A unit sits strictly below its parent's tier (a root may be any tier)."""
    from ..domain.enums import TIER_ORDER, UnitTier

    if parent is None:
        return True
    return TIER_ORDER[UnitTier(tier)] > TIER_ORDER[UnitTier(parent.tier)]


def move_unit(unit: Unit, *, parent: Unit, actor: User | None = None) -> Unit:
    """Put ``unit`` (and its whole subtree) under ``parent``.

    The new parent may not lie in the unit's own subtree, and the unit's tier must fit
    below the new parent's. Every path of the subtree is rewritten row by row.
    """
    if parent.id == unit.id or parent.is_within(unit):
        raise RuleRefused(
            N_("Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó."),
            field="parent_code",
        )
    if not tier_fits(unit.tier, parent):
        raise RuleRefused(
            N_("Cấp của đơn vị không phù hợp với đơn vị cấp trên mới."),
            field="parent_code",
        )
    if not parent.active:
        raise RuleRefused(
            N_("Đơn vị cấp trên mới đã ngừng hoạt động."), field="parent_code"
        )
    if parent.id == unit.parent_id:
        return unit
    record_version(unit, "move")
    reparent(unit, parent)
    log.info("unit %s moved under %s by user %s", unit.id, parent.id, _id(actor))
    return unit


def reparent(unit: Unit, parent: Unit) -> None:
    """Set ``unit``'s parent and rewrite the paths and depths of its subtree."""
    old_path, old_depth = unit.path, unit.depth
    new_path = f"{parent.path}{unit.id}/"
    shift = parent.depth + 1 - old_depth
    subtree = db.session.scalars(
        select(Unit).where(Unit.path.startswith(old_path)).order_by(Unit.depth)
    ).all()
    unit.parent = parent
    for member in subtree:
        member.path = new_path + member.path[len(old_path) :]
        member.depth = member.depth + shift
    db.session.flush()


def set_unit_active(unit: Unit, active: bool, *, actor: User | None = None) -> Unit:
    """Deactivate (or reactivate) a unit. A unit with active units below it stays
    active: its subtree must be moved, merged or deactivated first."""
    if not active and db.session.scalar(
        select(Unit.id).where(Unit.parent_id == unit.id, Unit.active.is_(True)).limit(1)
    ):
        raise RuleRefused(
            N_(
                "Đơn vị còn đơn vị trực thuộc đang hoạt động; hãy chuyển hoặc sáp nhập trước."
            )
        )
    unit.active = active
    db.session.flush()
    log.info("unit %s active=%s by user %s", unit.id, active, _id(actor))
    return unit
