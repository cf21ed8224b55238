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
from ..errors import InvalidInput
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
