from __future__ import annotations

import logging

from ..extensions import db
from .models import Unit

log = logging.getLogger(__name__)


def create_unit(
    *, code: str, name: str, tier: str, kind: str, parent: Unit | None = None
) -> Unit:
    """Create a unit under ``parent`` and set its materialised path and depth."""
    unit = Unit(code=code, name=name, tier=tier, kind=kind, parent=parent)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    log.info("created unit %s", unit)
    return unit


def update_unit(unit: Unit, *, name: str, code: str, kind: str, active: bool) -> Unit:
    """Rename or deactivate a unit; its place in the tree (and so its tier) never changes."""
    unit.name = name
    unit.code = code
    unit.kind = kind
    unit.active = active
    db.session.flush()
    log.info("updated unit %s", unit)
    return unit
