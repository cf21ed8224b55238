from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from ..extensions import db
from .models import Unit


def subtree_condition(column, unit_paths: list[str]):
    """SQL condition: the unit behind ``column`` lies in one of the subtrees."""
    if not unit_paths:
        return false()
    sub = select(Unit.id).where(or_(*[Unit.path.startswith(p) for p in unit_paths]))
    return column.in_(sub)


def units_in_subtrees(unit_paths: list[str]) -> Select:
    return (
        select(Unit)
        .where(subtree_condition(Unit.id, unit_paths))
        .where(Unit.active.is_(True))
        .order_by(Unit.path)
    )


def get_by_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def unit_suggestions(unit_paths: list[str], limit: int = 300) -> list[Unit]:
    """Active units of the subtrees for a picker's suggestions: the top levels first."""
    return list(
        db.session.scalars(
            select(Unit)
            .where(subtree_condition(Unit.id, unit_paths), Unit.active.is_(True))
            .order_by(Unit.depth, Unit.name, Unit.id)
            .limit(limit)
        )
    )


def unit_in_scopes(code: str | None, unit_paths: list[str]) -> Unit | None:
    """The active unit with ``code`` if it lies in one of the subtrees, else None."""
    if not code:
        return None
    unit = get_by_code(code.strip())
    if unit is None or not unit.active:
        return None
    return unit if any(unit.path.startswith(p) for p in unit_paths) else None
